"""What it takes to show a roadmap: its latest version, pathway titles, check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld import roadmaps
from cld.roadmap_models import CheckIn, Roadmap
from cld.roadmap_page import PathwayLink
from pathways_kb import services

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


@dataclass(frozen=True)
class RoadmapCard:
    """The latest completed version, ready to summarise or print."""

    profile_id: int
    version: int
    content: dict[str, Any]
    updated: datetime
    pathways: dict[str, PathwayLink]
    statuses: dict[int, str]  # milestone index -> done | in_progress | changed
    shared_unit: str | None

    @property
    def updated_on(self) -> date:
        """The day of the latest version, on Hong Kong's calendar."""
        moment = self.updated
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(HONG_KONG).date()


def roadmap_card(session: Session, *, profile_id: int, lang: str) -> RoadmapCard | None:
    """The person's latest completed roadmap, or None if they have not finished one."""
    view = roadmaps.current(session, profile_id=profile_id)
    history = roadmaps.history(session, profile_id=profile_id)
    if view is None or not history:
        return None
    latest = history[-1]
    ids = [str(p) for p in latest.content.get("pathways") or []]
    cards = services.entry_cards(session, entry_ids=ids, lang=lang)
    answers = session.execute(
        select(CheckIn.milestone, CheckIn.answer)
        .join(Roadmap, Roadmap.id == CheckIn.roadmap_id)
        .where(
            Roadmap.profile_id == profile_id,
            CheckIn.version == latest.number,
            CheckIn.answer.is_not(None),
        )
    ).all()
    return RoadmapCard(
        profile_id=profile_id,
        version=latest.number,
        content=latest.content,
        updated=latest.created_at,
        pathways={c.id: PathwayLink(c.id, c.title, c.source_url) for c in cards},
        statuses={int(m): str(a) for m, a in answers},
        shared_unit=view.shared_unit,
    )
