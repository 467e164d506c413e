"""The youth pages: the list, one person's roadmap, notes, feedback and reviews,
need-to-know, both languages, and requests that must not 500."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from cld import services
from cld.broadcast_models import Delivery
from cld.staff_models import RoadmapReview, YouthNote
from pathways_kb.db import session_scope
from tests.dashboard.conftest import actions, count, make_youth

LOCALES = Path(__file__).resolve().parents[2] / "locales" / "dashboard"


def rows_of(page: str) -> list[str]:
    """The aliases listed in the youth table, in order."""
    return re.findall(r'<td><a href="/youth/(Y-[0-9A-F]{8})">', page)


# The list


async def test_the_list_shows_only_the_units_young_people(amy):
    mine = make_youth("mine", share="AAA")
    make_youth("theirs", share="BBB")
    make_youth("private", share=None)
    page = await amy.text("/youth")
    assert rows_of(page) == [mine.alias]


async def test_the_list_shows_stage_in_words_status_and_versions(amy):
    make_youth("y1", versions=2, changes=[{"short_goal": "visit HKU"}])
    page = await amy.text("/youth")
    assert "<td>S6</td>" in page
    assert '<span class="badge ok">complete</span>' in page
    assert "<td>2</td>" in page


async def test_the_list_says_when_nobody_shares(amy):
    page = await amy.text("/youth")
    assert "No young person shares a roadmap with your unit yet." in page


async def test_flags_show_as_badges_and_filter_the_list(amy):
    calm = make_youth("calm")
    worried = make_youth("worried")
    with session_scope() as session:
        services.request_human(
            session, profile_id=worried.profile_id, reason="crisis", context="x"
        )
    assert rows_of(await amy.text("/youth?flag=crisis")) == [worried.alias]
    assert '<span class="badge bad">crisis cue</span>' in await amy.text("/youth")
    assert set(rows_of(await amy.text("/youth?flag="))) == {calm.alias, worried.alias}


async def test_the_status_filter_keeps_drafts_apart(amy):
    draft = make_youth("drafting", versions=0)
    make_youth("done")
    assert rows_of(await amy.text("/youth?status=draft")) == [draft.alias]


async def test_search_finds_an_alias_fragment(amy):
    one, _two = make_youth("one"), make_youth("two")
    assert rows_of(await amy.text(f"/youth?q={one.alias[-4:].lower()}")) == [one.alias]


async def test_search_finds_the_stage_in_the_viewers_words(amy):
    s6 = make_youth("s6")
    make_youth("working", content={"stage": "working"})
    assert rows_of(await amy.text("/youth?q=中六&lang=yue")) == [s6.alias]


async def test_nobody_matching_the_filters_says_so(amy):
    make_youth("y1")
    page = await amy.text("/youth?status=stale&flag=bogus&q=zzz")
    assert "Nobody matches these filters." in page


# One young person


async def test_the_detail_shows_every_section_in_their_own_words(amy):
    y = make_youth("y1", content={"interests": "<b>drawing</b>\nand games"})
    page = await amy.text(f"/youth/{y.alias}")
    for title in ("Where I am now", "Interests", "Milestones", "Support I need"):
        assert f"<h3>{title}</h3>" in page
    assert html.escape("<b>drawing</b>\nand games") in page
    assert "apply to HKDI (Jan 2027)" in page


async def test_the_detail_shows_the_history_with_what_changed(amy):
    y = make_youth("y1", versions=2, changes=[{"short_goal": "visit HKU"}])
    page = await amy.text(f"/youth/{y.alias}")
    assert "<td>2</td><td>" in page and "<td>Goal for the next 3 months</td>" in page
    assert "<td>First version</td>" in page
    assert "Version 2, completed" in page
    assert "Mark version 2 as reviewed" in page


async def test_the_detail_of_a_draft_says_no_version_yet(amy):
    y = make_youth("y1", versions=0)
    page = await amy.text(f"/youth/{y.alias}")
    assert "No completed roadmap yet." in page and "Draft so far" in page


async def test_the_detail_speaks_cantonese(amy):
    y = make_youth("y1")
    page = await amy.text(f"/youth/{y.alias}?lang=yue")
    assert '<html lang="zh-Hant-HK">' in page
    assert "<h2>生涯規劃</h2>" in page and "<h3>興趣</h3>" in page


async def test_the_list_speaks_cantonese(amy):
    page = await amy.text("/youth?lang=yue")
    assert "<h1>青年</h1>" in page


# Need-to-know: one 404 for everything not yours


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("get", "/transcript", None),
        ("get", "/print", None),
        ("post", "/notes", {"note": "hello"}),
        ("post", "/feedback", {"feedback": "hello"}),
        ("post", "/review", {"review": "1"}),
    ],
)
async def test_another_units_young_person_is_not_found(amy, method, suffix, data):
    theirs = make_youth("theirs", share="BBB")
    if method == "get":
        response = await amy.get(f"/youth/{theirs.alias}{suffix}")
    else:
        response = await amy.post(f"/youth/{theirs.alias}{suffix}", data)
    assert response.status == 404
    assert "find that page." in await response.text()
    assert actions(theirs.profile_id) == []
    assert count(YouthNote) == count(RoadmapReview) == count(Delivery) == 0


@pytest.mark.parametrize("alias", ["Y-00000000", "nobody", "Y-" + "A" * 300])
async def test_an_unknown_alias_is_the_same_404(amy, alias):
    response = await amy.get(f"/youth/{alias}")
    assert response.status == 404


async def test_an_admin_sees_no_young_person(dashboard):
    y = make_youth("y1")
    root = await dashboard("root")
    assert (await root.get("/youth")).status == 404
    assert (await root.get(f"/youth/{y.alias}")).status == 404


async def test_a_post_without_its_csrf_token_is_refused_and_stores_nothing(amy):
    y = make_youth("y1")
    response = await amy.client.post(f"/youth/{y.alias}/notes", data={"note": "hi"})
    assert response.status == 403
    assert count(YouthNote) == 0 and actions(y.profile_id) == []


# Notes, feedback, reviews


async def test_a_note_is_stored_and_shown(amy):
    y = make_youth("y1")
    response = await amy.post(
        f"/youth/{y.alias}/notes",
        {"note": "  Met at school\nfine  "},
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (
        303,
        f"/youth/{y.alias}?done=add_note#add_note",
    )
    page = await amy.text(f"/youth/{y.alias}?done=add_note")
    assert "The note was saved." in page and "Met at school\nfine" in page


@pytest.mark.parametrize("text", ["   ", "x" * 2001, "bad \x00 byte"])
async def test_a_bad_note_is_a_friendly_error_and_keeps_what_was_typed(amy, text):
    y = make_youth("y1")
    response = await amy.post(f"/youth/{y.alias}/notes", {"note": text})
    page = await response.text()
    assert response.status == 400
    assert 'class="alert"' in page and count(YouthNote) == 0
    assert html.escape(text) in page
    assert "<h3>Interests</h3>" in page  # the rest of the page is still there


async def test_a_bad_note_is_explained_in_cantonese(dashboard):
    y = make_youth("y1")
    sam = await dashboard("sam")  # a supervisor who reads Cantonese
    page = await (await sam.post(f"/youth/{y.alias}/notes", {"note": ""})).text()
    assert "筆記要有 1 至 2000 個字" in page


async def test_feedback_creates_one_queued_delivery_and_shows_it(amy):
    y = make_youth("y1")
    response = await amy.post(
        f"/youth/{y.alias}/feedback", {"feedback": "Well done on the portfolio!"}
    )
    page = await response.text()
    assert response.status == 200  # after the 303
    with session_scope() as session:
        statuses = session.execute(
            select(Delivery.status).where(Delivery.profile_id == y.profile_id)
        ).scalars()
        assert list(statuses) == ["queued"]
    assert "The message was queued." in page and "Well done on the portfolio!" in page
    assert "waiting to be sent" in page and "22:00 to 08:00" in page


async def test_empty_feedback_sends_nothing(amy):
    y = make_youth("y1")
    response = await amy.post(f"/youth/{y.alias}/feedback", {"feedback": " "})
    assert response.status == 400 and count(Delivery) == 0
    assert "A message has 1 to 2000 characters." in await response.text()


async def test_a_review_is_recorded_and_listed(amy):
    y = make_youth("y1", versions=2, changes=[{"short_goal": "visit HKU"}])
    page = await (await amy.post(f"/youth/{y.alias}/review", {"review": "2"})).text()
    assert count(RoadmapReview, profile_id=y.profile_id, version=2) == 1
    assert "The review was recorded." in page and "Version 2 reviewed" in page


@pytest.mark.parametrize("version", ["3", "0", "two", ""])
async def test_reviewing_a_version_that_does_not_exist_is_refused(amy, version):
    y = make_youth("y1")
    response = await amy.post(f"/youth/{y.alias}/review", {"review": version})
    assert response.status == 400 and count(RoadmapReview) == 0
    assert "cannot be marked as reviewed" in await response.text()


# Requests that must never 500


@pytest.mark.parametrize("suffix", ["/notes", "/feedback", "/review"])
@pytest.mark.parametrize(
    "body",
    [
        {},  # the field is missing
        {"note": "é" * 300_000},  # past the size limit
        "binary",
        "raw bytes",
    ],
)
async def test_malformed_posts_never_500(amy, suffix, body):
    y = make_youth("y1")
    path = f"/youth/{y.alias}{suffix}"
    if body in ("binary", "raw bytes"):
        raw = (
            f"csrf={amy.csrf}&note=%00%01%FF%FE&feedback=%00&review=%00".encode()
            if body == "binary"
            else f"csrf={amy.csrf}&note=".encode() + b"\xff\xfe\x00"
        )
        response = await amy.client.post(
            path,
            data=raw,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        response = await amy.post(path, body)
    assert 400 <= response.status < 500
    assert count(YouthNote) == count(Delivery) == count(RoadmapReview) == 0


@pytest.mark.parametrize(
    "query", ["?status=%00", "?q=" + "x" * 5000, "?flag[]=1", "?lang=xx", "?done=<b>"]
)
async def test_odd_queries_never_500(amy, query):
    y = make_youth("y1")
    assert (await amy.get(f"/youth{query}")).status == 200
    assert (await amy.get(f"/youth/{y.alias}{query}")).status == 200


# Strings


def test_both_languages_have_the_same_youth_strings():
    en = yaml.safe_load((LOCALES / "en" / "youth.yml").read_text(encoding="utf-8"))
    yue = yaml.safe_load((LOCALES / "yue" / "youth.yml").read_text(encoding="utf-8"))
    assert sorted(en) == sorted(yue)
