"""Requests that must be refused, with the exact status each must get: malformed
JSON, JSON of the wrong types, wrong content types, missing fields, bodies over
the limit, wrong Telegram secrets and Twilio signatures. None may store anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.badinput.cases import json_bytes
from tests.badinput.platforms import PHONE, WA_TO, tg_message, tg_text, wa_message


@dataclass(frozen=True)
class Request:
    """A raw HTTP request to an entry point, and the status it must get."""

    id: str
    category: str
    body: bytes
    status: int
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"

    @property
    def param_id(self) -> str:
        return f"{self.category}-{self.id}"


def _deep(levels: int) -> str:
    """A JSON object nested `levels` deep (too deep for `json.dumps` to build)."""
    return '{"a":' * levels + '"hi"' + "}" * levels


REST_REQUESTS = [
    # malformed JSON
    Request("not-json", "malformed", b"{not json", 400),
    Request("empty-body", "malformed", b"", 400),
    Request("truncated", "malformed", b'{"sender": "amy", "mess', 400),
    Request("null", "malformed", b"null", 400),
    Request("trailing-garbage", "malformed", b'{"sender":"amy","message":"hi"}x', 400),
    Request("single-quotes", "malformed", b"{'sender': 'amy', 'message': 'hi'}", 400),
    Request("nan", "malformed", b'{"sender":"amy","message":NaN}', 400),
    Request("invalid-utf8", "malformed", b'{"sender":"amy","message":"\xff\xfe"}', 400),
    Request(
        "utf16", "malformed", '{"sender":"amy","message":"hi"}'.encode("utf-16"), 400
    ),
    Request("nul-bytes", "malformed", b"\x00\x00\x00\x00", 400),
    Request("nested-arrays", "malformed", b"[" * 30_000 + b"]" * 30_000, 400),
    Request("nested-objects", "malformed", _deep(5_000).encode(), 400),
    # JSON of the wrong types
    Request("list", "types", b'[{"sender":"amy","message":"hi"}]', 400),
    Request("string", "types", b'"hi"', 400),
    Request("number", "types", b"5", 400),
    Request("sender-number", "types", b'{"sender":5,"message":"hi"}', 400),
    Request("sender-float", "types", b'{"sender":1e308,"message":"hi"}', 400),
    Request("sender-list", "types", b'{"sender":["amy"],"message":"hi"}', 400),
    Request("sender-null", "types", b'{"sender":null,"message":"hi"}', 400),
    Request("sender-object", "types", b'{"sender":{"id":"amy"},"message":"hi"}', 400),
    Request("sender-true", "types", b'{"sender":true,"message":"hi"}', 400),
    Request("message-number", "types", b'{"sender":"amy","message":42}', 400),
    Request("message-null", "types", b'{"sender":"amy","message":null}', 400),
    Request("message-list", "types", b'{"sender":"amy","message":["hi"]}', 400),
    Request(
        "message-object", "types", b'{"sender":"amy","message":{"text":"hi"}}', 400
    ),
    Request("message-bool", "types", b'{"sender":"amy","message":false}', 400),
    Request("payload-number", "types", b'{"sender":"amy","payload":1}', 400),
    Request("payload-object", "types", b'{"sender":"amy","payload":{}}', 400),
    Request(
        "huge-nested-metadata",
        "types",
        f'{{"sender":"amy","message":"hi","metadata":{_deep(3_000)}}}'.encode(),
        400,
    ),
    # missing fields and bad senders
    Request("empty-object", "missing", b"{}", 400),
    Request("no-sender", "missing", b'{"message":"hi"}', 400),
    Request("no-message", "missing", b'{"sender":"amy"}', 400),
    Request("sender-empty", "sender", b'{"sender":"","message":"hi"}', 400),
    Request("sender-space", "sender", b'{"sender":"a b","message":"hi"}', 400),
    Request(
        "sender-65", "sender", json_bytes({"sender": "x" * 65, "message": "hi"}), 400
    ),
    Request(
        "sender-cantonese",
        "sender",
        json_bytes({"sender": "阿美", "message": "hi"}),
        400,
    ),
    Request("sender-nul", "sender", b'{"sender":"amy\\u0000","message":"hi"}', 400),
    Request("sender-newline", "sender", b'{"sender":"amy\\nx","message":"hi"}', 400),
    Request(
        "sender-path", "sender", b'{"sender":"../../etc/passwd","message":"hi"}', 400
    ),
    Request("sender-html", "sender", b'{"sender":"<script>","message":"hi"}', 400),
    Request("sender-sql", "sender", b'{"sender":"x\' OR 1=1","message":"hi"}', 400),
    Request("sender-surrogate", "sender", b'{"sender":"\\ud800","message":"hi"}', 400),
    # wrong content types
    Request(
        "text-plain",
        "content-type",
        b'{"sender":"amy","message":"hi"}',
        415,
        "text/plain",
    ),
    Request(
        "form",
        "content-type",
        b"sender=amy&message=hi",
        415,
        "application/x-www-form-urlencoded",
    ),
    Request(
        "multipart",
        "content-type",
        b"--x\r\n\r\nhi\r\n--x--",
        415,
        "multipart/form-data; boundary=x",
    ),
    Request("xml", "content-type", b"<sender>amy</sender>", 415, "application/xml"),
    Request(
        "octet-stream", "content-type", b"\x00\x01\x02", 415, "application/octet-stream"
    ),
    Request("none", "content-type", b'{"sender":"amy","message":"hi"}', 415, None),
    Request(
        "json-lookalike",
        "content-type",
        b'{"sender":"amy","message":"hi"}',
        415,
        "application/jsonp",
    ),
    # bodies over the limit
    Request(
        "70kb", "huge", json_bytes({"sender": "amy", "message": "a" * 70_000}), 413
    ),
    Request(
        "100000-chars",
        "huge",
        json_bytes({"sender": "amy", "message": "b" * 100_000}),
        413,
    ),
    Request(
        "100000-cantonese",
        "huge",
        json_bytes({"sender": "amy", "message": "你" * 100_000}),
        413,
    ),
    Request("1mb-garbage", "huge", b"\xff" * 1_000_000, 413),
    Request(
        "huge-wrong-type",
        "huge",
        b"x=" + b"a" * 200_000,
        415,
        "application/x-www-form-urlencoded",
    ),
    # methods the webhook does not answer
    Request("get", "method", b"", 405, None, method="GET"),
    Request("put", "method", b'{"sender":"amy","message":"hi"}', 405, method="PUT"),
]


# --- Telegram ----------------------------------------------------------------------


def _telegram(id: str, body: bytes, status: int, **kwargs: Any) -> Request:
    return Request(id, "telegram", body, status, **kwargs)


TELEGRAM_REQUESTS = [
    # the secret header
    _telegram(
        "no-secret",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": None},
    ),  # type: ignore[dict-item]
    _telegram(
        "wrong-secret",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    ),
    _telegram(
        "empty-secret",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": ""},
    ),
    _telegram(
        "secret-upper-case",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": "TEST-WEBHOOK-SECRET"},
    ),
    _telegram(
        "secret-with-suffix",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": "test-webhook-secret "},
    ),
    _telegram(
        "secret-prefix-only",
        json_bytes(tg_text(1, "hi")),
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": "test-webhook"},
    ),
    _telegram(
        "wrong-secret-huge-body",
        b"x" * 200_000,
        403,
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    ),
    # malformed updates (with the right secret)
    _telegram("not-json", b"{not json", 400),
    _telegram("empty-body", b"", 400),
    _telegram("invalid-utf8", b'{"update_id":1,"message":"\xff"}', 400),
    _telegram("list", b"[]", 400),
    _telegram("string", b'"update"', 400),
    _telegram(
        "no-update-id", json_bytes({"message": tg_text(1, "hi")["message"]}), 400
    ),
    _telegram("update-id-string", b'{"update_id": "x"}', 400),
    _telegram("update-id-float", b'{"update_id": 1.5}', 400),
    _telegram("update-id-null", b'{"update_id": null}', 400),
    _telegram("update-id-bool", b'{"update_id": true}', 400),
    _telegram("update-id-list", b'{"update_id": [1]}', 400),
    _telegram("message-is-string", b'{"update_id": 40, "message": "hi"}', 400),
    _telegram("message-is-list", b'{"update_id": 41, "message": []}', 400),
    _telegram("callback-is-string", b'{"update_id": 42, "callback_query": "x"}', 400),
    _telegram(
        "chat-is-string",
        json_bytes(
            {
                **tg_text(43, "hi"),
                "message": {**tg_text(43, "hi")["message"], "chat": "x"},
            }
        ),
        400,
    ),
    _telegram("text-is-number", json_bytes(tg_message(44, text=5)), 400),
    _telegram("text-is-object", json_bytes(tg_message(45, text={"a": 1})), 400),
    _telegram(
        "from-id-string",
        json_bytes(
            {
                **tg_text(46, "hi"),
                "message": {
                    **tg_text(46, "hi")["message"],
                    "from": {"id": "x", "is_bot": False, "first_name": "A"},
                },
            }
        ),
        400,
    ),
    _telegram("nested-arrays", b"[" * 30_000 + b"]" * 30_000, 400),
    _telegram(
        "nested-objects", f'{{"update_id":47,"message":{_deep(5_000)}}}'.encode(), 400
    ),
    # content types and sizes
    _telegram(
        "text-plain", json_bytes(tg_text(48, "hi")), 415, content_type="text/plain"
    ),
    _telegram(
        "form", b"update_id=49", 415, content_type="application/x-www-form-urlencoded"
    ),
    _telegram("no-content-type", json_bytes(tg_text(50, "hi")), 415, content_type=None),
    _telegram("huge", json_bytes(tg_text(51, "a" * 100_000)), 413),
    _telegram("huge-cantonese", json_bytes(tg_text(52, "你" * 100_000)), 413),
    _telegram("get", b"", 405, content_type=None, method="GET"),
]


# --- Twilio (WhatsApp) -------------------------------------------------------------


@dataclass(frozen=True)
class TwilioRequest:
    """A request to the Twilio webhook: how it is signed and what it must get."""

    id: str
    params: dict[str, str] | None  # form fields (None: `raw` is the body)
    status: int
    signing: str = "valid"  # valid | none | wrong | other-token | other-url | tampered
    raw: bytes | None = None
    content_type: str = "application/x-www-form-urlencoded"


TWILIO_REQUESTS = [
    TwilioRequest("no-signature", wa_message(), 403, signing="none"),
    TwilioRequest("wrong-signature", wa_message(), 403, signing="wrong"),
    TwilioRequest("empty-signature", wa_message(), 403, signing="empty"),
    TwilioRequest("other-token", wa_message(), 403, signing="other-token"),
    TwilioRequest("other-url", wa_message(), 403, signing="other-url"),
    TwilioRequest("tampered-body", wa_message(), 403, signing="tampered"),
    TwilioRequest("unsigned-cantonese", wa_message(body="你好"), 403, signing="none"),
    TwilioRequest("unsigned-nul", wa_message(body="\x00"), 403, signing="none"),
    TwilioRequest("missing-sid", {"From": PHONE, "To": WA_TO, "Body": "hi"}, 400),
    TwilioRequest(
        "missing-from", {"MessageSid": "SM9", "To": WA_TO, "Body": "hi"}, 400
    ),
    TwilioRequest("empty-sid", wa_message(sid=""), 400),
    TwilioRequest("empty-form", {}, 400),
    TwilioRequest("nul-in-sid", wa_message(sid="SM\x00"), 400),
    TwilioRequest("nul-in-from", {**wa_message(), "From": "whatsapp:+852\x00"}, 400),
    TwilioRequest(
        "newline-in-from", {**wa_message(), "From": "whatsapp:+852\nBcc"}, 400
    ),
    TwilioRequest("cantonese-sid", wa_message(sid="SM你好"), 400),
    TwilioRequest("huge-sid", wa_message(sid="SM" + "0" * 5_000), 400),
    TwilioRequest(
        "json", None, 415, raw=json_bytes(wa_message()), content_type="application/json"
    ),
    TwilioRequest("text-plain", None, 415, raw=b"Body=hi", content_type="text/plain"),
    TwilioRequest(
        "multipart",
        None,
        415,
        raw=b"--x\r\n\r\nhi\r\n--x--",
        content_type="multipart/form-data; boundary=x",
    ),
    TwilioRequest("raw-invalid-utf8", None, 400, raw=b"MessageSid=SM1&Body=\xff\xfe"),
    TwilioRequest("huge", wa_message(body="a" * 100_000), 413, signing="none"),
    TwilioRequest("huge-signed", wa_message(body="你" * 30_000), 413),
    # Over 4,096 characters, which WhatsApp itself never sends, and over the body
    # limit once form-encoded (9 bytes a character).
    TwilioRequest("10000-cantonese-signed", wa_message(body="你" * 10_000), 413),
    TwilioRequest("10000-emoji-signed", wa_message(body="😀" * 10_000), 413),
    TwilioRequest("huge-raw", None, 413, raw=b"Body=" + b"a" * 1_000_000),
]
