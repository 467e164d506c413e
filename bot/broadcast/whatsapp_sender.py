"""WhatsApp delivery of updates through Twilio, as approved template messages.

Updates reach parents outside WhatsApp's 24-hour customer-service window, where
only pre-approved templates may be sent: each update template has a Content SID
per language (from the settings file), filled with the template's values in
order. Free-form text is never sent here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Mapping

import aiohttp
import yaml
from aiolimiter import AsyncLimiter

from bot.broadcast.outcome import Gate, Outcome
from cld.broadcasts import DIRECT
from cld.deliveries import Job
from locales import update_templates

logger = logging.getLogger(__name__)
# Twilio error codes that mean the person cannot or will not receive messages.
BLOCKED_CODES = {21610, 63024, 63032}  # unsubscribed; invalid recipient; opted out
INVALID_CODES = {21211, 21614, 63003}


def load_content_sids(path: Path) -> dict[str, dict[str, str]]:
    """template id -> language -> Twilio Content SID, from a YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of template ids")
    return {
        str(t): {str(k): str(v) for k, v in (langs or {}).items()}
        for t, langs in data.items()
    }


def _variables(job: Job) -> dict[str, str]:
    """The template's values; a direct message fills its one variable with the text
    (an approved "message from your social worker: {{1}}" template)."""
    if job.template_id == DIRECT:
        return {"1": job.text}
    return update_templates.whatsapp_variables(job.template_id, job.params)


class TwilioTemplateSender:
    """Sends update templates to WhatsApp numbers through Twilio's REST API."""

    channel = "whatsapp"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        content_sids: Mapping[str, Mapping[str, str]],
        api_base_url: str = "https://api.twilio.com",
        rate_per_s: float = 20.0,
        timeout_s: float = 15.0,
    ) -> None:
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self._from = sender
        self._sids = content_sids
        self._url = f"{api_base_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._limiter = AsyncLimiter(1, 1 / rate_per_s)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=5)
        self._session: aiohttp.ClientSession | None = None

    def content_sid(self, template_id: str, lang: str) -> str | None:
        """The approved template for this update in this language, if any."""
        return self._sids.get(template_id, {}).get(lang)

    async def start(self) -> None:
        """Open the HTTP session."""
        self._session = aiohttp.ClientSession(auth=self._auth, timeout=self._timeout)

    async def stop(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def send(self, job: Job, gate: Gate) -> Outcome:
        """Send one update as a template message."""
        sid = self.content_sid(job.template_id, job.lang)
        if sid is None:
            return Outcome("failed", error="no_whatsapp_template")
        form = {
            "From": self._from,
            "To": job.address,
            "ContentSid": sid,
            "ContentVariables": json.dumps(_variables(job), ensure_ascii=False),
        }
        assert self._session is not None, "start() first"
        async with self._limiter:
            if not await gate.open():
                return Outcome("not_started")
            try:
                async with self._session.post(self._url, data=form) as response:
                    body = await response.read()
                    outcome = self._outcome(response.status, response.headers, body)
            except aiohttp.ClientConnectorError:
                outcome = Outcome.retry("connect_error")
            except (aiohttp.ClientError, TimeoutError) as error:
                logger.info(
                    "whatsapp delivery %s uncertain: %s",
                    job.delivery_id,
                    type(error).__name__,
                )
                return Outcome("uncertain", error="connection_lost")
        if outcome.kind != "sent":
            await gate.close()  # refused: it was not delivered
        return outcome

    @staticmethod
    def _outcome(status: int, headers: Mapping[str, str], body: bytes) -> Outcome:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= status < 300:
            return Outcome.sent(str(data.get("sid", "")))
        code = data.get("code")
        if status == 429:
            after = headers.get("Retry-After", "")
            return Outcome.retry(
                "rate_limited",
                after_s=float(after) if after.isdigit() else 2.0,
                count_attempt=False,
            )
        if status in (401, 403):
            return Outcome("failed", error="twilio_auth")
        if status >= 500:
            return Outcome.retry("server_error")
        if code in BLOCKED_CODES:
            return Outcome("blocked", error=f"twilio_{code}")
        if code in INVALID_CODES or status in (400, 404):
            return Outcome("failed", error=f"twilio_{code or status}")
        return Outcome.retry(f"twilio_{code or status}")
