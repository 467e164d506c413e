"""The load benchmark's report: tables of figures with ratios and targets, as
text for the terminal and as a dict for `--json`.

Works on measured phases only (no servers), so tests/benchmarks/ can check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from benchmarks.load_resources import cpu_table, memory_table
from benchmarks.load_stats import (
    LONG_CONVERSATION,
    P50,
    P95,
    SCALE_OUT,
    Row,
    Table,
    format_errors,
    format_table,
    median,
    percentile,
    ratio,
)

STORAGE = (
    "storage: ours and the baseline both keep conversations in a SQL tracker store "
    "on the local PostgreSQL (a fresh database each, dropped at the end), so neither "
    "gains from a faster store; lock store: Rasa's default (in memory) for the "
    "baseline, Redis for ours"
)
FIRST = 10  # the long conversation compares the median of its first 10 turns...
LAST = 10  # ...with the median of its last 10


class PhaseLike(Protocol):
    """What the report reads from a measured phase (benchmarks.load_client.Phase)."""

    name: str
    latencies_ms: list[float]
    by_turn_ms: list[float | None]
    errors: Mapping[str, int]
    elapsed_s: float
    roadmaps_saved: int

    @property
    def done(self) -> int: ...

    @property
    def per_second(self) -> float | None: ...


class FiguresLike(Protocol):
    """One set-up's phases and memory (benchmarks.load_latency.Figures)."""

    label: str
    one: PhaseLike | None
    many: PhaseLike | None
    long: PhaseLike | None
    memory_mb: dict[str, float]
    cpu_ms: dict[str, float]


@dataclass
class Report:
    """Everything the benchmark prints."""

    context: dict[str, Any]
    tables: list[Table]
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report for the JSON file."""
        return {
            **self.context,
            "storage": STORAGE,
            "tables": {
                t.title: {
                    "columns": list(t.columns),
                    "rows": [r.as_dict() for r in t.rows],
                }
                for t in self.tables
            },
            "phases": self.phases,
            "errors": self.errors,
        }


def _stat(phase: PhaseLike | None, share: float) -> float | None:
    return percentile(phase.latencies_ms, share) if phase else None


def _rate(phase: PhaseLike | None) -> float | None:
    return phase.per_second if phase else None


def long_medians(phase: PhaseLike | None) -> tuple[float | None, float | None]:
    """Median latency of the first 10 and of the last 10 turns (errors left out)."""
    if phase is None or len(phase.by_turn_ms) < FIRST + LAST:
        return None, None
    head = [t for t in phase.by_turn_ms[:FIRST] if t is not None]
    tail = [t for t in phase.by_turn_ms[-LAST:] if t is not None]
    return median(head), median(tail)


def phase_summary(phase: PhaseLike) -> dict[str, Any]:
    """Raw figures of one phase for the JSON file."""
    return {
        "turns_done": phase.done,
        "errors": sum(phase.errors.values()),
        "elapsed_s": round(phase.elapsed_s, 2),
        "p50_ms": _stat(phase, 0.5),
        "p95_ms": _stat(phase, 0.95),
        "per_second": phase.per_second,
        "roadmaps_saved": phase.roadmaps_saved,
    }


def build(results: Mapping[str, FiguresLike], context: dict[str, Any]) -> Report:
    """The report from the measured set-ups: "baseline", "ours" and, in
    production mode, "ours, 1 instance"."""
    base, ours = results["baseline"], results["ours"]
    single = results.get("ours, 1 instance")
    users = context.get("options", {}).get("users", "N")
    comparison = Table(
        title=f"ours ({ours.label}) vs the baseline ({base.label})",
        columns=("ours", "baseline"),
        rows=[
            Row(
                "1 user: p50 per turn (ms)",
                _stat(ours.one, 0.5),
                _stat(base.one, 0.5),
                "ms",
                P50,
            ),
            Row(
                "1 user: p95 per turn (ms)",
                _stat(ours.one, 0.95),
                _stat(base.one, 0.95),
                "ms",
                P95,
            ),
            Row(
                f"{users} users: p50 per turn (ms)",
                _stat(ours.many, 0.5),
                _stat(base.many, 0.5),
                "ms",
                P50,
            ),
            Row(
                f"{users} users: p95 per turn (ms)",
                _stat(ours.many, 0.95),
                _stat(base.many, 0.95),
                "ms",
                P95,
            ),
            Row(f"{users} users: messages/s", _rate(ours.many), _rate(base.many), "/s"),
        ],
    )
    instances = Table(
        title="ours: 2 Rasa instances vs 1, same load",
        columns=("2 instances", "1 instance"),
        rows=[
            Row(
                f"{users} users: messages/s",
                _rate(ours.many),
                _rate(single.many) if single else None,
                "/s",
                SCALE_OUT,
            ),
            Row(
                f"{users} users: p50 per turn (ms)",
                _stat(ours.many, 0.5),
                _stat(single.many, 0.5) if single else None,
                "ms",
            ),
            Row(
                f"{users} users: p95 per turn (ms)",
                _stat(ours.many, 0.95),
                _stat(single.many, 0.95) if single else None,
                "ms",
            ),
        ],
        note="" if single else "not measured: no 1-instance run",
    )
    memory = memory_table(ours, single, base, users)
    cpu = cpu_table(ours, single, base, users, context.get("cores"))
    ours_first, ours_last = long_medians(ours.long)
    base_first, base_last = long_medians(base.long)
    length = len(ours.long.by_turn_ms) if ours.long else 0
    long = Table(
        title=f"latency against conversation length: one conversation of {length} "
        "turns each, median per turn",
        columns=(f"turns {length - LAST + 1}-{length}", f"turns 1-{FIRST}"),
        rows=[
            Row("ours (ms)", ours_last, ours_first, "ms", LONG_CONVERSATION),
            Row("baseline (ms)", base_last, base_first, "ms"),
        ],
        note="ratio = late turns / early turns of the same conversation; the issue "
        "measured about 8x at turn 300 for plain Rasa, which has no target here",
    )
    phases: dict[str, dict[str, Any]] = {}
    errors: dict[str, dict[str, int]] = {}
    for key, figures in results.items():
        for phase in (figures.one, figures.many, figures.long):
            if phase is not None:
                phases.setdefault(key, {})[phase.name] = phase_summary(phase)
                errors[f"{key} / {phase.name}"] = dict(phase.errors)
    context = {
        **context,
        "ours": ours.label,
        "baseline": base.label,
        "ratios": {
            "throughput_vs_baseline": ratio(_rate(ours.many), _rate(base.many)),
            "two_vs_one_instance": instances.rows[0].ratio,
        },
    }
    return Report(
        context=context,
        tables=[comparison, instances, memory, cpu, long],
        phases=phases,
        errors=errors,
    )


def render(report: Report) -> str:
    """The report as text: context, each table, then the error counts."""
    c = report.context
    options = c.get("options", {})
    lines = [
        f"load and latency benchmark {c.get('run_id', '')}: ours = {c.get('ours')}, "
        f"baseline = {c.get('baseline')}, same run",
        f"{options.get('users')} users x {options.get('turns_per_user')} turns, "
        f"{options.get('rounds')} round(s) per set-up in alternating order; "
        f"1 user: {options.get('one_user_scripts')} of those scripts in turn; "
        f"long conversation: {options.get('long_turns')} turns",
        f"{c.get('cores')} cores, 1-min load average {c.get('load_average_1m')} "
        f"(start, end); took {c.get('duration_s')} s",
        STORAGE,
    ]
    for table in report.tables:
        lines += ["", table.title]
        lines.append(
            format_table(
                table.rows, ours_label=table.columns[0], baseline_label=table.columns[1]
            )
        )
        if table.note:
            lines.append(f"({table.note})")
    saved = ", ".join(
        f"{name} {figures['roadmaps_saved']}"
        for name, figures in report.phases.get("ours", {}).items()
    )
    lines += ["", f"roadmaps filled in to the end by our users: {saved or '-'}"]
    total = sum(sum(kinds.values()) for kinds in report.errors.values())
    lines += ["", f"errors (non-200, timeouts, empty or try-again replies): {total}"]
    lines.append(format_errors(report.errors))
    return "\n".join(lines)
