"""Every user-facing message, once per language, and the code that renders them.

`en.yml` and `yue.yml` hold the same keys. Keys starting with `utter_` are Rasa
responses: `domain_responses()` turns them into conditional response variations
for the built domain. Other keys (`gateway_*`) are sent by the channel gateway.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from locales.language import DEFAULT, SUPPORTED, Lang, detect, reply_language

__all__ = [
    "DEFAULT",
    "SUPPORTED",
    "Lang",
    "LocaleError",
    "Message",
    "catalogue",
    "detect",
    "domain_responses",
    "format_date",
    "placeholders",
    "render",
    "reply_language",
]

LOCALES_DIR = Path(__file__).parent
# Slots the built domain conditions on (see domain.yml).
CHOICE_SLOT = "language_choice"
DETECTED_SLOT = "language"


# YAML folding turns line breaks into spaces, which Chinese text must not have.
_FOLDED_CJK_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\uff00-\uffef]) "
    r"|(?<=[\u3400-\u9fff]) (?=[\u3000-\u9fff\uff00-\uffef])"
)


class LocaleError(ValueError):
    """A message is missing, or a placeholder was left unfilled."""


@dataclass(frozen=True)
class Button:
    """One button: a translated title and an untranslated payload."""

    title: str
    payload: str


@dataclass(frozen=True)
class Message:
    """One rendered message: text plus optional buttons."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


def _normalise(entry: Any, key: str, lang: str) -> dict[str, Any]:
    if isinstance(entry, str):
        entry = {"text": entry}
    if isinstance(entry, dict) and isinstance(entry.get("text"), str):
        return {**entry, "text": _FOLDED_CJK_SPACE.sub("", entry["text"])}
    raise LocaleError(f"locales/{lang}.yml: '{key}' needs text")


@cache
def catalogue(lang: str) -> Mapping[str, dict[str, Any]]:
    """All messages of one language, keyed by name."""
    if lang not in SUPPORTED:
        raise LocaleError(f"unsupported language '{lang}'")
    raw = yaml.safe_load((LOCALES_DIR / f"{lang}.yml").read_text(encoding="utf-8"))
    return {key: _normalise(value, key, lang) for key, value in raw.items()}


def placeholders(template: str) -> set[str]:
    """Names of the `{placeholders}` in a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(key: str, lang: str | None = None, /, **params: Any) -> Message:
    """Render message `key` in `lang` (English if unknown), filling placeholders."""
    chosen = lang if lang in SUPPORTED else DEFAULT
    entry = catalogue(chosen).get(key)
    if entry is None:
        raise LocaleError(f"no message '{key}' in locales/{chosen}.yml")
    missing = placeholders(entry["text"]) - params.keys()
    if missing:
        raise LocaleError(f"'{key}' needs {', '.join(sorted(missing))}")
    buttons = tuple(
        Button(title=b["title"].format(**params), payload=b["payload"])
        for b in entry.get("buttons", [])
    )
    return Message(text=entry["text"].format(**params), buttons=buttons)


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def format_date(day: date, lang: str) -> str:
    """A date as people write it in `lang` ("14 Jul 2025", "2025年7月14日")."""
    return render(
        "kb_date",
        lang,
        day=day.day,
        month=day.month,
        month_name=_MONTHS[day.month - 1],
        year=day.year,
    ).text


def _escape_braces(payload: str) -> str:
    return payload.replace("{", "{{").replace("}", "}}")


def _variation(
    entry: dict[str, Any], condition: list[dict[str, str]]
) -> dict[str, Any]:
    variation: dict[str, Any] = {"text": entry["text"]}
    if entry.get("buttons"):
        # Rasa fills {placeholders} in payloads too; doubled braces survive it.
        variation["buttons"] = [
            {"title": b["title"], "payload": _escape_braces(b["payload"])}
            for b in entry["buttons"]
        ]
    if condition:
        variation["condition"] = condition
    return variation


def _slot_is(name: str, value: str) -> dict[str, str]:
    return {"type": "slot", "name": name, "value": value}


def domain_responses() -> dict[str, list[dict[str, Any]]]:
    """Rasa responses for each `utter_` key: Cantonese on conditions, else English.

    Cantonese is used when the user chose it, or made no choice and wrote in it.
    """
    en, yue = catalogue("en"), catalogue("yue")
    responses: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(k for k in en if k.startswith("utter_")):
        responses[key] = [
            _variation(yue[key], [_slot_is(CHOICE_SLOT, "yue")]),
            _variation(
                yue[key],
                [_slot_is(CHOICE_SLOT, "auto"), _slot_is(DETECTED_SLOT, "yue")],
            ),
            _variation(en[key], []),
        ]
    return responses
