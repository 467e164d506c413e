"""Builds the senders the settings allow (Telegram, WhatsApp, or both) and a worker."""

from __future__ import annotations

from pathlib import Path

from bot.broadcast.outcome import Sender
from bot.broadcast.telegram_sender import TelegramSender
from bot.broadcast.whatsapp_sender import TwilioTemplateSender, load_content_sids
from bot.broadcast.worker import BroadcastWorker
from bot.config import BroadcastSettings, GatewaySettings
from bot.config import broadcast as broadcast_settings


def build_senders(
    gateway: GatewaySettings, settings: BroadcastSettings
) -> dict[str, Sender]:
    """One sender per configured channel, keyed by channel name."""
    senders: dict[str, Sender] = {}
    if gateway.telegram is not None:
        senders["telegram"] = TelegramSender(
            gateway.telegram.token,
            base_url=gateway.telegram.api_base_url,
            overall_per_s=settings.telegram_per_s,
            per_chat_s=settings.per_chat_s,
            concurrency=settings.concurrency,
        )
    if gateway.whatsapp is not None:
        sids = (
            load_content_sids(Path(settings.whatsapp_content_sids))
            if settings.whatsapp_content_sids
            else {}
        )
        senders["whatsapp"] = TwilioTemplateSender(
            account_sid=gateway.whatsapp.account_sid,
            auth_token=gateway.whatsapp.auth_token,
            sender=gateway.whatsapp.sender,
            content_sids=sids,
            api_base_url=gateway.whatsapp.api_base_url,
            rate_per_s=settings.whatsapp_per_s,
        )
    return senders


def build_worker(gateway: GatewaySettings) -> BroadcastWorker | None:
    """A worker for the configured channels, or None when none can push."""
    settings = gateway.broadcast or broadcast_settings()
    senders = build_senders(gateway, settings)
    if not senders:
        return None
    return BroadcastWorker(
        senders,
        concurrency=settings.concurrency,
        whatsapp_daily_cap=settings.whatsapp_daily_cap,
        lease_s=settings.lease_s,
    )
