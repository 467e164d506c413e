"""Answer questions from the knowledge base: plain functions on a session.

Services return frozen dataclasses, never ORM rows. Reads never commit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
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
    area: str  # the seed file's topic area (HKBM evidence is counted by it)

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


@dataclass
class _Loaded:
    """What one loaded version of the knowledge base answers from, kept in memory:
    the retrieval index, and each card and list of related entries once read.
    Only `loader.load` changes entries, and it records a new version."""

    index: Index
    cards: dict[tuple[str, str], EntryCard | None] = field(default_factory=dict)
    related: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)


_cache_lock = threading.Lock()
_cache: dict[str, _Loaded] = {}


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


def _loaded(session: Session) -> _Loaded:
    """The in-memory view of the version loaded now (one query to check it)."""
    version = current_hash(session) or "empty"
    with _cache_lock:
        loaded = _cache.get(version)
        if loaded is None:
            _cache.clear()
            loaded = _cache[version] = _Loaded(index=_build_index(session))
    return loaded


def current_index(session: Session) -> Index:
    """The retrieval index for the loaded knowledge base (rebuilt after a reload)."""
    return _loaded(session).index


def _read_cards(
    session: Session, entry_ids: list[str], lang: str
) -> dict[str, EntryCard]:
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
    cards = {}
    for entry_id, (entry, wording) in rows.items():
        source = first_source[entry_id]
        cards[entry_id] = EntryCard(
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
            area=entry.area,
        )
    return cards


def _cards(
    session: Session, loaded: _Loaded, entry_ids: list[str], lang: str
) -> list[EntryCard]:
    missing = [i for i in dict.fromkeys(entry_ids) if (lang, i) not in loaded.cards]
    if missing:
        read = _read_cards(session, missing, lang)
        with _cache_lock:
            for entry_id in missing:
                loaded.cards[(lang, entry_id)] = read.get(entry_id)
    found = (loaded.cards[(lang, i)] for i in entry_ids)
    return [card for card in found if card is not None]


def entry_cards(
    session: Session, *, entry_ids: list[str], lang: str
) -> list[EntryCard]:
    """Published entries in `lang`, in the order of `entry_ids`."""
    if not entry_ids:
        return []
    return _cards(session, _loaded(session), entry_ids, lang)


def _related(
    session: Session, loaded: _Loaded, entry_id: str, lang: str, limit: int
) -> list[EntryCard]:
    targets = loaded.related.get((entry_id, limit))
    if targets is None:
        stmt = (
            select(Relation.target_id)
            .where(Relation.source_id == entry_id)
            .order_by(Relation.rank)
            .limit(limit)
        )
        targets = tuple(session.execute(stmt).scalars())
        with _cache_lock:
            loaded.related[(entry_id, limit)] = targets
    return _cards(session, loaded, list(targets), lang) if targets else []


def related_entries(
    session: Session, *, entry_id: str, lang: str, limit: int = 3
) -> list[EntryCard]:
    """Up to `limit` published entries linked from `entry_id`, in `lang`."""
    return _related(session, _loaded(session), entry_id, lang, limit)


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
    loaded = _loaded(session)
    hits = tuple(loaded.index.search(question, audience=audience, limit=5))
    if not hits or hits[0].score < min_score:
        return Answer(entry=None, choices=(), related=(), hits=hits)
    close = [h.entry_id for h in hits if _is_close(hits[0], h)]
    if len(close) > 1:
        choices = _cards(session, loaded, close[:MAX_CHOICES], lang)
        return Answer(entry=None, choices=tuple(choices), related=(), hits=hits)
    return _entry_answer(session, loaded, hits[0].entry_id, lang, hits)


def _entry_answer(
    session: Session,
    loaded: _Loaded,
    entry_id: str,
    lang: str,
    hits: tuple[Hit, ...],
) -> Answer:
    cards = _cards(session, loaded, [entry_id], lang)
    if not cards:
        return Answer(entry=None, choices=(), related=(), hits=hits)
    related = _related(session, loaded, entry_id, lang, limit=3)
    return Answer(entry=cards[0], choices=(), related=tuple(related), hits=hits)


def entry_answer(
    session: Session, *, entry_id: str, lang: str, hits: tuple[Hit, ...] = ()
) -> Answer:
    """The answer for a known entry (a follow-up or choice button)."""
    return _entry_answer(session, _loaded(session), entry_id, lang, hits)
