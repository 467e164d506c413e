"""The printable roadmap page in Chromium, served by the gateway's real route.

One English and one Cantonese roadmap live in a SQLite app database; the page is
fetched through `GET /roadmaps/{token}` (bot/roadmap_pages.py) on a loopback port.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Iterator

import pytest
from aiohttp import web
from playwright.sync_api import Page

from bot import roadmap_pages
from cld import links
from cld.config import LinkSettings
from locales import render
from locales.roadmap_text import section_titles
from pathways_kb import db, loader
from pathways_kb.db import session_scope
from tests.browser.conftest import screenshot, serve
from tests.cld.test_roadmap_page import CONTENT, complete, start

SETTINGS = LinkSettings(
    public_url="http://127.0.0.1", key=b"browser-test-link-key", valid_days=30
)
CANTONESE = {
    **CONTENT,
    "interests": "畫畫、打機",
    "strengths": "有耐性",
    "values": "幫到人",
    "short_goal": "去 HKDI 資訊日",
    "long_goal": "做遊戲美術設計師",
    "milestones": [
        {"text": "報讀 HKDI", "month": "2027-01"},
        {"text": "準備作品集", "month": "2027-03"},
        {"text": "面試", "month": "2027-05"},
    ],
    "support": "陳姑娘同美術老師",
}
A4 = (595.28, 841.89)  # points

# Proves Chinese glyphs really render, not tofu. Widths prove nothing: Noto's
# .notdef box is as wide as a Han character. Instead each distinct Han character
# of the page is drawn on a canvas in the page's own font and its pixels are
# compared with those of U+10FFFD, a private-use code point no font has, which
# Chromium can only draw as a .notdef glyph. A character drawn identically (or as
# nothing at all) has no glyph in any font. The control (U+10FFFE, also in no
# font) shows that the comparison does catch a missing glyph.
MISSING_GLYPHS = r"""
() => {
  const size = 32;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 2 * size;
  const ctx = canvas.getContext("2d");
  ctx.font = `${size}px ${getComputedStyle(document.body).fontFamily}`;
  const draw = (text) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillText(text, size / 2, size * 1.5);
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data.join();
  };
  const tofu = draw("\u{10FFFD}");
  const blank = draw(" ");
  const han = [...new Set(document.body.innerText.match(/\p{Script=Han}/gu))];
  return {
    checked: han.length,
    missing: han.filter((c) => [tofu, blank].includes(draw(c))),
    control: draw("\u{10FFFE}") === tofu,
  };
}
"""
PRINT_STYLE = """
() => {
  const style = (element) => getComputedStyle(element);
  const link = document.querySelector("section a");
  return {
    bodyMaxWidth: style(document.body).maxWidth,
    bodyMargin: style(document.body).margin,
    linkColourIsTheText: style(link).color === style(link.parentElement).color,
    hidden: [...document.querySelectorAll("h1, .version, section, footer")]
      .filter((element) => !element.checkVisibility())
      .map((element) => element.outerHTML.slice(0, 40)),
  };
}
"""


@dataclass(frozen=True)
class Site:
    """The roadmap route on a loopback port, and the two roadmaps it serves."""

    url: str
    profiles: dict[str, int]  # language -> the profile whose roadmap is in it

    def roadmap(self, lang: str, *, token: str | None = None) -> str:
        """The page of the roadmap written in `lang`, or of whatever `token` names."""
        token = token or links.make_token(SETTINGS, profile_id=self.profiles[lang])
        return f"{self.url}/roadmaps/{token}?lang={lang}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Both roadmaps in a fresh SQLite app database, served by the real route."""
    url = f"sqlite:///{tmp_path_factory.mktemp('roadmap-page') / 'app.db'}"
    db.migrate(url)
    db.configure(url)
    try:
        with session_scope() as session:
            loader.load(session)
        profiles = {"en": start("tg-en"), "yue": start("tg-yue")}
        complete(profiles["en"], CONTENT)
        complete(profiles["yue"], CANTONESE)
        app = web.Application()
        roadmap_pages.add_routes(app, SETTINGS)
        with serve(app) as base_url:
            yield Site(url=base_url, profiles=profiles)
    finally:
        db.configure(None)


def open_roadmap(page: Page, site: Site, lang: str) -> int:
    """Load `lang`'s roadmap page; returns the HTTP status."""
    response = page.goto(site.roadmap(lang))
    assert response is not None
    return response.status


def texts(page: Page, selector: str) -> list[str]:
    """The rendered text of each element matching `selector`."""
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_loads_without_errors(page, site, lang):
    status = open_roadmap(page, site, lang)
    screenshot(page, f"roadmap-{lang}")
    assert status == 200


def test_english_page_shows_its_title(page, site):
    open_roadmap(page, site, "en")
    assert (page.title(), texts(page, "h1")) == (
        "My career roadmap",
        ["My career roadmap"],
    )


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_shows_every_section_heading_in_order(page, site, lang):
    open_roadmap(page, site, lang)
    assert texts(page, "section h2") == list(section_titles(lang).values())


def test_english_page_shows_every_milestone_as_written(page, site):
    open_roadmap(page, site, "en")
    assert texts(page, "section ol li") == [
        "<b>apply</b> to HKDI (Jan 2027)",
        "portfolio (Mar 2027)",
        "interview (May 2027)",
    ]


def test_markup_in_answers_stays_text(page, site):
    open_roadmap(page, site, "en")
    assert page.locator("script, b").count() == 0


def test_cantonese_page_declares_hong_kong_chinese(page, site):
    open_roadmap(page, site, "yue")
    assert page.evaluate("document.documentElement.lang") == "zh-HK"


def test_cantonese_page_shows_its_chinese_text(page, site):
    open_roadmap(page, site, "yue")
    shown = page.evaluate("document.body.innerText")
    wanted = [
        "我嘅生涯規劃",
        "中六",
        "畫畫、打機",
        "做遊戲美術設計師",
        "報讀 HKDI（2027年1月）",
        "準備作品集（2027年3月）",
        "陳姑娘同美術老師",
        render("roadmap_page_footer", "yue").text,
    ]
    assert [text for text in wanted if text not in shown] == []


def test_cantonese_page_renders_with_the_noto_cjk_font(page, site):
    open_roadmap(page, site, "yue")
    # Chromium's own account of the fonts that drew the page's text: system
    # fallback could pick any font, this names the one actually used.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    body = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "body"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": body["nodeId"]})
    assert {font["familyName"] for font in fonts["fonts"]} == {"Noto Sans CJK TC"}


def test_no_chinese_character_is_drawn_as_tofu(page, site):
    open_roadmap(page, site, "yue")
    found = page.evaluate(MISSING_GLYPHS)
    assert (found["checked"] > 30, found["missing"], found["control"]) == (
        True,
        [],
        True,
    )


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height in points of each page object of a PDF."""
    pages = re.findall(
        rb"/Type\s*/Page(?![A-Za-z]).*?/MediaBox\s*\[([^\]]*)\]", pdf, re.S
    )
    return [(float(box.split()[2]), float(box.split()[3])) for box in pages]


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_prints_to_a4_pdf_pages(page, site, lang):
    open_roadmap(page, site, lang)
    pdf = page.pdf(format="A4")
    sizes = pdf_page_sizes(pdf)
    assert (
        pdf.startswith(b"%PDF-"),
        pdf.rstrip().endswith(b"%%EOF"),
        len(sizes) >= 1,
        all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in sizes),
    ) == (True, True, True, True)


def test_cantonese_pdf_embeds_the_cjk_font(page, site):
    open_roadmap(page, site, "yue")
    assert b"NotoSansCJK" in page.pdf(format="A4")


def test_print_stylesheet_uses_the_full_width_and_hides_nothing(page, site):
    open_roadmap(page, site, "en")
    # The print rules drop the screen margins and width cap and print links in the
    # text colour; they hide nothing, so every part of the roadmap must stay.
    page.emulate_media(media="print")
    assert page.evaluate(PRINT_STYLE) == {
        "bodyMaxWidth": "none",
        "bodyMargin": "0px",
        "linkColourIsTheText": True,
        "hidden": [],
    }


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_page_fits_a_phone_screen(page, site, lang):
    page.set_viewport_size({"width": 360, "height": 740})
    open_roadmap(page, site, lang)
    assert page.evaluate("document.documentElement.scrollWidth") == 360


def expired(site: Site) -> str:
    """A correctly signed link to the English roadmap that expired a day ago."""
    return links.make_token(
        SETTINGS, profile_id=site.profiles["en"], now=time.time() - 31 * 86400
    )


def tampered(site: Site) -> str:
    """The English roadmap's signature on the Cantonese roadmap's id."""
    signed = links.make_token(SETTINGS, profile_id=site.profiles["en"])
    return f"{site.profiles['yue']}.{signed.split('.', 1)[1]}"


@pytest.mark.parametrize("make", [expired, tampered])
@pytest.mark.parametrize(("lang", "tag"), [("en", "en"), ("yue", "zh-HK")])
def test_a_bad_link_shows_the_friendly_page_in_the_language(
    page, page_errors, site, make, lang, tag
):
    page_errors.allow("the server responded with a status of 404")
    response = page.goto(site.roadmap(lang, token=make(site)))
    assert (
        response.status,
        page.evaluate("document.documentElement.lang"),
        page.inner_text("body").strip(),
    ) == (404, tag, render("roadmap_page_not_found", lang).text)
