"""The printable roadmap page, in English and Cantonese, and what feeds it."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest

from cld import checkins, roadmaps, services
from cld.roadmap_display import roadmap_card
from cld.roadmap_page import PathwayLink, not_found_page, render_page
from locales.roadmap_text import section_titles
from pathways_kb import loader
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL

UPDATED = date(2026, 11, 24)
CONTENT = {
    **FULL,
    "interests": "<script>alert('hi')</script> drawing",
    "support": "Ms Chan & my art teacher",
    "priorities": ["cost", "near home"],
    "pathways": ["vtc-higher-diploma", "my own <idea>"],
    "milestones": [
        {"text": "<b>apply</b> to HKDI", "month": "2027-01"},
        {"text": "portfolio", "month": "2027-03"},
        {"text": "interview", "month": "2027-05"},
    ],
}
HD = PathwayLink(
    entry_id="vtc-higher-diploma",
    title="Higher Diploma (HD) at VTC",
    url="https://www.vtc.edu.hk/hd?a=1&b=2",
)


def page(lang, *, statuses=None, content=CONTENT):
    return render_page(
        content,
        version=2,
        updated=UPDATED,
        lang=lang,
        pathways={HD.entry_id: HD},
        statuses=statuses,
    )


def section(text, title):
    """The body of the section headed `title`."""
    found = re.search(
        rf"<h2>{re.escape(html.escape(title))}</h2>(.*?)</section>", text, re.S
    )
    assert found, f"no section '{title}'"
    return found[1]


def milestone_items(text, lang):
    body = section(text, section_titles(lang)["milestones"])
    return re.findall(r"<li>(.*?)</li>", body, re.S)


@pytest.mark.parametrize(("lang", "tag"), [("en", "en"), ("yue", "zh-HK")])
def test_page_declares_its_language(lang, tag):
    assert page(lang).startswith(f'<!doctype html><html lang="{tag}"><head>')


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_declares_utf8(lang):
    assert '<meta charset="utf-8">' in page(lang)


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_shows_every_section_title_in_order(lang):
    text = page(lang)
    positions = [
        text.find(f"<h2>{html.escape(t)}</h2>") for t in section_titles(lang).values()
    ]
    assert (min(positions) >= 0, positions == sorted(positions)) == (True, True)


@pytest.mark.parametrize(
    "title",
    [
        "而家嘅階段",
        "興趣",
        "強項",
        "我重視嘅嘢",
        "考慮因素",
        "目標出路",
        "未來 3 個月嘅目標",
        "未來 1 至 3 年嘅目標",
        "里程碑",
        "需要嘅支援",
    ],
)
def test_cantonese_page_has_chinese_section_titles(title):
    assert f"<h2>{title}</h2>" in page("yue")


@pytest.mark.parametrize(("lang", "stage"), [("en", "S6"), ("yue", "中六")])
def test_page_names_the_stage_in_the_language(lang, stage):
    assert section(page(lang), section_titles(lang)["stage"]) == f"<p>{stage}</p>"


@pytest.mark.parametrize(
    ("lang", "heading", "title"),
    [
        ("en", "My career roadmap", "My career roadmap"),
        ("yue", "我嘅生涯規劃", "我嘅生涯規劃"),
    ],
)
def test_page_has_its_title(lang, heading, title):
    text = page(lang)
    assert (f"<title>{title}</title>" in text, f"<h1>{heading}</h1>" in text) == (
        True,
        True,
    )


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Version 2, updated 24 Nov 2026"),
        ("yue", "第 2 版，更新於 2026年11月24日"),
    ],
)
def test_page_says_which_version_and_when(lang, line):
    assert f'<p class="version">{line}</p>' in page(lang)


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_a_script_in_an_answer_is_escaped(lang):
    text = page(lang)
    assert ("<script" in text, "&lt;script&gt;alert(&#x27;hi&#x27;)" in text) == (
        False,
        True,
    )


def test_markup_in_a_milestone_is_escaped():
    assert milestone_items(page("en"), "en")[0].startswith(
        "&lt;b&gt;apply&lt;/b&gt; to HKDI"
    )


def test_an_ampersand_in_an_answer_is_escaped():
    assert (
        section(page("en"), "Support I need") == "<p>Ms Chan &amp; my art teacher</p>"
    )


@pytest.mark.parametrize(
    ("lang", "items"),
    [
        (
            "en",
            [
                "&lt;b&gt;apply&lt;/b&gt; to HKDI (Jan 2027)",
                "portfolio (Mar 2027)",
                "interview (May 2027)",
            ],
        ),
        (
            "yue",
            [
                "&lt;b&gt;apply&lt;/b&gt; to HKDI（2027年1月）",
                "portfolio（2027年3月）",
                "interview（2027年5月）",
            ],
        ),
    ],
)
def test_milestones_show_their_month_in_the_language(lang, items):
    assert milestone_items(page(lang), lang) == items


@pytest.mark.parametrize(
    ("lang", "first"),
    [
        ("en", "&lt;b&gt;apply&lt;/b&gt; to HKDI (Jan 2027) ✅ done"),
        ("yue", "&lt;b&gt;apply&lt;/b&gt; to HKDI（2027年1月） ✅ 做到"),
    ],
)
def test_a_done_milestone_says_so(lang, first):
    assert milestone_items(page(lang, statuses={0: "done"}), lang)[0] == first


@pytest.mark.parametrize(
    ("status", "shown"),
    [("in_progress", "⏳ in progress"), ("changed", "↻ changed")],
)
def test_other_milestone_statuses_show_on_their_milestone(status, shown):
    items = milestone_items(page("en", statuses={1: status}), "en")
    assert items == [
        "&lt;b&gt;apply&lt;/b&gt; to HKDI (Jan 2027)",
        f"portfolio (Mar 2027) {shown}",
        "interview (May 2027)",
    ]


def test_a_chosen_pathway_links_to_its_source():
    body = section(page("en"), "Pathways I'm aiming for")
    url = "https://www.vtc.edu.hk/hd?a=1&amp;b=2"
    assert body == (
        f'<ul><li>Higher Diploma (HD) at VTC (<a href="{url}">{url}</a>)</li>'
        "<li>my own &lt;idea&gt;</li></ul>"
    )


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "cost, near home"), ("yue", "費用、near home")]
)
def test_priorities_show_our_labels_and_the_persons_own_words(lang, shown):
    assert section(page(lang), section_titles(lang)["priorities"]) == f"<p>{shown}</p>"


@pytest.mark.parametrize(
    ("lang", "tag", "message"),
    [
        ("en", "en", "This roadmap link is not valid or has expired."),
        ("yue", "zh-HK", "呢條規劃連結無效或者已經過期。"),
    ],
)
def test_not_found_page_explains_in_the_language(lang, tag, message):
    text = not_found_page(lang)
    assert (
        text.startswith(f'<!doctype html><html lang="{tag}">'),
        '<meta charset="utf-8">' in text,
        message in text,
    ) == (True, True, True)


def test_not_found_page_escapes_its_message():
    assert "&quot;show my roadmap&quot;" in not_found_page("en")


# roadmap_display.roadmap_card: what the page is rendered from.


@pytest.fixture
def kb(database):
    """The real knowledge base, loaded into the test database."""
    with session_scope() as session:
        loader.load(session)


@pytest.fixture
def titles():
    specs, _ = loader.read_seed()
    return {spec.id: spec.title for spec in specs}


def start(user="tg-1"):
    with session_scope() as session:
        return services.ensure_profile(
            session, channel="telegram", channel_user_id=user
        ).id


def complete(profile_id, content):
    with session_scope() as session:
        roadmaps.start_edit(session, profile_id=profile_id)
        for name, value in content.items():
            roadmaps.save_answer(
                session, profile_id=profile_id, section=name, value=value
            )
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=UPDATED)


def card(profile_id, lang="en"):
    with session_scope() as session:
        return roadmap_card(session, profile_id=profile_id, lang=lang)


def answer_first_checkin(profile_id, answer):
    with session_scope() as session:
        view = checkins.due(session, now=datetime(2030, 1, 1, tzinfo=timezone.utc))[0]
        checkins.claim(session, checkin_id=view.id)
        checkins.record(session, profile_id=profile_id, answer=answer)


def test_no_card_before_a_roadmap_is_started(kb):
    assert card(start()) is None


def test_no_card_for_a_draft_only(kb):
    profile_id = start()
    with session_scope() as session:
        roadmaps.save_answer(
            session, profile_id=profile_id, section="stage", value="s6"
        )
    assert card(profile_id) is None


def test_card_is_the_latest_version(kb):
    profile_id = start()
    complete(profile_id, CONTENT)
    complete(profile_id, {"long_goal": "teacher"})
    found = card(profile_id)
    assert (found.version, found.content) == (2, {**CONTENT, "long_goal": "teacher"})


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_card_links_knowledge_base_pathways_by_their_title(kb, titles, lang):
    profile_id = start()
    complete(profile_id, CONTENT)
    links = card(profile_id, lang).pathways
    assert (list(links), links["vtc-higher-diploma"].title) == (
        ["vtc-higher-diploma"],
        titles["vtc-higher-diploma"][lang],
    )


def test_card_pathway_link_is_the_entrys_first_source(kb):
    profile_id = start()
    complete(profile_id, CONTENT)
    specs, _ = loader.read_seed()
    source = next(s for s in specs if s.id == "vtc-higher-diploma").sources[0]
    assert card(profile_id).pathways["vtc-higher-diploma"].url == source.url


def test_card_has_the_check_in_answers(kb):
    profile_id = start()
    complete(profile_id, CONTENT)
    answer_first_checkin(profile_id, "done")
    assert card(profile_id).statuses == {0: "done"}


def test_card_drops_answers_about_an_older_version(kb):
    profile_id = start()
    complete(profile_id, CONTENT)
    answer_first_checkin(profile_id, "done")
    complete(profile_id, {"long_goal": "teacher"})
    assert card(profile_id).statuses == {}


def test_card_says_who_it_is_shared_with(kb):
    profile_id = start()
    complete(profile_id, CONTENT)
    with session_scope() as session:
        roadmaps.share(
            session, profile_id=profile_id, unit_code="AB123", wording_version="v1"
        )
    assert card(profile_id).shared_unit == "AB123"


def test_card_renders_as_a_cantonese_page_with_its_status(kb, titles):
    profile_id = start()
    complete(profile_id, CONTENT)
    answer_first_checkin(profile_id, "done")
    found = card(profile_id, "yue")
    text = render_page(
        found.content,
        version=found.version,
        updated=found.updated_on,
        lang="yue",
        pathways=found.pathways,
        statuses=found.statuses,
    )
    assert (
        html.escape(titles["vtc-higher-diploma"]["yue"]) in text,
        milestone_items(text, "yue")[0],
    ) == (True, "&lt;b&gt;apply&lt;/b&gt; to HKDI（2027年1月） ✅ 做到")
