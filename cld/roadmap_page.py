"""The printable roadmap page: one self-contained HTML document, in either language.

The same page serves the young person (through a signed link) and, later, social
workers. Everything the person wrote is escaped; Chinese renders with the
system's CJK fonts, and the page prints cleanly on A4.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from locales import format_date, render
from locales.roadmap_text import (
    SECTIONS,
    milestone_lines,
    section_titles,
    section_values,
)

HTML_LANG = {"en": "en", "yue": "zh-HK"}
STYLE = """
body{font-family:"Noto Sans CJK TC","Noto Sans TC","PingFang HK","Microsoft JhengHei",
"Heiti TC",system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.6;color:#1d2433}
h1{font-size:1.6rem;margin-bottom:.2rem}
.version{color:#5a6478;margin-top:0}
section{border-top:1px solid #d5dae3;padding:.6rem 0}
h2{font-size:1rem;margin:.2rem 0;color:#2d5fa8}
p,li{white-space:pre-wrap;margin:.2rem 0}
ol{margin:.2rem 0 .2rem 1.2rem;padding:0}
a{color:#2d5fa8;word-break:break-all}
footer{margin-top:1.5rem;font-size:.85rem;color:#5a6478}
@media print{body{margin:0;max-width:none}a{color:inherit}@page{size:A4;margin:18mm}}
"""


@dataclass(frozen=True)
class PathwayLink:
    """A knowledge-base pathway chosen in the roadmap, with its source link."""

    entry_id: str
    title: str
    url: str


def _text(key: str, lang: str, **params: Any) -> str:
    return render(key, lang, **params).text


def _body(
    name: str,
    content: Mapping[str, Any],
    shown: Mapping[str, str],
    pathways: Mapping[str, PathwayLink],
    statuses: Mapping[int, str],
    lang: str,
) -> str:
    if name == "milestones":
        items = milestone_lines(content.get("milestones") or [], lang, statuses)
        return (
            "<ol>"
            + "".join(
                f"<li>{html.escape(line.strip().split(' ', 1)[-1])}</li>"
                for line in items
            )
            + "</ol>"
        )
    if name == "pathways":
        items = []
        for value in content.get("pathways") or []:
            link = pathways.get(value)
            if link is None:
                items.append(f"<li>{html.escape(str(value))}</li>")
            else:
                url = html.escape(link.url)
                items.append(
                    f'<li>{html.escape(link.title)} (<a href="{url}">{url}</a>)</li>'
                )
        return "<ul>" + "".join(items) + "</ul>"
    return f"<p>{html.escape(shown[name])}</p>"


def render_page(
    content: Mapping[str, Any],
    *,
    version: int,
    updated: date,
    lang: str,
    pathways: Mapping[str, PathwayLink] | None = None,
    statuses: Mapping[int, str] | None = None,
) -> str:
    """The whole HTML page for one roadmap version."""
    links = pathways or {}
    shown = section_values(
        content,
        lang,
        pathway_titles={k: v.title for k, v in links.items()},
        statuses=statuses,
    )
    titles = section_titles(lang)
    sections = "".join(
        f"<section><h2>{html.escape(titles[name])}</h2>"
        f"{_body(name, content, shown, links, statuses or {}, lang)}</section>"
        for name in SECTIONS
    )
    title = html.escape(_text("roadmap_page_title", lang))
    version_line = html.escape(
        _text(
            "roadmap_page_version",
            lang,
            version=version,
            updated=format_date(updated, lang),
        )
    )
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(lang, "en")}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f'<h1>{title}</h1><p class="version">{version_line}</p>{sections}'
        f"<footer>{html.escape(_text('roadmap_page_footer', lang))}</footer>"
        "</body></html>"
    )


def not_found_page(lang: str) -> str:
    """A friendly page for an invalid or expired link."""
    message = html.escape(_text("roadmap_page_not_found", lang))
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(lang, "en")}"><head>'
        f'<meta charset="utf-8"><title>PathPal</title><style>{STYLE}</style></head>'
        f"<body><p>{message}</p></body></html>"
    )
