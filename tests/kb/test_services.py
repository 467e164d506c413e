"""Answering questions from a small knowledge base, in both languages."""

from __future__ import annotations

import pytest

from pathways_kb import loader, services
from pathways_kb.db import session_scope


@pytest.mark.parametrize(
    ("question", "lang", "entry_id"),
    [
        ("what is a higher diploma", "en", "vtc-higher-diploma"),
        ("HD?", "en", "vtc-higher-diploma"),
        ("高級文憑係咩", "yue", "vtc-higher-diploma"),
        ("想讀毅進", "yue", "dae-diploma-of-applied-education"),
        ("日本工假有幾多名額", "yue", "whs-japan"),
        ("japan working holiday quota", "en", "whs-japan"),
        ("日本工作假期点申请", "yue", "whs-japan"),
    ],
)
def test_answer_finds_the_entry(kb_session, question, lang, entry_id):
    result = services.answer(kb_session, question=question, lang=lang)
    assert result.entry is not None and result.entry.id == entry_id


def test_answer_comes_in_the_asked_language(kb_session):
    result = services.answer(kb_session, question="HD", lang="yue")
    assert result.entry.title == "VTC 高級文憑（HD）"


def test_answer_has_source_date_and_related_entries(kb_session):
    result = services.answer(kb_session, question="higher diploma", lang="en")
    assert result.entry.source_url == "https://www.vtc.edu.hk/admission/"
    assert str(result.entry.as_of) == "2025-07-14"
    assert [c.id for c in result.related] == ["dae-diploma-of-applied-education"]


def test_nothing_relevant_gives_no_answer(kb_session):
    result = services.answer(
        kb_session, question="how do I become an astronaut", lang="en"
    )
    assert (result.entry, result.choices) == (None, ())


def test_close_candidates_ask_to_choose(kb_session):
    result = services.answer(kb_session, question="HD or DAE", lang="en")
    assert result.entry is None
    assert {c.id for c in result.choices} == {
        "vtc-higher-diploma",
        "dae-diploma-of-applied-education",
    }


def test_unverified_and_review_flags_reach_the_card(kb_session):
    dae = services.answer(kb_session, question="DAE", lang="en").entry
    japan = services.answer(
        kb_session, question="japan working holiday", lang="en"
    ).entry
    assert dae.verified is False
    assert japan.review_due(
        today=japan.review_by.replace(year=japan.review_by.year + 1)
    )


def test_parents_get_parent_entries_first(kb_session):
    youth = services.answer(kb_session, question="support my child choose", lang="en")
    parent = services.answer(
        kb_session, question="support my child choose", lang="en", audience="parent"
    )
    assert parent.hits[0].entry_id == "parent-how-to-support"
    assert parent.hits[0].score > youth.hits[0].score


def test_entry_answer_opens_a_known_entry(kb_session):
    result = services.entry_answer(kb_session, entry_id="whs-japan", lang="yue")
    assert result.entry.title == "日本工作假期"


def test_entry_answer_for_an_unknown_id_is_empty(kb_session):
    assert services.entry_answer(kb_session, entry_id="nope", lang="en").entry is None


def test_index_is_rebuilt_after_a_reload(kb_session, seed_dir, break_seed):
    services.answer(kb_session, question="HD", lang="en")

    def rename_title(document):
        document["entries"][0]["aliases"]["en"].append("hdip")

    break_seed(rename_title)
    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    with session_scope() as session:
        hit = services.answer(session, question="hdip", lang="en").hits[0]
    assert hit.entry_id == "vtc-higher-diploma"


def test_cards_are_read_again_after_a_reload(kb_session, seed_dir, break_seed):
    before = services.entry_answer(kb_session, entry_id="vtc-higher-diploma", lang="en")
    again = services.entry_answer(kb_session, entry_id="vtc-higher-diploma", lang="en")
    assert again == before  # the second one came from memory, the same card

    def new_answer(document):
        document["entries"][0]["answer"]["en"] = "A reworded answer for the test."

    break_seed(new_answer)
    with session_scope() as session:
        loader.load(session, seed_dir=seed_dir)
    with session_scope() as session:
        after = services.entry_answer(session, entry_id="vtc-higher-diploma", lang="en")
    assert before.entry.answer != after.entry.answer
    assert after.entry.answer == "A reworded answer for the test."
