"""The unit's HKBM self-assessment: levels per benchmark, their history, the
evidence the assistant gathers on its own, and medians across units.

Ratings are append-only `SelfAssessment` rows; a unit's latest row per benchmark
is its current level. Medians across units are shown only when at least
MIN_UNITS units have rated a benchmark, so no single unit's rating shows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Mapping

import yaml
from sqlalchemy import distinct, func, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from cld import broadcasts
from cld.broadcast_models import Broadcast, Delivery
from cld.models import PathwayQuestion, as_utc, unstorable, utcnow
from cld.parent_models import ParentSubscription
from cld.roadmap_models import Roadmap
from cld.staff_models import RoadmapReview, SelfAssessment, StaffAccount
from pathways_kb.models import Entry

BENCHMARKS_FILE = Path(__file__).with_name("hkbm_benchmarks.yml")
NUMBERS = tuple(range(1, 11))
LEVELS = ("not_yet", "partly", "fully")  # scored 0, 1, 2 for charts and medians
MAX_EVIDENCE_CHARS = 2000
MIN_UNITS = 3
WINDOW = timedelta(days=365)  # "in the last 12 months"
# Knowledge-base areas (pathways_kb/seed/*.yml) about further and higher education:
# Benchmark 9 covers universities and VPET institutions alike.
FURTHER_EDUCATION_AREAS = ("higher_ed", "vpet")


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: its group, how many criteria it lists, its sources."""

    number: int
    group: str
    criteria: int
    criteria_checked: bool
    sources: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """One rating of one benchmark by the unit, as recorded."""

    benchmark: int
    level: str
    evidence: str
    recorded_at: datetime
    recorded_by: str

    @property
    def score(self) -> int:
        """0 for not yet, 1 for partly, 2 for fully."""
        return LEVELS.index(self.level)


@dataclass(frozen=True)
class Median:
    """The median rating of one benchmark over the units that rated it."""

    benchmark: int
    units: int
    score: float | None  # None below MIN_UNITS units

    @property
    def levels(self) -> tuple[str, ...]:
        """The level it is, or the two levels it lies between; () if hidden."""
        if self.score is None:
            return ()
        low, high = int(self.score // 1), int(-(-self.score // 1))
        return (LEVELS[low],) if low == high else (LEVELS[low], LEVELS[high])


@dataclass(frozen=True)
class Evidence:
    """What the assistant recorded for a unit in the 12 months up to `until`."""

    since: datetime
    until: datetime
    questions_by_area: Mapping[str, int] = field(hash=False)  # Benchmark 3
    youth_sharing: int  # Benchmark 6: young people sharing a roadmap with the unit
    youth_complete: int  # ... of whom with a completed roadmap
    youth_reviewed: int  # ... of whom with a roadmap reviewed in the window
    parents_reached: Mapping[str, int] = field(hash=False)  # Benchmark 10, by language
    subscribers: Mapping[str, int] = field(hash=False)  # active, by language

    @property
    def questions(self) -> int:
        """Pathway questions answered, all areas."""
        return sum(self.questions_by_area.values())

    @property
    def further_education_questions(self) -> int:
        """Benchmark 9: questions answered about further and higher education."""
        return sum(self.questions_by_area.get(a, 0) for a in FURTHER_EDUCATION_AREAS)


@cache
def benchmarks() -> tuple[Benchmark, ...]:
    """The ten benchmarks, in order (cld/hkbm_benchmarks.yml)."""
    raw = yaml.safe_load(BENCHMARKS_FILE.read_text(encoding="utf-8"))
    found = tuple(
        Benchmark(
            number=int(number),
            group=str(entry["group"]),
            criteria=int(entry["criteria"]),
            criteria_checked=bool(entry["criteria_checked"]),
            sources=tuple(entry["sources"]),
            evidence=tuple(entry["evidence"]),
        )
        for number, entry in sorted(raw.items())
    )
    if tuple(b.number for b in found) != NUMBERS:
        raise ValueError(f"{BENCHMARKS_FILE.name} must list benchmarks 1 to 10")
    return found


def log_question(
    session: Session,
    *,
    profile_id: int,
    entry_id: str,
    area: str | None,
    lang: str,
) -> None:
    """Note that an entry answered someone's pathway question (never the words).

    `area` None means the entry's own area in the knowledge base.
    """
    if area is None:
        found = session.execute(select(Entry.area).where(Entry.id == entry_id))
        area = found.scalar_one_or_none() or "unknown"
    session.add(
        PathwayQuestion(
            profile_id=profile_id, entry_id=entry_id[:80], area=area[:32], lang=lang
        )
    )


def record(
    session: Session,
    *,
    unit_id: int,
    account_id: int | None,
    benchmark: int,
    level: str,
    evidence: str = "",
    now: datetime | None = None,
) -> Assessment:
    """Add the unit's rating of a benchmark; ValueError for a bad one."""
    if benchmark not in NUMBERS:
        raise ValueError(f"benchmark must be 1 to 10, not {benchmark}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    notes = evidence.strip().replace("\r\n", "\n")
    if len(notes) > MAX_EVIDENCE_CHARS:
        raise ValueError(f"evidence has at most {MAX_EVIDENCE_CHARS} characters")
    if unstorable(notes):
        raise ValueError("evidence has characters that cannot be stored")
    row = SelfAssessment(
        unit_id=unit_id,
        benchmark=benchmark,
        level=level,
        evidence=notes,
        account_id=account_id,
        recorded_at=as_utc(now or utcnow()),
    )
    session.add(row)
    session.flush()
    account = session.get(StaffAccount, account_id) if account_id else None
    return Assessment(
        benchmark=benchmark,
        level=level,
        evidence=notes,
        recorded_at=as_utc(row.recorded_at),
        recorded_by=account.display_name if account else "",
    )


def history(
    session: Session, *, unit_id: int, benchmark: int | None = None
) -> list[Assessment]:
    """The unit's ratings, newest first (of one benchmark, or of all)."""
    stmt = (
        select(SelfAssessment, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == SelfAssessment.account_id)
        .where(SelfAssessment.unit_id == unit_id)
        .order_by(SelfAssessment.recorded_at.desc(), SelfAssessment.id.desc())
    )
    if benchmark is not None:
        stmt = stmt.where(SelfAssessment.benchmark == benchmark)
    return [
        Assessment(
            benchmark=row.benchmark,
            level=row.level,
            evidence=row.evidence,
            recorded_at=as_utc(row.recorded_at),
            recorded_by=name or "",
        )
        for row, name in session.execute(stmt)
    ]


def current(session: Session, *, unit_id: int) -> dict[int, Assessment]:
    """The unit's latest rating of each benchmark it has rated."""
    latest: dict[int, Assessment] = {}
    for assessment in history(session, unit_id=unit_id):
        latest.setdefault(assessment.benchmark, assessment)
    return latest


def medians(session: Session, *, min_units: int = MIN_UNITS) -> dict[int, Median]:
    """Per benchmark, the median of every unit's latest rating (hidden below
    `min_units` units, so that no single unit's rating can be read from it)."""
    stmt = select(
        SelfAssessment.unit_id, SelfAssessment.benchmark, SelfAssessment.level
    ).order_by(SelfAssessment.recorded_at, SelfAssessment.id)
    latest: dict[tuple[int, int], str] = {}
    for unit_id, benchmark, level in session.execute(stmt):
        latest[(unit_id, benchmark)] = level
    result = {}
    for number in NUMBERS:
        scores = [LEVELS.index(v) for (_, b), v in latest.items() if b == number]
        shown = len(scores) >= max(min_units, MIN_UNITS)
        result[number] = Median(
            benchmark=number,
            units=len(scores),
            score=float(statistics.median(scores)) if shown else None,
        )
    return result


def _counts(session: Session, stmt: Select) -> dict[str, int]:
    return {str(key): int(number) for key, number in session.execute(stmt)}


def evidence(
    session: Session, *, unit_id: int, unit_code: str, now: datetime | None = None
) -> Evidence:
    """The unit's automatic evidence for the last 12 months.

    Profiles count as the unit's when a young person shares a roadmap with it or a
    parent subscribed to updates with its code.
    """
    until = as_utc(now or utcnow())
    since = until - WINDOW
    youth = select(Roadmap.profile_id).where(Roadmap.shared_unit == unit_code)
    parent_ids = select(ParentSubscription.profile_id).where(
        ParentSubscription.unit_id == unit_id
    )
    linked = union(youth, parent_ids).subquery()
    questions = (
        select(PathwayQuestion.area, func.count())
        .where(
            PathwayQuestion.profile_id.in_(select(linked.c.profile_id)),
            PathwayQuestion.asked_at >= since,
            PathwayQuestion.asked_at <= until,
        )
        .group_by(PathwayQuestion.area)
    )
    reached = (
        select(Delivery.lang, func.count(distinct(Delivery.profile_id)))
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Delivery.status == "sent",
            Delivery.sent_at >= since,
            Delivery.sent_at <= until,
            Delivery.profile_id.in_(parent_ids),
            Broadcast.template_id != broadcasts.DIRECT,
        )
        .group_by(Delivery.lang)
    )
    subscribers = (
        select(ParentSubscription.language, func.count())
        .where(
            ParentSubscription.unit_id == unit_id,
            ParentSubscription.status == "active",
        )
        .group_by(ParentSubscription.language)
    )
    count = func.count(distinct(Roadmap.profile_id))
    shared = Roadmap.shared_unit == unit_code
    reviewed = (
        select(count)
        .join(RoadmapReview, RoadmapReview.profile_id == Roadmap.profile_id)
        .where(shared, RoadmapReview.reviewed_at >= since)
    )
    return Evidence(
        since=since,
        until=until,
        questions_by_area=_counts(session, questions),
        youth_sharing=session.execute(select(count).where(shared)).scalar_one(),
        youth_complete=session.execute(
            select(count).where(shared, Roadmap.versions >= 1)
        ).scalar_one(),
        youth_reviewed=session.execute(reviewed).scalar_one(),
        parents_reached=_counts(session, reached),
        subscribers=_counts(session, subscribers),
    )
