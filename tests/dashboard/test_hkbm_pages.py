"""HKBM pages: record a level, see its history, charts, medians, CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from cld import hkbm
from cld.models import Unit
from cld.staff_models import SelfAssessment
from pathways_kb.db import session_scope
from tests.dashboard.helpers_updates import browser  # noqa: F401


@pytest.fixture
async def amy(browser):  # noqa: F811
    await browser.sign_in("amy")
    return browser


def unit_id(code):
    with session_scope() as session:
        return session.execute(select(Unit.id).where(Unit.code == code)).scalar_one()


def rate(code, benchmark, level, evidence=""):
    with session_scope() as session:
        hkbm.record(
            session,
            unit_id=unit_id(code),
            account_id=None,
            benchmark=benchmark,
            level=level,
            evidence=evidence,
        )


def ratings():
    with session_scope() as session:
        return session.execute(
            select(func.count()).select_from(SelfAssessment)
        ).scalar_one()


async def test_a_recorded_level_shows_on_the_page_and_in_its_history(amy):
    response = await amy.post(
        "/hkbm/3",
        {"level": "partly", "evidence": "兩次家長講座；升學資訊日"},
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, "/hkbm?done=3#bm3")
    page = await (await amy.get("/hkbm?done=3")).text()
    assert "Benchmark 3 was recorded." in page
    assert "Your unit: Partly" in page
    assert 'id="bm3-partly" name="level" value="partly" checked' in page
    amy_rates_again = await amy.post(
        "/hkbm/3", {"level": "fully", "evidence": "每月一次"}
    )
    assert amy_rates_again.status == 200
    history = await (await amy.get("/hkbm/3/history")).text()
    assert history.index("Fully") < history.index("兩次家長講座；升學資訊日")
    assert history.count("<td>Amy</td>") == 2


async def test_a_rating_without_a_level_is_a_friendly_error(amy):
    response = await amy.post("/hkbm/5", {"evidence": "notes kept"})
    page = await response.text()
    assert response.status == 400
    assert "Choose a level for benchmark 5: not yet, partly or fully." in page
    assert ">notes kept</textarea>" in page
    assert ratings() == 0


async def test_evidence_notes_longer_than_2000_characters_are_refused(amy):
    response = await amy.post("/hkbm/1", {"level": "fully", "evidence": "字" * 2001})
    assert response.status == 400
    assert "at most 2000 characters" in await response.text()
    assert ratings() == 0


async def test_the_page_shows_criteria_sources_and_the_automatic_evidence(amy):
    page = await (await amy.get("/hkbm")).text()
    assert (
        "Benchmark 6: Career and Life Guidance for Developing Career Roadmaps" in page
    )
    assert "School version: Personal Guidance for Developing Career Roadmaps" in page
    assert 'href="https://clap.hk/for-schools/hkbm/about-hkbm/benchmark-6/"' in page
    assert "Young people sharing a roadmap with your unit: 0" in page
    assert "Parents subscribed now" in page
    assert page.count("Unverified: the official criteria") == 2  # benchmarks 3 and 5


async def test_the_chart_is_an_accessible_svg_without_scripts(amy):
    rate("AAA", 2, "fully")
    page = await (await amy.get("/hkbm")).text()
    assert (
        '<svg class="chart hkbm-chart" role="img" aria-labelledby="hkbm-chart-title"'
        in page
    )
    assert "<title>Benchmark 2, your unit: Fully</title>" in page
    assert 'width="242"' in page  # fully = 2 levels of 120 px, plus the 2 px stub
    assert "<script" not in page and "style=" not in page


async def test_medians_stay_hidden_below_three_units(amy):
    rate("AAA", 4, "fully")
    rate("BBB", 4, "not_yet")
    page = await (await amy.get("/hkbm")).text()
    section = page[page.index('id="bm4"') : page.index('id="bm5"')]
    assert "not enough units yet" in section and "Median of" not in section
    assert "Benchmark 4, median across units" not in page  # no bar for it either


async def test_the_median_shows_once_three_units_have_rated(amy):
    rate("AAA", 4, "fully")
    rate("BBB", 4, "not_yet")
    rate("CCC", 4, "partly")
    page = await (await amy.get("/hkbm")).text()
    section = page[page.index('id="bm4"') : page.index('id="bm5"')]
    assert "Median of 3 units: Partly" in section
    assert "Your unit: Fully" in section
    assert "Unit BBB" not in page and "Unit CCC" not in page


async def test_the_csv_export_has_the_history_and_figures_in_chinese(amy):
    rate("AAA", 3, "partly", "兩次家長講座")
    rate("BBB", 3, "fully", "another unit's notes")
    response = await amy.get("/hkbm/export.csv?lang=yue")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="hkbm-AAA-'
    )
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][:5] == ["基準", "名稱", "水平", "水平代碼", "佐證記錄"]
    assert rows[2][:5] == [
        "3",
        "從多元出路資訊中學習",
        "部分達到",
        "partly",
        "兩次家長講座",
    ]
    assert ["已解答嘅出路問題", "全部", "0"] in rows
    assert not any("another unit's notes" in cell for row in rows for cell in row)


async def test_a_note_that_looks_like_a_formula_is_exported_as_text(amy):
    rate("AAA", 1, "partly", '=HYPERLINK("http://example.com")')
    raw = await (await amy.get("/hkbm/export.csv")).read()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[2][4] == '\'=HYPERLINK("http://example.com")'


async def test_a_post_without_the_csrf_token_is_refused_and_records_nothing(amy):
    response = await amy.client.post("/hkbm/3", data={"level": "fully"})
    assert response.status == 403
    assert ratings() == 0


async def test_supervisors_record_too(browser):  # noqa: F811
    await browser.sign_in("sam")
    response = await browser.post("/hkbm/10", {"level": "fully"}, allow_redirects=False)
    assert response.status == 303
    page = await (await browser.get("/hkbm")).text()
    assert "你嘅單位：完全達到" in page  # sam reads Cantonese


@pytest.mark.parametrize("path", ["/hkbm", "/hkbm/export.csv", "/hkbm/3/history"])
async def test_admins_see_no_self_assessment(browser, path):  # noqa: F811
    await browser.sign_in("root")
    assert (await browser.get(path)).status == 404


async def test_admins_cannot_record(browser):  # noqa: F811
    await browser.sign_in("root")
    assert (await browser.post("/hkbm/3", {"level": "fully"})).status == 404
    assert ratings() == 0


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/hkbm/0", {"level": "fully"}),
        ("/hkbm/11", {"level": "fully"}),
        ("/hkbm/99999999999999999999", {"level": "fully"}),
        ("/hkbm/3", {"level": "'; DROP TABLE self_assessment; --"}),
        ("/hkbm/3", {}),
        ("/hkbm/3", {"level": "fully", "evidence": "x" * 60_000}),
    ],
)
async def test_malformed_posts_never_fail_with_a_server_error(amy, path, data):
    response = await amy.post(path, data)
    assert response.status in (400, 404)
    assert ratings() == 0


@pytest.mark.parametrize(
    "path", ["/hkbm/12/history", "/hkbm/" + "9" * 5000 + "/history"]
)
async def test_odd_history_addresses_are_not_found(amy, path):
    assert (await amy.get(path)).status == 404


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Benchmark 10: Parent Engagement and Support", "What good looks like"]),
        (
            "yue",
            [
                "基準10：家長參與和支援",
                "良好實踐係點",
                "學校版：與高等及延續教育院校作有意義的接觸",
            ],
        ),
    ],
)
async def test_the_pages_render_in_both_languages(amy, lang, words):
    page = await (await amy.get(f"/hkbm?lang={lang}")).text()
    history = await (await amy.get(f"/hkbm/6/history?lang={lang}")).text()
    assert all(w in page for w in words)
    assert ("暫時未有評級記錄。" in history) == (lang == "yue")
