"""Telegram delivery of updates: python-telegram-bot with a rate limiter set for
broadcasts, and every Bot API error mapped to what the worker should do."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import warnings
from collections import OrderedDict
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Callable, Coroutine

import httpx
from aiolimiter import AsyncLimiter
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.broadcast.outcome import Gate, Outcome
from cld.deliveries import Job

logger = logging.getLogger(__name__)
# Errors raised before a request left this machine: sending again is safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_CHATS_TRACKED = 10_000
# The gate of the delivery being sent in this task, opened by the rate limiter
# when the request's turn comes (after waiting, never before).
_GATE: ContextVar[Gate | None] = ContextVar("broadcast_gate", default=None)


class GateShut(Exception):
    """The delivery may not go out after all (another worker has it, or a cap)."""


class BroadcastRateLimiter(BaseRateLimiter[int]):
    """python-telegram-bot's rate-limiter interface, set for broadcasts.

    Like PTB's AIORateLimiter it uses aiolimiter and retries a 429 after the
    `retry_after` Telegram names, pausing every request meanwhile. It differs
    where broadcasts need it: requests are evenly paced (no burst), each private
    chat gets at most one message per `per_chat_s`, and after a pause requests
    take fresh turns (AIORateLimiter lets the ones that already held a turn go
    together, a burst over the limit).
    """

    def __init__(
        self, *, overall_per_s: float, per_chat_s: float = 1.0, max_retries: int = 2
    ) -> None:
        # A bucket of one refilled every 1/rate s: never two requests closer.
        self._overall = AsyncLimiter(1, 1 / overall_per_s)
        self._per_chat_s = per_chat_s
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._max_retries = max_retries
        self._resume_at = 0.0  # loop time before which nothing is sent

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter | None:
        if chat_id <= 0 or self._per_chat_s <= 0:  # groups, channels: not ours
            return None
        limiter = self._chats.pop(chat_id, None) or AsyncLimiter(1, self._per_chat_s)
        self._chats[chat_id] = limiter
        while len(self._chats) > MAX_CHATS_TRACKED:
            self._chats.popitem(last=False)
        return limiter

    async def _turn(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wait = self._resume_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self._overall.acquire()
            if loop.time() >= self._resume_at:
                return
            # A 429 arrived while we queued: this turn is void, queue again.

    def _hold(self, seconds: float) -> None:
        resume_at = asyncio.get_running_loop().time() + seconds
        self._resume_at = max(self._resume_at, resume_at)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Wait for the chat's and the overall turn, then send (retrying a 429);
        the delivery's gate opens just before the request leaves."""
        gate = _GATE.get()
        if gate is not None:
            callback = _through(gate, callback)
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        try:
            chat_limiter = self._chat_limiter(int(data.get("chat_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            chat_limiter = None
        async with chat_limiter or contextlib.nullcontext():
            for attempt in range(retries + 1):
                await self._turn()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    self._hold(retry_after_seconds(error) + 0.1)
                    if attempt == retries:
                        raise
        raise AssertionError("unreachable")


def _through(
    gate: Gate, callback: Callable[..., Coroutine[Any, Any, Any]]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        if not await gate.open():
            raise GateShut()
        try:
            return await callback(*args, **kwargs)
        except TelegramError as error:
            if outcome_of_error(error).kind != "uncertain":
                await gate.close()  # refused: it was not delivered
            raise

    return guarded


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 deprecates the int form
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def outcome_of_error(error: TelegramError) -> Outcome:
    """What a Bot API error means for this message."""
    if isinstance(error, RetryAfter):
        return Outcome.retry(
            "rate_limited", after_s=retry_after_seconds(error), count_attempt=False
        )
    if isinstance(error, Forbidden):
        return Outcome("blocked", error="forbidden")
    if isinstance(error, BadRequest):
        kind = "chat_not_found" if "chat not found" in error.message.lower() else ""
        return Outcome("failed", error=kind or "bad_request")
    cause = error.__cause__
    if isinstance(error, TimedOut):
        if isinstance(cause, _NOT_SENT):
            return Outcome.retry("connect_timeout")
        return Outcome("uncertain", error="timed_out")  # it may have arrived
    if isinstance(error, NetworkError):
        if cause is None or not isinstance(cause, httpx.HTTPError):
            return Outcome.retry("server_error")  # Telegram answered with a 5xx
        if isinstance(cause, _NOT_SENT):
            return Outcome.retry("connect_error")
        return Outcome("uncertain", error="connection_lost")
    return Outcome.retry(type(error).__name__.lower()[:40])


class TelegramSender:
    """Sends update texts to Telegram chats at no more than `overall_per_s`."""

    channel = "telegram"

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://api.telegram.org/bot",
        overall_per_s: float = 29.0,
        per_chat_s: float = 1.0,
        concurrency: int = 8,
        timeout_s: float = 15.0,
        max_retries: int = 3,
    ) -> None:
        request = HTTPXRequest(
            connection_pool_size=concurrency + 2,
            connect_timeout=5.0,
            read_timeout=timeout_s,
            write_timeout=timeout_s,
            pool_timeout=timeout_s,
        )
        self.limiter = BroadcastRateLimiter(
            overall_per_s=overall_per_s, per_chat_s=per_chat_s, max_retries=max_retries
        )
        self.bot = ExtBot(
            token, base_url=base_url, request=request, rate_limiter=self.limiter
        )

    async def start(self) -> None:
        """Check the token and open the connection pool."""
        await self.bot.initialize()

    async def stop(self) -> None:
        """Close the connection pool."""
        await self.bot.shutdown()

    async def send(self, job: Job, gate: Gate) -> Outcome:
        """Send one update; plain text, escaped for Telegram's HTML mode."""
        token = _GATE.set(gate)
        try:
            message = await self.bot.send_message(
                chat_id=int(job.address),
                text=html.escape(job.text, quote=False),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except GateShut:
            return Outcome("not_started")
        except TelegramError as error:
            outcome = outcome_of_error(error)
            logger.info(
                "telegram delivery %s: %s (%s)",
                job.delivery_id,
                outcome.kind,
                outcome.error,
            )
            return outcome
        except ValueError:
            return Outcome("failed", error="bad_address")
        finally:
            _GATE.reset(token)
        return Outcome.sent(str(message.message_id))
