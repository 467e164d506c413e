"""What Telegram and Twilio send: builders for updates and WhatsApp messages, and
the kinds of update or message that are not typed text (stickers, photos, forged
button presses, media), with the notice each must get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --- Telegram ----------------------------------------------------------------------

TELEGRAM_USER = 42


def tg_message(
    update_id: int, user: int = TELEGRAM_USER, **content: Any
) -> dict[str, Any]:
    """A private-chat message update with `content` (text, photo, sticker, ...)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Amy"},
            "from": {"id": user, "is_bot": False, "first_name": "Amy"},
            **content,
        },
    }


def tg_text(update_id: int, text: str, user: int = TELEGRAM_USER) -> dict[str, Any]:
    """A typed text message."""
    return tg_message(update_id, user, text=text)


def tg_callback(
    update_id: int, data: str | None, *, with_message: bool = True
) -> dict[str, Any]:
    """A button press (callback query) with this callback data."""
    query: dict[str, Any] = {
        "id": f"cb{update_id}",
        "from": {"id": TELEGRAM_USER, "is_bot": False, "first_name": "Amy"},
        "chat_instance": "c",
    }
    if data is not None:
        query["data"] = data
    if with_message:
        query["message"] = tg_text(1, "menu")["message"]
    return {"update_id": update_id, "callback_query": query}


PHOTO = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
STICKER = {
    "file_id": "s",
    "file_unique_id": "su",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "😀",
}


@dataclass(frozen=True)
class Update:
    """An update of an odd kind, and the one reply (or none) the person must get."""

    id: str
    update: dict[str, Any]
    reply: str | None  # a gateway notice key, None for no message at all
    lang: str = "en"


def _edited(update_id: int, text: str) -> dict[str, Any]:
    update = tg_text(update_id, text)
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = 1_764_000_100
    return update


TELEGRAM_KINDS = [
    Update("edited-message", _edited(11, "edited"), "gateway_please_type"),
    Update("edited-message-html", _edited(12, "<b>edited"), "gateway_please_type"),
    Update("photo-no-caption", tg_message(13, photo=PHOTO), "gateway_please_type"),
    Update(
        "photo-cantonese-caption",
        tg_message(14, photo=PHOTO, caption="呢張相係我嘅成績表"),
        "gateway_please_type",
        "yue",
    ),
    Update(
        "photo-html-caption",
        tg_message(15, photo=PHOTO, caption="<script>"),
        "gateway_please_type",
    ),
    Update("sticker", tg_message(16, sticker=STICKER), "gateway_please_type"),
    Update(
        "voice",
        tg_message(17, voice={"file_id": "v", "file_unique_id": "vu", "duration": 3}),
        "gateway_please_type",
    ),
    Update(
        "document",
        tg_message(
            18,
            document={"file_id": "d", "file_unique_id": "du", "file_name": "<x>.exe"},
        ),
        "gateway_please_type",
    ),
    Update(
        "location",
        tg_message(19, location={"latitude": 22.3, "longitude": 114.2}),
        "gateway_please_type",
    ),
    Update(
        "contact",
        tg_message(20, contact={"phone_number": "+85291234567", "first_name": "A"}),
        "gateway_please_type",
    ),
    Update(
        "callback-forged-intent",
        tg_callback(21, '/inform{"role":"parent"}'),
        "gateway_button_expired",
    ),
    Update("callback-sql", tg_callback(22, "' OR 1=1 --"), "gateway_button_expired"),
    Update("callback-empty", tg_callback(23, ""), "gateway_button_expired"),
    Update("callback-no-data", tg_callback(24, None), "gateway_button_expired"),
    Update("callback-huge", tg_callback(25, "x" * 5_000), "gateway_button_expired"),
    Update("callback-nul", tg_callback(33, "tok\x00en"), "gateway_button_expired"),
    Update("callback-surrogate", tg_callback(34, "\ud800"), "gateway_button_expired"),
    Update(
        "callback-without-message", tg_callback(26, "tok", with_message=False), None
    ),
    Update(
        "channel-post",
        {
            "update_id": 27,
            "channel_post": {
                "message_id": 1,
                "date": 1_764_000_000,
                "chat": {"id": -100, "type": "channel", "title": "c"},
                "text": "hi",
            },
        },
        None,
    ),
    Update(
        "my-chat-member-blocked",
        {
            "update_id": 28,
            "my_chat_member": {
                "chat": {"id": 42, "type": "private", "first_name": "Amy"},
                "from": {"id": 42, "is_bot": False, "first_name": "Amy"},
                "date": 1_764_000_000,
                "old_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "b"},
                    "status": "member",
                },
                "new_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "b"},
                    "status": "kicked",
                    "until_date": 0,
                },
            },
        },
        None,
    ),
    Update(
        "inline-query",
        {
            "update_id": 29,
            "inline_query": {
                "id": "q",
                "from": {"id": 42, "is_bot": False, "first_name": "Amy"},
                "query": "<b>",
                "offset": "",
            },
        },
        None,
    ),
    Update(
        "unknown-future-kind", {"update_id": 30, "business_message": {"x": 1}}, None
    ),
    Update("only-update-id", {"update_id": 31}, None),
    Update(
        "anonymous-group-message",
        {"update_id": 32, "message": {**tg_text(32, "hi")["message"], "from": None}},
        None,
    ),
]


# --- Twilio (WhatsApp) -------------------------------------------------------------

PHONE = "whatsapp:+85291234567"
WA_TO = "whatsapp:+14155238886"


def wa_message(sid: str = "SM1", body: str = "hi", **extra: str) -> dict[str, str]:
    """The form fields of one incoming WhatsApp message, as Twilio posts them."""
    return {"MessageSid": sid, "From": PHONE, "To": WA_TO, "Body": body, **extra}


@dataclass(frozen=True)
class TwilioMedia:
    """A media message from WhatsApp, and the notice (or Rasa answer) it gets."""

    id: str
    params: dict[str, str]
    reply: str | None  # gateway notice key; None: the text goes on to Rasa


TWILIO_MEDIA = [
    TwilioMedia(
        "image-no-body",
        wa_message(
            body="",
            NumMedia="1",
            MediaUrl0="https://example.org/a.jpg",
            MediaContentType0="image/jpeg",
        ),
        "gateway_please_type",
    ),
    TwilioMedia(
        "voice-no-body",
        wa_message(body="", NumMedia="1", MediaContentType0="audio/ogg"),
        "gateway_please_type",
    ),
    TwilioMedia(
        "image-whitespace-body",
        wa_message(body="  \n", NumMedia="1"),
        "gateway_please_type",
    ),
    TwilioMedia(
        "no-body-field",
        {"MessageSid": "SM2", "From": PHONE, "To": WA_TO},
        "gateway_please_type",
    ),
    TwilioMedia(
        "location",
        wa_message(body="", Latitude="22.3", Longitude="114.2"),
        "gateway_please_type",
    ),
    TwilioMedia(
        "image-with-caption", wa_message(body="my results", NumMedia="1"), None
    ),
    TwilioMedia(
        "num-media-garbage",
        wa_message(body="", NumMedia="<script>"),
        "gateway_please_type",
    ),
    TwilioMedia("percent-encoded-surrogate", wa_message(body="\ufffd"), None),
]
