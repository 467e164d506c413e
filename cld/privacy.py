"""Personal data requests (Hong Kong PDPO): export, erasure, and retention.

- `export_person`: everything held about one person, from the app database and
  Rasa's tracker store, in one readable JSON document (data access, DPP 6).
- `erase_person`: deletes that person across both stores and records in the
  audit log that an erasure happened, with counts only (DPP 2).
- `notice_due` / `notice_shown`: the collection notice (utter_privacy_notice),
  shown once at a person's first session (actions/session.py).
- `purge`: deletes tracker events older than TRANSCRIPT_RETENTION_DAYS of every
  conversation whose person does not share a roadmap with a social worker
  (youth who did not consent, and parents, whose chats nobody reads), and inbox
  rows older than that (they serve crash recovery only, for minutes).

The person is named by their pseudonym (Rasa's sender id, e.g. "tg-3f2a..."):
social workers find it from the alias through the operator. CLI: `python -m cld
privacy export|erase|purge`; the gateway also purges every few hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cld import privacy_export, services, tracker_events
from cld.broadcast_models import Delivery
from cld.channel_models import ButtonOffer, ChannelIdentity, InboxMessage
from cld.models import ConsentRecord, HelpRequest, PathwayQuestion, Profile, Unit
from cld.parent_models import ParentSubscription, SubscriptionTopic
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion
from cld.staff_models import AuditEvent, RoadmapReview, YouthNote

logger = logging.getLogger(__name__)
NOTICE_KIND = "privacy_notice"
# The wording of utter_privacy_notice (locales/); a new wording is shown again.
NOTICE_VERSION = "notice-2026-12"
ERASE_ACTION = "erase_person"
EXPORT_ACTION = "export_person"


@dataclass(frozen=True)
class Erasure:
    """What an erasure deleted, in counts."""

    profiles: int
    identities: int
    events: int
    inbox: int


@dataclass(frozen=True)
class Purge:
    """What a retention run deleted, in counts."""

    events: int
    inbox: int


def notice_due(session: Session, *, profile_id: int) -> bool:
    """True until this person has been shown the current collection notice."""
    shown = services.current_consent(session, profile_id=profile_id, kind=NOTICE_KIND)
    return shown is None or shown.wording_version != NOTICE_VERSION


def notice_shown(session: Session, *, profile_id: int) -> None:
    """Record that the collection notice was shown (a notice, not a consent: the
    row keeps which wording the person saw, and when)."""
    services.record_consent(
        session,
        profile_id=profile_id,
        kind=NOTICE_KIND,
        granted=True,
        wording_version=NOTICE_VERSION,
    )


def _audit(
    session: Session, *, action: str, unit_code: str | None, detail: str
) -> None:
    unit_id = None
    if unit_code:
        unit_id = session.execute(
            select(Unit.id).where(Unit.code == unit_code)
        ).scalar_one_or_none()
    session.add(AuditEvent(action=action, unit_id=unit_id, detail=detail))
    session.flush()


def _shared_unit(session: Session, profile_ids: list[int]) -> str | None:
    stmt = select(Roadmap.shared_unit).where(
        Roadmap.profile_id.in_(profile_ids), Roadmap.shared_unit.is_not(None)
    )
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def export_person(
    session: Session, tracker: Engine | None, *, person: str
) -> dict[str, Any]:
    """Everything held about `person`; LookupError when nothing is."""
    profiles = privacy_export.profiles_of(session, person)
    identities = privacy_export.identities_of(session, person)
    events = tracker_events.events_of(tracker, person) if tracker else []
    if not (profiles or identities or events):
        raise LookupError("nothing is held under this pseudonym")
    pending = privacy_export.pending_inbox(session, person)
    document = {
        "about": (
            "Everything PathPal holds about one person, exported "
            f"{datetime.now(timezone.utc).isoformat()}."
        ),
        "person": person,
        "summary": {
            "profiles": len(profiles),
            "contact_addresses": len(identities),
            "conversation_events": len(events),
            "messages_waiting": len(pending),
        },
        "contact_addresses": [
            privacy_export.row_data(
                i, ("channel", "address", "created_at", "last_inbound_at")
            )
            for i in identities
        ],
        "profiles": [privacy_export.profile_data(session, p) for p in profiles],
        "conversation": privacy_export.transcript(events),
        "messages_waiting": [data for _row, data in pending],
    }
    ids = [p.id for p in profiles]
    _audit(
        session,
        action=EXPORT_ACTION,
        unit_code=_shared_unit(session, ids) if ids else None,
        detail=f"profiles={len(ids)} events={len(events)}",
    )
    return document


def _erase_profiles(session: Session, ids: list[int]) -> None:
    """Delete each profile's rows explicitly (not relying on cascades)."""
    roadmaps = list(
        session.execute(select(Roadmap.id).where(Roadmap.profile_id.in_(ids))).scalars()
    )
    subs = list(
        session.execute(
            select(ParentSubscription.id).where(ParentSubscription.profile_id.in_(ids))
        ).scalars()
    )
    session.execute(delete(CheckIn).where(CheckIn.roadmap_id.in_(roadmaps)))
    session.execute(
        delete(RoadmapVersion).where(RoadmapVersion.roadmap_id.in_(roadmaps))
    )
    session.execute(
        delete(SubscriptionTopic).where(SubscriptionTopic.subscription_id.in_(subs))
    )
    for model in (
        Roadmap,
        ParentSubscription,
        Delivery,
        ConsentRecord,
        HelpRequest,
        PathwayQuestion,
        YouthNote,
        RoadmapReview,
    ):
        session.execute(delete(model).where(model.profile_id.in_(ids)))
    # Staff access stays on record, no longer linked to anyone.
    session.execute(
        update(AuditEvent).where(AuditEvent.profile_id.in_(ids)).values(profile_id=None)
    )
    session.execute(delete(Profile).where(Profile.id.in_(ids)))


def erase_person(session: Session, tracker: Engine | None, *, person: str) -> Erasure:
    """Delete `person` from the tracker store and the app database.

    The tracker store goes first: if the app database then fails, running the
    erasure again finishes it (every step is idempotent).
    """
    events = tracker_events.erase(tracker, person) if tracker else 0
    ids = [p.id for p in privacy_export.profiles_of(session, person)]
    unit_code = _shared_unit(session, ids) if ids else None
    inbox = [row.id for row, _data in privacy_export.pending_inbox(session, person)]
    if inbox:
        session.execute(delete(InboxMessage).where(InboxMessage.id.in_(inbox)))
    identities = session.execute(
        delete(ChannelIdentity).where(ChannelIdentity.pseudonym == person)
    ).rowcount
    session.execute(delete(ButtonOffer).where(ButtonOffer.sender == person))
    if ids:
        _erase_profiles(session, ids)
    report = Erasure(len(ids), int(identities or 0), events, len(inbox))
    _audit(
        session,
        action=ERASE_ACTION,
        unit_code=unit_code,
        detail=(
            f"profiles={report.profiles} identities={report.identities} "
            f"events={report.events} inbox={report.inbox}"
        ),
    )
    return report


def sharing_senders(session: Session) -> set[str]:
    """Pseudonyms of people who share their roadmap with a unit right now."""
    stmt = (
        select(Profile.channel_user_id)
        .join(Roadmap, Roadmap.profile_id == Profile.id)
        .where(Roadmap.shared_unit.is_not(None))
    )
    return set(session.execute(stmt).scalars())


def purge(
    session: Session,
    tracker: Engine | None,
    *,
    days: int,
    now: datetime | None = None,
) -> Purge:
    """Apply the retention period: see the module docstring."""
    if days < 1:
        raise ValueError("the retention period is at least one day")
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    keep = sharing_senders(session)
    events = (
        tracker_events.purge_before(tracker, cutoff=cutoff, keep=keep) if tracker else 0
    )
    inbox = session.execute(
        delete(InboxMessage).where(InboxMessage.received_at < cutoff)
    ).rowcount
    report = Purge(events, int(inbox or 0))
    logger.info("retention purge done", extra={"count": report.events + report.inbox})
    return report
