"""The audit log: who looked at or changed which young person's data, and when.

Events hold ids and names only (an action, an alias's profile id, a version or
broadcast number), never message or note text. Supervisors read their own
unit's log; nobody else does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld.caseload import alias_of
from cld.models import as_utc
from cld.staff import AccountView
from cld.staff_models import AuditEvent, StaffAccount

# What the dashboard records about young people (cld.staff adds sign-in events).
YOUTH_ACTIONS = (
    "view_roadmap",
    "view_transcript",
    "print_roadmap",
    "add_note",
    "send_feedback",
    "mark_reviewed",
)
STAFF_ACTIONS = ("login", "login_refused", "account_locked", "account_closed")
ACTIONS = YOUTH_ACTIONS + STAFF_ACTIONS
_ACTION = re.compile(r"^[a-z][a-z_]{0,39}$")
_DETAIL = re.compile(r"^[A-Za-z0-9_.,:= -]{0,200}$")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditEntry:
    """One line of a unit's audit log."""

    at: datetime
    username: str | None
    action: str
    alias: str | None
    detail: str


def record(
    session: Session,
    *,
    account: AccountView,
    action: str,
    profile_id: int | None = None,
    detail: str = "",
) -> None:
    """Add an event for this account (and its unit); the caller's scope commits.

    Raises ValueError for an action that is not a short name, or a detail that
    looks like free text rather than ids and names.
    """
    if not _ACTION.match(action):
        raise ValueError("an audit action is a short lower-case name")
    if not _DETAIL.match(detail):
        raise ValueError("an audit detail holds ids and names only")
    session.add(
        AuditEvent(
            account_id=account.id,
            unit_id=account.unit_id,
            action=action,
            profile_id=profile_id,
            detail=detail or None,
        )
    )
    session.flush()


def unit_log(
    session: Session,
    *,
    account: AccountView,
    limit: int = 200,
    action: str | None = None,
) -> list[AuditEntry]:
    """The account's unit's events, newest first; LookupError unless a supervisor."""
    if not account.is_supervisor or account.unit_id is None:
        raise LookupError("only a unit's supervisors read its audit log")
    stmt = (
        select(AuditEvent, StaffAccount.username)
        .outerjoin(StaffAccount, StaffAccount.id == AuditEvent.account_id)
        .where(AuditEvent.unit_id == account.unit_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    return [
        AuditEntry(
            at=as_utc(event.at),
            username=username,
            action=event.action,
            alias=alias_of(event.profile_id) if event.profile_id else None,
            detail=event.detail or "",
        )
        for event, username in session.execute(stmt)
    ]
