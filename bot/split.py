"""Split long replies for platforms with a per-message limit, at sentence ends."""

from __future__ import annotations

import re

# After a sentence end (English or Chinese punctuation) or a line break.
_BREAKS = re.compile(r"(?<=[.!?。！？\n])")


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at sentence ends."""
    pieces: list[str] = []
    current = ""
    for sentence in _BREAKS.split(text):
        while (
            len(sentence) > limit
        ):  # one sentence longer than the limit: cut at a space
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current += sentence
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]
