"""Text analysis for retrieval: one analyser for English, Cantonese and mixed text.

Text is normalised first (NFKC, a few acronyms such as "IT" expanded, case-folded,
Simplified converted to Traditional, variant spellings folded), so 副学士 finds
副學士. `analyse` then yields index terms of three kinds:

- words: English words (lightly stemmed) and Chinese words from a jieba
  segmenter that knows the knowledge base's aliases, so 高級文憑 stays whole;
- character bigrams of Chinese runs (marked `~`), robust where segmentation is
  not, made after the runs are split at stop words and particles;
- concept terms (marked `#`) from `synonyms.yml`: 幾錢, 學費 and "fee" all give
  `#fee`, in questions and in entries alike.

It also yields matching keys for aliases: the same words and bigrams, except that
the wording of a concept is replaced by its concept term, so the alias "JUPAS fee"
matches "jupas幾錢".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

SYNONYMS = Path(__file__).parent / "synonyms.yml"
LANGS = ("en", "yue")
MIN_WORD_CHARS = 1

_CJK_CHARS = "\u3400-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
_LATIN = re.compile(r"[a-z0-9][a-z0-9.&+'%-]*[a-z0-9%]|[a-z0-9]")
_SPACES = re.compile(r"\s+")
# An all-capitals word, or a lower-case one written against Chinese ("讀it").
_ACRONYM = re.compile(
    r"(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z])"
    rf"|(?<=[{_CJK_CHARS}])[a-z]{{2,}}(?![A-Za-z])"
    rf"|(?<![A-Za-z])[a-z]{{2,}}(?=[{_CJK_CHARS}])"
)
# English wording matches whole words only: "age" is not in "page", and
# "degree" is not in "sub-degree".
_WORD_START = r"(?<![a-z0-9-])"
_WORD_END = r"(?![a-z0-9]|-[a-z0-9])"
# Marks where concept wording was cut out of a text (never part of a word).
_CUT = " | "


@dataclass(frozen=True)
class Vocabulary:
    """What synonyms.yml says, compiled for matching."""

    concepts: dict[str, frozenset[str]]  # form without spaces -> concept names
    concept_pattern: re.Pattern[str] | None  # any form, longest first
    stop_words: frozenset[str]
    stop_split: re.Pattern[str] | None  # Chinese stop words and particles
    variants: dict[str, str]
    variant_pattern: re.Pattern[str] | None
    acronyms: dict[str, str]  # "IT" -> 資訊科技
    light_characters: frozenset[str]


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _trie_pattern(forms: Iterable[str]) -> str:
    """One regex for many literal forms, as a trie: fast, and longest first.

    English forms get word boundaries; a space in a form may also be left out.
    """
    trie: dict[str, Any] = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict[str, Any], last: str) -> str:
        branches = []
        for char in sorted(k for k in node if k):
            step = " ?" if char == " " else re.escape(char)
            branches.append(step + build(node[char], char))
        end = (_WORD_END if _is_latin(last) else "") if "" in node else None
        if not branches:
            return end or ""
        joined = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return joined if end is None else f"(?:{joined}|{end})"

    latin = {k: v for k, v in trie.items() if _is_latin(k)}
    other = {k: v for k, v in trie.items() if not _is_latin(k)}
    parts = []
    if latin:
        parts.append(_WORD_START + build(latin, ""))
    if other:
        parts.append(build(other, ""))
    return "|".join(f"(?:{p})" for p in parts)


def _fold(text: str, acronyms: dict[str, str] | None = None) -> str:
    text = unicodedata.normalize("NFKC", text)
    if acronyms:
        text = _ACRONYM.sub(
            lambda m: acronyms.get(m.group(0).upper(), m.group(0)), text
        )
    return _SPACES.sub(" ", text.casefold()).strip()


def _read_vocabulary(path: Path = SYNONYMS) -> Vocabulary:
    import zhconv

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    variants = {_fold(k): _fold(v) for k, v in (data.get("variants") or {}).items()}
    variant_pattern = re.compile(_trie_pattern(variants)) if variants else None
    acronyms = {str(k).upper(): str(v) for k, v in (data.get("acronyms") or {}).items()}

    def clean(form: str) -> str:
        folded = _fold(form)
        if _CJK.search(folded):
            folded = zhconv.convert(folded, "zh-hk")
            if variant_pattern:
                folded = variant_pattern.sub(lambda m: variants[m.group(0)], folded)
        return folded

    particles = {clean(c) for c in str(data.get("particles") or "").split()}
    words = {
        clean(word)
        for listed in (data.get("stop_words") or {}).values()
        for word in str(listed).split()
    }
    concepts: dict[str, set[str]] = {}
    for name, by_lang in (data.get("concepts") or {}).items():
        for lang in LANGS:
            for form in map(clean, map(str, (by_lang or {}).get(lang) or ())):
                spellings = [form]
                if _is_latin(form[-1]) and form[-1].isalpha() and form[-1] != "s":
                    spellings.append(form + "s")  # "fee" also finds "fees"
                for spelling in spellings:
                    concepts.setdefault(spelling, set()).add(str(name))
    splitters = [w for w in words if _CJK.search(w) and len(w) > 1] + sorted(particles)
    return Vocabulary(
        concepts={
            form.replace(" ", ""): frozenset(names) for form, names in concepts.items()
        },
        concept_pattern=re.compile(_trie_pattern(concepts)) if concepts else None,
        stop_words=frozenset(words | particles),
        stop_split=re.compile(_trie_pattern(splitters)) if splitters else None,
        variants=variants,
        variant_pattern=variant_pattern,
        acronyms=acronyms,
        light_characters=frozenset(
            clean(c) for c in str(data.get("light_characters") or "").split()
        ),
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The compiled synonyms file (read once per process)."""
    return _read_vocabulary()


@lru_cache(maxsize=1)
def segmenter() -> Any:
    """A jieba segmenter of our own, so added terms do not change NLU's jieba."""
    import jieba

    jieba.setLogLevel(60)  # its progress lines are not for our logs
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    vocab = vocabulary()
    for word in list(vocab.stop_words) + list(vocab.concepts):
        if _CJK.search(word) and len(word) > 1:
            tokenizer.add_word(word, freq=100_000)
    return tokenizer


def add_terms(terms: Iterable[str]) -> None:
    """Teach the segmenter domain terms (aliases) so they stay whole."""
    tokenizer = segmenter()
    for term in terms:
        for run in _CJK_RUN.findall(normalise(term)):
            if len(run) > 1:
                tokenizer.add_word(run, freq=200_000)
    analyse.cache_clear()  # analyses made before may now split differently


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """NFKC, acronyms, case-folded, single-spaced, Traditional, variants folded."""
    vocab = vocabulary()
    folded = _fold(text, vocab.acronyms)
    if not _CJK.search(folded):
        return folded
    import zhconv

    converted = zhconv.convert(folded, "zh-hk")
    if vocab.variant_pattern is None:
        return converted
    return vocab.variant_pattern.sub(lambda m: vocab.variants[m.group(0)], converted)


def _stem(word: str) -> str:
    """A light English stemmer: "replaced", "replacement" and "replaces" all
    give "replac". Numbers and short words are left alone."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ments", "ment", "ings", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def concept_spans(normalised: str) -> list[tuple[int, int, frozenset[str]]]:
    """Where concept wording occurs in normalised text: (start, end, concepts)."""
    vocab = vocabulary()
    if vocab.concept_pattern is None:
        return []
    found = []
    for match in vocab.concept_pattern.finditer(normalised):
        names = vocab.concepts.get(match.group(0).replace(" ", ""))
        if names:
            found.append((match.start(), match.end(), names))
    return found


def _latin_words(normalised: str) -> list[str]:
    """English words and numbers, stemmed, without stop words; "non-local" is
    two words, as people also type it."""
    stops = vocabulary().stop_words
    out = []
    for token in _LATIN.findall(_CJK_RUN.sub(" ", normalised)):
        parts = token.split("-")
        if len(parts) > 1 and all(parts):
            parts.append("".join(parts))  # "e-app" is also "eapp"
        for part in parts:
            if part and part not in stops:
                stem = _stem(part)
                if stem not in stops:
                    out.append(stem)
    return out


def _chinese_words(normalised: str) -> list[str]:
    """Chinese words, with the shorter known words inside long ones (高級文憑
    also gives 文憑), so an alias written as one long word still matches."""
    stops = vocabulary().stop_words
    tokenizer = segmenter()
    return [
        word
        for run in _CJK_RUN.findall(normalised)
        for word in tokenizer.lcut_for_search(run, HMM=False)
        if len(word) > MIN_WORD_CHARS and word not in stops
    ]


def char_bigrams(normalised: str) -> list[str]:
    """Character bigrams of every Chinese run, split at stop words first; a
    piece of one character stays as it is."""
    split = vocabulary().stop_split
    grams = []
    for run in _CJK_RUN.findall(normalised):
        for piece in split.split(run) if split else [run]:
            if len(piece) == 1:
                grams.append(piece)
            else:
                grams.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return grams


@dataclass(frozen=True)
class Analysis:
    """One text, analysed: index terms (with repeats) and alias-matching keys."""

    terms: tuple[str, ...]
    keys: frozenset[str]
    concepts: frozenset[str]


def _analyse(text: str) -> Analysis:
    normalised = normalise(text)
    spans = concept_spans(normalised)
    concepts = ["#" + name for _start, _end, names in spans for name in sorted(names)]
    pieces, last = [], 0
    for start, end, _names in spans:
        pieces += [normalised[last:start], _CUT]
        last = end
    rest = "".join(pieces) + normalised[last:]
    terms = (
        _latin_words(normalised)
        + _chinese_words(normalised)
        + ["~" + g for g in char_bigrams(normalised)]
        + concepts
    )
    # A light character left alone between stop words and concepts (去, 讀)
    # says little; another (辦 in 聯招辦) still tells things apart.
    light = vocabulary().light_characters
    rest_words = _latin_words(rest)
    rest_grams = ["~" + g for g in char_bigrams(rest)]
    keys = frozenset(
        rest_words + [g for g in rest_grams if g[1:] not in light] + concepts
    )
    return Analysis(terms=tuple(terms), keys=keys, concepts=frozenset(concepts))


@lru_cache(maxsize=4096)
def analyse(text: str) -> Analysis:
    """Words, `~` bigrams and `#` concepts of `text`, and its matching keys."""
    return _analyse(text)


def analyse_uncached(text: str) -> Analysis:
    """`analyse` without the cache, for texts seen once (entries, at indexing)."""
    return _analyse(text)


def terms(text: str) -> list[str]:
    """All index terms of `text`: words, `~` bigrams and `#` concepts."""
    return list(analyse(text).terms)


def words(text: str) -> list[str]:
    """Topic words of `text`: normalised, no stop words, English lightly stemmed."""
    normalised = normalise(text)
    return _latin_words(normalised) + _chinese_words(normalised)
