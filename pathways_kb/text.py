"""Text analysis for retrieval: one analyser for English, Cantonese and mixed text.

Text is normalised first (NFKC, a few acronyms such as "IT" expanded, case-folded,
Simplified converted to Traditional, variant spellings folded), so 副学士 finds
副學士, then tokenised by spaCy: a blank `zh` pipeline whose Chinese tokenizer
segments Chinese runs with a jieba segmenter of our own (one that knows the
knowledge base's aliases, so 高級文憑 stays whole, and leaves NLU's global jieba
alone) and the rest with a blank `en` pipeline's tokenizer. One spaCy `Doc` per
text (tokenizers only, no pipeline components); `analyse` then yields index
terms of three kinds:

- words: the Doc's English tokens (lightly stemmed, "non-local" also "nonlocal")
  and Chinese tokens, with the known shorter words inside long ones;
- character bigrams of Chinese runs (marked `~`), robust where segmentation is
  not, made after the runs are split at stop words and particles;
- concept terms (marked `#`) from `synonyms.yml`: 幾錢, 學費 and "fee" all give
  `#fee`, in questions and in entries alike.

It also yields matching keys for aliases: the same words and bigrams, except that
the wording of a concept is replaced by its concept term, so the alias "JUPAS fee"
matches "jupas幾錢". Each token's NORM is its index form (stemmed English), for a
spaCy PhraseMatcher over aliases (retrieval.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import yaml

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SYNONYMS = Path(__file__).parent / "synonyms.yml"
LANGS = ("en", "yue")
MIN_WORD_CHARS = 1

_CJK_CHARS = "\u3400-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
# Punctuation that always ends a word (for the English tokenizer's infixes).
_BREAK = r"[^\w\s'’.&+%$@/#*-]"
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

Span = tuple[int, int, frozenset[str]]  # concept wording: start, end, concepts
LatinToken = tuple[str, int]  # a token's text and offset


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


class _Segmenter:
    """The segmenter spaCy's Chinese tokenizer calls (`cut(text, cut_all=False)`):
    our jieba for Chinese runs (dictionary words only, no HMM guesses), spaCy's
    English tokenizer for the rest."""

    def __init__(self, jieba_tokenizer: Any, english: Any) -> None:
        self.jieba = jieba_tokenizer
        self.english = english

    def cut(self, text: str, cut_all: bool = False) -> Iterator[str]:
        runs = list(_CJK_RUN.finditer(text))
        # The English tokenizer sees the text with its Chinese blanked out (so
        # its tokens keep their offsets), jieba each Chinese run; in text order.
        latin = _CJK_RUN.sub(lambda m: " " * len(m.group(0)), text) if runs else text
        english = list(self.english(latin))
        position = 0
        for run in runs:
            while position < len(english) and english[position].idx < run.start():
                yield english[position].text
                position += 1
            yield from self.jieba.cut(run.group(0), cut_all=cut_all, HMM=False)
        for token in english[position:]:
            yield token.text


@dataclass(frozen=True)
class Pipelines:
    """The blank spaCy pipelines that tokenise text (tokenizers only)."""

    zh: Language
    en: Language


@lru_cache(maxsize=1)
def pipelines() -> Pipelines:
    """Blank `en` and `zh` pipelines, built once, on first use."""
    import spacy
    from spacy.lang.zh import Segmenter
    from spacy.util import compile_infix_regex

    en = spacy.blank("en")
    # Punctuation also ends a word with no space after it, as in Chinese text
    # ("(dvb),vtc" once full-width forms are folded).
    en.tokenizer.infix_finditer = compile_infix_regex(
        [*en.Defaults.infixes, _BREAK]
    ).finditer
    # Contractions stay whole, as typed: "ive" is IVE (not "i've"), and "whats"
    # and "i'm" are stop words.
    en.tokenizer.rules = {
        orth: pieces for orth, pieces in en.tokenizer.rules.items() if len(pieces) == 1
    }
    # Built with the character segmenter, then given ours: asking spaCy for
    # "jieba" would also load NLU's global jieba (a second dictionary in memory).
    zh = spacy.blank("zh")
    zh.tokenizer.segmenter = Segmenter.jieba
    zh.tokenizer.jieba_seg = _Segmenter(segmenter(), en.tokenizer)
    return Pipelines(zh=zh, en=en)


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


@lru_cache(maxsize=65536)
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


def concept_spans(normalised: str) -> list[Span]:
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


def make_doc(normalised: str) -> Doc:
    """The spaCy Doc of normalised text (tokenizer only). An English word's NORM
    is its stem, so an alias pattern "jupas fee" also matches "jupas fees"."""
    doc = pipelines().zh.make_doc(normalised)
    for token in doc:
        word = token.text
        if len(word) > 3 and word.isascii() and word.isalpha():
            stem = _stem(word)
            if stem != word:
                token.norm_ = stem
    return doc


def _split(doc: Doc) -> tuple[list[LatinToken], list[str]]:
    """The Doc's Latin-script tokens (with offsets) and Chinese tokens; clitics
    split off ("'s" of "son's") are left out."""
    latin, chinese = [], []
    for token in doc:
        word = token.text
        if _CJK.match(word):
            chinese.append(word)
        elif not word.isspace() and not word.startswith("'"):
            latin.append((word, token.idx))
    return latin, chinese


def _outside(word: str, start: int, spans: list[Span]) -> list[str]:
    """The parts of a token outside `spans` ("gov.hk" of "whs.gov.hk")."""
    end = start + len(word)
    parts, last = [], start
    for s, e, _names in spans:
        if s < end and start < e:
            if s > last:
                parts.append(word[last - start : s - start])
            last = max(last, e)
    if last < end:
        parts.append(word[last - start :])
    return parts


def _latin_words(tokens: list[LatinToken], cut: list[Span] | None = None) -> list[str]:
    """English words and numbers of Latin-script tokens, stemmed, without stop
    words or the text inside `cut`. "non-local", which spaCy splits at the
    hyphen, is also "nonlocal", as people also type it."""
    stops = vocabulary().stop_words
    chunks: list[str] = []
    last_end = -1  # where the last chunk ends, if a hyphen may join on to it
    hyphen_end = -1  # where a hyphen right after the last chunk ends
    for word, start in tokens:
        end = start + len(word)
        if cut and any(s < end and start < e for s, e, _names in cut):
            chunks.extend(_outside(word, start, cut))
            last_end = hyphen_end = -1
        elif word == "-":
            hyphen_end = end if start == last_end else -1
            last_end = -1
        else:
            if start == hyphen_end:
                chunks[-1] += "-" + word
            else:
                chunks.append(word)
            last_end, hyphen_end = end, -1
    out = []
    for token in (t for chunk in chunks for t in _LATIN.findall(chunk)):
        parts = token.split("-")
        if len(parts) > 1 and all(parts):
            parts.append("".join(parts))  # "e-app" is also "eapp"
        for part in parts:
            if part and part not in stops:
                stem = _stem(part)
                if stem not in stops:
                    out.append(stem)
    return out


def _chinese_words(tokens: list[str]) -> list[str]:
    """Chinese words, with the shorter known words inside long ones (高級文憑
    also gives 文憑), so an alias written as one long word still matches."""
    stops = vocabulary().stop_words
    known = segmenter().FREQ
    out = []
    for word in tokens:
        for size in (2, 3):  # as jieba's cut_for_search does
            for i in range(len(word) - size + 1 if len(word) > size else 0):
                if known.get(word[i : i + size]):
                    out.append(word[i : i + size])
        out.append(word)
    return [w for w in out if len(w) > MIN_WORD_CHARS and w not in stops]


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
    """One text, analysed: index terms (with repeats) and alias-matching keys,
    and the spaCy Doc they were made from."""

    terms: tuple[str, ...]
    keys: frozenset[str]
    concepts: frozenset[str]
    doc: Doc | None = field(default=None, compare=False, repr=False)


def _analyse(text: str) -> Analysis:
    normalised = normalise(text)
    doc = make_doc(normalised)
    latin, chinese = _split(doc)
    spans = concept_spans(normalised)
    concepts = ["#" + name for _start, _end, names in spans for name in sorted(names)]
    pieces, last = [], 0
    for start, end, _names in spans:
        pieces += [normalised[last:start], _CUT]
        last = end
    rest = "".join(pieces) + normalised[last:]
    terms = (
        _latin_words(latin)
        + _chinese_words(chinese)
        + ["~" + g for g in char_bigrams(normalised)]
        + concepts
    )
    # A light character left alone between stop words and concepts (去, 讀)
    # says little; another (辦 in 聯招辦) still tells things apart.
    light = vocabulary().light_characters
    rest_words = _latin_words(latin, spans)
    rest_grams = ["~" + g for g in char_bigrams(rest)]
    keys = frozenset(
        rest_words + [g for g in rest_grams if g[1:] not in light] + concepts
    )
    return Analysis(
        terms=tuple(terms), keys=keys, concepts=frozenset(concepts), doc=doc
    )


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
    latin, chinese = _split(make_doc(normalise(text)))
    return _latin_words(latin) + _chinese_words(chinese)
