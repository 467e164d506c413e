"""A roadmap's answers as text people read: stage names, lists, milestone lines.

Works on the plain dict a roadmap version stores, so the bot's summary message and
the printable page say the same thing in the same words.
"""

from __future__ import annotations

from typing import Any, Mapping

from locales import _MONTHS, render

SECTIONS = (
    "stage",
    "interests",
    "strengths",
    "values",
    "priorities",
    "pathways",
    "short_goal",
    "long_goal",
    "milestones",
    "support",
)


def _text(key: str, lang: str, **params: Any) -> str:
    return render(key, lang, **params).text


def format_month(value: str, lang: str) -> str:
    """ "2027-03" as "Mar 2027" / "2027年3月"; anything unreadable as given."""
    try:
        year, month = (int(p) for p in value.split("-"))
    except (AttributeError, ValueError):
        return str(value)
    if not 1 <= month <= 12:
        return str(value)
    return _text(
        "roadmap_month", lang, year=year, month=month, month_name=_MONTHS[month - 1]
    )


def _label(prefix: str, value: str, lang: str) -> str:
    try:
        return _text(f"{prefix}_{value}", lang)
    except ValueError:  # the person's own words, not one of ours
        return value


def milestone_lines(
    milestones: list[Mapping[str, Any]],
    lang: str,
    statuses: Mapping[int, str] | None = None,
) -> list[str]:
    """One line per milestone: number, text, month and, once known, how it went."""
    lines = []
    for number, milestone in enumerate(milestones, start=1):
        status = (statuses or {}).get(number - 1)
        lines.append(
            _text(
                "roadmap_milestone_line",
                lang,
                number=number,
                text=milestone.get("text", ""),
                month=format_month(str(milestone.get("month", "")), lang),
                status=_text(f"roadmap_status_{status}", lang) if status else "",
            )
        )
    return lines


def section_values(
    content: Mapping[str, Any],
    lang: str,
    *,
    pathway_titles: Mapping[str, str] | None = None,
    statuses: Mapping[int, str] | None = None,
) -> dict[str, str]:
    """Every section as display text; knowledge-base pathways by their title."""
    separator = _text("roadmap_list_separator", lang)
    titles = pathway_titles or {}
    stage = content.get("stage") or ""
    values = {
        "stage": _label("roadmap_stage", stage, lang) if stage else "",
        "priorities": separator.join(
            _label("roadmap_priority", p, lang) for p in content.get("priorities") or []
        ),
        "pathways": separator.join(
            titles.get(p, p) for p in content.get("pathways") or []
        ),
        "milestones": "\n".join(
            milestone_lines(content.get("milestones") or [], lang, statuses)
        ),
    }
    for name in (
        "interests",
        "strengths",
        "values",
        "short_goal",
        "long_goal",
        "support",
    ):
        values[name] = str(content.get(name) or "")
    return values


def section_titles(lang: str) -> dict[str, str]:
    """The heading of each section in `lang`."""
    return {name: _text(f"roadmap_section_{name}", lang) for name in SECTIONS}
