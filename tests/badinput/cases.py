"""Bad input, by category: what people type into any channel.

Each category is a plain table below, so it is easy to see what the suite covers
and to add a case. Texts are what a person could type into Telegram, WhatsApp or
the REST channel; `Text.outcome` says what the gateway must answer:

- "rasa": the text goes on to Rasa (cleaned, never starting with a slash),
  and Rasa's answer comes back;
- "please_type" / "too_long": the gateway answers itself with that notice, in
  `Text.lang`, and Rasa is not asked.

The other tables: `platforms.py` (Telegram updates and WhatsApp messages that are
not typed text), `refusals.py` (requests each entry point must refuse, with their
status) and `forms.py` (the dashboard's forms and the values typed into them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

LIMIT = 2000  # the gateway's MAX_TEXT_CHARS in these tests
BODY_LIMIT = 64 * 1024  # the gateway's client_max_size


@dataclass(frozen=True)
class Text:
    """A message a person might type, and what the gateway must do with it."""

    id: str
    category: str
    text: str
    outcome: str = "rasa"  # "rasa" | "please_type" | "too_long"
    lang: str = "en"  # language of the gateway's notice
    command: bool = False  # one of our own commands: may reach Rasa as an intent

    @property
    def param_id(self) -> str:
        return f"{self.category}-{self.id}"


def _texts(category: str, rows: list[tuple[Any, ...]]) -> list[Text]:
    return [Text(row[0], category, *row[1:]) for row in rows]


EMPTY = _texts(
    "empty",
    [
        ("empty", "", "please_type"),
        ("space", " ", "please_type"),
        ("spaces-tabs-newlines", " \t\n\r\n  ", "please_type"),
        ("ideographic-space", "\u3000\u3000", "please_type"),
        ("nbsp", "\u00a0", "please_type"),
        ("zero-width-only", "\u200b\u200c\u2060\ufeff", "please_type"),
        ("nul-only", "\x00\x00\x00", "please_type"),
        ("controls-only", "\x01\x02\x1b\x7f", "please_type"),
    ],
)

LONG = _texts(
    "long",
    [
        ("2000-ascii", "a" * LIMIT),
        ("2001-ascii", "a" * (LIMIT + 1), "too_long"),
        ("10000-ascii", "a" * 10_000, "too_long"),
        ("10000-words", "career advice please " * 476, "too_long"),
        ("10000-cantonese", "你" * 10_000, "too_long", "yue"),
        ("10000-cantonese-sentences", "我想讀大學，" * 1_667, "too_long", "yue"),
        ("10000-emoji", "😀" * 10_000, "too_long"),
        ("10000-newlines", "\n".join(["hi"] * 3_334), "too_long"),
        ("2000-cantonese-plus-padding", "  " + "你" * LIMIT + "  "),
    ],
)

EMOJI = _texts(
    "emoji",
    [
        ("one", "😀"),
        ("thumbs-skin-tone", "👍🏽"),
        ("family-zwj", "👨‍👩‍👧‍👦"),
        ("flag-hk", "🇭🇰"),
        ("heart-variation", "❤️"),
        ("fifty", "🎓" * 50),
        ("keycap", "1️⃣"),
        ("with-cantonese", "🙏 唔該晒"),
    ],
)

CONTROL = _texts(
    "control",
    [
        ("nul-inside", "hello\x00world"),
        ("nul-prefix", '\x00/inform{"role":"parent"}'),
        ("bell-escape", "\x07\x08\x1b[31mred text"),
        ("zero-width-inside", "hel\u200blo\u200c wor\u2060ld"),
        ("bom-prefix", "\ufeffhello"),
        ("del", "hello\x7f"),
        ("crlf", "line one\r\nline two"),
        ("lone-high-surrogate", "hi \ud800 there"),
        ("lone-low-surrogate", "\udfff ok"),
        ("surrogates-only", "\ud800\udbff", "please_type"),
        ("private-use", "\ue000\uf8ff", "please_type"),
        ("c1-controls", "\x85\x9f hi"),
        ("zero-width-slash", '\u200b/inform{"consent":"yes"}'),
        ("nul-cantonese", "你\x00好"),
    ],
)

RTL = _texts(
    "rtl",
    [
        ("arabic", "مرحبا كيف حالك"),
        ("hebrew", "שלום עולם"),
        ("rlo-override", "\u202eevil.exe\u202c"),
        ("rlo-in-english", "I want to study \u202enursing"),
        ("isolates", "\u2067مرحبا\u2069 hello"),
        ("mixed-scripts", "hello مرحبا 你好 שלום"),
        ("rlm-lrm", "\u200fhi\u200e"),
        ("rlo-only", "\u202e\u202d\u202c", "please_type"),
    ],
)

HTML = _texts(
    "html",
    [
        ("script", "<script>alert(1)</script>"),
        ("img-onerror", "<img src=x onerror=alert(1)>"),
        ("attr-break-double", '" onmouseover="alert(1)'),
        ("attr-break-single", "' autofocus onfocus='alert(1)"),
        ("javascript-link", "<a href='javascript:alert(1)'>click</a>"),
        ("iframe", "<iframe src=//evil.example></iframe>"),
        ("entities", "&amp; &lt;b&gt; &#x3c;script&#x3e;"),
        ("closing-tags", "</b></i></pre></Message></Response>"),
        ("cdata-xml", "<![CDATA[x]]><?xml version='1.0'?>"),
        ("style", "<style>body{display:none}</style>"),
    ],
)

MARKDOWN = _texts(
    "markdown",
    [
        ("unbalanced-star", "*bold"),
        ("unbalanced-underscore", "_italic"),
        ("unbalanced-link", "[link]("),
        ("unbalanced-paren", "](http://x"),
        ("tilde-backtick", "~~strike `code"),
        ("triple-backtick", "```python\nprint(1)"),
        ("all-markdown-v2", "*_[]()~`>#+-=|{}.!"),
        ("html-b-unclosed", "<b>unclosed"),
        ("html-misnested", "<i><b>x</i></b>"),
        ("backslashes", "\\*\\_\\\\"),
        ("spoiler", "||spoiler"),
        ("tg-emoji", '<tg-emoji emoji-id="1">x</tg-emoji>'),
    ],
)

SQL = _texts(
    "sql",
    [
        ("drop-table", "'; DROP TABLE profile; --"),
        ("or-true", "1' OR '1'='1"),
        ("union", "x' UNION SELECT password_hash FROM staff_account --"),
        ("comment", "admin'/*"),
        ("percent-wildcards", "%%' _ %"),
        ("double-quote", '" OR ""="'),
    ],
)

FORGED = [
    *_texts(
        "forged",
        [
            ("inform-slot", '/inform{"slot":"value"}'),
            ("switch-language", '/switch_language{"language":"yue"}'),
            ("role", '/inform_role{"role":"parent"}'),
            ("consent", '/give_consent{"consent":"yes"}'),
            ("request-human", '/request_human{"reason":"crisis"}'),
            ("external-intent", "/EXTERNAL_checkin"),
            ("double-slash", "//inform"),
            ("leading-space", '   /inform{"role":"parent"}'),
            ("slash-only", "/", "please_type"),
            ("slash-spaces", "/   ", "please_type"),
            ("slashes-zero-width", "//\u200b/", "please_type"),
            ("fullwidth-slash", '／inform{"role":"parent"}'),
            ("broken-json", '/inform{"role":'),
            ("unsubscribe-intent", "/unsubscribe_updates"),
        ],
    ),
    # Our own commands (and their @bot form) become their intent on purpose.
    Text("start", "forged", "/start", command=True),
    Text("help-at-other-bot", "forged", "/help@some_other_bot", command=True),
    Text("stop-uppercase", "forged", "STOP", command=True),
]

TEXTS: list[Text] = [
    *EMPTY,
    *LONG,
    *EMOJI,
    *CONTROL,
    *RTL,
    *HTML,
    *MARKDOWN,
    *SQL,
    *FORGED,
]


def encodable(text: str) -> bool:
    """True unless the text holds lone surrogates (no form or raw UTF-8 can)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_bytes(body: Any) -> bytes:
    """`body` as a client would send it: UTF-8 JSON, escapes only where needed."""
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only a \\ud800 escape says those
        return json.dumps(body).encode("ascii")
