"""The dashboard's words, once per language, from locales/dashboard/<lang>/*.yml
(one file per area of the dashboard; a key may appear in only one of them)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from locales import _FOLDED_CJK_SPACE, SUPPORTED, LocaleError

DIRECTORY = Path(__file__).resolve().parent.parent / "locales" / "dashboard"
DEFAULT = "en"
HTML_LANG = {"en": "en", "yue": "zh-Hant-HK"}


@cache
def words(lang: str) -> dict[str, str]:
    """Every dashboard string of one language, by key."""
    found: dict[str, str] = {}
    for path in sorted((DIRECTORY / lang).glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise LocaleError(f"{path}: expected a mapping")
        for key, value in raw.items():
            if str(key) in found:
                raise LocaleError(f"{path}: '{key}' is defined twice")
            found[str(key)] = _FOLDED_CJK_SPACE.sub("", str(value))
    return found


def translate(lang: str, key: str, **params: Any) -> str:
    """One string in `lang` with its {placeholders} filled; LocaleError if missing."""
    lang = lang if lang in SUPPORTED else DEFAULT
    try:
        text = words(lang)[key]
    except KeyError:
        raise LocaleError(f"locales/dashboard/{lang}.yml has no '{key}'") from None
    return text.format(**params) if params else text
