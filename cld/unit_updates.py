"""Parent updates as one unit sees them: composing, listing, following, cancelling.

A broadcast belongs to a unit when its audience names exactly that unit and no
other, so it reached only parents who subscribed with the unit's code. Workers
compose for their own unit only; anything else is "not found" to them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cld import broadcasts, parents, units
from cld.broadcast_models import Broadcast, BroadcastText, Delivery
from cld.models import as_utc, utcnow
from cld.quiet_hours import HONG_KONG, next_allowed
from locales import update_templates
from locales.update_templates import TemplateError

MAX_VALUE_CHARS = 500  # what a form field may carry; the template checks its own limit
FARTHEST = timedelta(days=366)
LATE_BY = timedelta(minutes=5)  # a time typed a moment ago still counts as "now"
# How a TemplateError's text maps to the kind of problem shown to the worker.
_TEMPLATE_CUES = (
    ("no update template", "unknown_template"),
    ("needs a non-blank value", "missing_value"),
    ("characters long", "value_too_long"),
    ("may not contain '{'", "value_braces"),
    ("line breaks or tabs", "value_line_break"),
    ("unknown param", "unknown_value"),
)
_PLACEHOLDER = re.compile(r"(?:placeholder|param) \{([A-Za-z_][A-Za-z0-9_]*)\}")
ERROR_KINDS = (
    *(kind for _, kind in _TEMPLATE_CUES),
    "template_broken",
    "urgent_not_allowed",
    "bad_time",
    "past_time",
    "far_time",
    "no_recipients",
)


class ComposeError(ValueError):
    """A parent update cannot be planned or sent; `kind` is one of ERROR_KINDS and
    `placeholder` names the value concerned, if any."""

    def __init__(self, kind: str, *, placeholder: str | None = None) -> None:
        super().__init__(kind if placeholder is None else f"{kind}: {placeholder}")
        self.kind = kind
        self.placeholder = placeholder


class NothingToCancel(ValueError):
    """The broadcast was cancelled already or has no message left waiting."""


@dataclass(frozen=True)
class Draft:
    """A parent update as a worker composed it for their unit."""

    unit_code: str
    template_id: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)
    stages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    send_at: datetime | None = None  # UTC; None sends now
    urgent: bool = False

    @property
    def audience(self) -> parents.Audience:
        """The unit's parents, narrowed by the chosen stages, topics and languages."""
        return parents.Audience(
            unit_codes=(units.normalise_code(self.unit_code),),
            stages=self.stages,
            topics=self.topics,
            languages=self.languages,
        )


@dataclass(frozen=True)
class UpdateDetail:
    """One of the unit's broadcasts with its audience, its texts and its start."""

    view: broadcasts.BroadcastView
    audience: parents.Audience
    texts: Mapping[str, str] = field(hash=False)
    starts_at: datetime  # send_at moved past quiet hours unless urgent

    @property
    def waiting(self) -> bool:
        """True while messages may still go out (and the broadcast may be stopped)."""
        return not self.view.cancelled and self.view.report.open > 0


def hong_kong_time(day: str, clock: str, *, now: datetime | None = None) -> datetime:
    """A date ("2027-01-05") and time ("09:00") typed in Hong Kong time, as UTC.

    ComposeError `bad_time`, `past_time` or `far_time` when it cannot be used.
    """
    now = as_utc(now or utcnow())
    try:
        local = datetime.fromisoformat(f"{day.strip()} {clock.strip()}")
    except ValueError:
        raise ComposeError("bad_time") from None
    if local.tzinfo is not None:
        raise ComposeError("bad_time")
    moment = as_utc(local.replace(tzinfo=HONG_KONG))
    if moment < now - LATE_BY:
        raise ComposeError("past_time")
    if moment > now + FARTHEST:
        raise ComposeError("far_time")
    return moment


def _template_error(error: TemplateError) -> ComposeError:
    text = str(error)
    kind = next((k for cue, k in _TEMPLATE_CUES if cue in text), "template_broken")
    found = _PLACEHOLDER.search(text)
    return ComposeError(kind, placeholder=found[1] if found else None)


def _checked(draft: Draft) -> None:
    try:
        template = update_templates.get_template(draft.template_id)
    except TemplateError as error:
        raise _template_error(error) from None
    if draft.urgent and not template.urgent_allowed:
        raise ComposeError("urgent_not_allowed")


def plan(session: Session, *, draft: Draft) -> broadcasts.Plan:
    """Both texts and the audience size of a draft; writes nothing (ComposeError)."""
    _checked(draft)
    clipped = {k: v[:MAX_VALUE_CHARS] for k, v in draft.params.items()}
    try:
        return broadcasts.plan(
            session,
            template_id=draft.template_id,
            params=clipped,
            audience=draft.audience,
        )
    except TemplateError as error:
        raise _template_error(error) from None


def send(session: Session, *, draft: Draft, created_by: str) -> int:
    """Create the broadcast for the gateway's worker to send; returns its id.

    ComposeError as for `plan`, and `no_recipients` when no parent matches (then
    nothing is created, as in `python -m bot.broadcast send`).
    """
    planned = plan(session, draft=draft)
    if planned.total == 0:
        raise ComposeError("no_recipients")
    return broadcasts.create(
        session,
        template_id=draft.template_id,
        params={k: v[:MAX_VALUE_CHARS] for k, v in draft.params.items()},
        audience=draft.audience,
        created_by=created_by,
        send_at=draft.send_at,
        urgent=draft.urgent,
    )


def belongs_to(audience_json: str, *, unit_code: str) -> bool:
    """True when a broadcast's audience is exactly this one unit."""
    try:
        raw = json.loads(audience_json)
    except ValueError:
        return False
    if not isinstance(raw, dict) or "profile_id" in raw:
        return False
    codes = raw.get("unit_codes")
    if not isinstance(codes, list) or len(codes) != 1:
        return False
    return units.normalise_code(str(codes[0])) == units.normalise_code(unit_code)


def _rows(session: Session, unit_code: str) -> list[Broadcast]:
    code = units.normalise_code(unit_code)
    stmt = (
        select(Broadcast)
        .where(
            Broadcast.template_id != broadcasts.DIRECT,
            Broadcast.audience.contains(f'"{code}"', autoescape=True),
        )
        .order_by(Broadcast.send_at.desc(), Broadcast.id.desc())
    )
    rows = session.execute(stmt).scalars()
    return [r for r in rows if belongs_to(r.audience, unit_code=code)]


def _reports(session: Session, ids: list[int]) -> dict[int, broadcasts.Report]:
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        stmt = (
            select(Delivery.broadcast_id, Delivery.status, func.count())
            .where(Delivery.broadcast_id.in_(ids))
            .group_by(Delivery.broadcast_id, Delivery.status)
        )
        for broadcast_id, status, number in session.execute(stmt):
            counts[broadcast_id][status] = int(number)
    return {i: broadcasts.Report(counts=c) for i, c in counts.items()}


def _view(row: Broadcast, report: broadcasts.Report) -> broadcasts.BroadcastView:
    return broadcasts.BroadcastView(
        id=row.id,
        template_id=row.template_id,
        send_at=as_utc(row.send_at),
        urgent=row.urgent,
        cancelled=row.cancelled_at is not None,
        created_by=row.created_by,
        report=report,
    )


def unit_broadcasts(
    session: Session, *, unit_code: str
) -> list[broadcasts.BroadcastView]:
    """The unit's broadcasts, latest first, with their delivery counts."""
    rows = _rows(session, unit_code)
    reports = _reports(session, [r.id for r in rows])
    return [_view(r, reports[r.id]) for r in rows]


def unit_broadcast(
    session: Session, *, unit_code: str, broadcast_id: int
) -> UpdateDetail | None:
    """One broadcast of the unit, or None (also for another unit's broadcast)."""
    row = session.get(Broadcast, broadcast_id)
    if row is None or row.template_id == broadcasts.DIRECT:
        return None
    if not belongs_to(row.audience, unit_code=unit_code):
        return None
    audience = broadcasts.audience_of(row.audience)
    assert audience is not None
    texts = dict(
        session.execute(
            select(BroadcastText.lang, BroadcastText.text)
            .where(BroadcastText.broadcast_id == row.id)
            .order_by(BroadcastText.lang)
        ).all()
    )
    view = _view(row, _reports(session, [row.id])[row.id])
    return UpdateDetail(
        view=view,
        audience=audience,
        texts=texts,
        starts_at=next_allowed(view.send_at, urgent=view.urgent),
    )


def cancel(session: Session, *, unit_code: str, broadcast_id: int) -> int:
    """Stop one of the unit's broadcasts; returns how many messages will not go.

    LookupError if it is not the unit's; NothingToCancel once sending has ended.
    """
    found = unit_broadcast(session, unit_code=unit_code, broadcast_id=broadcast_id)
    if found is None:
        raise LookupError(f"no broadcast {broadcast_id} for unit {unit_code}")
    if not found.waiting:
        raise NothingToCancel(f"broadcast {broadcast_id} has nothing waiting")
    return broadcasts.cancel(session, broadcast_id=broadcast_id)
