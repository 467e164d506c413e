"""Parent updates for the viewer's unit: the list, composing with a preview in both
languages, the delivery report, and stopping an update.

The same steps as `python -m bot.broadcast send`, limited to the unit's own
parents (cld.unit_updates); the gateway's broadcast worker does the sending.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

from aiohttp import web

from cld import parents, unit_updates
from cld.broadcasts import FINAL, Plan
from cld.models import utcnow
from cld.quiet_hours import HONG_KONG
from cld.unit_updates import ComposeError, Draft
from dashboard.web import (
    Viewer,
    form,
    not_found,
    render,
    require,
    signed_in,
    viewer,
)
from locales import update_templates
from locales.update_templates import TemplateError, UpdateTemplate
from pathways_kb.db import session_scope

ROLES = ("worker", "supervisor")
STATUSES = (*FINAL, "waiting")
MAX_ID = 2**31 - 1  # the ids' column type; a larger number names nothing
T = TypeVar("T")


async def _db(work: Callable[..., T], **kwargs: Any) -> T:
    def run() -> T:
        with session_scope() as session:
            return work(session, **kwargs)

    return await asyncio.to_thread(run)


def hk_time(moment: datetime) -> str:
    """A moment as Hong Kong time, "2027-01-05 09:00"."""
    return moment.astimezone(HONG_KONG).strftime("%Y-%m-%d %H:%M")


def readable(name: str | None) -> str:
    """A placeholder name as a label ("open_date" -> "Open date")."""
    return (name or "").replace("_", " ").strip().capitalize()


def _unit(request: web.Request) -> str:
    code = signed_in(request).unit_code
    if not code:
        raise web.HTTPNotFound()
    return code


def _titles(lang: str) -> dict[str, str]:
    return {
        t.id: t.titles.get(lang) or t.titles.get("en") or t.id
        for t in update_templates.update_templates()
    }


def _template(template_id: str | None) -> UpdateTemplate | None:
    try:
        return update_templates.get_template(template_id or "")
    except TemplateError:
        return None


def _broadcast_id(request: web.Request) -> int | None:
    text = request.match_info["broadcast_id"]
    number = int(text) if len(text) <= 10 else 0
    return number if 0 < number <= MAX_ID else None


@require(*ROLES)
async def updates_list(request: web.Request) -> web.Response:
    """The unit's updates with their delivery counts."""
    code = _unit(request)
    views = await _db(unit_updates.unit_broadcasts, unit_code=code)
    return render(
        request,
        "updates_list.html",
        updates=views,
        titles=_titles(viewer(request).lang),
        statuses=STATUSES,
        unit=code,
        hk_time=hk_time,
    )


def _typed(values: Mapping[str, str], template: UpdateTemplate) -> dict[str, Any]:
    """What the worker typed, kept to fill the form again."""
    return {
        "params": {
            n: values.get(f"p_{n}", "")[: unit_updates.MAX_VALUE_CHARS]
            for n in template.params
        },
        "stages": [s for s in parents.CHILD_STAGES if values.get(f"stage_{s}")],
        "topics": [t for t in parents.TOPICS if values.get(f"topic_{t}")],
        "languages": [lang for lang in parents.LANGUAGES if values.get(f"lang_{lang}")],
        "when": "later" if values.get("when") == "later" else "now",
        "send_date": values.get("send_date", "")[:10],
        "send_time": values.get("send_time", "")[:8],
        "urgent": bool(values.get("urgent")),
    }


def _draft(unit_code: str, template: UpdateTemplate, typed: Mapping[str, Any]) -> Draft:
    send_at = None
    if typed["when"] == "later":
        send_at = unit_updates.hong_kong_time(typed["send_date"], typed["send_time"])
    return Draft(
        unit_code=unit_code,
        template_id=template.id,
        params=dict(typed["params"]),
        stages=tuple(typed["stages"]),
        topics=tuple(typed["topics"]),
        languages=tuple(typed["languages"]),
        send_at=send_at,
        urgent=typed["urgent"],
    )


def _compose(
    request: web.Request,
    *,
    template: UpdateTemplate | None,
    typed: Mapping[str, Any] | None = None,
    plan: Plan | None = None,
    error: ComposeError | None = None,
    status: int = 200,
) -> web.Response:
    seen = viewer(request)
    if template is not None and typed is None:
        typed = _typed({}, template)
    message = None
    if error is not None:
        message = seen.t(
            f"updates_error_{error.kind}", placeholder=readable(error.placeholder)
        )
    return render(
        request,
        "updates_new.html",
        status=status,
        templates=update_templates.update_templates(),
        titles=_titles(seen.lang),
        chosen=template,
        typed=typed,
        plan=plan,
        error=message,
        invalid=error.placeholder if error else None,
        unit=_unit(request),
        stages=parents.CHILD_STAGES,
        topics=parents.TOPICS,
        languages=parents.LANGUAGES,
        readable=readable,
    )


@require(*ROLES)
async def new_update(request: web.Request) -> web.Response:
    """Choose a template, then fill in its values, audience and time."""
    asked = request.query.get("template")
    template = _template(asked)
    if asked and template is None:
        error = ComposeError("unknown_template")
        return _compose(request, template=None, error=error, status=404)
    return _compose(request, template=template)


async def _attempt(
    request: web.Request, work: Callable[..., T], **kwargs: Any
) -> tuple[UpdateTemplate, dict[str, Any], T] | web.Response:
    """Read the composing form and run `work(session, draft=..., **kwargs)`; the
    form again with a friendly error (400) when the update cannot go."""
    values = await form(request)
    template = _template(values.get("template"))
    if template is None:
        error = ComposeError("unknown_template")
        return _compose(request, template=None, error=error, status=400)
    typed = _typed(values, template)
    try:
        draft = _draft(_unit(request), template, typed)
        return template, typed, await _db(work, draft=draft, **kwargs)
    except ComposeError as error:
        return _compose(
            request, template=template, typed=typed, error=error, status=400
        )


@require(*ROLES)
async def preview(request: web.Request) -> web.Response:
    """Both languages side by side and the audience size; nothing is created."""
    done = await _attempt(request, unit_updates.plan)
    if isinstance(done, web.Response):
        return done
    template, typed, planned = done
    return _compose(request, template=template, typed=typed, plan=planned)


@require(*ROLES)
async def send(request: web.Request) -> web.Response:
    """Create the update for the gateway's worker, then show its report."""
    username = signed_in(request).username
    done = await _attempt(request, unit_updates.send, created_by=username)
    if isinstance(done, web.Response):
        return done
    raise web.HTTPSeeOther(f"/updates/{done[2]}?done=sent")


@require(*ROLES)
async def detail(request: web.Request) -> web.Response:
    """The delivery report and both texts; refreshes while messages wait."""
    number = _broadcast_id(request)
    if number is None:
        return not_found(request)
    found = await _db(
        unit_updates.unit_broadcast, unit_code=_unit(request), broadcast_id=number
    )
    if found is None:
        return not_found(request)
    report = found.view.report
    counts = {s: report[s] for s in FINAL} | {"waiting": report.open}
    done = request.query.get("done")
    seen = viewer(request)
    summary = [(f"updates_status_{s}", str(n)) for s, n in counts.items()]
    return render(
        request,
        "updates_detail.html",
        update=found,
        title=_titles(seen.lang).get(found.view.template_id, found.view.template_id),
        counts=counts,
        audience=_listed(seen, _audience_parts(seen, found.audience)),
        summary=seen.t("updates_separator").join(_listed(seen, summary)),
        biggest=max(counts.values()) or 1,
        statuses=STATUSES,
        notice=done if done in ("sent", "cancelled", "too_late") else None,
        cancelled_count=_count(request.query.get("n")),
        upcoming=found.waiting and found.starts_at > utcnow(),
        hk_time=hk_time,
    )


def _audience_parts(seen: Viewer, audience: parents.Audience) -> list[tuple[str, str]]:
    parts = []
    for key, prefix, chosen in (
        ("updates_stages", "stage", audience.stages),
        ("updates_topics", "topic", audience.topics),
        ("updates_languages", "lang", audience.languages),
    ):
        names = [seen.t(f"updates_{prefix}_{name}") for name in chosen]
        parts.append((key, seen.t("updates_separator").join(names)))
    return parts


def _listed(seen: Viewer, parts: list[tuple[str, str]]) -> list[str]:
    """Lines of "label: value" in the viewer's language ("any" for no value)."""
    return [
        seen.t("updates_label_value", label=seen.t(k), value=v or seen.t("updates_any"))
        for k, v in parts
    ]


def _count(text: str | None) -> int:
    return int(text) if text and text.isdecimal() and len(text) < 10 else 0


@require(*ROLES)
async def cancel(request: web.Request) -> web.Response:
    """Stop an update: messages still waiting are not sent."""
    number = _broadcast_id(request)
    if number is None:
        return not_found(request)
    try:
        skipped = await _db(
            unit_updates.cancel, unit_code=_unit(request), broadcast_id=number
        )
    except LookupError:
        return not_found(request)
    except unit_updates.NothingToCancel:
        raise web.HTTPSeeOther(f"/updates/{number}?done=too_late") from None
    raise web.HTTPSeeOther(f"/updates/{number}?done=cancelled&n={skipped}")


def add_routes(app: web.Application) -> None:
    """Mount the parent-update pages."""
    app.router.add_get("/updates", updates_list)
    app.router.add_get("/updates/new", new_update)
    app.router.add_post("/updates/preview", preview)
    app.router.add_post("/updates/send", send)
    app.router.add_get(r"/updates/{broadcast_id:\d+}", detail)
    app.router.add_post(r"/updates/{broadcast_id:\d+}/cancel", cancel)
