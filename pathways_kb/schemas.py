"""The shape of a knowledge-base entry in `seed/*.yml`, and its validation.

Validation collects every problem with the file, entry id and field it concerns,
so a curator can fix a file in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

LANGS = ("en", "yue")
PATHWAYS = (
    "vpet",
    "higher_ed",
    "working_holiday",
    "employment",
    "parent_support",
    "general",
)
AUDIENCES = ("youth", "parent", "both")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ANSWER_CHARS = {"en": 1200, "yue": 700}
REQUIRED = (
    "id",
    "pathway",
    "audience",
    "verified",
    "title",
    "answer",
    "key_facts",
    "sources",
    "as_of",
    "review_by",
    "related",
    "aliases",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a seed file."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: entry '{self.entry}', field '{self.field}': {self.message}"
        )


@dataclass(frozen=True)
class Source:
    """Where a fact comes from."""

    url: str
    title: str


@dataclass(frozen=True)
class EntrySpec:
    """One validated entry, as written by curators."""

    id: str
    area: str
    pathway: str
    audience: str
    verified: bool
    title: dict[str, str]
    answer: dict[str, str]
    key_facts: dict[str, tuple[str, ...]]
    sources: tuple[Source, ...]
    as_of: date
    review_by: date
    related: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]]
    file: str


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and "." in parsed.netloc


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _Checker:
    """Collects problems for one entry."""

    def __init__(self, file: str, entry_id: str) -> None:
        self.file, self.entry_id = file, entry_id
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.entry_id, field, message))

    def text_per_lang(self, raw: dict[str, Any], field: str) -> dict[str, str]:
        value = raw.get(field)
        if not isinstance(value, dict):
            self.fail(field, "needs 'en' and 'yue' texts")
            return {}
        out = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.fail(f"{field}.{lang}", "is missing or empty")
            else:
                out[lang] = text.strip()
        return out

    def list_per_lang(
        self, raw: dict[str, Any], field: str
    ) -> dict[str, tuple[str, ...]]:
        value = raw.get(field)
        if not isinstance(value, dict):
            self.fail(field, "needs 'en' and 'yue' lists")
            return {}
        out = {}
        for lang in LANGS:
            items = value.get(lang)
            if not isinstance(items, list) or not items:
                self.fail(f"{field}.{lang}", "needs a non-empty list")
            elif not all(
                isinstance(i, (str, int, float)) and str(i).strip() for i in items
            ):
                self.fail(f"{field}.{lang}", "has an empty or non-text item")
            else:
                out[lang] = tuple(str(i).strip() for i in items)
        return out


def check_entry(
    raw: Any, *, file: str, area: str, index: int
) -> tuple[EntrySpec | None, list[Problem]]:
    """Validate one raw entry; returns the spec (if valid) and its problems."""
    if not isinstance(raw, dict):
        return None, [Problem(file, f"#{index + 1}", "-", "an entry must be a mapping")]
    entry_id = raw.get("id")
    check = _Checker(file, str(entry_id) if entry_id else f"#{index + 1}")
    for field in REQUIRED:
        if field not in raw:
            check.fail(field, "is required")
    unknown = set(raw) - set(REQUIRED)
    if unknown:
        check.fail(", ".join(sorted(unknown)), "unknown field")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
        check.fail("id", "must be lowercase letters, digits and single hyphens")
    if raw.get("pathway") not in PATHWAYS:
        check.fail("pathway", f"must be one of {', '.join(PATHWAYS)}")
    if raw.get("audience") not in AUDIENCES:
        check.fail("audience", f"must be one of {', '.join(AUDIENCES)}")
    if not isinstance(raw.get("verified"), bool):
        check.fail("verified", "must be true or false")
    title = check.text_per_lang(raw, "title")
    answer = check.text_per_lang(raw, "answer")
    for lang, text in answer.items():
        if len(text) > MAX_ANSWER_CHARS[lang]:
            check.fail(f"answer.{lang}", f"is over {MAX_ANSWER_CHARS[lang]} characters")
    key_facts = check.list_per_lang(raw, "key_facts")
    aliases = check.list_per_lang(raw, "aliases")
    sources: list[Source] = []
    raw_sources = raw.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        check.fail("sources", "needs at least one source")
    else:
        for n, source in enumerate(raw_sources):
            url = source.get("url") if isinstance(source, dict) else None
            if not _is_url(url):
                check.fail(
                    f"sources[{n}].url", f"is not a well-formed http(s) URL: {url!r}"
                )
                continue
            title_text = source.get("title") if isinstance(source, dict) else None
            sources.append(Source(url=url, title=str(title_text or url)))
    as_of, review_by = _as_date(raw.get("as_of")), _as_date(raw.get("review_by"))
    if as_of is None:
        check.fail("as_of", "must be a date (YYYY-MM-DD)")
    if review_by is None:
        check.fail("review_by", "must be a date (YYYY-MM-DD)")
    if as_of and review_by and review_by < as_of:
        check.fail("review_by", "is before as_of")
    related = raw.get("related")
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        check.fail("related", "must be a list of entry ids")
        related = []
    if entry_id in related:
        check.fail("related", "an entry cannot relate to itself")
    if check.problems:
        return None, check.problems
    spec = EntrySpec(
        id=entry_id,
        area=area,
        pathway=raw["pathway"],
        audience=raw["audience"],
        verified=raw["verified"],
        title=title,
        answer=answer,
        key_facts=key_facts,
        sources=tuple(sources),
        as_of=as_of,  # type: ignore[arg-type]
        review_by=review_by,  # type: ignore[arg-type]
        related=tuple(related),
        aliases=aliases,
        file=file,
    )
    return spec, []


def check_collection(specs: list[EntrySpec], *, known_ids: set[str]) -> list[Problem]:
    """Problems across files: duplicate ids, and related ids no entry has.

    `known_ids` holds the ids of every entry, valid or not, so that one broken
    entry is reported once rather than again by each entry linking to it.
    """
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.id in seen:
            problems.append(
                Problem(
                    spec.file, spec.id, "id", f"duplicates an id in {seen[spec.id]}"
                )
            )
        seen.setdefault(spec.id, spec.file)
    for spec in specs:
        for target in spec.related:
            if target not in known_ids:
                problems.append(
                    Problem(
                        spec.file, spec.id, "related", f"unknown entry id '{target}'"
                    )
                )
    return problems
