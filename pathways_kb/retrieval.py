"""Rank knowledge-base entries for a question: BM25 over words and Chinese
character bigrams, plus a boost for KB terms and aliases found by a spaCy
PhraseMatcher. Built once per knowledge-base version, then kept in memory.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from pathways_kb import text

# Field weights: an alias or title says more about an entry than its body text.
WEIGHTS = {"alias": 3, "title": 2, "facts": 1, "answer": 1}
K1, B = 1.2, 0.75
ALIAS_BOOST = 6.0
BIGRAM_WEIGHT = 0.6
PARENT_BOOST = 1.15


@dataclass(frozen=True)
class Document:
    """What the index needs to know about one entry."""

    entry_id: str
    audience: str
    titles: tuple[str, ...]
    aliases: tuple[str, ...]
    facts: tuple[str, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One ranked entry and why it ranked."""

    entry_id: str
    score: float
    matched_terms: tuple[str, ...]


class Index:
    """An in-memory BM25 index with alias matching."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents = list(documents)
        text.add_terms(a for d in self.documents for a in d.aliases + d.titles)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._lengths: list[float] = []
        for position, doc in enumerate(self.documents):
            bag: Counter[str] = Counter()
            for field, values in (
                ("alias", doc.aliases),
                ("title", doc.titles),
                ("facts", doc.facts),
                ("answer", doc.answers),
            ):
                for value in values:
                    for term in text.terms(value):
                        bag[term] += WEIGHTS[field]
            self._lengths.append(float(sum(bag.values())) or 1.0)
            for term, tf in bag.items():
                self._postings[term].append((position, float(tf)))
        self._avg_length = sum(self._lengths) / max(len(self._lengths), 1)
        count = len(self.documents)
        self._idf = {
            term: math.log(1 + (count - len(p) + 0.5) / (len(p) + 0.5))
            for term, p in self._postings.items()
        }
        self._matcher, self._alias_owners = self._build_matcher()

    def _build_matcher(self) -> tuple[Any, dict[str, list[int]]]:
        from spacy.matcher import PhraseMatcher

        nlp = text.tokenizer()
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        owners: dict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(self.documents):
            for alias in dict.fromkeys(
                text.normalise(a) for a in doc.aliases + doc.titles
            ):
                owners[alias].append(position)
        for alias in owners:
            matcher.add(alias, [nlp.make_doc(alias)])
        return matcher, owners

    def _alias_scores(
        self, question: str
    ) -> tuple[dict[int, float], dict[int, list[str]]]:
        nlp = text.tokenizer()
        doc = nlp.make_doc(text.normalise(question))
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, list[str]] = defaultdict(list)
        spans = [(s, e, nlp.vocab.strings[m]) for m, s, e in self._matcher(doc)]
        # Where matches overlap keep the longest ("higher diploma" over "diploma").
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        covered_until = -1
        for _start, end, alias in spans:
            if end <= covered_until:
                continue
            covered_until = max(covered_until, end)
            owners = self._alias_owners[alias]
            # Longer aliases are more specific; an alias many entries share, less so.
            weight = ALIAS_BOOST * (0.5 + min(len(alias), 12) / 12) / len(owners)
            for position in owners:
                scores[position] += weight
                matched[position].append(alias)
        return scores, matched

    def search(
        self, question: str, *, audience: str | None = None, limit: int = 5
    ) -> list[Hit]:
        """Entries ranked for `question`, best first (empty when nothing matches)."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(text.terms(question)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf[term] * (BIGRAM_WEIGHT if term.startswith("~") else 1.0)
            for position, tf in postings:
                norm = K1 * (1 - B + B * self._lengths[position] / self._avg_length)
                scores[position] += idf * tf * (K1 + 1) / (tf + norm)
        alias_scores, matched = self._alias_scores(question)
        for position, boost in alias_scores.items():
            scores[position] += boost
        if audience == "parent":
            for position in scores:
                if self.documents[position].audience in ("parent", "both"):
                    scores[position] *= PARENT_BOOST
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [
            Hit(
                entry_id=self.documents[p].entry_id,
                score=round(s, 4),
                matched_terms=tuple(matched.get(p, ())),
            )
            for p, s in ranked
            if s > 0
        ]
