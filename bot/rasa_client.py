"""Talks to the Rasa server's gateway channel (rasa_server/gateway_channel.py).

Each request names its sender in `X-Sender`, which the load balancer hashes to
keep a conversation on one Rasa instance (production mode, deploy/nginx.conf).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/gateway/webhook"
SENDER_HEADER = "X-Sender"
TOKEN_HEADER = "X-Gateway-Token"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer this turn; nothing was processed by the gateway."""


class RasaClient:
    """Sends one turn to Rasa and returns the bot's messages."""

    def __init__(
        self, base_url: str, *, timeout_s: float, channel_token: str = ""
    ) -> None:
        self._base_url = base_url
        self._url = f"{base_url}{WEBHOOK_PATH}"
        self._token = channel_token
        self._health_url = f"{base_url}/"
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send `text` from `sender`; return Rasa's replies in order."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        headers = {SENDER_HEADER: _header_safe(sender), TOKEN_HEADER: self._token}
        try:
            async with self._client().post(
                self._url, json=body, headers=headers
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"rasa answered {response.status}")
                replies = await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        if not isinstance(replies, list):
            raise RasaUnavailable("rasa answered with an unexpected body")
        return replies

    async def execute(
        self, sender: str, action: str, *, token: str | None
    ) -> list[dict[str, Any]]:
        """Run one action in `sender`'s conversation (proactive messages); replies."""
        url = f"{self._base_url}/conversations/{quote(sender, safe='')}/execute"
        params = {"token": token} if token else {}
        try:
            async with self._client().post(
                url,
                json={"name": action},
                params=params,
                headers={SENDER_HEADER: _header_safe(sender)},
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"rasa answered {response.status}")
                body = await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        messages = body.get("messages") if isinstance(body, dict) else None
        return messages if isinstance(messages, list) else []

    async def healthy(self) -> bool:
        """True when the Rasa server answers its health check."""
        try:
            async with self._client().get(self._health_url) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._session is not None:
            await self._session.close()


def _header_safe(sender: str) -> str:
    """`sender` as a header value (ASCII, no line breaks); ids are ASCII already."""
    return quote(sender, safe="")[:255]
