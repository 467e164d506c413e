"""The social workers' dashboard in headless Chromium: sign in, the youth list, a
roadmap and its transcript, a private note, a parent update with its preview,
an HKBM self-assessment; another unit's young person is 404; a form posted
without its CSRF token is refused; no page reports an error. Screenshots of the
main pages go to .build/artifacts/screenshots/."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from dashboard import config
from dashboard.app import create_app
from pathways_kb import db
from tests.browser.conftest import screenshot, serve
from tests.cld.parent_factory import add_parent
from tests.dashboard.conftest import (
    PASSWORD,
    make_account,
    make_unit,
    make_youth,
    write_conversation,
)

QUESTION = "我想讀設計，HD 定 degree 好？"
REPLY = "高級文憑（HD）著重職業技能，一般讀兩年。"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A seeded dashboard on a free port: units AAA and BBB, their workers, a
    young person of each, parents of AAA, and a real Rasa tracker store."""
    data = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{data / 'app.db'}"
    db.migrate(url)
    db.configure(url)
    make_unit("AAA")
    make_unit("BBB")
    make_account("amy", "worker", "AAA")
    make_account("ben", "worker", "BBB")
    make_account("root", "admin", None)
    mine = make_youth("tg-amys-youth", share="AAA", language="yue")
    theirs = make_youth("tg-bens-youth", share="BBB")
    add_parent("parent-en", address="501", unit="AAA", topics=("vpet",))
    add_parent("parent-yue", address="502", unit="AAA", language="yue")
    tracker = data / "tracker.db"
    events = [
        SlotSet("language", "yue"),
        UserUttered(QUESTION, {"name": "ask_pathway", "confidence": 1.0}),
        BotUttered(REPLY),
    ]
    # Playwright's sync API owns this thread's event loop: write from another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            asyncio.run, write_conversation(tracker, mine.sender_id, events)
        ).result()
    app = create_app(config.load({"TRACKER_DB_URL": f"sqlite:///{tracker}"}))
    try:
        with serve(app) as base:
            yield {"base": base, "mine": mine.alias, "theirs": theirs.alias}
    finally:
        db.configure(None)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("header.top .who")).to_contain_text(username.title())


def test_sign_in_and_the_youth_list(page: Page, site: dict[str, str]) -> None:
    page.goto(f"{site['base']}/login")
    screenshot(page, "dashboard-login")
    sign_in(page, site["base"], "amy")
    expect(page).to_have_url(f"{site['base']}/youth")
    expect(page.locator("table")).to_contain_text(site["mine"])
    expect(page.locator("body")).not_to_contain_text(site["theirs"])
    screenshot(page, "dashboard-youth-list")


def test_a_roadmap_its_transcript_and_a_private_note(
    page: Page, site: dict[str, str]
) -> None:
    sign_in(page, site["base"], "amy")
    page.click(f"text={site['mine']}")
    expect(page).to_have_url(f"{site['base']}/youth/{site['mine']}")
    expect(page.locator("main")).to_contain_text("HKDI")
    page.fill("textarea[name=note]", "Call after the info day; parents supportive.")
    page.locator("form[action$='/notes'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Call after the info day")
    screenshot(page, "dashboard-roadmap")
    page.click(f"a[href='/youth/{site['mine']}/transcript']")
    expect(page.locator("main")).to_contain_text(QUESTION)
    expect(page.locator("main")).to_contain_text(REPLY)
    screenshot(page, "dashboard-transcript")


def test_a_parent_update_is_composed_with_a_preview(
    page: Page, site: dict[str, str]
) -> None:
    sign_in(page, site["base"], "amy")
    page.goto(f"{site['base']}/updates/new?template=vtc_info_day")
    page.fill("input[name=p_event_date]", "12/1/2027")
    page.fill("input[name=p_place]", "HKDI / 香港知專設計學院")
    page.fill("input[name=p_registration_url]", "https://www.vtc.edu.hk/")
    page.locator("button[formaction='/updates/preview']").click()
    previews = page.locator("pre.preview")
    expect(previews).to_have_count(2)
    expect(previews.nth(0)).to_contain_text("HKDI / 香港知專設計學院")
    expect(page.locator("main")).to_contain_text("家長")
    expect(page.locator("button[formaction='/updates/send']")).to_contain_text("(2)")
    expect(page.locator("input[name=p_place]")).to_have_value("HKDI / 香港知專設計學院")
    screenshot(page, "dashboard-parent-update-preview")


def test_a_benchmark_self_assessment_is_recorded(
    page: Page, site: dict[str, str]
) -> None:
    sign_in(page, site["base"], "amy")
    page.goto(f"{site['base']}/hkbm")
    form = page.locator("form[action='/hkbm/6']")
    form.locator("input[name=level][value=partly]").check()
    form.locator("textarea[name=evidence]").fill("Roadmap reviews started in S5.")
    form.locator("button[type=submit]").click()
    page.goto(f"{site['base']}/hkbm/6/history")
    expect(page.locator("main")).to_contain_text("Roadmap reviews started in S5.")
    page.goto(f"{site['base']}/hkbm")
    expect(page.locator("svg").first).to_be_visible()
    screenshot(page, "dashboard-hkbm")


def test_another_units_young_person_is_not_found(
    page: Page, page_errors: object, site: dict[str, str]
) -> None:
    page_errors.allow("404")  # type: ignore[attr-defined] - Chromium logs the status
    sign_in(page, site["base"], "ben")
    for path in ("", "/transcript", "/print"):
        response = page.goto(f"{site['base']}/youth/{site['mine']}{path}")
        assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("couldn't find that page")


def test_a_form_posted_without_its_csrf_token_is_refused(
    page: Page, site: dict[str, str]
) -> None:
    sign_in(page, site["base"], "amy")
    response = page.request.post(
        f"{site['base']}/youth/{site['mine']}/notes",
        form={"note": "forged"},
        max_redirects=0,
    )
    assert response.status == 403
    page.goto(f"{site['base']}/youth/{site['mine']}")
    expect(page.locator("main")).not_to_contain_text("forged")


def test_the_admin_page_and_the_chinese_login(page: Page, site: dict[str, str]) -> None:
    page.goto(f"{site['base']}/login?lang=yue")
    expect(page.locator("h1")).to_have_text("登入")
    screenshot(page, "dashboard-login-yue")
    sign_in(page, site["base"], "root")
    expect(page).to_have_url(f"{site['base']}/admin")
    expect(page.locator("main")).to_contain_text("AAA")
    screenshot(page, "dashboard-admin")


def test_screenshots_were_saved() -> None:
    folder = (
        Path(__file__).resolve().parents[2] / ".build" / "artifacts" / "screenshots"
    )
    assert (folder / "dashboard-youth-list.png").stat().st_size > 10_000
