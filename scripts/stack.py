"""Start and stop the local process stack: action server, Rasa server, gateway,
and (for `make run` / `make serve`) the social workers' dashboard.

Used by `make run` / `make serve` and by the end-to-end tests, so both run the
same real servers. Each process runs in its own process group; `stop()` ends
them all, and a busy port is reported by name before anything starts.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from scripts import paths


class StackError(RuntimeError):
    """The stack could not start; the message says why."""


@dataclass(frozen=True)
class Ports:
    """The local ports the stack listens on (no dashboard unless given one)."""

    actions: int = 5055
    rasa: int = 5005
    gateway: int = 8080
    dashboard: int | None = None

    @classmethod
    def from_env(cls) -> "Ports":
        """Ports from ACTIONS_PORT, RASA_PORT and GATEWAY_PORT, else the defaults."""
        env = os.environ
        return cls(
            actions=int(env.get("ACTIONS_PORT", "5055")),
            rasa=int(env.get("RASA_PORT", "5005")),
            gateway=int(env.get("GATEWAY_PORT", "8080")),
            dashboard=int(env.get("DASHBOARD_PORT", "8090")),
        )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on `port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def local_secret(name: str) -> str:
    """A random secret for the embedded default, made once and kept in .data/."""
    path = paths.DATA / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(24))
        path.chmod(0o600)
    return path.read_text().strip()


def channel_token() -> str:
    """The token Rasa's gateway channel expects from our gateway."""
    return os.environ.get("RASA_CHANNEL_TOKEN") or local_secret("rasa_channel_token")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    url: str, *, timeout_s: float, process: subprocess.Popen[bytes], name: str
) -> None:
    """Wait until `url` answers 200, or fail if the process died or time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                f"{name} exited with code {process.returncode} while starting"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise StackError(f"{name} did not become ready within {timeout_s:.0f} s ({url})")


def action_server_command(port: int) -> list[str]:
    """The action server on loopback (actions/server.py)."""
    python = str(paths.ROOT / ".venv" / "bin" / "python")
    return [python, "-m", "actions.server", "--port", str(port)]


def rasa_command(port: int, *, endpoints: str, auth_token: str) -> list[str]:
    """One Rasa server on loopback, serving the gateway channel and the HTTP API."""
    return [
        str(paths.ROOT / ".venv" / "bin" / "rasa"),
        "run",
        "--model",
        str(paths.MODEL),
        "--endpoints",
        endpoints,
        "--credentials",
        "credentials.yml",
        "--interface",
        "127.0.0.1",
        # The HTTP API (for the check-in scheduler) needs the token.
        "--enable-api",
        "--auth-token",
        auth_token,
        "--port",
        str(port),
    ]


@dataclass
class Stack:
    """The running processes, with their logs under `log_dir`."""

    ports: Ports = field(default_factory=Ports.from_env)
    log_dir: Path = paths.DATA / "logs"
    env: dict[str, str] = field(default_factory=dict)
    processes: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = field(
        default_factory=list
    )

    def _environment(self) -> dict[str, str]:
        env = {
            **paths.rasa_env(dict(os.environ)),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports.actions}/webhook",
            "TRACKER_DB_PATH": str(paths.DATA / "tracker.db"),
            "RASA_URL": f"http://127.0.0.1:{self.ports.rasa}",
            "GATEWAY_PORT": str(self.ports.gateway),
            "PUBLIC_URL": os.environ.get("PUBLIC_URL")
            or f"http://127.0.0.1:{self.ports.gateway}",
            "ROADMAP_LINK_KEY": os.environ.get("ROADMAP_LINK_KEY")
            or local_secret("roadmap_link_key"),
            "RASA_AUTH_TOKEN": os.environ.get("RASA_AUTH_TOKEN")
            or local_secret("rasa_auth_token"),
            "RASA_CHANNEL_TOKEN": channel_token(),
            # Timeouts, each below the next: one action (the action server's own
            # limit) < the conversation lock < nothing a channel waits on (the
            # gateway acknowledges Telegram and Twilio before the turn runs).
            "ACTION_TIMEOUT_S": os.environ.get("ACTION_TIMEOUT_S", "5"),
            "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", "30"),
            "RASA_TIMEOUT_S": os.environ.get("RASA_TIMEOUT_S", "25"),
        }
        if self.ports.dashboard is not None:
            env["DASHBOARD_PORT"] = str(self.ports.dashboard)
        env.update(self.env)
        env.setdefault("TRACKER_DB_URL", f"sqlite:///{env['TRACKER_DB_PATH']}")
        return env

    def launch(
        self, name: str, command: list[str], extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start one process of the stack, logging to `log_dir/<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            command,
            cwd=paths.ROOT,
            env={**self._environment(), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own group: we pass Ctrl-C on ourselves
        )
        self._forget_exited(name)
        self.processes.append((name, process, log))
        return process

    def _forget_exited(self, name: str) -> None:
        """Drop an earlier `name` that has exited (restarted after a kill), so
        `crashed()` does not report it."""
        kept = []
        for entry in self.processes:
            found, process, log = entry
            if found == name and process.poll() is not None:
                log.close()
            else:
                kept.append(entry)
        self.processes[:] = kept

    def start(self, *, timeout_s: float = 180) -> None:
        """Start the servers and wait until each answers its health check."""
        wanted = [
            ("action server", self.ports.actions),
            ("Rasa server", self.ports.rasa),
            ("gateway", self.ports.gateway),
        ]
        if self.ports.dashboard is not None:
            wanted.append(("dashboard", self.ports.dashboard))
        for label, port in wanted:
            if not port_is_free(port):
                raise StackError(
                    f"port {port} ({label}) is already in use: stop what uses it, or "
                    "choose another port (ACTIONS_PORT, RASA_PORT, GATEWAY_PORT, "
                    "DASHBOARD_PORT)"
                )
        bin_dir = paths.ROOT / ".venv" / "bin"
        paths.DATA.mkdir(exist_ok=True)
        try:
            actions = self.launch(
                "actions",
                action_server_command(self.ports.actions),
            )
            rasa = self.launch(
                "rasa",
                rasa_command(
                    self.ports.rasa,
                    endpoints=self.env.get("RASA_ENDPOINTS", "endpoints.yml"),
                    auth_token=self._environment()["RASA_AUTH_TOKEN"],
                ),
            )
            gateway = self.launch("gateway", [str(bin_dir / "python"), "-m", "bot"])
            dashboard = None
            if self.ports.dashboard is not None:
                dashboard = self.launch(
                    "dashboard", [str(bin_dir / "python"), "-m", "dashboard", "serve"]
                )
            wait_for(
                f"http://127.0.0.1:{self.ports.actions}/health",
                timeout_s=timeout_s,
                process=actions,
                name="action server",
            )
            wait_for(
                f"http://127.0.0.1:{self.ports.rasa}/",
                timeout_s=timeout_s,
                process=rasa,
                name="Rasa server",
            )
            wait_for(
                f"http://127.0.0.1:{self.ports.gateway}/health",
                timeout_s=timeout_s,
                process=gateway,
                name="gateway",
            )
            if dashboard is not None:
                wait_for(
                    f"http://127.0.0.1:{self.ports.dashboard}/health",
                    timeout_s=timeout_s,
                    process=dashboard,
                    name="dashboard",
                )
        except BaseException:
            self.stop()
            raise

    def kill(self, name: str) -> None:
        """SIGKILL the process `name` (fault tests); `stop()` still cleans up."""
        for found, process, _log in self.processes:
            if found == name and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        """Stop every process this stack started (TERM, then KILL after 10 s)."""
        for _name, process, _log in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _name, process, log in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
        self.processes.clear()

    def gateway_url(self, path: str = "/webhooks/rest/webhook") -> str:
        """URL of the gateway's REST channel (or another path on it)."""
        return f"http://127.0.0.1:{self.ports.gateway}{path}"

    def dashboard_url(self) -> str | None:
        """The dashboard's address, when this stack runs one."""
        if self.ports.dashboard is None:
            return None
        return f"http://127.0.0.1:{self.ports.dashboard}/"

    def pids(self) -> dict[str, list[int]]:
        """Process ids of the running processes, by name."""
        found: dict[str, list[int]] = {}
        for name, process, _log in self.processes:
            if process.poll() is None:
                found.setdefault(name, []).append(process.pid)
        return found

    def crashed(self) -> str | None:
        """Name of a process that exited on its own, if any."""
        for name, process, _log in self.processes:
            if process.poll() is not None:
                return name
        return None


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl-C and `kill` raise KeyboardInterrupt, so every process gets stopped
    (even when a shell started us in the background with SIGINT ignored)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def serve_until_interrupted(stack: Stack) -> None:
    """Wait until Ctrl-C or until a process of `stack` dies; then stop them all."""
    try:
        while (crashed := stack.crashed()) is None:
            time.sleep(1)
        print(f"error: {crashed} stopped; see {stack.log_dir}/{crashed}.log")
    except KeyboardInterrupt:
        pass
    finally:
        print("==> stopping")
        stack.stop()
