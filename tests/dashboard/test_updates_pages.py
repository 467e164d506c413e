"""Parent-update pages: compose with a preview, send, follow, stop; unit limits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from cld import broadcasts, parents
from cld.broadcast_models import Broadcast, Delivery
from cld.models import utcnow
from cld.quiet_hours import HONG_KONG
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent
from tests.dashboard.helpers_updates import browser  # noqa: F401

JUPAS = {
    "template": "jupas_applications_open",
    "p_open_date": "4/10/2027",
    "p_close_date": "3/12/2027",
}


@pytest.fixture
async def amy(browser):  # noqa: F811
    add_parent("a-en", address="1", unit="AAA")
    add_parent("a-yue", channel="whatsapp", address="+8521", language="yue", unit="AAA")
    add_parent("a-web", channel="rest", unit="AAA")
    add_parent("b-en", address="2", unit="BBB")
    await browser.sign_in("amy")
    return browser


def broadcast_count():
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(Broadcast)).scalar_one()


def broadcast_for(codes):
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id="jupas_applications_open",
            params={"open_date": "4/10/2027", "close_date": "3/12/2027"},
            audience=parents.Audience(unit_codes=tuple(codes)),
            created_by="cli",
        )


async def test_the_preview_shows_both_languages_and_keeps_what_was_typed(amy):
    response = await amy.post(
        "/updates/preview",
        {**JUPAS, "stage_senior_secondary": "1", "topic_university": "1"},
    )
    page = await response.text()
    assert response.status == 200
    [english, chinese] = re.findall(
        r'<pre class="preview"[^>]*>(.*?)</pre>', page, re.S
    )
    assert "JUPAS applications are open" in english and "4/10/2027" in english
    assert "大學聯招（JUPAS）開始報名" in chinese and "3/12/2027" in chinese
    assert 'value="4/10/2027"' in page and 'value="3/12/2027"' in page
    assert re.search(r'name="stage_senior_secondary" value="1" checked', page)
    assert re.search(r'name="topic_university" value="1" checked', page)
    assert not re.search(r'name="stage_working" value="1" checked', page)
    assert broadcast_count() == 0


async def test_the_preview_gives_the_audience_size_by_language_and_channel(amy):
    page = await (await amy.post("/updates/preview", JUPAS)).text()
    assert "Parents who would get this update: 2" in page
    assert "English: 1" in page and "Chinese (Cantonese): 1" in page
    assert "Telegram: 1" in page and "WhatsApp: 1" in page
    assert (
        "cannot receive updates (such as the web chat), so they will be skipped: 1"
        in page
    )
    assert "Send to these parents (2)" in page


async def test_the_preview_speaks_cantonese_when_asked(amy):
    page = await (await amy.post("/updates/preview?lang=yue", JUPAS)).text()
    assert "會有 2 位家長收到呢個資訊。" in page and '<html lang="zh-Hant-HK">' in page


@pytest.mark.parametrize("path", ["/updates/preview", "/updates/send"])
async def test_a_missing_value_is_a_friendly_error_and_creates_nothing(amy, path):
    response = await amy.post(path, {**JUPAS, "p_close_date": ""})
    page = await response.text()
    assert response.status == 400
    assert "Please fill in &#34;Close date&#34;." in page
    assert "non-blank" not in page and "TemplateError" not in page
    assert 'value="4/10/2027"' in page
    assert broadcast_count() == 0


async def test_the_error_is_in_the_viewers_language(amy):
    page = await (
        await amy.post("/updates/send?lang=yue", {**JUPAS, "p_open_date": " "})
    ).text()
    assert "請填寫「Open date」。" in page


async def test_a_value_with_a_line_break_is_refused_kindly(amy):
    page = await (
        await amy.post("/updates/preview", {**JUPAS, "p_open_date": "4/10\n2027"})
    ).text()
    assert "&#34;Open date&#34; must fit on one line" in page


async def test_sending_creates_the_update_and_shows_its_report(amy):
    response = await amy.post("/updates/send", JUPAS, allow_redirects=False)
    assert response.status == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/updates/[0-9]+\?done=sent", location)
    page = await (await amy.get(location)).text()
    assert "The update was created. The gateway&#39;s broadcast worker sends it" in page
    assert '<meta http-equiv="refresh" content="10">' in page
    assert "Delivery report" in page and '<title id="report-chart-title">' in page
    with session_scope() as session:
        row = session.execute(select(Broadcast)).scalar_one()
        statuses = sorted(session.execute(select(Delivery.status)).scalars())
    assert (row.created_by, row.urgent) == ("amy", False)
    assert statuses == ["queued", "queued", "skipped"]


async def test_an_update_can_be_scheduled_in_hong_kong_time(amy):
    day = (utcnow().astimezone(HONG_KONG) + timedelta(days=2)).date()
    response = await amy.post(
        "/updates/send",
        {**JUPAS, "when": "later", "send_date": day.isoformat(), "send_time": "10:00"},
        allow_redirects=False,
    )
    with session_scope() as session:
        row = session.execute(select(Broadcast)).scalar_one()
    expected = datetime(day.year, day.month, day.day, 10, 0, tzinfo=HONG_KONG)
    assert row.send_at.replace(tzinfo=None) == expected.astimezone(HONG_KONG).replace(
        tzinfo=None
    ) - timedelta(hours=8)
    page = await (await amy.get(response.headers["Location"])).text()
    assert f"It goes out from {day.isoformat()} 10:00 (Hong Kong time)." in page


async def test_an_evening_time_waits_for_the_morning(amy):
    day = (utcnow().astimezone(HONG_KONG) + timedelta(days=2)).date()
    response = await amy.post(
        "/updates/send",
        {**JUPAS, "when": "later", "send_date": day.isoformat(), "send_time": "23:00"},
        allow_redirects=False,
    )
    page = await (await amy.get(response.headers["Location"])).text()
    following = (day + timedelta(days=1)).isoformat()
    assert f"It goes out from {following} 08:00 (Hong Kong time)." in page


@pytest.mark.parametrize(
    ("date", "time", "message"),
    [
        ("2020-01-01", "09:00", "That time has passed."),
        ("tomorrow", "09:00", "Please give a date and a time"),
        ("", "", "Please give a date and a time"),
    ],
)
async def test_a_bad_time_is_a_friendly_error(amy, date, time, message):
    response = await amy.post(
        "/updates/send",
        {**JUPAS, "when": "later", "send_date": date, "send_time": time},
    )
    assert response.status == 400 and message in await response.text()
    assert broadcast_count() == 0


async def test_urgent_is_offered_only_when_the_template_allows_it(amy):
    plain = await (
        await amy.get("/updates/new?template=jupas_applications_open")
    ).text()
    urgent = await (await amy.get("/updates/new?template=dse_results_day")).text()
    assert 'name="urgent"' not in plain and 'name="urgent"' in urgent
    response = await amy.post("/updates/send", {**JUPAS, "urgent": "1"})
    assert "This template cannot be sent as urgent." in await response.text()


async def test_the_list_shows_the_units_updates_with_their_counts(amy):
    mine = broadcast_for(["AAA"])
    theirs = broadcast_for(["BBB"])
    page = await (await amy.get("/updates")).text()
    assert f'href="/updates/{mine}"' in page and f'href="/updates/{theirs}"' not in page
    assert "JUPAS applications are open" in page


async def test_another_units_update_is_not_found(amy):
    theirs = broadcast_for(["BBB"])
    shared = broadcast_for(["AAA", "BBB"])
    for number in (theirs, shared):
        assert (await amy.get(f"/updates/{number}")).status == 404
        assert (await amy.post(f"/updates/{number}/cancel")).status == 404
    with session_scope() as session:
        queued = session.execute(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == "queued")
        ).scalar_one()
    assert queued == 4  # nothing was stopped: 1 for BBB alone, 3 for both units


async def test_stopping_an_update_skips_its_waiting_messages(amy):
    mine = broadcast_for(["AAA"])
    response = await amy.post(f"/updates/{mine}/cancel", allow_redirects=False)
    assert response.headers["Location"] == f"/updates/{mine}?done=cancelled&n=2"
    page = await (await amy.get(response.headers["Location"])).text()
    assert "Waiting messages that will not be sent: 2" in page
    assert 'http-equiv="refresh"' not in page and "Stop this update" not in page
    again = await amy.post(f"/updates/{mine}/cancel", allow_redirects=False)
    assert again.headers["Location"] == f"/updates/{mine}?done=too_late"


async def test_a_post_without_the_csrf_token_is_refused_and_creates_nothing(amy):
    response = await amy.client.post("/updates/send", data=JUPAS)
    assert response.status == 403
    forged = await amy.client.post("/updates/send", data={**JUPAS, "csrf": "forged"})
    assert forged.status == 403
    assert broadcast_count() == 0


async def test_admins_do_not_see_parent_updates(browser):  # noqa: F811
    await browser.sign_in("root")
    assert (await browser.get("/updates")).status == 404
    assert (await browser.post("/updates/send", JUPAS)).status == 404
    assert broadcast_count() == 0


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/updates/preview", {}),
        ("/updates/preview", {"template": "no_such_template"}),
        ("/updates/send", {"template": "../../etc/passwd"}),
        ("/updates/send", {**JUPAS, "p_open_date": "x" * 50_000}),
        ("/updates/send", {**JUPAS, "p_open_date": "{close_date}"}),
        (
            "/updates/send",
            {**JUPAS, "when": "later", "send_date": "9" * 40, "send_time": "25:99"},
        ),
        ("/updates/send", {**JUPAS, "stage_nonsense": "1", "lang_fr": "1"}),
        ("/updates/99999999999/cancel", {}),
        ("/updates/0/cancel", {}),
    ],
)
async def test_malformed_posts_never_fail_with_a_server_error(amy, path, data):
    response = await amy.post(path, data)
    assert response.status in (400, 404) or response.status < 400
    assert response.status < 500


@pytest.mark.parametrize(
    "path",
    [
        "/updates/99999999999",
        "/updates/" + "9" * 5000,
        "/updates/new?template=%00",
        "/updates/new?template=" + "x" * 3000,
    ],
)
async def test_odd_addresses_are_not_found(amy, path):
    assert (await amy.get(path)).status == 404


@pytest.mark.parametrize("lang", ["en", "yue"])
@pytest.mark.parametrize(
    "path", ["/updates", "/updates/new", "/updates/new?template=vtc_info_day"]
)
async def test_the_pages_render_in_both_languages(amy, lang, path):
    glue = "&" if "?" in path else "?"
    response = await amy.get(f"{path}{glue}lang={lang}")
    page = await response.text()
    assert response.status == 200
    assert ("家長資訊" in page) == (lang == "yue")
    assert "<script" not in page and "style=" not in page


async def test_the_report_page_renders_in_cantonese(amy):
    mine = broadcast_for(["AAA"])
    page = await (await amy.get(f"/updates/{mine}?lang=yue")).text()
    assert "發送報告" in page and "大學聯招（JUPAS）開始報名" in page
