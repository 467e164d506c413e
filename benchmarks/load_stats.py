"""Figures for the load and latency benchmark: percentiles, ratios, targets, report.

Pure functions only (no servers, no clock), so tests/benchmarks/ can check them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0..1) percentile of `values`, interpolated; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    weight = position - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def median(values: Sequence[float]) -> float | None:
    """The median of `values`; None if empty."""
    return percentile(values, 0.5)


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """`ours / baseline`, or None when either is missing or the baseline is 0."""
    if ours is None or baseline is None or baseline == 0:
        return None
    return ours / baseline


@dataclass(frozen=True)
class Target:
    """A limit a ratio must meet: `<= limit` (costs) or `>= limit` (throughput)."""

    op: str  # "<=" | ">="
    limit: float

    def verdict(self, value: float | None) -> str:
        """PASS or MISS for a measured value; n/a when it was not measured."""
        if value is None:
            return "n/a"
        met = value <= self.limit if self.op == "<=" else value >= self.limit
        return "PASS" if met else "MISS"

    def __str__(self) -> str:
        return f"{self.op} {self.limit:g}x"


P50 = Target("<=", 1.3)
P95 = Target("<=", 1.5)
SCALE_OUT = Target(">=", 1.5)
LONG_CONVERSATION = Target("<=", 1.5)


@dataclass(frozen=True)
class Row:
    """One line of the comparison table."""

    label: str
    ours: float | None
    baseline: float | None
    unit: str
    target: Target | None = None
    ratio_override: float | None = None

    @property
    def ratio(self) -> float | None:
        """Ours against the baseline (or the given ratio, e.g. 2 vs 1 instance)."""
        if self.ratio_override is not None:
            return self.ratio_override
        return ratio(self.ours, self.baseline)

    @property
    def verdict(self) -> str:
        """PASS / MISS / n/a against the target; empty when the row has none."""
        return self.target.verdict(self.ratio) if self.target else ""

    def as_dict(self) -> dict[str, Any]:
        """The row for the JSON file."""
        return {
            "label": self.label,
            "ours": self.ours,
            "baseline": self.baseline,
            "unit": self.unit,
            "ratio": self.ratio,
            "target": str(self.target) if self.target else None,
            "verdict": self.verdict or None,
        }


def fmt(value: float | None, unit: str = "") -> str:
    """A figure for the table: ms and MB without decimals below 1000, else 1 decimal."""
    if value is None:
        return "-"
    if unit in ("ms", "MB") and abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def format_table(
    rows: Sequence[Row], *, ours_label: str = "ours", baseline_label: str = "baseline"
) -> str:
    """Rows as aligned text: label, ours, baseline, ratio, target, verdict."""
    width = max([len(r.label) for r in rows] + [10])
    header = (
        f"{'':<{width}}  {ours_label:>12}  {baseline_label:>12}  {'ratio':>7}  "
        f"{'target':>8}  verdict"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        shown_ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(
            f"{row.label:<{width}}  {fmt(row.ours, row.unit):>12}  "
            f"{fmt(row.baseline, row.unit):>12}  {shown_ratio:>7}  "
            f"{str(row.target) if row.target else '':>8}  {row.verdict}".rstrip()
        )
    return "\n".join(lines)


def format_errors(errors: dict[str, dict[str, int]]) -> str:
    """Error counts by system and phase, e.g. `ours/20 users: 2 timeout, 1 http_503`."""
    lines = []
    for where, kinds in errors.items():
        total = sum(kinds.values())
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()) if n)
        lines.append(f"  {where}: {total}" + (f" ({detail})" if detail else ""))
    return "\n".join(lines) if lines else "  none"


@dataclass(frozen=True)
class Table:
    """A titled table and its two column names."""

    title: str
    columns: tuple[str, str]
    rows: Sequence[Row]
    note: str = ""
