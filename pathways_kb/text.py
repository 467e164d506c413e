"""Text analysis for retrieval: one tokenizer for English, Cantonese and mixed text.

A blank spaCy Chinese pipeline with the jieba segmenter keeps English words whole
and splits Chinese into words; knowledge-base aliases are added to jieba's
dictionary so terms like 高級文憑 stay in one piece. Simplified Chinese is
converted to Traditional first, so 副学士 finds 副學士.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from typing import Any, Iterable

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_OR_DIGIT = re.compile(r"^[a-z0-9][a-z0-9.&+'-]*$")

# Words that carry no topic in questions, in both languages.
STOP_WORDS = frozenset(
    """
    a an the is are am be was were do does did i me my you your he she it we they
    what which who how when where why can could should would will to of in on at for
    with and or about any some this that there please pls plz want wanna know tell
    ask question hi hello hey thanks thx ok okay if so son daughter kid child
    嘅 的 係 是 唔 不 咩 什麼 甚麼 乜 點 點樣 怎樣 如何 有 冇 沒有 我 你 佢 他 她 我哋
    想 問 想問 請問 問下 一下 下 呀 啊 啦 喎 嘛 呢 吖 㗎 囉 嗎 同 和 及 與 個 啲
    些 要 可以 能 會 就 都 也 仲 還 而家 現在 多謝 唔該 請 幫 幫我 知 知道 講 說 話
    """.split()
)


def _import_spacy() -> Any:
    """Import spaCy without TensorFlow, unless this process already has it.

    thinc imports TensorFlow whenever it is installed (Rasa needs it), costing
    about 2.4 s and 450 MB in processes that only tokenize.
    """
    if "tensorflow" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        del sys.modules["tensorflow"]
    return spacy


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The shared blank Chinese pipeline (jieba) used to split text into words."""
    spacy = _import_spacy()
    import jieba

    jieba.setLogLevel(60)  # its progress lines are not for our logs
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def add_terms(terms: Iterable[str]) -> None:
    """Teach the segmenter domain terms (aliases) so they stay whole."""
    import jieba

    tokenizer()
    for term in terms:
        if _CJK.search(term):
            jieba.add_word(term, freq=200_000)


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """NFKC, case-folded, Traditional Chinese."""
    import zhconv

    folded = unicodedata.normalize("NFKC", text).casefold()
    return zhconv.convert(folded, "zh-hk") if _CJK.search(folded) else folded


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Topic words of `text`: normalised, no stop words, English lightly stemmed."""
    out = []
    for token in tokenizer()(normalise(text)):
        word = token.text.strip()
        if not word or word in STOP_WORDS:
            continue
        if _CJK.search(word):
            out.append(word)
        elif _LATIN_OR_DIGIT.match(word):
            out.append(_stem(word))
    return out


def char_bigrams(text: str) -> list[str]:
    """Character bigrams of every Chinese run: robust where segmentation is not."""
    grams = []
    for run in _CJK_RUN.findall(normalise(text)):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
        if len(run) == 1:
            grams.append(run)
    return grams


def terms(text: str) -> list[str]:
    """All index terms of `text`: words, plus bigrams marked with a leading '~'."""
    return words(text) + ["~" + g for g in char_bigrams(text)]
