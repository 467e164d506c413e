"""Crisis and self-harm cues: does a message need the help lines right now?

Plain pattern matching (cld/crisis_cues.yml) in English, Cantonese, standard
written Chinese and the mix, so it is fast, explainable and never depends on a
model's confidence. A cue that sits inside an everyday exaggeration ("笑死",
"dying to know") is not counted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CUES = Path(__file__).with_name("crisis_cues.yml")
_CJK_GAP = re.compile(
    r"(?<=[\u3400-\u9fff\U00020000-\U0002ebef])\s+(?=[\u3400-\u9fff\U00020000-\U0002ebef])"
)


@dataclass(frozen=True)
class CrisisCheck:
    """The outcome for one message: the level of the first cue found, if any."""

    level: str | None  # "explicit" | "indirect" | None
    cue: str | None = None  # the words that matched (for tests, never logged)

    @property
    def is_crisis(self) -> bool:
        """True when the person should get the help lines in this turn."""
        return self.level is not None


@dataclass(frozen=True)
class _Patterns:
    explicit: tuple[re.Pattern[str], ...]
    indirect: tuple[re.Pattern[str], ...]
    hyperbole: tuple[re.Pattern[str], ...]


@cache
def _patterns() -> _Patterns:
    raw = yaml.safe_load(CUES.read_text(encoding="utf-8"))

    import zhconv

    def compiled(items: list[str]) -> tuple[re.Pattern[str], ...]:
        # Patterns get the same conversion as messages (晒 -> 曬, 说 -> 說...);
        # ASCII word boundaries: "我self harm" has one between 我 and "self".
        return tuple(
            re.compile(zhconv.convert(item, "zh-hk"), re.ASCII) for item in items
        )

    return _Patterns(
        explicit=compiled(
            raw["explicit"]["en"] + raw["explicit"]["zh"] + raw["explicit_en_mixed"]
        ),
        indirect=compiled(raw["indirect"]["en"] + raw["indirect"]["zh"]),
        hyperbole=compiled(raw["hyperbole"]),
    )


def normalise(text: str) -> str:
    """Lower case, Traditional Chinese, straight quotes, no spaces inside Chinese."""
    import zhconv

    folded = unicodedata.normalize("NFKC", text or "").casefold()
    folded = folded.replace("\u2019", "'").replace("\u2018", "'")
    return _CJK_GAP.sub("", zhconv.convert(folded, "zh-hk"))


def check(text: str) -> CrisisCheck:
    """Look for crisis cues in one message."""
    clean = normalise(text)
    patterns = _patterns()
    excused = [m.span() for p in patterns.hyperbole for m in p.finditer(clean)]
    for level, group in (
        ("explicit", patterns.explicit),
        ("indirect", patterns.indirect),
    ):
        for pattern in group:
            for match in pattern.finditer(clean):
                start, end = match.span()
                if not any(a <= start and end <= b for a, b in excused):
                    return CrisisCheck(level=level, cue=match.group(0))
    return CrisisCheck(level=None)
