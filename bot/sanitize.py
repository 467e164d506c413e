"""What a person's message may say to Rasa: text stays text, payloads are checked.

Rasa parses any text that starts with "/" as an intent with slot values, so a
person who types `/inform{"consent": "yes"}` could set any slot. Typed text is
therefore never sent with a leading slash; only payloads of buttons we offered
to that person, and the commands we define, reach Rasa as intents.
"""

from __future__ import annotations

import unicodedata

# Telegram-style commands we define, and the intent each one means.
COMMANDS = {
    "/start": "/greet",
    "/help": "/help",
    "/lang": "/switch_language",
    "/menu": "/help",
    "/stop": "/pause_roadmap",  # stops what is in progress; everything is kept
}
# Whole messages that stop parent updates at once, whatever NLU would guess.
STOP_WORDS = frozenset({"stop", "unsubscribe", "停止", "取消訂閱", "取消订阅"})
UNSUBSCRIBE = "/unsubscribe_updates"
_TRAILING_PUNCTUATION = ".,!?~;:。，！？～、；：…"
_FORMAT_CHARS = {"Cf", "Cc", "Co", "Cs"}


def clean_text(text: str) -> str:
    """Drop control and invisible format characters; keep line breaks and emoji."""
    kept = [
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t"
        or unicodedata.category(ch) not in _FORMAT_CHARS
        or ch == "\u200d"  # zero-width joiner holds emoji sequences together
    ]
    return "".join(kept).strip()


def storable(text: str) -> bool:
    """True when a database can hold and compare `text`: no NUL, no lone surrogate."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


def command_intent(text: str) -> str | None:
    """The intent payload for one of our commands ("/start", "/help@bot"), if any."""
    word = (
        text.strip().split(maxsplit=1)[0].split("@", 1)[0].lower()
        if text.strip()
        else ""
    )
    return COMMANDS.get(word)


def stop_intent(text: str) -> str | None:
    """The unsubscribe payload when the whole message is "STOP", "停止" or the like."""
    typed = unicodedata.normalize("NFKC", text).strip().casefold()
    word = typed.rstrip(_TRAILING_PUNCTUATION + " ")
    return UNSUBSCRIBE if word in STOP_WORDS else None


def neutralise(text: str) -> str:
    """Typed text as Rasa must see it: never starting with a slash."""
    return text.lstrip("/").lstrip() if text.startswith("/") else text
