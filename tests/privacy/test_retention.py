"""TRANSCRIPT_RETENTION_DAYS and the gateway's background purge."""

from __future__ import annotations

import asyncio

import pytest

from bot import retention
from cld import config
from cld.config import PrivacySettings
from tests.privacy.conftest import chat
from tests.privacy.test_erase_purge import LONG_AGO, senders


def test_defaults():
    settings = config.load_privacy({})
    assert settings.retention_days == 30
    assert settings.purge_every_s == 6 * 3600
    assert settings.tracker_db_url.endswith("/.data/tracker.db")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRANSCRIPT_RETENTION_DAYS", "0"),
        ("TRANSCRIPT_RETENTION_DAYS", "-3"),
        ("TRANSCRIPT_PURGE_EVERY_S", "often"),
    ],
)
def test_bad_values_are_named(name, value):
    with pytest.raises(config.ConfigError, match=name):
        config.load_privacy({name: value})


def test_purge_now_applies_the_setting(database, tracker, tracker_url):
    chat(tracker_url, "tg-old", ["old words"], at=LONG_AGO)
    settings = PrivacySettings(
        retention_days=30, tracker_db_url=tracker_url, purge_every_s=0
    )
    assert retention.purge_now(settings).events == 3
    assert senders(tracker) == {}


async def test_the_gateway_purges_in_the_background(database, tracker_url, monkeypatch):
    monkeypatch.setattr(retention, "FIRST_AFTER_S", 0.01)
    done = asyncio.Event()
    monkeypatch.setattr(retention, "purge_now", lambda settings: done.set())
    purger = retention.RetentionPurger(PrivacySettings(30, tracker_url, 60))
    purger.start()
    await asyncio.wait_for(done.wait(), timeout=5)
    await purger.stop()


async def test_zero_means_only_the_cli_purges(monkeypatch):
    monkeypatch.setattr(retention, "FIRST_AFTER_S", 0.0)
    monkeypatch.setattr(retention, "purge_now", lambda settings: pytest.fail("ran"))
    purger = retention.RetentionPurger(PrivacySettings(30, "sqlite://", 0))
    purger.start()
    await asyncio.sleep(0.05)
    await purger.stop()
