"""Links to a roadmap page are signed, expire, and come from checked settings."""

from __future__ import annotations

import pytest

from cld import config, links
from cld.config import ConfigError, LinkSettings

SETTINGS = LinkSettings(
    public_url="https://pathpal.example", key=b"k" * 32, valid_days=30
)
NOW = 1_800_000_000.0
DAY = 86400
ENV = {"ROADMAP_LINK_KEY": "s" * 16, "PUBLIC_URL": "https://pathpal.example"}


def token(profile_id=42, settings=SETTINGS, now=NOW):
    return links.make_token(settings, profile_id=profile_id, now=now)


def test_a_token_reads_back_as_its_profile():
    assert links.read_token(SETTINGS, token(), now=NOW) == 42


def test_a_token_names_the_profile_and_its_expiry():
    profile_id, expires, _ = token().split(".")
    assert (profile_id, int(expires)) == ("42", int(NOW) + 30 * DAY)


def test_a_token_is_valid_until_its_last_second():
    assert links.read_token(SETTINGS, token(), now=NOW + 30 * DAY) == 42


def test_an_expired_token_is_refused():
    assert links.read_token(SETTINGS, token(), now=NOW + 30 * DAY + 1) is None


def test_the_configured_number_of_days_sets_the_expiry():
    short = LinkSettings(SETTINGS.public_url, SETTINGS.key, valid_days=1)
    made = token(settings=short)
    assert [
        links.read_token(short, made, now=NOW + DAY),
        links.read_token(short, made, now=NOW + DAY + 1),
    ] == [42, None]


def test_a_token_signed_with_another_key_is_refused():
    other = LinkSettings(SETTINGS.public_url, b"x" * 32, SETTINGS.valid_days)
    assert links.read_token(SETTINGS, token(settings=other), now=NOW) is None


def test_a_tampered_signature_is_refused():
    made = token()
    flipped = made[:-1] + ("0" if made[-1] != "0" else "1")
    assert links.read_token(SETTINGS, flipped, now=NOW) is None


def test_a_token_moved_to_another_profile_is_refused():
    _, expires, signature = token().split(".")
    assert links.read_token(SETTINGS, f"43.{expires}.{signature}", now=NOW) is None


def test_a_token_with_a_later_expiry_is_refused():
    _, expires, signature = token().split(".")
    extended = f"42.{int(expires) + 365 * DAY}.{signature}"
    assert links.read_token(SETTINGS, extended, now=NOW) is None


@pytest.mark.parametrize(
    "bad",
    ["", "a.b.c", "1.2", "1.2.3.4", "-1.2.abc", "1.-2.abc", " 1.2.abc", "..", "42"],
)
def test_a_malformed_token_is_refused(bad):
    assert links.read_token(SETTINGS, bad, now=NOW) is None


@pytest.mark.parametrize("bad", ["².1.abc", "42.1.é"])
def test_a_non_ascii_token_is_refused(bad):
    assert links.read_token(SETTINGS, bad, now=NOW) is None


def test_roadmap_url_points_at_the_page_in_the_language():
    url = links.roadmap_url(SETTINGS, profile_id=7, lang="yue")
    path, query = url.split("?")
    prefix, made = path.rsplit("/", 1)
    assert (prefix, query, links.read_token(SETTINGS, made)) == (
        "https://pathpal.example/roadmaps",
        "lang=yue",
        7,
    )


def test_load_reads_the_settings():
    assert config.load({**ENV, "ROADMAP_LINK_DAYS": "7"}) == LinkSettings(
        public_url="https://pathpal.example", key=b"s" * 16, valid_days=7
    )


def test_load_keeps_links_for_30_days_by_default():
    assert config.load(ENV).valid_days == 30


def test_load_drops_a_trailing_slash_from_the_public_url():
    settings = config.load({**ENV, "PUBLIC_URL": "http://localhost:8080/"})
    assert settings.public_url == "http://localhost:8080"


def test_load_reads_the_environment_by_default(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ROADMAP_LINK_DAYS", raising=False)
    assert config.load() == config.load(ENV)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PUBLIC_URL": ENV["PUBLIC_URL"]}, "ROADMAP_LINK_KEY"),
        ({**ENV, "ROADMAP_LINK_KEY": ""}, "ROADMAP_LINK_KEY"),
        ({**ENV, "ROADMAP_LINK_KEY": "s" * 15}, "ROADMAP_LINK_KEY"),
        ({"ROADMAP_LINK_KEY": ENV["ROADMAP_LINK_KEY"]}, "PUBLIC_URL"),
        ({**ENV, "PUBLIC_URL": ""}, "PUBLIC_URL"),
        ({**ENV, "PUBLIC_URL": "pathpal.example"}, "PUBLIC_URL"),
        ({**ENV, "PUBLIC_URL": "ftp://pathpal.example"}, "PUBLIC_URL"),
        ({}, "ROADMAP_LINK_KEY"),
    ],
)
def test_load_names_a_missing_or_unusable_setting(env, named):
    with pytest.raises(ConfigError, match=named):
        config.load(env)


def test_load_names_an_unreadable_number_of_days():
    with pytest.raises(ConfigError, match="ROADMAP_LINK_DAYS"):
        config.load({**ENV, "ROADMAP_LINK_DAYS": "thirty"})
