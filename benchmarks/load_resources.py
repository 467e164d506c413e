"""The load benchmark's resource tables: peak memory and CPU per turn, by role.

CPU per answered turn, summed over every process a set-up uses (PostgreSQL and
Redis included), bounds what a machine can serve: `cores * 1000 / ms` turns a
second, however many Rasa instances share those cores.
"""

from __future__ import annotations

from typing import Any, Protocol

from benchmarks.load_stats import Row, Table


class Resources(Protocol):
    """What these tables read of a set-up (benchmarks.load_latency.Figures)."""

    memory_mb: dict[str, float]
    cpu_ms: dict[str, float]


def memory_table(
    ours: Resources, single: Resources | None, base: Resources, users: Any
) -> Table:
    """Peak RSS by role in the N-user load; 1 instance's Rasa and total below."""
    roles = sorted(set(ours.memory_mb) - {"total"})
    single_rows = [
        Row(
            f"1 instance: {name}",
            single.memory_mb.get(role),
            base.memory_mb.get(role),
            "MB",
        )
        for role, name in (
            (("rasa", "rasa"), ("total", "all servers")) if single else ()
        )
    ]
    return Table(
        title=f"server memory (MB): peak RSS in the {users}-user load, incl. children",
        columns=("ours", "baseline"),
        rows=[
            *(
                Row(role, ours.memory_mb[role], base.memory_mb.get(role), "MB")
                for role in roles
            ),
            Row(
                "all servers",
                ours.memory_mb.get("total"),
                base.memory_mb.get("total"),
                "MB",
            ),
            *single_rows,
        ],
        note="ours = 2 Rasa instances; PostgreSQL and Redis are shared and not counted",
    )


def _bound(cpu_ms: dict[str, float], cores: int | None) -> str:
    total = cpu_ms.get("total")
    if not total or not cores:
        return "-"
    return f"{cores * 1000 / total:.1f}/s"


def cpu_table(
    ours: Resources,
    single: Resources | None,
    base: Resources,
    users: Any,
    cores: int | None,
) -> Table:
    """CPU ms per answered turn by role in the N-user load, with the throughput
    bound it sets on this machine."""
    roles = sorted(set(ours.cpu_ms) - {"total"})
    single_rows = (
        [
            Row(
                "1 instance: all",
                single.cpu_ms.get("total"),
                base.cpu_ms.get("total"),
                "ms",
            )
        ]
        if single
        else []
    )
    bounds = f"ours {_bound(ours.cpu_ms, cores)}, baseline {_bound(base.cpu_ms, cores)}"
    if single:
        bounds += f", 1 instance {_bound(single.cpu_ms, cores)}"
    return Table(
        title=f"CPU per answered turn (ms) in the {users}-user load, by role",
        columns=("ours", "baseline"),
        rows=[
            *(
                Row(role, ours.cpu_ms[role], base.cpu_ms.get(role), "ms")
                for role in roles
            ),
            Row("all", ours.cpu_ms.get("total"), base.cpu_ms.get("total"), "ms"),
            *single_rows,
        ],
        note=f"user + system time of each role's processes, PostgreSQL and Redis "
        f"included; {cores} cores can serve at most cores x 1000 / all: {bounds}",
    )
