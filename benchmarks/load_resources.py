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


def _by_role(
    ours: dict[str, float],
    single: dict[str, float] | None,
    base: dict[str, float],
    unit: str,
    *,
    total: str,
    single_roles: tuple[str, ...],
) -> list[Row]:
    """A row per role of ours, the total, then 1 instance's rows for `single_roles`."""
    names = {"total": total}
    return [
        *(
            Row(role, ours[role], base.get(role), unit)
            for role in sorted(set(ours) - {"total"})
        ),
        Row(total, ours.get("total"), base.get("total"), unit),
        *(
            Row(
                f"1 instance: {names.get(role, role)}",
                single.get(role),
                base.get(role),
                unit,
            )
            for role in (single_roles if single is not None else ())
        ),
    ]


def memory_table(
    ours: Resources, single: Resources | None, base: Resources, users: Any
) -> Table:
    """Peak RSS by role in the N-user load; 1 instance's Rasa and total below."""
    return Table(
        title=f"server memory (MB): peak RSS in the {users}-user load, incl. children",
        columns=("ours", "baseline"),
        rows=_by_role(
            ours.memory_mb,
            single.memory_mb if single else None,
            base.memory_mb,
            "MB",
            total="all servers",
            single_roles=("rasa", "total"),
        ),
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
    bounds = f"ours {_bound(ours.cpu_ms, cores)}, baseline {_bound(base.cpu_ms, cores)}"
    if single:
        bounds += f", 1 instance {_bound(single.cpu_ms, cores)}"
    return Table(
        title=f"CPU per answered turn (ms) in the {users}-user load, by role",
        columns=("ours", "baseline"),
        rows=_by_role(
            ours.cpu_ms,
            single.cpu_ms if single else None,
            base.cpu_ms,
            "ms",
            total="all",
            single_roles=("total",),
        ),
        note=f"user + system time of each role's processes, PostgreSQL and Redis "
        f"included; {cores} cores can serve at most cores x 1000 / all: {bounds}",
    )
