"""People for privacy tests: a young person with everything, a parent, others."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from cld import channels, roadmaps, services
from cld.broadcast_models import Broadcast, Delivery
from cld.models import HelpRequest, PathwayQuestion, Unit
from cld.parent_models import ParentSubscription, SubscriptionTopic
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion
from cld.staff_models import AuditEvent, RoadmapReview, StaffAccount, YouthNote
from pathways_kb.db import session_scope

UNIT = "YSC01"


def _unit(session) -> Unit:
    unit = session.execute(select(Unit).where(Unit.code == UNIT)).scalar_one_or_none()
    if unit is None:
        unit = Unit(code=UNIT, name="Youth Centre (Sha Tin)")
        session.add(unit)
        session.flush()
    return unit


def add_youth(person: str, *, shares: bool = True, chat_id: str = "4242") -> int:
    """A young person with a roadmap (two versions), a check-in, consents, a
    request for a person, a pathway question, a note, a review and audit lines."""
    with session_scope() as session:
        unit = _unit(session)
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id=person, language="en"
        )
        services.set_role(session, profile_id=profile.id, role="youth")
        channels.remember_identity(
            session, pseudonym=person, channel="telegram", address=chat_id
        )
        roadmap = Roadmap(profile_id=profile.id, draft='{"stage": "s6"}', versions=2)
        session.add(roadmap)
        session.flush()
        for number, goal in ((1, "become a nurse"), (2, "become a pastry chef")):
            session.add(
                RoadmapVersion(
                    roadmap_id=roadmap.id,
                    number=number,
                    content=json.dumps({"short_goal": goal}),
                )
            )
        session.add(
            CheckIn(
                roadmap_id=roadmap.id,
                version=2,
                milestone=0,
                due_on=datetime(2027, 3, 1, tzinfo=timezone.utc),
            )
        )
        roadmaps.share(
            session,
            profile_id=profile.id,
            unit_code=UNIT if shares else None,
            wording_version=roadmaps.SHARE_WORDING_VERSION,
        )
        session.add(HelpRequest(profile_id=profile.id, reason="asked", context="greet"))
        session.add(
            PathwayQuestion(
                profile_id=profile.id, entry_id="hd-vs-ad", area="higher_ed", lang="en"
            )
        )
        worker = StaffAccount(
            username=f"worker-{person}",
            display_name="Ms Chan",
            password_hash="x",
            role="worker",
            unit_id=unit.id,
        )
        session.add(worker)
        session.flush()
        session.add(
            YouthNote(profile_id=profile.id, account_id=worker.id, text="likes baking")
        )
        session.add(
            RoadmapReview(profile_id=profile.id, version=2, account_id=worker.id)
        )
        session.add(
            AuditEvent(
                account_id=worker.id,
                unit_id=unit.id,
                action="view_roadmap",
                profile_id=profile.id,
            )
        )
        return profile.id


def add_parent(person: str, *, chat_id: str = "777") -> int:
    """A parent subscribed to updates, with one update delivered."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id=person
        )
        services.set_role(session, profile_id=profile.id, role="parent")
        channels.remember_identity(
            session, pseudonym=person, channel="telegram", address=chat_id
        )
        services.record_consent(
            session,
            profile_id=profile.id,
            kind="parent_updates",
            granted=True,
            wording_version="pu-1",
        )
        sub = ParentSubscription(
            profile_id=profile.id, language="yue", child_stage="s6"
        )
        session.add(sub)
        session.flush()
        session.add(SubscriptionTopic(subscription_id=sub.id, topic="university"))
        broadcast = Broadcast(
            template_id="t", params="{}", audience="{}", created_by="admin"
        )
        session.add(broadcast)
        session.flush()
        session.add(
            Delivery(
                broadcast_id=broadcast.id,
                profile_id=profile.id,
                channel="telegram",
                lang="yue",
                status="sent",
            )
        )
        return profile.id
