"""Production mode on one machine: `make production` (python -m scripts.production).

    gateway ─► nginx (sticky by sender) ─► Rasa 1..N ─► action server
                                             │            │
      PostgreSQL (tracker), Redis (locks) ◄──┘            └─► PostgreSQL (app)
    gateway, dashboard ─► PostgreSQL (app; the dashboard reads the tracker)

Every process listens on loopback; the action server, which has no
authentication, never leaves it. Logs are JSON lines without message text
(LOG_FORMAT=json), one file per process under the log folder.

Timeouts, each well below the next: one action ACTION_TIMEOUT_S=5 s (the action
server's own limit; Rasa waits 3 s more, rasa_server/strict_actions.py) < nginx's
read timeout 24 s < the gateway's RASA_TIMEOUT_S=25 s < the conversation lock
TICKET_LOCK_LIFETIME=30 s. Telegram and Twilio never wait on a turn: the gateway
stores their message and acknowledges it first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from scripts import paths, postgres
from scripts.stack import (
    Stack,
    StackError,
    action_server_command,
    free_port,
    port_is_free,
    rasa_command,
    serve_until_interrupted,
    stop_on_signals,
    wait_for,
)

NGINX = "/usr/sbin/nginx"
TEMPLATE = paths.ROOT / "deploy" / "nginx.conf.template"
ENDPOINTS = "deploy/endpoints.production.yml"
NGINX_READ_TIMEOUT_S = 24


@dataclass(frozen=True)
class Services:
    """The shared servers production mode stores into."""

    postgres: str = field(default_factory=postgres.server_url)
    redis_host: str = field(
        default_factory=lambda: os.environ.get("REDIS_HOST", "127.0.0.1")
    )
    redis_port: int = field(
        default_factory=lambda: int(os.environ.get("REDIS_PORT", "6379"))
    )
    redis_db: int = field(default_factory=lambda: int(os.environ.get("REDIS_DB", "0")))


def render_nginx(prefix: Path, port: int, rasa_ports: list[int]) -> Path:
    """Write nginx.conf for these ports under `prefix`; returns its path."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=0;" for p in rasa_ports
    )
    config = (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{prefix}}", str(prefix))
        .replace("{{port}}", str(port))
        .replace("{{rasa_servers}}", servers)
        .replace("{{read_timeout_s}}", str(NGINX_READ_TIMEOUT_S))
    )
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    target = prefix / "nginx.conf"
    target.write_text(config, encoding="utf-8")
    return target


class ProductionStack(Stack):
    """Several Rasa instances behind nginx, on PostgreSQL and Redis.

    `scratch=True` (tests, benchmarks) makes fresh databases with random names
    and drops them on `stop()`; otherwise the databases `pathpal` and
    `pathpal_tracker` are created once and kept.
    """

    def __init__(
        self,
        *,
        rasa_instances: int = 2,
        log_dir: Path | None = None,
        env: dict[str, str] | None = None,
        services: Services | None = None,
        scratch: bool = True,
    ) -> None:
        self.services = services or Services()
        self.scratch = scratch
        self.rasa_ports = [free_port() for _ in range(rasa_instances)]
        self.nginx_port = free_port()
        run = uuid.uuid4().hex[:8] if scratch else ""
        self.databases = (
            (f"pathpal_{run}", f"pathpal_tracker_{run}")
            if scratch
            else ("pathpal", "pathpal_tracker")
        )
        self.prefix = paths.BUILD / "production" / (run or "main")
        super().__init__(
            log_dir=log_dir or self.prefix / "logs",
            env=dict(env or {}),
        )
        self.ports = type(self.ports)(
            actions=free_port(),
            rasa=self.nginx_port,  # the gateway's RASA_URL is the load balancer
            gateway=int(self.env.get("GATEWAY_PORT") or free_port()),
            dashboard=int(self.env.get("DASHBOARD_PORT") or free_port()),
        )

    # -- set-up -------------------------------------------------------------

    def _databases(self) -> None:
        from pathways_kb import db, loader

        make = postgres.create_database if self.scratch else postgres.ensure_database
        app_url = make(self.databases[0], self.services.postgres)
        tracker_url = make(self.databases[1], self.services.postgres)
        db.migrate(app_url)
        db.configure(app_url)
        try:
            with db.session_scope() as session:
                loader.load(session)
        finally:
            db.configure(None)
        self.env.setdefault("DATABASE_URL", app_url)
        self.env.setdefault("TRACKER_DB_URL", tracker_url)

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        env.update(
            {
                "RASA_ENDPOINTS": ENDPOINTS,
                "REDIS_HOST": self.services.redis_host,
                "REDIS_PORT": str(self.services.redis_port),
                "REDIS_DB": str(self.services.redis_db),
                "LOG_FORMAT": "json",
            }
        )
        env.update(self.env)
        return env

    # -- processes ----------------------------------------------------------

    def _launch_rasa(self, index: int):
        return self.launch(
            f"rasa{index + 1}",
            rasa_command(
                self.rasa_ports[index],
                endpoints=ENDPOINTS,
                auth_token=self._environment()["RASA_AUTH_TOKEN"],
            ),
        )

    def _wait_rasa(self, index: int, process, timeout_s: float) -> None:
        wait_for(
            f"{self.rasa_url(index)}/webhooks/gateway/",
            timeout_s=timeout_s,
            process=process,
            name=f"Rasa instance {index + 1}",
        )

    def start_rasa(self, index: int, *, timeout_s: float = 300) -> None:
        """Start (or restart) Rasa instance `index` and wait until it answers."""
        self._wait_rasa(index, self._launch_rasa(index), timeout_s)

    def start_actions(self, *, timeout_s: float = 60) -> None:
        """Start (or restart) the action server and wait until it answers."""
        process = self.launch("actions", action_server_command(self.ports.actions))
        wait_for(
            f"http://127.0.0.1:{self.ports.actions}/health",
            timeout_s=timeout_s,
            process=process,
            name="action server",
        )

    def start(self, *, timeout_s: float = 300) -> None:
        """Databases, action server, Rasa instances, nginx, gateway, dashboard."""
        if not Path(NGINX).exists():
            raise StackError(
                f"{NGINX} not found: run `make production` (it installs nginx) "
                "or apt-get install nginx"
            )
        if not port_is_free(self.ports.gateway):
            raise StackError(f"port {self.ports.gateway} (gateway) is already in use")
        python = str(paths.ROOT / ".venv" / "bin" / "python")
        try:
            self._databases()
            self.start_actions()
            # Rasa instances load their model in parallel, then are waited for.
            launched = [self._launch_rasa(i) for i in range(len(self.rasa_ports))]
            for index, process in enumerate(launched):
                self._wait_rasa(index, process, timeout_s)
            config = render_nginx(self.prefix, self.nginx_port, self.rasa_ports)
            nginx = self.launch(
                "nginx",
                [NGINX, "-p", str(self.prefix), "-c", str(config), "-g", "daemon off;"],
            )
            wait_for(
                f"http://127.0.0.1:{self.nginx_port}/health",
                timeout_s=30,
                process=nginx,
                name="nginx",
            )
            gateway = self.launch("gateway", [python, "-m", "bot"])
            dashboard = self.launch("dashboard", [python, "-m", "dashboard", "serve"])
            for name, process, port in (
                ("gateway", gateway, self.ports.gateway),
                ("dashboard", dashboard, self.ports.dashboard),
            ):
                wait_for(
                    f"http://127.0.0.1:{port}/health",
                    timeout_s=60,
                    process=process,
                    name=name,
                )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every process; drop scratch databases."""
        super().stop()
        if self.scratch:
            if not self.log_dir.is_relative_to(self.prefix):
                shutil.rmtree(self.prefix, ignore_errors=True)
            for name in self.databases:
                try:
                    postgres.drop_database(name, self.services.postgres)
                except Exception as error:  # noqa: BLE001 (report, keep stopping)
                    print(f"warning: could not drop {name}: {error}", file=sys.stderr)

    def pids(self) -> dict[str, list[int]]:
        """Process ids by role: rasa (every instance), actions, nginx, gateway..."""
        found: dict[str, list[int]] = {}
        for name, ids in super().pids().items():
            role = "rasa" if name.startswith("rasa") else name
            found.setdefault(role, []).extend(ids)
        return found

    def rasa_url(self, index: int) -> str:
        """One Rasa instance directly (not through nginx)."""
        return f"http://127.0.0.1:{self.rasa_ports[index]}"


def main() -> None:
    """Start production mode and serve until Ctrl-C."""
    stop_on_signals()
    parser = argparse.ArgumentParser(description="Production mode on this machine.")
    parser.add_argument("--rasa-instances", type=int, default=2)
    args = parser.parse_args()
    env = {
        key: os.environ[key]
        for key in ("GATEWAY_PORT", "DASHBOARD_PORT")
        if os.environ.get(key)
    }
    env.setdefault("GATEWAY_PORT", "8080")
    env.setdefault("DASHBOARD_PORT", "8090")
    stack = ProductionStack(rasa_instances=args.rasa_instances, env=env, scratch=False)
    print(
        f"==> production mode: {args.rasa_instances} Rasa instances behind nginx, "
        f"PostgreSQL {stack.services.postgres} "
        f"(databases {', '.join(stack.databases)}), Redis "
        f"{stack.services.redis_host}:{stack.services.redis_port}"
    )
    print(f"==> logs (JSON lines, no message text): {stack.log_dir}")
    try:
        stack.start()
    except StackError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(130)
    print(f"==> REST channel: POST {stack.gateway_url()}")
    print(f"==> dashboard: {stack.dashboard_url()}")
    print(
        "==> health: "
        + ", ".join(
            [
                stack.gateway_url("/health"),
                f"http://127.0.0.1:{stack.nginx_port}/health",
                f"{stack.dashboard_url()}health",
            ]
        )
        + "   (Ctrl-C stops)"
    )
    serve_until_interrupted(stack)


if __name__ == "__main__":
    main()
