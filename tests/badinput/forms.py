"""Dashboard forms and the values typed into them: every form's field, who
fills it in, what it accepts, and the searches and filters of the list pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode


@dataclass(frozen=True)
class Value:
    """A value typed into a dashboard field."""

    id: str
    text: str
    category: str

    @property
    def param_id(self) -> str:
        return f"{self.category}-{self.id}"


DASHBOARD_VALUES = [
    Value("empty", "", "empty"),
    Value("spaces", "   \t ", "empty"),
    Value("10000", "a" * 10_000, "long"),
    Value("100000", "長" * 100_000, "long"),  # 900 KB once form-encoded: over the limit
    Value("emoji", "🎓👍🏽👨‍👩‍👧‍👦🇭🇰", "emoji"),
    Value("nul", "bad\x00byte", "control"),
    Value("controls", "\x07\x1b[31m", "control"),
    Value("zero-width", "\u200b\ufeff", "control"),
    Value("rtl-override", "\u202eevil\u202c", "rtl"),
    Value("arabic", "مرحبا", "rtl"),
    Value("script", "<script>alert(1)</script>", "html"),
    Value("attribute", '"><img src=x onerror=alert(1)>', "html"),
    Value("sql", "'; DROP TABLE youth_note; --", "sql"),
    Value("markdown", "*_[]()~`", "markdown"),
    Value("cantonese", "同佢傾咗升學計劃 🙂", "cantonese"),
]


def has_unstorable(text: str) -> bool:
    """Control characters the app refuses to store (NUL, escape, ...)."""
    return any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in text)


PASSWORD = "correct horse battery"  # the test accounts' (tests/dashboard/conftest.py)
FORM_LIMIT = 256 * 1024  # the dashboard's client_max_size
JUPAS = {
    "template": "jupas_applications_open",
    "p_open_date": "4/10/2027",
    "p_close_date": "3/12/2027",
}


def _text(limit: int, *, required: bool = True) -> Callable[[str], bool]:
    def accepts(value: str) -> bool:
        size = len(value.strip())
        return (
            (size >= 1 or not required) and size <= limit and not has_unstorable(value)
        )

    return accepts


def _update_value(value: str) -> bool:
    kept = value[:500].strip()  # what the form passes on (dashboard/pages/updates.py)
    return (
        0 < len(kept) <= 200
        and not any(c in "{}" for c in kept)
        and not any(ord(c) < 32 or ord(c) == 127 for c in kept)
    )


def _never(_value: str) -> bool:
    return False


@dataclass(frozen=True)
class Form:
    """One field of one dashboard form, who fills it in, and what it accepts.

    A refused value re-shows the form (status `refused`) with a friendly alert
    and the value typed, cut to `keeps` characters as the page does (0 for a
    password, a hidden field or a choice, which are not typed back); an accepted
    one redirects (303) or, for a preview, shows the page (200).
    """

    id: str
    path: str  # "{alias}": the young person's alias
    field: str
    user: str | None  # signed in as (None: nobody, the login page)
    others: dict[str, str]
    accepts: Callable[[str], bool]
    table: str | None = None  # where an accepted value is stored
    keeps: int = 10**6
    refused: int = 400
    accepted: int = 303
    shows: str | None = None  # the page that shows an accepted value

    def data(self, value: str) -> dict[str, str]:
        return {**self.others, self.field: value}


FORMS = [
    Form(
        "login-username",
        "/login",
        "username",
        None,
        {"password": PASSWORD},
        _never,
        keeps=64,
        refused=401,
    ),
    Form(
        "login-password",
        "/login",
        "password",
        None,
        {"username": "amy"},
        _never,
        keeps=0,
        refused=401,
    ),
    Form(
        "youth-note",
        "/youth/{alias}/notes",
        "note",
        "amy",
        {},
        _text(2000),
        "youth_note",
        shows="/youth/{alias}",
    ),
    Form(
        "youth-feedback",
        "/youth/{alias}/feedback",
        "feedback",
        "amy",
        {},
        _text(2000),
        "delivery",
        shows="/youth/{alias}",
    ),
    Form("youth-review", "/youth/{alias}/review", "review", "amy", {}, _never, keeps=0),
    Form(
        "hkbm-evidence",
        "/hkbm/1",
        "evidence",
        "amy",
        {"level": "partly"},
        _text(2000, required=False),
        "self_assessment",
        keeps=4000,
        shows="/hkbm",
    ),
    Form("hkbm-level", "/hkbm/1", "level", "amy", {"evidence": "ok"}, _never, keeps=0),
    Form(
        "update-preview-value",
        "/updates/preview",
        "p_open_date",
        "amy",
        JUPAS,
        _update_value,
        accepted=200,
        keeps=500,
    ),
    Form(
        "update-send-value",
        "/updates/send",
        "p_open_date",
        "amy",
        JUPAS,
        _update_value,
        "broadcast",
        keeps=500,
    ),
    Form(
        "update-template", "/updates/preview", "template", "amy", JUPAS, _never, keeps=0
    ),
    Form(
        "update-send-date",
        "/updates/preview",
        "send_date",
        "amy",
        {**JUPAS, "when": "later", "send_time": "09:00"},
        _never,
        keeps=10,
    ),
    Form(
        "admin-unit-code",
        "/admin/units",
        "code",
        "root",
        {"name": "New unit"},
        _never,
        keeps=32,
    ),
    Form(
        "admin-unit-name",
        "/admin/units",
        "name",
        "root",
        {"code": "NEW1"},
        lambda v: not has_unstorable(v[:200]),
        "unit",
        keeps=200,
        shows="/admin",
    ),
    Form(
        "admin-account-username",
        "/admin/accounts",
        "username",
        "root",
        {"password": PASSWORD, "role": "worker", "unit": "AAA"},
        lambda v: v == "a" * 10_000,
        "staff_account",
        keeps=64,
    ),
    Form(
        "admin-account-display-name",
        "/admin/accounts",
        "display_name",
        "root",
        {"username": "carol", "password": PASSWORD, "role": "worker", "unit": "AAA"},
        lambda v: not has_unstorable(v[:100]),
        "staff_account",
        keeps=100,
        shows="/admin",
    ),
    Form(
        "admin-account-unit",
        "/admin/accounts",
        "unit",
        "root",
        {"username": "carol", "password": PASSWORD, "role": "worker"},
        _never,
        keeps=32,
    ),
]

# (form, value) pairs: every value for the forms where people type free text,
# and a few for the fields that only take codes, numbers or choices.
_CODE_VALUES = {
    "empty",
    "100000",
    "emoji",
    "nul",
    "rtl-override",
    "script",
    "attribute",
    "sql",
}
FORM_CASES = [
    (form, value)
    for form in FORMS
    for value in DASHBOARD_VALUES
    if form.accepts is not _never
    or value.id in _CODE_VALUES
    or form.id.startswith("login")
]


def form_size(form: Form, value: str) -> int:
    """Bytes of the form once URL-encoded (with its CSRF token)."""
    return len(urlencode({"csrf": "x" * 43, **form.data(value)}))


SEARCHES = [
    ("/youth?q=", "amy"),
    ("/youth?status=", "amy"),
    ("/youth?flag=", "amy"),
    ("/audit?action=", "sam"),
    ("/hkbm?done=", "amy"),
]
