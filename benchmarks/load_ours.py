"""Our assistant for the load benchmark: production mode (scripts/production.py).

nginx (sticky by sender) in front of `instances` Rasa servers, the PostgreSQL
tracker store (rasa_server/tracker_store.py), the Redis lock store, the action
server, the gateway and the dashboard, on scratch databases dropped at the end.
It answers `start`, `stop`, `url` and `pids` like `load_servers.Baseline`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scripts.production import ProductionStack


@dataclass
class Production:
    """scripts.production.ProductionStack with `instances` Rasa servers."""

    instances: int
    log_dir: Path
    stack: ProductionStack | None = None

    @property
    def label(self) -> str:
        """How the report names this set-up."""
        plural = "instance" if self.instances == 1 else "instances"
        return f"production mode, {self.instances} Rasa {plural}"

    def start(self, *, timeout_s: float = 300) -> None:
        """Start every process and wait until each answers its health check."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.stack = ProductionStack(
            rasa_instances=self.instances, log_dir=self.log_dir, scratch=True
        )
        self.stack.start(timeout_s=timeout_s)

    def stop(self) -> None:
        """Stop every process (the stack drops its own scratch databases)."""
        if self.stack is not None:
            self.stack.stop()
            self.stack = None

    def _running(self) -> ProductionStack:
        if self.stack is None:
            raise RuntimeError("start() the stack first")
        return self.stack

    def url(self) -> str:
        """The gateway's REST channel (through nginx to the Rasa instances)."""
        return self._running().gateway_url("/webhooks/rest/webhook")

    def pids(self) -> dict[str, list[int]]:
        """Process ids by role: rasa, actions, gateway, nginx, dashboard."""
        return {role: list(ids) for role, ids in self._running().pids().items()}
