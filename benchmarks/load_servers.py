"""Servers for the load benchmark: the `rasa init` baseline, scratch PostgreSQL
databases, and the memory of a set of processes read from /proc.

The baseline is a plain `rasa init` project under .build/benchmarks/rasa_init/,
trained once (offline) and reused; it is served by `rasa run` on loopback with
its REST channel and a SQL tracker store on the local PostgreSQL, the same kind
of store our production mode uses, so the comparison is storage-fair.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from scripts import paths
from scripts.postgres import create_database, drop_database
from scripts.stack import free_port, wait_for

BASELINE_DIR = paths.BUILD / "benchmarks" / "rasa_init"
RASA = paths.ROOT / ".venv" / "bin" / "rasa"


def baseline_model(log: Path) -> Path:
    """The trained `rasa init` model, made (offline) only when missing."""
    models = sorted((BASELINE_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    env = paths.rasa_env(dict(os.environ))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        if (BASELINE_DIR / "config.yml").exists():
            command = [str(RASA), "train"]
        else:
            shutil.rmtree(BASELINE_DIR, ignore_errors=True)
            BASELINE_DIR.mkdir(parents=True)
            command = [str(RASA), "init", "--no-prompt", "--init-dir", "."]
        subprocess.run(
            command, cwd=BASELINE_DIR, env=env, stdout=out, stderr=out, check=True
        )
    models = sorted((BASELINE_DIR / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init trained no model; see {log}")
    return models[-1]


def _endpoints(database: str) -> str:
    return (
        "# Written by benchmarks/load_servers.py for one benchmark run.\n"
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: postgresql\n"
        "  url: 127.0.0.1\n"
        "  port: 5432\n"
        "  username: postgres\n"
        f"  db: {database}\n"
    )


@dataclass
class Baseline:
    """`rasa run` of the rasa init bot with its REST channel and a SQL tracker store."""

    database: str
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    def start(self, *, timeout_s: float = 240) -> None:
        """Train if needed, make the database, start Rasa and wait until it answers."""
        model = baseline_model(self.log_dir / "baseline-train.log")
        create_database(self.database)
        endpoints = self.log_dir / "baseline-endpoints.yml"
        endpoints.write_text(_endpoints(self.database), encoding="utf-8")
        self.log = (self.log_dir / "baseline-rasa.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--model",
                str(model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=BASELINE_DIR,
            env=paths.rasa_env(dict(os.environ)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                f"http://127.0.0.1:{self.port}/",
                timeout_s=timeout_s,
                process=self.process,
                name="baseline Rasa server",
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop Rasa (TERM, then KILL after 10 s) and drop the database."""
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
        drop_database(self.database)

    def url(self) -> str:
        """Rasa's own REST channel."""
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def pids(self) -> dict[str, list[int]]:
        """The Rasa process."""
        return {"rasa": [self.process.pid]} if self.process else {}


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now running."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and brackets; fields follow the last ')'.
        found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def with_children(pids: list[int], parents: dict[int, int]) -> set[int]:
    """`pids` and all their descendants."""
    wanted = set(pids)
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in wanted}
        grew = not more <= wanted
        wanted |= more
    return wanted


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS) in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_by_role(pids: dict[str, list[int]]) -> dict[str, float]:
    """RSS in MB summed over each role's processes and their children."""
    parents = _parents()
    return {
        role: sum(rss_mb(p) for p in with_children(ids, parents))
        for role, ids in pids.items()
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Servers our set-ups share, found by command name (they are not our children).
SHARED_SERVERS = {"postgres": "postgres", "redis": "redis-server"}


def cpu_s(pid: int) -> float:
    """CPU time (user + system, every thread) one process has used; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_by_role(pids: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each role (with children) and by the shared
    PostgreSQL and Redis servers; take two readings and subtract."""
    parents = _parents()
    found = {
        role: sum(cpu_s(p) for p in with_children(ids, parents))
        for role, ids in pids.items()
    }
    for role, name in SHARED_SERVERS.items():
        found[role] = sum(cpu_s(p) for p in _named(name))
    return found


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds by role between two readings (a process that exited in
    between takes its time with it, so a difference is never below 0)."""
    return {role: max(0.0, after[role] - before.get(role, 0.0)) for role in after}
