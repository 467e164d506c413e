"""Rank knowledge-base entries for a question.

The score of an entry adds up:

- field-weighted BM25 (BM25F) over words, Chinese character bigrams and concept
  terms (see text.py), in two channels with their own document frequencies: the
  head (aliases and titles) says what an entry is about, the body (key facts and
  answer) what it mentions. Each field is length-normalised on its own, so a
  long overview does not win on volume, and a word like "apply", found in most
  bodies but in few heads, counts where it says most;
- a boost for how much of the question the entry's head covers, and a discount
  for the part of the question the whole entry does not cover;
- a boost for each alias or title the question contains, larger for rare keys:
  word for word, found by a spaCy PhraseMatcher over the aliases' tokens
  (their NORM, so "jupas fees" matches "jupas fee"), or in another order or
  wording, when the question has all the alias's keys ("jupas幾錢"; a
  PhraseMatcher alone finds about 2.6 points fewer top-1 answers). An alias
  inside a longer matched alias gives way ("higher diploma" over "diploma").

For a parent, or a question that says "my son", parent-only entries count more;
for anyone else, less.
Unknown English words one edit away from a known word are read as that word
("jupsa"). Built once per knowledge-base version, then kept in memory.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from pathways_kb import text

if TYPE_CHECKING:
    from spacy.tokens import Doc

FIELDS = ("alias", "title", "facts", "answer")
CHANNELS = {"head": ("alias", "title"), "body": ("facts", "answer")}
# Field weights and length normalisation (BM25F), and BM25's term saturation.
WEIGHTS = {"alias": 2.0, "title": 2.0, "facts": 1.5, "answer": 1.0}
LENGTH_NORM = {"alias": 0.5, "title": 0.5, "facts": 0.75, "answer": 0.75}
K1 = 1.2
# Question-side weights by kind of term: bigrams and concepts overlap words (a
# bigram that is also a word of the question is not counted twice).
BIGRAM_WEIGHT = 0.8
CONCEPT_WEIGHT = 0.8
# Alias matches: the boost for an alias of rarity ALIAS_RARITY_UNIT (about one
# rare word), shared among the entries that have the alias.
ALIAS_BOOST = 12.0
ALIAS_RARITY_UNIT = 4.0
ALIAS_RARITY_CAP = 6.0
# More when the question is nothing but the alias ("聯招", "HD?").
EXACT_ALIAS_BOOST = 10.0
# Coverage: a boost for the share of the question found in an entry's head
# (squared), and the share of the score that depends on the question being
# covered by the entry anywhere.
HEAD_COVERAGE_BOOST = 10.0
COVERAGE_SHARE = 0.2
# Parent-only entries count more for a parent (role) or a question that speaks
# of "my son" (the concept PARENT_CUE), and less for anyone else.
PARENT_BOOST = 1.3
PARENT_CUE_BOOST = 1.15
YOUTH_FACTOR = 0.8
PARENT_CUE = "#parent"
# Unknown English words this long are matched to a known word one edit away.
MIN_TYPO_LENGTH = 4


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


def _query_weight(term: str) -> float:
    if term.startswith("~"):
        return BIGRAM_WEIGHT
    if term.startswith("#"):
        return CONCEPT_WEIGHT
    return 1.0


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _is_word(term: str) -> bool:
    return len(term) >= MIN_TYPO_LENGTH and term.isascii() and term.isalpha()


class Index:
    """An in-memory BM25F index with alias matching."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents = list(documents)
        text.add_terms(a for d in self.documents for a in d.aliases)
        analysed: dict[str, text.Analysis] = {}
        fields: list[dict[str, list[text.Analysis]]] = []
        for doc in self.documents:
            values = dict(
                zip(
                    FIELDS,
                    (doc.aliases, doc.titles, doc.facts, doc.answers),
                    strict=True,
                )
            )
            for value in (v for vs in values.values() for v in vs):
                if value not in analysed:
                    analysed[value] = text.analyse_uncached(value)
            fields.append({f: [analysed[v] for v in values[f]] for f in FIELDS})
        self._build_postings(fields)
        self._build_aliases(analysed)
        self._build_phrases(analysed)
        self._head_keys = self._key_postings(fields, CHANNELS["head"])
        self._all_keys = self._key_postings(fields, FIELDS)
        self._build_spelling()

    def _build_postings(self, fields: list[dict[str, list[text.Analysis]]]) -> None:
        bags = [
            {f: Counter(t for a in doc[f] for t in a.terms) for f in FIELDS}
            for doc in fields
        ]
        count = max(len(bags), 1)
        average = {
            f: (sum(sum(bag[f].values()) for bag in bags) / count) or 1.0
            for f in FIELDS
        }
        self._idf: dict[str, dict[str, float]] = {}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for channel, channel_fields in CHANNELS.items():
            frequency: Counter[str] = Counter()
            for bag in bags:
                frequency.update(set().union(*(bag[f] for f in channel_fields)))
            idf = self._idf[channel] = {
                term: math.log(1 + (count - n + 0.5) / (n + 0.5))
                for term, n in frequency.items()
            }
            # A term's weight in an entry does not depend on the question, so it
            # is computed here: a search only adds postings up.
            for position, bag in enumerate(bags):
                tf: Counter[str] = Counter()
                for f in channel_fields:
                    length = sum(bag[f].values()) / average[f]
                    norm = 1 - LENGTH_NORM[f] + LENGTH_NORM[f] * length
                    for term, n in bag[f].items():
                        tf[term] += WEIGHTS[f] * n / norm
                for term, t in tf.items():
                    weight = idf[term] * t * (K1 + 1) / (t + K1)
                    self._postings[term].append((position, weight))
        self._rarest = math.log(1 + (count + 0.5) / 0.5)

    def _build_aliases(self, analysed: dict[str, text.Analysis]) -> None:
        owners: dict[frozenset[str], set[int]] = defaultdict(set)
        self._alias_labels: dict[frozenset[str], str] = {}
        for position, doc in enumerate(self.documents):
            for alias in doc.aliases + doc.titles:
                keys = analysed[alias].keys
                if keys:
                    owners[keys].add(position)
                    # Shown as the shortest wording with these keys ("hd", not
                    # "報高級文憑").
                    label = text.normalise(alias)
                    known = self._alias_labels.get(keys)
                    if known is None or (len(label), label) < (len(known), known):
                        self._alias_labels[keys] = label
        self._alias_owners = {keys: sorted(p) for keys, p in owners.items()}
        self._aliases_by_key: dict[str, list[frozenset[str]]] = defaultdict(list)
        for keys in self._alias_owners:
            # An alias is looked up through its rarest key.
            rarest = max(keys, key=lambda k: (self._rarity(k), k))
            self._aliases_by_key[rarest].append(keys)

    def _build_phrases(self, analysed: dict[str, text.Analysis]) -> None:
        """A spaCy PhraseMatcher over the aliases and titles, by their tokens' NORM
        (stemmed English), each pattern labelled with its alias keys."""
        from spacy.matcher import PhraseMatcher

        vocab = text.pipelines().zh.vocab
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._phrase_keys: dict[int, frozenset[str]] = {}
        patterns: dict[frozenset[str], list[Doc]] = defaultdict(list)
        for doc in self.documents:
            for alias in doc.aliases + doc.titles:
                analysis = analysed[alias]
                if analysis.keys and analysis.doc is not None and len(analysis.doc):
                    patterns[analysis.keys].append(analysis.doc)
        for number, (keys, docs) in enumerate(patterns.items()):
            label = f"alias-{number}"
            self._phrases.add(label, docs)
            self._phrase_keys[vocab.strings[label]] = keys

    def phrase_matches(self, analysis: text.Analysis) -> set[frozenset[str]]:
        """The aliases (by keys) found word for word in an analysed question."""
        if analysis.doc is None:
            return set()
        return {
            self._phrase_keys[match_id]
            for match_id, _start, _end in self._phrases(analysis.doc)
        }

    def _rarity(self, term: str) -> float:
        """How rare a term is, by the bodies; one found only in heads is rarest."""
        return self._idf["body"].get(term, self._rarest)

    @staticmethod
    def _key_postings(
        fields: list[dict[str, list[text.Analysis]]], names: Iterable[str]
    ) -> dict[str, list[int]]:
        names = tuple(names)
        postings: dict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(fields):
            keys = set().union(*(a.keys for f in names for a in doc[f]))
            for key in keys:
                postings[key].append(position)
        return postings

    def _build_spelling(self) -> None:
        """Known English words by their one-letter deletions, to fix typos."""
        self._spelling: dict[str, list[str]] = defaultdict(list)
        for term in self._postings:
            if _is_word(term):
                for variant in {term} | _deletions(term):
                    self._spelling[variant].append(term)

    def _correct(self, word: str) -> str | None:
        """The known word one edit away from an unknown `word`, if there is one."""
        candidates = set(self._spelling.get(word, ()))
        for variant in _deletions(word):
            candidates.update(self._spelling.get(variant, ()))
        candidates.discard(word)
        if not candidates:
            return None
        return max(candidates, key=lambda c: (len(self._postings[c]), c))

    def _spelled(self, analysis: text.Analysis) -> text.Analysis:
        fixes = {}
        for key in analysis.keys:
            if _is_word(key) and key not in self._postings:
                fixed = self._correct(key)
                if fixed:
                    fixes[key] = fixed
        if not fixes:
            return analysis
        return text.Analysis(
            terms=tuple(fixes.get(t, t) for t in analysis.terms),
            keys=frozenset(fixes.get(k, k) for k in analysis.keys),
            concepts=analysis.concepts,
            doc=analysis.doc,
        )

    def _alias_weight(self, keys: frozenset[str]) -> float:
        # Rare keys make an alias specific ("NMTSS"); common ones ("學費") less so.
        rarity = sum(self._rarity(k) * _query_weight(k) for k in keys)
        specificity = min(rarity, ALIAS_RARITY_CAP) / ALIAS_RARITY_UNIT
        return ALIAS_BOOST * specificity / len(self._alias_owners[keys])

    def _alias_scores(
        self, keys: frozenset[str], phrases: set[frozenset[str]]
    ) -> tuple[dict[int, float], dict[int, list[str]]]:
        # Word for word (the PhraseMatcher), or in another order or wording: the
        # question has all the alias's keys ("jupas幾錢" for "JUPAS fee").
        found = set(phrases)
        found.update(
            alias
            for key in keys
            for alias in self._aliases_by_key.get(key, ())
            if alias <= keys
        )
        # An alias whose keys all belong to a longer matched alias gives way.
        kept = [a for a in found if not any(a < other for other in found)]
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, list[str]] = defaultdict(list)
        for alias in sorted(kept, key=self._alias_labels.__getitem__):
            weight = self._alias_weight(alias)
            if alias == keys:  # the question is just this name
                weight += EXACT_ALIAS_BOOST / len(self._alias_owners[alias])
            for position in self._alias_owners[alias]:
                scores[position] += weight
                matched[position].append(self._alias_labels[alias])
        return scores, matched

    def _coverage(
        self,
        keys: frozenset[str],
        postings: dict[str, list[int]],
        idf: dict[str, float],
    ) -> tuple[dict[int, float], float]:
        """Rarity of the question's keys found in each entry, and of them all."""
        covered: dict[int, float] = defaultdict(float)
        total = 0.0
        for key in keys:
            weight = idf.get(key, 0.0) * _query_weight(key)
            total += weight
            for position in postings.get(key, ()):
                covered[position] += weight
        return covered, total

    def search(
        self, question: str, *, audience: str | None = None, limit: int = 5
    ) -> list[Hit]:
        """Entries ranked for `question`, best first (empty when nothing matches)."""
        analysis = self._spelled(text.analyse(question))
        keys = analysis.keys
        scores: dict[int, float] = defaultdict(float)
        asked = set(analysis.terms) - {PARENT_CUE}
        for term in asked:
            if term.startswith("~") and term[1:] in asked:
                continue  # the two-character word 抽籤 is its bigram
            weight = _query_weight(term)
            for position, term_weight in self._postings.get(term, ()):
                scores[position] += weight * term_weight
        head, head_total = self._coverage(keys, self._head_keys, self._idf["head"])
        if head_total:
            for position, found in head.items():
                scores[position] += HEAD_COVERAGE_BOOST * (found / head_total) ** 2
        body_idf = self._idf["body"]
        covered, total = self._coverage(keys, self._all_keys, body_idf)
        if total:
            for position in scores:
                share = covered[position] / total
                scores[position] *= 1 - COVERAGE_SHARE + COVERAGE_SHARE * share
        alias_scores, matched = self._alias_scores(keys, self.phrase_matches(analysis))
        for position, boost in alias_scores.items():
            scores[position] += boost
        if audience == "parent":
            factor = PARENT_BOOST
        elif PARENT_CUE in analysis.concepts:
            factor = PARENT_CUE_BOOST
        else:
            factor = YOUTH_FACTOR
        if factor != 1.0:
            for position in scores:
                if self.documents[position].audience == "parent":
                    scores[position] *= factor
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
