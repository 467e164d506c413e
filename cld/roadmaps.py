"""Career roadmaps as plain functions: drafts, versions, sharing and check-ins."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cld import services
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion

SECTIONS = (
    "stage",
    "interests",
    "strengths",
    "values",
    "priorities",
    "pathways",
    "short_goal",
    "long_goal",
    "milestones",
    "support",
)
MIN_MILESTONES, MAX_MILESTONES = 3, 6
SHARE_CONSENT = "share_roadmap"
# The wording of utter_ask_share_roadmap that a consent was given against.
SHARE_WORDING_VERSION = "share-2026-12"


class RoadmapIncomplete(ValueError):
    """A roadmap cannot be completed yet; `missing` lists the sections."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"missing: {', '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class RoadmapView:
    """A roadmap's latest completed version, its draft, and who may see it."""

    profile_id: int
    version: int
    content: dict[str, Any]
    draft: dict[str, Any]
    shared_unit: str | None
    updated_at: datetime


@dataclass(frozen=True)
class VersionView:
    """One completed version and the sections it changed."""

    number: int
    content: dict[str, Any]
    changed: tuple[str, ...]
    created_at: datetime


def _roadmap(session: Session, profile_id: int, *, create: bool) -> Roadmap | None:
    row = session.execute(
        select(Roadmap).where(Roadmap.profile_id == profile_id)
    ).scalar_one_or_none()
    if row is None and create:
        row = Roadmap(profile_id=profile_id, draft="{}", versions=0)
        session.add(row)
        session.flush()
    return row


def _latest(session: Session, roadmap: Roadmap) -> RoadmapVersion | None:
    return session.execute(
        select(RoadmapVersion)
        .where(RoadmapVersion.roadmap_id == roadmap.id)
        .order_by(RoadmapVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def save_answer(session: Session, *, profile_id: int, section: str, value: Any) -> None:
    """Keep one answer in the draft at once, so nothing is lost if the chat stops."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section '{section}'")
    row = _roadmap(session, profile_id, create=True)
    assert row is not None
    draft = json.loads(row.draft)
    draft[section] = value
    row.draft = json.dumps(draft, ensure_ascii=False)


def start_edit(session: Session, *, profile_id: int) -> dict[str, Any]:
    """Begin editing: the draft starts from the latest version (or what was drafted)."""
    row = _roadmap(session, profile_id, create=True)
    assert row is not None
    latest = _latest(session, row)
    draft = json.loads(row.draft)
    if latest is not None and not draft:
        row.draft = latest.content
        draft = json.loads(latest.content)
    return draft


def discard_draft(session: Session, *, profile_id: int) -> None:
    """Forget the draft in progress (after the person confirmed a restart)."""
    row = _roadmap(session, profile_id, create=False)
    if row is not None:
        row.draft = "{}"


def complete(
    session: Session, *, profile_id: int, turns: list[str], today: datetime
) -> VersionView:
    """Turn the draft into a new version (checked complete) and schedule check-ins."""
    row = _roadmap(session, profile_id, create=True)
    assert row is not None
    draft = json.loads(row.draft)
    missing = [s for s in SECTIONS if s not in draft or draft[s] in (None, "", [])]
    milestones = draft.get("milestones") or []
    if (
        "milestones" not in missing
        and not MIN_MILESTONES <= len(milestones) <= MAX_MILESTONES
    ):
        missing.append("milestones")
    if missing:
        raise RoadmapIncomplete(missing)
    previous = _latest(session, row)
    row.versions += 1
    version = RoadmapVersion(
        roadmap_id=row.id,
        number=row.versions,
        content=json.dumps(draft, ensure_ascii=False),
        turns=json.dumps(turns),
    )
    session.add(version)
    row.draft = "{}"
    # A new version's milestones replace the check-ins still waiting for the old.
    session.execute(
        update(CheckIn)
        .where(CheckIn.roadmap_id == row.id, CheckIn.status == "scheduled")
        .values(status="replaced")
    )
    for index, milestone in enumerate(milestones):
        year, month = (int(p) for p in milestone["month"].split("-"))
        session.add(
            CheckIn(
                roadmap_id=row.id,
                version=row.versions,
                milestone=index,
                due_on=datetime(year, month, 1, 10, tzinfo=timezone.utc),
            )
        )
    session.flush()
    before = json.loads(previous.content) if previous else {}
    changed = tuple(s for s in SECTIONS if before.get(s) != draft.get(s))
    return VersionView(
        number=version.number,
        content=draft,
        changed=changed,
        created_at=version.created_at,
    )


def current(session: Session, *, profile_id: int) -> RoadmapView | None:
    """The roadmap with its latest version, or None if never started."""
    row = _roadmap(session, profile_id, create=False)
    if row is None:
        return None
    latest = _latest(session, row)
    return RoadmapView(
        profile_id=profile_id,
        version=latest.number if latest else 0,
        content=json.loads(latest.content) if latest else {},
        draft=json.loads(row.draft),
        shared_unit=row.shared_unit,
        updated_at=row.updated_at,
    )


def history(session: Session, *, profile_id: int) -> list[VersionView]:
    """Every completed version, oldest first, with the sections each one changed."""
    row = _roadmap(session, profile_id, create=False)
    if row is None:
        return []
    versions = session.execute(
        select(RoadmapVersion)
        .where(RoadmapVersion.roadmap_id == row.id)
        .order_by(RoadmapVersion.number)
    ).scalars()
    views: list[VersionView] = []
    before: dict[str, Any] = {}
    for version in versions:
        content = json.loads(version.content)
        changed = tuple(s for s in SECTIONS if before.get(s) != content.get(s))
        views.append(VersionView(version.number, content, changed, version.created_at))
        before = content
    return views


def share(
    session: Session, *, profile_id: int, unit_code: str | None, wording_version: str
) -> None:
    """Share the roadmap with a unit's social workers, or stop sharing (None)."""
    row = _roadmap(session, profile_id, create=True)
    assert row is not None
    row.shared_unit = unit_code
    services.record_consent(
        session,
        profile_id=profile_id,
        kind=SHARE_CONSENT,
        granted=unit_code is not None,
        wording_version=wording_version,
    )
