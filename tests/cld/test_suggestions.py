"""Pathway suggestions: a stage's shortlist, reordered by the person's interests."""

from __future__ import annotations

import json

import pytest

from cld import suggestions
from pathways_kb import loader
from pathways_kb.db import session_scope


@pytest.fixture
def kb(database):
    """The real knowledge base, loaded into the test database."""
    with session_scope() as session:
        loader.load(session)


@pytest.fixture(scope="module")
def seed():
    specs, _ = loader.read_seed()
    return {spec.id: spec for spec in specs}


def suggest(stage="s6", interests="", lang="en", **extra):
    with session_scope() as session:
        return suggestions.suggest_pathways(
            session, stage=stage, interests=interests, lang=lang, **extra
        )


def ids(cards):
    return [card.id for card in cards]


@pytest.mark.parametrize("stage", sorted(suggestions.SHORTLISTS))
def test_at_most_three_suggestions_from_the_stages_shortlist(kb, stage):
    found = ids(suggest(stage, interests="university degree design work"))
    assert (len(found), set(found) <= set(suggestions.SHORTLISTS[stage])) == (
        3,
        True,
    )


def test_without_interests_the_shortlist_order_is_kept(kb):
    assert ids(suggest("s6")) == suggestions.SHORTLISTS["s6"][:3]


@pytest.mark.parametrize(
    ("interests", "first"),
    [
        ("study overseas", "overseas-study-overview"),
        ("海外升學", "overseas-study-overview"),
        ("mainland university", "mainland-admission-scheme"),
        ("內地升學", "mainland-admission-scheme"),
    ],
)
def test_interests_bring_the_closest_entry_first(kb, interests, first):
    assert ids(suggest("s6", interests=interests))[0] == first


def test_interests_change_the_order_of_the_shortlist(kb):
    assert ids(suggest("s6", interests="study overseas")) != ids(suggest("s6"))


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_suggestions_are_in_the_requested_language(kb, seed, lang):
    cards = suggest("s6", interests="study overseas", lang=lang)
    assert [c.title for c in cards] == [seed[c.id].title[lang] for c in cards]


@pytest.mark.parametrize("stage", [None, "", "s7"])
def test_an_unknown_stage_gets_the_after_dse_shortlist(kb, stage):
    assert ids(suggest(stage)) == suggestions.SHORTLISTS["s6"][:3]


def test_the_limit_caps_the_suggestions(kb):
    assert ids(suggest("s3", limit=2)) == suggestions.SHORTLISTS["s3"][:2]


def test_no_suggestions_from_an_empty_knowledge_base(database):
    assert suggest("s6") == []


def test_every_suggested_entry_is_in_the_seed_files(seed):
    assert sorted(suggestions.ALL_SUGGESTED - set(seed)) == []


def test_choice_payload_informs_the_choice():
    assert (
        suggestions.choice_payload("vtc-higher-diploma")
        == '/inform{"choice":"vtc-higher-diploma"}'
    )


@pytest.mark.parametrize("entry_id", sorted(suggestions.ALL_SUGGESTED))
def test_choice_payload_carries_valid_json(entry_id):
    payload = suggestions.choice_payload(entry_id)
    assert json.loads(payload.removeprefix("/inform")) == {"choice": entry_id}
