"""Young people's pages: the caseload list, one person's roadmap with notes,
reviews and feedback, their conversation, the printable roadmap, and the unit's
audit log (supervisors).

Anyone the account may not see answers the same 404 as an alias that does not
exist; every view or change is audited (dashboard/youth_data.py).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from cld import audit, caseload
from dashboard import youth_data, youth_view
from dashboard.transcripts import TrackerReader, TrackerUnavailable, Transcript
from dashboard.web import form, not_found, render, require, signed_in, viewer
from locales import SUPPORTED

TRACKER: web.AppKey[TrackerReader] = web.AppKey("tracker_reader", TrackerReader)
ROLES = ("worker", "supervisor")
DONE = ("add_note", "send_feedback", "mark_reviewed")
MAX_ALIAS, MAX_SEARCH = 32, 100
# A refused value gets its field's message; this cue marks unstorable characters.
UNPRINTABLE_CUE = "cannot be stored"


def _alias(request: web.Request) -> str:
    return request.match_info["alias"][:MAX_ALIAS]


def _chosen(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@require(*ROLES)
async def youth_list(request: web.Request) -> web.Response:
    """The unit's young people who share their roadmap, filtered and searched."""
    account, lang = signed_in(request), viewer(request).lang
    status = _chosen(request.query.get("status"), caseload.STATUSES)
    flag = _chosen(request.query.get("flag"), caseload.FLAGS)
    search = request.query.get("q", "")[:MAX_SEARCH]
    rows = await asyncio.to_thread(
        youth_data.caseload_rows, account, status=status, flag=flag
    )
    return render(
        request,
        "youth_list.html",
        rows=[r for r in rows if youth_view.matches(r, search, lang)],
        statuses=caseload.STATUSES,
        flags=caseload.FLAGS,
        status_filter=status,  # `status` is the answer's HTTP status
        flag_filter=flag,
        search=search,
        filtered=bool(status or flag or search.strip()),
        stage=youth_view.stage_words,
        hk=youth_view.hk_time,
    )


async def _detail_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.Response:
    found = await asyncio.to_thread(
        youth_data.youth_file,
        signed_in(request),
        alias=_alias(request),
        lang=viewer(request).lang,
    )
    if found is None:
        return not_found(request)
    return render(
        request,
        "youth_detail.html",
        status=status,
        error=error,
        typed=typed or {},
        done=_chosen(request.query.get("done"), DONE) if status == 200 else None,
        stage=youth_view.stage_words,
        hk=youth_view.hk_time,
        day=youth_view.hk_date,
        **found,
    )


@require(*ROLES)
async def youth_detail(request: web.Request) -> web.Response:
    """One young person's roadmap, its history, reviews, notes and feedback."""
    return await _detail_page(request)


@require(*ROLES)
async def transcript(request: web.Request) -> web.Response:
    """The young person's conversation with the bot, both sides, in order."""
    found = await asyncio.to_thread(
        youth_data.conversation_of, signed_in(request), alias=_alias(request)
    )
    if found is None:
        return not_found(request)
    alias, sender = found
    conversation: Transcript | None
    try:
        conversation = await asyncio.to_thread(
            request.app[TRACKER].conversation, sender
        )
    except TrackerUnavailable:
        conversation = None  # the page says so; the reader logged the error kind
    return render(
        request,
        "youth_transcript.html",
        alias=alias,
        conversation=conversation,
        hk=youth_view.hk_time,
    )


@require(*ROLES)
async def printable(request: web.Request) -> web.Response:
    """The printable roadmap, in the viewer's language or the one asked (?in=)."""
    asked = request.query.get("in")
    lang = str(asked) if asked in SUPPORTED else viewer(request).lang
    try:
        card = await asyncio.to_thread(
            youth_data.printable, signed_in(request), alias=_alias(request), lang=lang
        )
    except LookupError:
        return not_found(request)
    if card is None:
        return render(request, "error.html", status=404, message_key="youth_print_none")
    return web.Response(
        text=youth_view.print_page(card, lang), content_type="text/html"
    )


async def _write(
    request: web.Request, *, action: str, field: str, apply: youth_data.Apply
) -> web.Response:
    """303 back with a notice, or the page again with a friendly error and what
    was typed (400); the same 404 for anyone the account may not see."""
    typed = (await form(request)).get(field, "")
    try:
        alias = await asyncio.to_thread(
            youth_data.write,
            signed_in(request),
            alias=_alias(request),
            action=action,
            apply=apply,
            typed=typed,
        )
    except LookupError:
        alias = None
    except ValueError as error:
        key = "unprintable" if UNPRINTABLE_CUE in str(error) else field
        return await _detail_page(
            request, status=400, error=f"youth_error_{key}", typed={field: typed}
        )
    if alias is None:
        return not_found(request)
    raise web.HTTPSeeOther(f"/youth/{alias}?done={action}#{action}")


@require(*ROLES)
async def add_note(request: web.Request) -> web.Response:
    """Keep a private note on the young person."""
    return await _write(request, action="add_note", field="note", apply=youth_data.note)


@require(*ROLES)
async def send_feedback(request: web.Request) -> web.Response:
    """Send the young person a message through the bot (outside quiet hours)."""
    return await _write(
        request, action="send_feedback", field="feedback", apply=youth_data.feedback
    )


@require(*ROLES)
async def mark_reviewed(request: web.Request) -> web.Response:
    """Record that a roadmap version was reviewed with the young person."""
    return await _write(
        request, action="mark_reviewed", field="review", apply=youth_data.review
    )


@require("supervisor")
async def audit_page(request: web.Request) -> web.Response:
    """The unit's audit log, newest first, filtered by action."""
    action = _chosen(request.query.get("action"), audit.ACTIONS)
    entries = await asyncio.to_thread(
        youth_data.unit_log, signed_in(request), action=action
    )
    return render(
        request,
        "audit.html",
        entries=entries,
        actions=audit.ACTIONS,
        action=action,
        hk=youth_view.hk_time,
    )


async def _close_tracker(app: web.Application) -> None:
    app[TRACKER].close()


def add_routes(app: web.Application) -> None:
    """Mount the youth pages and the audit log (after create_app's settings)."""
    from dashboard.app import SETTINGS  # dashboard.app imports this module first

    app[TRACKER] = TrackerReader(app[SETTINGS].tracker_db_url)
    app.on_cleanup.append(_close_tracker)
    app.router.add_get("/youth", youth_list)
    app.router.add_get("/youth/{alias}", youth_detail)
    app.router.add_get("/youth/{alias}/transcript", transcript)
    app.router.add_get("/youth/{alias}/print", printable)
    app.router.add_post("/youth/{alias}/notes", add_note)
    app.router.add_post("/youth/{alias}/feedback", send_feedback)
    app.router.add_post("/youth/{alias}/review", mark_reviewed)
    app.router.add_get("/audit", audit_page)
