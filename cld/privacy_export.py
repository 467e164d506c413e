"""Everything the app holds about one person, as plain JSON-ready data.

Used by `cld.privacy.export_person` for a data access request (PDPO, DPP 6).
The person is named by the pseudonym the gateway gives them (Rasa's sender id,
`profile.channel_user_id`). Staff usernames are left out; social workers'
notes are included for the operator to review before handing the file over.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld import sealed
from cld.broadcast_models import Delivery
from cld.caseload import alias_of
from cld.channel_models import ChannelIdentity, InboxMessage
from cld.models import ConsentRecord, HelpRequest, PathwayQuestion, Profile, as_utc
from cld.parent_models import ParentSubscription, SubscriptionTopic
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion
from cld.staff_models import AuditEvent, RoadmapReview, YouthNote
from cld.tracker_events import StoredEvent


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def row_data(row: Any, columns: Iterable[str], **parsed: str) -> dict[str, Any]:
    """Chosen columns of an ORM row; `parsed` names JSON text columns to open."""
    out = {name: _plain(getattr(row, name)) for name in columns}
    for name, column in parsed.items():
        out[name] = json.loads(getattr(row, column) or "null")
    return out


def _all(session: Session, model: Any, *where: Any) -> list[Any]:
    return list(session.execute(select(model).where(*where)).scalars())


def profiles_of(session: Session, person: str) -> list[Profile]:
    """The person's profiles (one per channel they used)."""
    return _all(session, Profile, Profile.channel_user_id == person)


def identities_of(session: Session, person: str) -> list[ChannelIdentity]:
    """Where the gateway reaches the person (chat id or WhatsApp number)."""
    return _all(session, ChannelIdentity, ChannelIdentity.pseudonym == person)


def _mentions(value: Any, address: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, address) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, address) for v in value)
    return isinstance(value, (str, int)) and str(value) == address


def pending_inbox(session: Session, person: str) -> list[tuple[InboxMessage, Any]]:
    """Unprocessed inbox rows sent from one of the person's addresses, opened."""
    found = []
    for identity in identities_of(session, person):
        for row in _all(
            session,
            InboxMessage,
            InboxMessage.channel == identity.channel,
            InboxMessage.payload != "",
        ):
            try:
                data = json.loads(sealed.unseal(row.payload))
            except ValueError:  # damaged, or sealed with another key
                continue
            if _mentions(data, identity.address):
                found.append((row, data))
    return found


def _roadmap(session: Session, profile_id: int) -> dict[str, Any] | None:
    roadmap = session.execute(
        select(Roadmap).where(Roadmap.profile_id == profile_id)
    ).scalar_one_or_none()
    if roadmap is None:
        return None
    out = row_data(roadmap, ("shared_unit", "created_at", "updated_at"), draft="draft")
    versions = _all(session, RoadmapVersion, RoadmapVersion.roadmap_id == roadmap.id)
    out["versions"] = [
        row_data(v, ("number", "created_at"), content="content")
        for v in sorted(versions, key=lambda v: v.number)
    ]
    out["check_ins"] = [
        row_data(
            c, ("version", "milestone", "due_on", "status", "answer", "answered_at")
        )
        for c in _all(session, CheckIn, CheckIn.roadmap_id == roadmap.id)
    ]
    return out


def _subscription(session: Session, profile_id: int) -> dict[str, Any] | None:
    sub = session.execute(
        select(ParentSubscription).where(ParentSubscription.profile_id == profile_id)
    ).scalar_one_or_none()
    if sub is None:
        return None
    out = row_data(
        sub, ("status", "language", "child_stage", "subscribed_at", "ended_at")
    )
    out["topics"] = sorted(
        t.topic
        for t in _all(
            session, SubscriptionTopic, SubscriptionTopic.subscription_id == sub.id
        )
    )
    return out


def profile_data(session: Session, profile: Profile) -> dict[str, Any]:
    """One profile and everything hanging off it."""
    pid = profile.id
    out = row_data(profile, ("channel", "role", "language", "language_choice"))
    out["staff_alias"] = alias_of(pid)
    out["created_at"] = _plain(profile.created_at)
    out["consents"] = [
        row_data(c, ("kind", "granted", "wording_version", "recorded_at"))
        for c in _all(session, ConsentRecord, ConsentRecord.profile_id == pid)
    ]
    out["roadmap"] = _roadmap(session, pid)
    out["parent_updates"] = _subscription(session, pid)
    out["updates_delivered"] = [
        row_data(d, ("broadcast_id", "channel", "lang", "status", "sent_at"))
        for d in _all(session, Delivery, Delivery.profile_id == pid)
    ]
    out["requests_for_a_person"] = [
        row_data(h, ("reason", "context", "created_at", "resolved_at"))
        for h in _all(session, HelpRequest, HelpRequest.profile_id == pid)
    ]
    out["pathway_questions"] = [
        row_data(q, ("entry_id", "area", "lang", "asked_at"))
        for q in _all(session, PathwayQuestion, PathwayQuestion.profile_id == pid)
    ]
    out["social_worker_notes"] = [
        row_data(n, ("text", "created_at"))
        for n in _all(session, YouthNote, YouthNote.profile_id == pid)
    ]
    out["roadmap_reviews"] = [
        row_data(r, ("version", "reviewed_at"))
        for r in _all(session, RoadmapReview, RoadmapReview.profile_id == pid)
    ]
    out["staff_access_log"] = [
        row_data(a, ("action", "detail", "at"))
        for a in _all(session, AuditEvent, AuditEvent.profile_id == pid)
    ]
    return out


def transcript(events: list[StoredEvent]) -> list[dict[str, Any]]:
    """The conversation as lines: messages with their text, other events by name."""
    lines: list[dict[str, Any]] = []
    for event in events:
        line: dict[str, Any] = {"at": event.at.isoformat(), "event": event.type_name}
        data = event.data
        if event.type_name in ("user", "bot"):
            line["text"] = data.get("text")
            intent = (data.get("parse_data") or {}).get("intent") or {}
            if intent.get("name"):
                line["intent"] = intent["name"]
        elif event.type_name == "slot":
            line.update(slot=data.get("name"), value=data.get("value"))
        elif data.get("name"):
            line["name"] = data["name"]
        lines.append(line)
    return lines
