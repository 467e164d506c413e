"""Ranking: fields, aliases, everyday wording, typos and audiences."""

from __future__ import annotations

import pytest

from pathways_kb import text
from pathways_kb.retrieval import Document, Index


def doc(entry_id: str, title: str, aliases: tuple[str, ...] = (), **kw) -> Document:
    return Document(
        entry_id=entry_id,
        audience=kw.get("audience", "both"),
        titles=(title,),
        aliases=aliases,
        facts=(kw.get("facts", ""),),
        answers=(kw.get("answer", f"About {title}."),),
    )


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(
        [
            doc(
                "jupas-overview",
                "JUPAS, the joint university admissions system",
                ("JUPAS", "聯招", "大學聯招"),
                answer="JUPAS fees, JUPAS deadlines, JUPAS choices, JUPAS offers: "
                "JUPAS covers it all. 聯招報名、截止、學費、選擇都喺度。",
            ),
            doc(
                "jupas-fees",
                "JUPAS fees (application and acceptance fee)",
                ("jupas fee", "聯招報名費", "留位費"),
                answer="The application fee is HK$470.",
            ),
            doc(
                "jupas-timeline",
                "JUPAS timeline - when to apply and when offers come out",
                ("jupas deadline", "聯招截止"),
                answer="Apply from September to early December.",
            ),
            doc(
                "hkdse-results-date",
                "When are HKDSE results released?",
                ("dse results date", "放榜日"),
                answer="Results come out in mid-July.",
            ),
            doc(
                "dse-results-not-ideal",
                "My HKDSE results are bad - what now?",
                ("bad DSE results", "文憑試成績差"),
                answer="You still have options: sub-degrees, VTC, retaking.",
            ),
            doc(
                "parent-disappointing-results",
                "For parents: helping your child after disappointing HKDSE results",
                ("bad dse results parents", "子女成績唔理想"),
                audience="parent",
                answer="Stay calm, listen first, then look at options together.",
            ),
            doc(
                "vtc-higher-diploma",
                "Higher Diploma (HD) at VTC",
                ("HD", "higher diploma", "高級文憑"),
                answer="A two-year programme at QF Level 4.",
            ),
            doc(
                "diploma",
                "Diplomas in general",
                ("diploma",),
                answer="Many kinds of diploma exist.",
            ),
        ]
    )


def top(index: Index, question: str, **kw) -> str:
    return index.search(question, **kw)[0].entry_id


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("聯招要俾幾錢", "jupas-fees"),
        ("how much is jupas", "jupas-fees"),
        ("聯招幾時截止", "jupas-timeline"),
        ("幾時放榜", "hkdse-results-date"),
        ("when r dse results out", "hkdse-results-date"),
        ("文凭试什么时候放榜", "hkdse-results-date"),
    ],
)
def test_everyday_wording_finds_the_specific_entry(index, question, entry_id):
    # The overview mentions fees and deadlines more often, in its answer only.
    assert top(index, question) == entry_id


def test_a_bare_name_finds_the_entry_it_names(index):
    assert top(index, "聯招") == "jupas-overview"
    assert top(index, "HD") == "vtc-higher-diploma"


def test_a_longer_alias_wins_over_one_inside_it(index):
    hit = index.search("higher diploma")[0]
    assert hit.entry_id == "vtc-higher-diploma"
    assert "diploma" not in hit.matched_terms


def test_a_typo_in_a_known_word_is_forgiven(index):
    assert top(index, "jupsa deadline") == "jupas-timeline"


def test_parents_get_the_parent_entry(index):
    question = "results not ideal"
    assert top(index, question) == "dse-results-not-ideal"
    assert top(index, question, audience="parent") == "parent-disappointing-results"
    assert top(index, "my son's dse results are bad") == "parent-disappointing-results"


def test_nothing_in_common_finds_nothing(index):
    assert index.search("asdf qwerty") == []


def test_the_phrase_matcher_matches_by_stem(index):
    alias = text.analyse("jupas fee").keys
    assert alias in index.phrase_matches(text.analyse("apply jupas fees"))
    assert alias not in index.phrase_matches(text.analyse("fee for jupas"))


def test_a_phrase_match_boosts_the_aliased_entry(monkeypatch):
    index = Index(
        [
            doc("five-level-2", "Level 2 in five subjects", ("五科2級",)),
            doc(
                "dfs",
                "Diploma of Foundation Studies",
                ("基礎文憑",),
                answer="五科唔夠2級可以讀基礎文憑。",
            ),
        ]
    )
    question = "五科2級讀乜好"
    analysis = text.analyse(question)
    alias = text.analyse("五科2級").keys
    # 級讀 is one bigram, so the question lacks the alias's key 級: only the
    # PhraseMatcher (五科 2 級, word for word) finds the alias.
    assert not alias <= analysis.keys
    assert alias in index.phrase_matches(analysis)
    hit = index.search(question)[0]
    assert hit.entry_id == "five-level-2"
    assert hit.matched_terms == ("五科2級",)
    monkeypatch.setattr(index, "phrase_matches", lambda analysis: set())
    without = {h.entry_id: h for h in index.search(question)}["five-level-2"]
    assert without.score < hit.score
    assert without.matched_terms == ()
