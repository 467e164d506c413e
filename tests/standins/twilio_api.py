"""A local Twilio Messages REST API: basic auth, Twilio's errors, limits, storms.

Point the engine's Twilio base URL at a running :class:`TwilioStandIn`; it
answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form fields
From or MessagingServiceSid, To, and Body or ContentSid with optional
ContentVariables) with a message resource, or with Twilio's error JSON
(``{"code", "message", "more_info", "status"}``), and records what it accepted.
WhatsApp numbers (``whatsapp:+852...``) match the configured sets by their
bare E.164 number.

As a process: ``python -m tests.standins.twilio_api --port 0`` prints
``READY <port>`` once listening and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import json
import logging
import re
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar, Iterable, Sequence

from aiohttp import BasicAuth, hdrs, web

from tests.standins import (
    FORM_TYPES,
    Handler,
    Refusal,
    StandInServer,
    media_type,
    optional_limit,
    read_form,
    read_limit,
    read_seconds,
    serve_until_stopped,
)

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 31 + "1"
DEFAULT_AUTH_TOKEN = "standin-auth-token"
MAX_BODY = 1600
WHATSAPP = "whatsapp:"
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class TwilioDelivery:
    """One accepted message: `time` is wall-clock, `monotonic` drives the window."""

    sid: str
    to: str
    from_: str | None
    body: str | None
    content_sid: str | None
    variables: dict[str, Any] | None
    time: float
    monotonic: float


@dataclass(frozen=True)
class TwilioStats:
    """What the stand-in saw since it started (or since the last reset)."""

    accepted: int
    per_recipient: dict[str, int]
    duplicates: int  # recipients that got the same content more than once
    duplicate_copies: int  # the surplus copies, over all recipients
    rate_limited: int  # 429s for going over rate_per_s
    storm_429: int
    unsubscribed_21610: int
    invalid_21211: int
    bad_request_400: int  # other 400s: missing fields, bad ContentVariables...
    unauthorized_401: int
    max_in_any_window: int  # most accepted messages in any 1.0 s window
    first_accepted_at: float | None  # wall-clock
    last_accepted_at: float | None
    standin_errors: int  # bugs of the stand-in itself, answered 400

    def as_json(self) -> dict[str, Any]:
        """The stats as a JSON object."""
        return asdict(self)


def twilio_error(
    status: int,
    code: int,
    message: str,
    *,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> Refusal:
    """An error answer in Twilio's REST shape."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    if reason is None and status == 400:
        reason = "bad_request_400"
    return Refusal(status, body, reason=reason, headers=headers)


def too_many_requests(retry_after: int, *, reason: str) -> Refusal:
    """Twilio's 429, with the Retry-After header."""
    return twilio_error(
        429,
        20429,
        "Too Many Requests",
        reason=reason,
        headers={hdrs.RETRY_AFTER: str(retry_after)},
    )


def bare_number(address: str) -> str:
    """The E.164 number of a Twilio address (``whatsapp:+852...`` or ``+852...``)."""
    return address.removeprefix(WHATSAPP).strip()


def _read_numbers(value: Any) -> frozenset[str]:
    if isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(v, str) for v in value
    ):
        return frozenset(bare_number(v) for v in value)
    raise ValueError("a list of phone numbers")


def _read_variables(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        variables = json.loads(raw)
    except ValueError:
        variables = None
    if not isinstance(variables, dict):
        raise twilio_error(400, 21656, "The ContentVariables Parameter is invalid")
    return variables


class TwilioStandIn(StandInServer):
    """Twilio's Messages API on a local port, with limits and faults set by the test.

    Args:
        account_sid: the account (basic-auth user, and the one in the path).
        auth_token: its auth token (basic-auth password).
        unsubscribed: numbers that opted out (400, code 21610).
        invalid: numbers Twilio rejects as invalid (400, code 21211); any To that
            is not E.164 is rejected the same way.
        rate_per_s: accepted messages allowed in any 1.0 s; None = off.
        delay_s: processing delay added to every API request.
    """

    settings: ClassVar = {
        "rate_per_s": read_limit,
        "unsubscribed": _read_numbers,
        "invalid": _read_numbers,
        "delay_s": read_seconds,
    }

    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        unsubscribed: Iterable[str] = (),
        invalid: Iterable[str] = (),
        rate_per_s: int | None = None,
        delay_s: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.rate_per_s: int | None = None
        self.unsubscribed: frozenset[str] = frozenset()
        self.invalid: frozenset[str] = frozenset()
        self.delay_s = 0.0
        self.configure(
            rate_per_s=rate_per_s,
            unsubscribed=list(unsubscribed),
            invalid=list(invalid),
            delay_s=delay_s,
        )
        self.reset()

    @property
    def messages_url(self) -> str:
        """The account's Messages.json URL."""
        return f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def reset(self) -> None:
        """Forget the records, counters, rate window and any storm (keeps config)."""
        super().reset()
        self.messages: list[TwilioDelivery] = []

    def messages_for(self, to: str) -> list[TwilioDelivery]:
        """The accepted messages to one address (as given in To), oldest first."""
        return [m for m in self.messages if m.to == to]

    def stats(self) -> TwilioStats:
        """Counts of what was accepted and refused."""
        ledger, refused = self.ledger, self.ledger.refused
        return TwilioStats(
            accepted=len(self.messages),
            per_recipient={str(k): v for k, v in ledger.per_recipient.items()},
            duplicates=len(ledger.duplicate_recipients),
            duplicate_copies=ledger.duplicate_copies,
            rate_limited=refused["rate_limited"],
            storm_429=refused["storm_429"],
            unsubscribed_21610=refused["unsubscribed_21610"],
            invalid_21211=refused["invalid_21211"],
            bad_request_400=refused["bad_request_400"],
            unauthorized_401=refused["unauthorized_401"],
            max_in_any_window=ledger.max_in_window,
            first_accepted_at=self.messages[0].time if self.messages else None,
            last_accepted_at=self.messages[-1].time if self.messages else None,
            standin_errors=refused["standin_errors"],
        )

    def stats_json(self) -> dict[str, Any]:
        """The stats, as ``GET /_stats`` answers them."""
        return self.stats().as_json()

    def messages_json(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """The accepted messages, all or (``?to=``) one address's."""
        to = query.get("to")
        return [
            asdict(m) for m in (self.messages if to is None else self.messages_for(to))
        ]

    def error(self, status: int, message: str) -> Refusal:
        """An uncounted refusal in Twilio's error shape (admin, unknown paths)."""
        refusal = twilio_error(status, 20000 + status, message)
        refusal.reason = None
        return refusal

    def routes(self) -> list[tuple[str, str, Handler]]:
        """The Messages resource."""
        path = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json"
        return [("POST", path, self._create_message)]

    async def _create_message(self, request: web.Request) -> web.Response:
        self._authenticate(request)
        if request.match_info["account_sid"] != self.account_sid:
            raise twilio_error(
                404, 20404, f"The requested resource {request.path} was not found"
            )
        form = await _form(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        to, sender, service = form.get("To"), form.get("From"), None
        if not to:
            raise twilio_error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            service = form.get("MessagingServiceSid")
            if not service:
                raise twilio_error(400, 21603, "A 'From' phone number is required.")
        body, content_sid = form.get("Body") or None, form.get("ContentSid") or None
        if body is None and content_sid is None:
            raise twilio_error(400, 21602, "Message body is required.")
        if content_sid is not None and not _CONTENT_SID.fullmatch(content_sid):
            raise twilio_error(400, 21655, "The ContentSid is Invalid")
        variables = _read_variables(form.get("ContentVariables"))
        if body is not None and len(body) > MAX_BODY:
            raise twilio_error(
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            )
        if sender and sender.startswith(WHATSAPP) != to.startswith(WHATSAPP):
            raise twilio_error(400, 21910, "Invalid 'From' and 'To' pair.")
        now = time.monotonic()
        self._refuse_if_limited(to, now)
        delivery = self._accept(to, sender, body, content_sid, variables, now)
        return web.json_response(self._resource(delivery, service), status=201)

    def _authenticate(self, request: web.Request) -> None:
        try:
            auth = BasicAuth.decode(request.headers.get(hdrs.AUTHORIZATION, ""))
        except ValueError:
            auth = None
        if auth is None or (auth.login, auth.password) != (
            self.account_sid,
            self.auth_token,
        ):
            raise twilio_error(
                401,
                20003,
                "Authenticate",
                reason="unauthorized_401",
                headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="Twilio API"'},
            )

    def _refuse_if_limited(self, to: str, now: float) -> None:
        storm = self.ledger.storm_retry_after(now)
        if storm is not None:
            raise too_many_requests(storm, reason="storm_429")
        number = bare_number(to)
        if number in self.invalid or not _E164.fullmatch(number):
            raise twilio_error(
                400, 21211, "Invalid 'To' Phone Number", reason="invalid_21211"
            )
        if number in self.unsubscribed:
            raise twilio_error(
                400,
                21610,
                "Attempt to send to unsubscribed recipient",
                reason="unsubscribed_21610",
            )
        if self.rate_per_s is not None:
            wait = self.ledger.window.retry_after(now, self.rate_per_s)
            if wait is not None:
                raise too_many_requests(wait, reason="rate_limited")

    def _accept(
        self,
        to: str,
        sender: str | None,
        body: str | None,
        content_sid: str | None,
        variables: dict[str, Any] | None,
        now: float,
    ) -> TwilioDelivery:
        content = (body, content_sid, json.dumps(variables, sort_keys=True))
        self.ledger.accept(to, content, now)
        sid = f"SM{uuid.uuid4().hex}"
        delivery = TwilioDelivery(
            sid, to, sender, body, content_sid, variables, time.time(), now
        )
        self.messages.append(delivery)
        return delivery

    def _resource(
        self, delivery: TwilioDelivery, service: str | None
    ) -> dict[str, Any]:
        created = datetime.fromtimestamp(delivery.time, tz=timezone.utc)
        date = email.utils.format_datetime(created)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{delivery.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": delivery.body,
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": delivery.from_,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": delivery.sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": delivery.to,
            "uri": f"{uri}.json",
        }


async def _form(request: web.Request) -> dict[str, str]:
    """The form fields Twilio reads; anything but a form body gives none."""
    if media_type(request) not in FORM_TYPES:
        return {}
    try:
        return await read_form(request)
    except ValueError as error:
        raise twilio_error(400, 20001, f"Bad request: {error}") from error


def main(argv: Sequence[str] | None = None) -> None:
    """Run the stand-in as a process until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--rate", type=optional_limit, default=None)
    parser.add_argument("--unsubscribed", nargs="*", default=[])
    parser.add_argument("--invalid", nargs="*", default=[])
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    standin = TwilioStandIn(
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        unsubscribed=args.unsubscribed,
        invalid=args.invalid,
        rate_per_s=args.rate,
        delay_s=args.delay,
        host=args.host,
        port=args.port,
    )
    asyncio.run(serve_until_stopped(standin))


if __name__ == "__main__":
    main()
