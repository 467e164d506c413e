"""The unit's HKBM self-assessment: ratings with evidence notes, their history,
the assistant's own evidence, medians across units, and a CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from aiohttp import web

from cld import hkbm
from cld.models import utcnow
from cld.quiet_hours import HONG_KONG
from cld.staff import AccountView
from dashboard.web import Viewer, form, not_found, render, require, signed_in, viewer
from pathways_kb.db import session_scope

# Social workers and supervisors both view and record; recording could later be
# limited to supervisors by narrowing RECORDERS. Admins see none of it (404).
VIEWERS = ("worker", "supervisor")
RECORDERS = ("worker", "supervisor")
AREAS = ("higher_ed", "vpet", "employment", "working_holiday", "parent_support")
UNPRINTABLE_CUE = "cannot be stored"  # marks a refusal for unstorable characters
T = TypeVar("T")


@dataclass(frozen=True)
class UnitData:
    """Everything the self-assessment page shows for one unit."""

    current: Mapping[int, hkbm.Assessment]
    medians: Mapping[int, hkbm.Median]
    evidence: hkbm.Evidence


async def _db(work: Callable[..., T], **kwargs: Any) -> T:
    def run() -> T:
        with session_scope() as session:
            return work(session, **kwargs)

    return await asyncio.to_thread(run)


def hk_date(moment: Any) -> str:
    """A moment as a Hong Kong date and time, "2027-01-05 09:00"."""
    return str(moment.astimezone(HONG_KONG).strftime("%Y-%m-%d %H:%M"))


def _account(request: web.Request) -> AccountView:
    account = signed_in(request)
    if account.unit_id is None or not account.unit_code:
        raise web.HTTPNotFound()
    return account


def _unit_data(session: Any, *, unit_id: int, unit_code: str) -> UnitData:
    return UnitData(
        current=hkbm.current(session, unit_id=unit_id),
        medians=hkbm.medians(session),
        evidence=hkbm.evidence(session, unit_id=unit_id, unit_code=unit_code),
    )


def _number(request: web.Request) -> int | None:
    text = request.match_info["benchmark"]
    number = int(text) if len(text) <= 2 else 0
    return number if number in hkbm.NUMBERS else None


def level_text(seen: Viewer, levels: tuple[str, ...]) -> str:
    """A median's level, or the two levels it lies between."""
    if len(levels) == 2:
        return seen.t(
            "hkbm_median_between",
            low=seen.t(f"hkbm_level_{levels[0]}"),
            high=seen.t(f"hkbm_level_{levels[1]}"),
        )
    return seen.t(f"hkbm_level_{levels[0]}") if levels else seen.t("hkbm_chart_hidden")


async def _page(
    request: web.Request,
    *,
    status: int = 200,
    error: tuple[int, str] | None = None,
    typed: Mapping[str, str] | None = None,
) -> web.Response:
    account = _account(request)
    data = await _db(_unit_data, unit_id=account.unit_id, unit_code=account.unit_code)
    done = request.query.get("done", "")
    seen = viewer(request)
    return render(
        request,
        "hkbm.html",
        status=status,
        benchmarks=hkbm.benchmarks(),
        levels=hkbm.LEVELS,
        data=data,
        areas=AREAS,
        languages=("en", "yue"),
        error=error,
        typed=typed or {},
        done=int(done)
        if done.isdecimal() and len(done) < 3 and int(done) in hkbm.NUMBERS
        else None,
        may_record=account.role in RECORDERS,
        level_text=lambda levels: level_text(seen, levels),
        hk_date=hk_date,
    )


@require(*VIEWERS)
async def hkbm_page(request: web.Request) -> web.Response:
    """The ten benchmarks: criteria, current level, evidence, median, a form each."""
    return await _page(request)


@require(*RECORDERS)
async def record(request: web.Request) -> web.Response:
    """Record the unit's level of one benchmark, with evidence notes."""
    number = _number(request)
    if number is None:
        return not_found(request)
    account = _account(request)
    values = await form(request)
    level = values.get("level", "")
    notes = values.get("evidence", "")
    if level not in hkbm.LEVELS:
        typed = {"level": "", "evidence": notes[: hkbm.MAX_EVIDENCE_CHARS * 2]}
        return await _page(
            request, status=400, error=(number, "hkbm_error_level"), typed=typed
        )
    try:
        await _db(
            hkbm.record,
            unit_id=account.unit_id,
            account_id=account.id,
            benchmark=number,
            level=level,
            evidence=notes,
        )
    except ValueError as error:
        typed = {"level": level, "evidence": notes[: hkbm.MAX_EVIDENCE_CHARS * 2]}
        key = "unprintable" if UNPRINTABLE_CUE in str(error) else "evidence"
        return await _page(
            request, status=400, error=(number, f"hkbm_error_{key}"), typed=typed
        )
    raise web.HTTPSeeOther(f"/hkbm?done={number}#bm{number}")


@require(*VIEWERS)
async def history(request: web.Request) -> web.Response:
    """Every rating of one benchmark by the unit, newest first."""
    number = _number(request)
    if number is None:
        return not_found(request)
    account = _account(request)
    rows = await _db(hkbm.history, unit_id=account.unit_id, benchmark=number)
    return render(
        request,
        "hkbm_history.html",
        benchmark=hkbm.benchmarks()[number - 1],
        rows=rows,
        hk_date=hk_date,
    )


def _cell(value: Any) -> str:
    """Text for a CSV cell; a leading = + - @ would run as a formula in Excel."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(seen: Viewer, data: UnitData, rows: list[hkbm.Assessment]) -> list[Any]:
    t = seen.t
    table: list[Any] = [
        [t("hkbm_csv_ratings")],
        [
            t("hkbm_csv_benchmark"),
            t("hkbm_csv_title"),
            t("hkbm_csv_level"),
            t("hkbm_csv_level_code"),
            t("hkbm_csv_evidence"),
            t("hkbm_csv_recorded_at"),
            t("hkbm_csv_recorded_by"),
        ],
    ]
    for row in sorted(rows, key=lambda r: (r.benchmark, r.recorded_at)):
        table.append(
            [
                row.benchmark,
                t(f"hkbm_bm{row.benchmark}_community"),
                t(f"hkbm_level_{row.level}"),
                row.level,
                row.evidence,
                hk_date(row.recorded_at),
                row.recorded_by,
            ]
        )
    ev = data.evidence
    window = {"since": hk_date(ev.since)[:10], "until": hk_date(ev.until)[:10]}
    table += [[], [t("hkbm_csv_figures", **window)]]
    table.append([t("hkbm_csv_figure"), t("hkbm_csv_detail"), t("hkbm_csv_value")])
    everything = t("hkbm_csv_all")
    table.append([t("hkbm_csv_questions"), everything, ev.questions])
    for area, count in sorted(ev.questions_by_area.items()):
        label = t(f"hkbm_area_{area}") if area in AREAS else area
        table.append([t("hkbm_csv_questions"), label, count])
    table.append([t("hkbm_csv_further"), everything, ev.further_education_questions])
    table.append([t("hkbm_csv_youth_sharing"), everything, ev.youth_sharing])
    table.append([t("hkbm_csv_youth_complete"), everything, ev.youth_complete])
    table.append([t("hkbm_csv_youth_reviewed"), everything, ev.youth_reviewed])
    for key, figures in (
        ("hkbm_csv_parents_reached", ev.parents_reached),
        ("hkbm_csv_subscribers", ev.subscribers),
    ):
        for lang in ("en", "yue"):
            table.append([t(key), t(f"hkbm_lang_{lang}"), figures.get(lang, 0)])
    return table


@require(*VIEWERS)
async def export_csv(request: web.Request) -> web.Response:
    """The unit's ratings and evidence figures as CSV (UTF-8 with a BOM for Excel)."""
    account = _account(request)

    def load(session: Any) -> tuple[UnitData, list[hkbm.Assessment]]:
        data = _unit_data(session, unit_id=account.unit_id, unit_code=account.unit_code)
        return data, hkbm.history(session, unit_id=account.unit_id)

    data, rows = await _db(load)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _csv_rows(viewer(request), data, rows):
        writer.writerow([_cell(v) for v in line])
    day = utcnow().astimezone(HONG_KONG).strftime("%Y-%m-%d")
    name = f"hkbm-{account.unit_code}-{day}.csv"
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(app: web.Application) -> None:
    """Mount the self-assessment pages."""
    app.router.add_get("/hkbm", hkbm_page)
    app.router.add_get("/hkbm/export.csv", export_csv)
    app.router.add_post(r"/hkbm/{benchmark:\d+}", record)
    app.router.add_get(r"/hkbm/{benchmark:\d+}/history", history)
