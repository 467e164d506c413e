"""How the youth pages show things: Hong Kong time, stages and roadmap sections
in the viewer's language (in the same words as the bot and the printable page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from cld import roadmap_page
from cld.caseload import YouthRow
from cld.models import as_utc
from cld.roadmap_display import RoadmapCard
from cld.roadmap_page import PathwayLink
from locales import format_date
from locales.roadmap_text import (
    SECTIONS,
    milestone_lines,
    section_titles,
    section_values,
)

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
PRINT_STYLESHEET = '<link rel="stylesheet" href="/static/dashboard.css">'


@dataclass(frozen=True)
class Item:
    """One entry of a listed section (a milestone, a pathway with its source)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class SectionView:
    """One roadmap section: its heading, and its text or its items."""

    name: str
    title: str
    text: str
    items: tuple[Item, ...] = ()


def hk_time(moment: datetime | None) -> str:
    """A moment as Hong Kong wall-clock time, "2026-11-24 18:30"; "—" if none."""
    if moment is None:
        return "—"
    return as_utc(moment).astimezone(HONG_KONG).strftime("%Y-%m-%d %H:%M")


def hk_date(moment: datetime, lang: str) -> str:
    """The day of a moment on Hong Kong's calendar, as people write it in `lang`."""
    return format_date(as_utc(moment).astimezone(HONG_KONG).date(), lang)


def stage_words(stage: str | None, lang: str) -> str:
    """A stage code as the bot says it ("s6" -> "S6" / "中六"); "" if none."""
    return section_values({"stage": stage}, lang)["stage"] if stage else ""


def section_names(names: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """Section codes as their headings in `lang`."""
    titles = section_titles(lang)
    return tuple(titles.get(name, name) for name in names)


def matches(row: YouthRow, query: str, lang: str) -> bool:
    """True if `query` is part of the alias, the stage code or the stage's words."""
    wanted = query.strip().casefold()
    if not wanted:
        return True
    haystack = (row.alias, row.stage or "", stage_words(row.stage, lang))
    return any(wanted in value.casefold() for value in haystack)


def sections(
    content: Mapping[str, Any],
    lang: str,
    *,
    pathways: Mapping[str, PathwayLink] | None = None,
    statuses: Mapping[int, str] | None = None,
) -> tuple[SectionView, ...]:
    """Every section in order; the young person's own words as they wrote them."""
    links = pathways or {}
    shown = section_values(
        content,
        lang,
        pathway_titles={k: v.title for k, v in links.items()},
        statuses=statuses,
    )
    titles = section_titles(lang)
    views = []
    for name in SECTIONS:
        items: tuple[Item, ...] = ()
        if name == "milestones":
            lines = milestone_lines(content.get("milestones") or [], lang, statuses)
            # The list numbers the milestones; drop the number the bot writes.
            items = tuple(Item(line.strip().split(" ", 1)[-1]) for line in lines)
        elif name == "pathways":
            items = tuple(
                Item(links[p].title, links[p].url) if p in links else Item(str(p))
                for p in content.get("pathways") or []
            )
        views.append(SectionView(name, titles[name], shown[name], items))
    return tuple(views)


def print_page(card: RoadmapCard, lang: str) -> str:
    """The young person's printable page, styled from the dashboard's stylesheet
    (the dashboard's Content-Security-Policy allows no inline style)."""
    page = roadmap_page.render_page(
        card.content,
        version=card.version,
        updated=card.updated_on,
        lang=lang,
        pathways=card.pathways,
        statuses=card.statuses,
    )
    page = page.replace(f"<style>{roadmap_page.STYLE}</style>", PRINT_STYLESHEET)
    return page.replace("<body>", '<body class="roadmap-print">', 1)
