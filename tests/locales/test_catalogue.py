"""Every message exists once per language, with the same placeholders and payloads."""

from __future__ import annotations

import pytest
import yaml

import locales
from scripts import paths


def test_both_languages_have_the_same_keys():
    assert set(locales.catalogue("en")) == set(locales.catalogue("yue"))


# Dates are written differently per language; each uses some of the same parts.
DATE_PARTS = {"day", "month", "month_name", "year"}
DATE_KEYS = ("kb_date", "roadmap_month")


@pytest.mark.parametrize("key", sorted(set(locales.catalogue("en")) - set(DATE_KEYS)))
def test_placeholders_match(key):
    en, yue = locales.catalogue("en")[key], locales.catalogue("yue")[key]
    assert locales.placeholders(en["text"]) == locales.placeholders(yue["text"])


@pytest.mark.parametrize("key", DATE_KEYS)
@pytest.mark.parametrize("lang", locales.SUPPORTED)
def test_date_format_uses_only_the_parts_format_date_fills(lang, key):
    assert locales.placeholders(locales.catalogue(lang)[key]["text"]) <= DATE_PARTS


@pytest.mark.parametrize("key", sorted(locales.catalogue("en")))
def test_button_payloads_match(key):
    def payloads(lang):
        return [b["payload"] for b in locales.catalogue(lang)[key].get("buttons", [])]

    assert payloads("en") == payloads("yue")


@pytest.mark.parametrize("key", sorted(locales.catalogue("en")))
def test_every_message_has_text_in_both_languages(key):
    for lang in locales.SUPPORTED:
        entry = locales.catalogue(lang)[key]
        assert entry["text"].strip()
        assert all(b["title"].strip() for b in entry.get("buttons", []))


def _responses_used() -> set[str]:
    used = set()
    for file in (paths.ROOT / "stories").glob("*.yml"):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for block in data.get("rules", []) + data.get("stories", []):
            for step in block.get("steps", []):
                action = step.get("action", "")
                if action.startswith("utter_"):
                    used.add(action)
    for file in (paths.ROOT / "actions").rglob("*.py"):
        text = file.read_text(encoding="utf-8")
        used.update(part.split('"')[0] for part in text.split('response="')[1:])
    return used


def test_every_response_used_has_a_message():
    assert _responses_used() - set(locales.catalogue("en")) == set()


def test_domain_responses_pick_cantonese_by_choice_or_detection():
    variations = locales.domain_responses()["utter_goodbye"]
    conditions = [v.get("condition") for v in variations]
    assert conditions == [
        [{"type": "slot", "name": "language_choice", "value": "yue"}],
        [
            {"type": "slot", "name": "language_choice", "value": "auto"},
            {"type": "slot", "name": "language", "value": "yue"},
        ],
        None,
    ]
    assert variations[2]["text"] == locales.render("utter_goodbye", "en").text


def test_render_refuses_a_missing_placeholder():
    with pytest.raises(locales.LocaleError, match="limit"):
        locales.render("gateway_too_long", "en")


def test_render_falls_back_to_english_for_an_unknown_language():
    assert locales.render("utter_goodbye", "fr") == locales.render(
        "utter_goodbye", "en"
    )


def test_folded_chinese_text_has_no_stray_spaces():
    text = locales.render("utter_greet", "yue").text
    assert "、 " not in text and "， " not in text
