"""Need-to-know: which young people a social worker may see, and their list.

A worker or supervisor sees a young person only while that person shares their
roadmap with the worker's unit (their consent, `cld.roadmaps.share`). Admins see
none. Everyone else is "not found": callers answer 404 without saying whether
the person exists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cld.models import HelpRequest, Profile, as_utc, utcnow
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion
from cld.staff import AccountView
from cld.staff_models import RoadmapReview

STATUSES = ("none", "draft", "complete", "stale")
FLAGS = ("milestone_overdue", "asked_for_person", "crisis")
# Benchmark 6: a roadmap is reviewed with the young person at least once a year.
STALE_AFTER = timedelta(days=365)
OVERDUE_AFTER = timedelta(days=14)  # a check-in unanswered this long after it was due


def alias_of(profile_id: int) -> str:
    """The name staff know a young person by: stable, and not their chat id."""
    digest = hashlib.sha256(f"pathpal-youth:{profile_id}".encode()).hexdigest()
    return f"Y-{digest[:8].upper()}"


@dataclass(frozen=True)
class YouthRow:
    """One young person in a worker's list."""

    profile_id: int
    alias: str
    stage: str | None
    status: str  # one of STATUSES
    versions: int
    last_activity: datetime
    reviewed_at: datetime | None
    language: str | None
    flags: tuple[str, ...]


def _shared_profiles(session: Session, account: AccountView) -> list[int]:
    if account.is_admin or not account.unit_code:
        return []
    stmt = select(Roadmap.profile_id).where(Roadmap.shared_unit == account.unit_code)
    return list(session.execute(stmt).scalars())


def find_visible(session: Session, *, account: AccountView, alias: str) -> int | None:
    """The profile id behind `alias` if this account may see it, else None."""
    wanted = alias.strip().upper()
    for profile_id in _shared_profiles(session, account):
        if alias_of(profile_id) == wanted:
            return profile_id
    return None


def may_see(session: Session, *, account: AccountView, profile_id: int) -> bool:
    """True while this young person shares their roadmap with the account's unit."""
    return profile_id in _shared_profiles(session, account)


def _status(
    versions: int,
    draft: str,
    latest_at: datetime | None,
    reviewed: datetime | None,
    now: datetime,
) -> str:
    if versions == 0:
        return "draft" if draft not in ("", "{}") else "none"
    recent = max(d for d in (latest_at, reviewed) if d is not None)
    return "stale" if now - recent > STALE_AFTER else "complete"


def youth_list(
    session: Session,
    *,
    account: AccountView,
    now: datetime | None = None,
    status: str | None = None,
    flag: str | None = None,
    search: str = "",
) -> list[YouthRow]:
    """The account's young people, most recently active first, filtered."""
    now = now or utcnow()
    ids = _shared_profiles(session, account)
    if not ids:
        return []
    rows = []
    for profile, roadmap in session.execute(
        select(Profile, Roadmap)
        .join(Roadmap, Roadmap.profile_id == Profile.id)
        .where(Profile.id.in_(ids))
    ):
        latest = session.execute(
            select(RoadmapVersion.created_at, RoadmapVersion.content)
            .where(RoadmapVersion.roadmap_id == roadmap.id)
            .order_by(RoadmapVersion.number.desc())
            .limit(1)
        ).first()
        reviewed = session.execute(
            select(func.max(RoadmapReview.reviewed_at)).where(
                RoadmapReview.profile_id == profile.id
            )
        ).scalar_one_or_none()
        latest_at = as_utc(latest[0]) if latest else None
        reviewed_at = as_utc(reviewed) if reviewed else None
        rows.append(
            YouthRow(
                profile_id=profile.id,
                alias=alias_of(profile.id),
                stage=_stage(latest[1] if latest else None, roadmap.draft),
                status=_status(
                    roadmap.versions, roadmap.draft, latest_at, reviewed_at, now
                ),
                versions=roadmap.versions,
                last_activity=max(
                    as_utc(profile.updated_at), as_utc(roadmap.updated_at)
                ),
                reviewed_at=reviewed_at,
                language=profile.language_choice or profile.language,
                flags=_flags(session, profile.id, roadmap.id, now),
            )
        )
    wanted = search.strip().upper()
    chosen = [
        r
        for r in rows
        if (status is None or r.status == status)
        and (flag is None or flag in r.flags)
        and (not wanted or wanted in r.alias or wanted in (r.stage or "").upper())
    ]
    return sorted(chosen, key=lambda r: r.last_activity, reverse=True)


def _stage(content: str | None, draft: str) -> str | None:
    for raw in (content, draft):
        if raw:
            stage = json.loads(raw).get("stage")
            if stage:
                return str(stage)
    return None


def _flags(
    session: Session, profile_id: int, roadmap_id: int, now: datetime
) -> tuple[str, ...]:
    flags = []
    overdue = session.execute(
        select(CheckIn.id)
        .where(
            CheckIn.roadmap_id == roadmap_id,
            CheckIn.status != "answered",
            CheckIn.due_on < now - OVERDUE_AFTER,
        )
        .limit(1)
    ).first()
    if overdue:
        flags.append("milestone_overdue")
    reasons = set(
        session.execute(
            select(HelpRequest.reason).where(
                HelpRequest.profile_id == profile_id, HelpRequest.resolved_at.is_(None)
            )
        ).scalars()
    )
    if "asked" in reasons:
        flags.append("asked_for_person")
    if "crisis" in reasons:
        flags.append("crisis")
    return tuple(flags)
