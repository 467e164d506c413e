"""The work behind the youth pages: one transaction each, run in a thread.

Each function first asks `caseload.find_visible` and writes its audit event in
the same transaction as what it reads or changes, so a view is recorded exactly
when its data was handed out.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.orm import Session

from cld import audit, caseload, roadmaps, youth_review
from cld.roadmap_display import RoadmapCard, roadmap_card
from cld.staff import AccountView
from dashboard import youth_view
from pathways_kb.db import session_scope

# (session, profile id, account, what was typed) -> the audit detail
Apply = Callable[[Session, int, AccountView, str], str]


def caseload_rows(
    account: AccountView, *, status: str | None, flag: str | None
) -> list[caseload.YouthRow]:
    """The account's young people with these status and flag filters."""
    with session_scope() as session:
        return caseload.youth_list(session, account=account, status=status, flag=flag)


def youth_file(account: AccountView, *, alias: str, lang: str) -> dict[str, Any] | None:
    """Everything the detail page shows (audited), or None if not visible."""
    with session_scope() as session:
        profile_id = caseload.find_visible(session, account=account, alias=alias)
        if profile_id is None:
            return None
        row = next(
            r
            for r in caseload.youth_list(session, account=account)
            if r.profile_id == profile_id
        )
        card = roadmap_card(session, profile_id=profile_id, lang=lang)
        view = roadmaps.current(session, profile_id=profile_id)
        draft = view.draft if view else {}
        if card is not None:
            shown = youth_view.sections(
                card.content, lang, pathways=card.pathways, statuses=card.statuses
            )
        else:
            shown = youth_view.sections(draft, lang) if draft else ()
        history = roadmaps.history(session, profile_id=profile_id)
        found = {
            "row": row,
            "card": card,
            "sections": shown,
            "editing": bool(draft) and card is not None,
            "history": [
                (v, youth_view.section_names(v.changed, lang))
                for v in reversed(history)
            ],
            "reviews": youth_review.reviews(
                session, profile_id=profile_id, account=account
            ),
            "notes": youth_review.notes(
                session, profile_id=profile_id, account=account
            ),
            "feedback": youth_review.feedback(
                session, profile_id=profile_id, account=account
            ),
        }
        audit.record(
            session,
            account=account,
            action="view_roadmap",
            profile_id=profile_id,
            detail=f"version={card.version if card else 0}",
        )
        return found


def conversation_of(account: AccountView, *, alias: str) -> tuple[str, str] | None:
    """(alias, tracker sender id) for the transcript (audited), or None."""
    with session_scope() as session:
        profile_id = caseload.find_visible(session, account=account, alias=alias)
        if profile_id is None:
            return None
        sender = youth_review.conversation_id(
            session, profile_id=profile_id, account=account
        )
        audit.record(
            session, account=account, action="view_transcript", profile_id=profile_id
        )
        return caseload.alias_of(profile_id), sender


def printable(account: AccountView, *, alias: str, lang: str) -> RoadmapCard | None:
    """The latest completed version (audited), None if there is none yet;
    LookupError if the account may not see the young person."""
    with session_scope() as session:
        profile_id = caseload.find_visible(session, account=account, alias=alias)
        if profile_id is None:
            raise LookupError("not visible to this account")
        card = roadmap_card(session, profile_id=profile_id, lang=lang)
        if card is not None:
            audit.record(
                session,
                account=account,
                action="print_roadmap",
                profile_id=profile_id,
                detail=f"version={card.version},lang={lang}",
            )
        return card


def write(
    account: AccountView, *, alias: str, action: str, apply: Apply, typed: str
) -> str | None:
    """Apply one change and audit it; the canonical alias, or None if not visible.

    ValueError (from `apply`) means the typed value was refused.
    """
    with session_scope() as session:
        profile_id = caseload.find_visible(session, account=account, alias=alias)
        if profile_id is None:
            return None
        detail = apply(session, profile_id, account, typed)
        audit.record(
            session,
            account=account,
            action=action,
            profile_id=profile_id,
            detail=detail,
        )
        return caseload.alias_of(profile_id)


def note(session: Session, profile_id: int, account: AccountView, text: str) -> str:
    """Keep a private note; its id is the audit detail."""
    added = youth_review.add_note(
        session, profile_id=profile_id, account=account, text=text
    )
    return f"note={added.id}"


def feedback(session: Session, profile_id: int, account: AccountView, text: str) -> str:
    """Queue a message through the bot; its broadcast id is the audit detail."""
    broadcast_id = youth_review.send_feedback(
        session, profile_id=profile_id, account=account, text=text
    )
    return f"broadcast={broadcast_id}"


def review(
    session: Session, profile_id: int, account: AccountView, version: str
) -> str:
    """Mark a version reviewed; ValueError unless it is a completed version."""
    done = youth_review.mark_reviewed(
        session,
        profile_id=profile_id,
        version=int(version.strip()[:9]),
        account=account,
    )
    return f"version={done.version}"


def unit_log(account: AccountView, *, action: str | None) -> list[audit.AuditEntry]:
    """The supervisor's unit's audit log."""
    with session_scope() as session:
        return audit.unit_log(session, account=account, action=action)
