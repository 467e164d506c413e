"""Gateway settings, read once from the environment at startup.

Platform channels are off unless configured. A channel that is on must have its
secrets: a missing one stops startup with the variable's name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from cld import config as cld_config
from cld.config import LinkSettings


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


@dataclass(frozen=True)
class TelegramSettings:
    """Telegram Bot API access and how updates arrive."""

    token: str
    mode: str  # "polling" | "webhook"
    webhook_secret: str | None
    api_base_url: str


@dataclass(frozen=True)
class WhatsAppSettings:
    """Twilio's WhatsApp access."""

    account_sid: str
    auth_token: str
    sender: str  # "whatsapp:+852..."
    api_base_url: str


@dataclass(frozen=True)
class BroadcastSettings:
    """How parent updates are sent (bot/broadcast/)."""

    telegram_per_s: float  # this process's share of Telegram's ~30 messages/s
    per_chat_s: float  # at most one message per chat this often
    concurrency: int  # requests in flight per worker
    whatsapp_per_s: float
    whatsapp_daily_cap: int  # new recipients per rolling 24 h (Meta's tier)
    whatsapp_content_sids: str | None  # YAML: template id -> language -> Content SID
    in_gateway: bool  # the gateway runs a worker too (scheduled broadcasts)
    lease_s: float  # a stopped worker's deliveries are taken back after this


@dataclass(frozen=True)
class GatewaySettings:
    """Where the gateway listens, how it reaches Rasa, and its channels."""

    host: str
    port: int
    rasa_url: str
    rasa_timeout_s: float
    max_body_bytes: int
    max_text_chars: int
    public_url: str | None = None
    pseudonym_key: bytes | None = None
    telegram: TelegramSettings | None = None
    whatsapp: WhatsAppSettings | None = None
    links: LinkSettings | None = None  # printable roadmap pages, when configured
    rasa_token: str | None = None  # Rasa's HTTP API token (check-in scheduler)
    rasa_channel_token: str = ""  # proves to Rasa's gateway channel that it is us
    checkin_every_s: float = 60.0
    broadcast: BroadcastSettings | None = None


def _required(env: Mapping[str, str], name: str, why: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required {why}")
    return value


def _telegram(env: Mapping[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_TOKEN", "").strip()
    if not token:
        return None
    mode = env.get("TELEGRAM_MODE", "polling").strip()
    if mode not in ("polling", "webhook"):
        raise ConfigError("TELEGRAM_MODE must be 'polling' or 'webhook'")
    secret = None
    if mode == "webhook":
        secret = _required(env, "TELEGRAM_WEBHOOK_SECRET", "when TELEGRAM_MODE=webhook")
        _required(env, "PUBLIC_URL", "when TELEGRAM_MODE=webhook")
    return TelegramSettings(
        token=token,
        mode=mode,
        webhook_secret=secret,
        api_base_url=env.get("TELEGRAM_API_URL", "https://api.telegram.org/bot"),
    )


def _whatsapp(env: Mapping[str, str]) -> WhatsAppSettings | None:
    auth_token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    if not auth_token:
        return None
    return WhatsAppSettings(
        account_sid=_required(env, "TWILIO_ACCOUNT_SID", "with TWILIO_AUTH_TOKEN"),
        auth_token=auth_token,
        sender=_required(env, "TWILIO_WHATSAPP_FROM", "with TWILIO_AUTH_TOKEN"),
        api_base_url=env.get("TWILIO_API_URL", "https://api.twilio.com"),
    )


def load(env: Mapping[str, str] | None = None) -> GatewaySettings:
    """Read the gateway's settings; raises ConfigError naming a missing variable."""
    env = os.environ if env is None else env
    telegram, whatsapp = _telegram(env), _whatsapp(env)
    if whatsapp:
        _required(env, "PUBLIC_URL", "to check Twilio signatures")
    key = None
    if telegram or whatsapp:
        key = _required(
            env, "PSEUDONYM_KEY", "when Telegram or WhatsApp is on"
        ).encode()
        if len(key) < 16:
            raise ConfigError("PSEUDONYM_KEY must be at least 16 characters")
    return GatewaySettings(
        host=env.get("GATEWAY_HOST", "127.0.0.1"),
        port=int(env.get("GATEWAY_PORT", "8080")),
        rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_timeout_s=float(env.get("RASA_TIMEOUT_S", "25")),
        max_body_bytes=64 * 1024,
        max_text_chars=int(env.get("MAX_TEXT_CHARS", "2000")),
        public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
        pseudonym_key=key,
        telegram=telegram,
        whatsapp=whatsapp,
        links=_links(env),
        rasa_token=env.get("RASA_AUTH_TOKEN") or None,
        rasa_channel_token=env.get("RASA_CHANNEL_TOKEN", ""),
        checkin_every_s=float(env.get("CHECKIN_EVERY_S", "60")),
        broadcast=broadcast(env),
    )


def _number(env: Mapping[str, str], name: str, default: str) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


def broadcast(env: Mapping[str, str] | None = None) -> BroadcastSettings:
    """Broadcast settings. Several workers share Telegram's limit: give each
    BROADCAST_TELEGRAM_PER_S divided by the number of workers."""
    env = os.environ if env is None else env
    return BroadcastSettings(
        telegram_per_s=_number(env, "BROADCAST_TELEGRAM_PER_S", "29"),
        per_chat_s=_number(env, "BROADCAST_PER_CHAT_S", "1"),
        concurrency=int(_number(env, "BROADCAST_CONCURRENCY", "8")),
        whatsapp_per_s=_number(env, "BROADCAST_WHATSAPP_PER_S", "20"),
        whatsapp_daily_cap=int(_number(env, "WHATSAPP_DAILY_NEW_RECIPIENTS", "250")),
        whatsapp_content_sids=env.get("WHATSAPP_CONTENT_SIDS") or None,
        in_gateway=env.get("BROADCAST_IN_GATEWAY", "1") != "0",
        lease_s=_number(env, "BROADCAST_LEASE_S", "60"),
    )


def _links(env: Mapping[str, str]) -> LinkSettings | None:
    if not env.get("ROADMAP_LINK_KEY"):
        return None
    try:
        return cld_config.load(env)
    except cld_config.ConfigError as error:
        raise ConfigError(str(error)) from None
