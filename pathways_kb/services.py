"""Answer questions from the knowledge base: plain functions on a session.

Services return frozen dataclasses, never ORM rows. Reads never commit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pathways_kb.loader import current_hash
from pathways_kb.models import Entry, EntryAlias, EntrySource, EntryText, Relation
from pathways_kb.retrieval import Document, Hit, Index

# Below this score nothing is relevant enough to answer with. Scores are on the
# scale of retrieval.Index (BM25F plus alias and coverage boosts): on the real
# knowledge base every evaluation question's right entry scores over 13, and a
# question that only shares a word or two with it ("become", "station") under 6.
MIN_SCORE = 10.0
# A runner-up this close to the best makes the question ambiguous; closer still
# when the question names each of them ("HD or DAE").
CLOSE_RATIO = 0.85
NAMED_BOTH_RATIO = 0.7
MAX_CHOICES = 3


@dataclass(frozen=True)
class EntryCard:
    """One entry in one language, ready to show."""

    id: str
    title: str
    answer: str
    key_facts: tuple[str, ...]
    source_url: str
    source_title: str
    as_of: date
    review_by: date
    verified: bool
    audience: str
    pathway: str

    def review_due(self, today: date) -> bool:
        """True when a curator should have re-checked this entry by `today`."""
        return self.review_by < today


@dataclass(frozen=True)
class Answer:
    """The outcome for one question: an entry, a choice to make, or nothing."""

    entry: EntryCard | None
    choices: tuple[EntryCard, ...]
    related: tuple[EntryCard, ...]
    hits: tuple[Hit, ...]


_cache_lock = threading.Lock()
_cache: dict[str, Index] = {}


def _build_index(session: Session) -> Index:
    entries = session.execute(select(Entry).where(Entry.is_published)).scalars().all()
    texts: dict[str, list[EntryText]] = {}
    for row in session.execute(select(EntryText)).scalars():
        texts.setdefault(row.entry_id, []).append(row)
    aliases: dict[str, list[str]] = {}
    for entry_id, alias in session.execute(
        select(EntryAlias.entry_id, EntryAlias.alias)
    ):
        aliases.setdefault(entry_id, []).append(alias)
    documents = [
        Document(
            entry_id=e.id,
            audience=e.audience,
            titles=tuple(t.title for t in texts.get(e.id, [])),
            aliases=tuple(aliases.get(e.id, [])),
            facts=tuple(t.key_facts for t in texts.get(e.id, [])),
            answers=tuple(t.answer for t in texts.get(e.id, [])),
        )
        for e in sorted(entries, key=lambda e: e.id)
    ]
    return Index(documents)


def current_index(session: Session) -> Index:
    """The retrieval index for the loaded knowledge base (rebuilt after a reload)."""
    version = current_hash(session) or "empty"
    with _cache_lock:
        index = _cache.get(version)
        if index is None:
            _cache.clear()
            index = _cache[version] = _build_index(session)
    return index


def entry_cards(
    session: Session, *, entry_ids: list[str], lang: str
) -> list[EntryCard]:
    """Published entries in `lang`, in the order of `entry_ids`."""
    if not entry_ids:
        return []
    stmt = (
        select(Entry, EntryText)
        .join(EntryText, EntryText.entry_id == Entry.id)
        .where(Entry.id.in_(entry_ids), Entry.is_published, EntryText.lang == lang)
    )
    rows = {e.id: (e, t) for e, t in session.execute(stmt)}
    first_source: dict[str, EntrySource] = {}
    sources = select(EntrySource).where(EntrySource.entry_id.in_(entry_ids))
    for source in session.execute(sources.order_by(EntrySource.position)).scalars():
        first_source.setdefault(source.entry_id, source)
    cards = []
    for entry_id in entry_ids:
        if entry_id not in rows:
            continue
        entry, wording = rows[entry_id]
        source = first_source[entry_id]
        cards.append(
            EntryCard(
                id=entry.id,
                title=wording.title,
                answer=wording.answer,
                key_facts=tuple(wording.key_facts.splitlines()),
                source_url=source.url,
                source_title=source.title,
                as_of=entry.as_of,
                review_by=entry.review_by,
                verified=entry.verified,
                audience=entry.audience,
                pathway=entry.pathway,
            )
        )
    return cards


def related_entries(
    session: Session, *, entry_id: str, lang: str, limit: int = 3
) -> list[EntryCard]:
    """Up to `limit` published entries linked from `entry_id`, in `lang`."""
    stmt = (
        select(Relation.target_id)
        .where(Relation.source_id == entry_id)
        .order_by(Relation.rank)
        .limit(limit)
    )
    return entry_cards(
        session, entry_ids=list(session.execute(stmt).scalars()), lang=lang
    )


def _is_close(best: Hit, other: Hit) -> bool:
    if other.score >= CLOSE_RATIO * best.score:
        return True
    named_apart = bool(other.matched_terms) and not set(other.matched_terms) & set(
        best.matched_terms
    )
    return (
        named_apart
        and bool(best.matched_terms)
        and other.score >= NAMED_BOTH_RATIO * best.score
    )


def answer(
    session: Session,
    *,
    question: str,
    lang: str,
    audience: str | None = None,
    min_score: float = MIN_SCORE,
) -> Answer:
    """Find the entry that answers `question`, or the choices, or nothing."""
    hits = tuple(current_index(session).search(question, audience=audience, limit=5))
    if not hits or hits[0].score < min_score:
        return Answer(entry=None, choices=(), related=(), hits=hits)
    close = [h.entry_id for h in hits if _is_close(hits[0], h)]
    if len(close) > 1:
        choices = entry_cards(session, entry_ids=close[:MAX_CHOICES], lang=lang)
        return Answer(entry=None, choices=tuple(choices), related=(), hits=hits)
    return entry_answer(session, entry_id=hits[0].entry_id, lang=lang, hits=hits)


def entry_answer(
    session: Session, *, entry_id: str, lang: str, hits: tuple[Hit, ...] = ()
) -> Answer:
    """The answer for a known entry (a follow-up or choice button)."""
    cards = entry_cards(session, entry_ids=[entry_id], lang=lang)
    if not cards:
        return Answer(entry=None, choices=(), related=(), hits=hits)
    related = related_entries(session, entry_id=entry_id, lang=lang)
    return Answer(entry=cards[0], choices=(), related=tuple(related), hits=hits)
