"""Bad input in every dashboard form: a refused value re-shows the form with a
friendly alert and what was typed (escaped), stores nothing, and never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from markupsafe import escape

from dashboard import i18n
from tests.badinput.conftest import grown, stored
from tests.badinput.forms import (
    DASHBOARD_VALUES,
    FORM_CASES,
    FORM_LIMIT,
    SEARCHES,
    Form,
    Value,
    form_size,
)
from tests.cld.parent_factory import add_parent
from tests.dashboard.conftest import make_youth, token_in

# Audit events record views and refusals (a failed sign-in, a page shown again):
# they are the log of what happened, not what a form stores.
NOT_CONTENT = {"audit_event"}
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


def content_grown(before: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in grown(before).items() if k not in NOT_CONTENT}


def assert_safe(page: str) -> None:
    """No typed markup comes back as markup."""
    assert not any(raw in page for raw in RAW_MARKUP)


@pytest.fixture
async def browser(dashboard):
    """`await browser(form)`: a browser signed in as the form's user, and the
    form's path for a young person (with a roadmap) of amy's unit."""
    youth = make_youth("y1")
    add_parent("p1", address="1", unit="AAA")

    async def open_for(form: Form):
        path = form.path.format(alias=youth.alias)
        if form.user is not None:
            return await dashboard(form.user), path
        signed = await dashboard("amy")  # any browser; sign it out for the login page
        await signed.post("/logout", allow_redirects=False)
        return signed, path

    return open_for


async def post_form(signed, path: str, data: dict[str, str]):
    if path == "/login":
        page = await (await signed.client.get("/login")).text()
        return await signed.client.post(
            path, data={"csrf": token_in(page), **data}, allow_redirects=False
        )
    return await signed.post(path, data, allow_redirects=False)


@pytest.mark.parametrize(
    ("form", "value"), FORM_CASES, ids=[f"{f.id}-{v.param_id}" for f, v in FORM_CASES]
)
async def test_a_form_refuses_kindly_or_stores_safely(
    browser, form: Form, value: Value
):
    signed, path = await browser(form)
    before = stored()
    response = await post_form(signed, path, form.data(value.text))
    page = await response.text()
    assert_safe(page)
    lang = "en"
    if form_size(form, value.text) > FORM_LIMIT:
        assert response.status == 413
        assert i18n.translate(lang, "error_too_large") in page
        assert content_grown(before) == {}
    elif form.accepts(value.text):
        assert response.status == form.accepted, page
        grew = content_grown(before)
        if form.table is not None:
            assert grew.get(form.table, 0) >= 1
        else:
            assert grew == {}
        if form.shows is not None:
            shown = await signed.text(form.shows.format(alias=path.split("/")[2]))
            assert_safe(shown)
            kept = value.text[: form.keeps].strip().replace("\r\n", "\n")
            assert str(escape(kept)) in shown
    else:
        assert response.status == form.refused, page
        assert 'class="alert"' in page
        assert str(escape(value.text[: form.keeps])) in page
        assert content_grown(before) == {}


@pytest.mark.parametrize("value", DASHBOARD_VALUES, ids=lambda v: v.param_id)
async def test_a_refused_note_is_explained_in_cantonese(dashboard, value: Value):
    youth = make_youth("y1")
    sam = await dashboard("sam")  # a supervisor who reads Cantonese
    bad = value.text if not value.text.strip() else value.text + "\x00"
    response = await sam.post(f"/youth/{youth.alias}/notes", {"note": bad})
    page = await response.text()
    expected = "error_too_large" if len(bad) > 50_000 else None
    if expected:
        assert (response.status, i18n.translate("yue", expected) in page) == (413, True)
    else:
        assert response.status == 400
        assert 'class="alert"' in page and 'lang="zh-Hant-HK"' in page


@pytest.mark.parametrize(("prefix", "user"), SEARCHES, ids=[p for p, _ in SEARCHES])
@pytest.mark.parametrize("value", DASHBOARD_VALUES, ids=lambda v: v.param_id)
async def test_a_search_or_filter_never_fails(dashboard, prefix, user, value: Value):
    signed = await dashboard(user)
    url = prefix + quote(value.text)
    response = await signed.get(url)
    page = await response.text()
    assert_safe(page)
    if len(url) > 8_000:  # longer than the HTTP request line may be
        assert response.status in (400, 414)
    else:
        assert response.status == 200, page


POST_PATHS = sorted({f.path for f, _ in FORM_CASES} | {"/logout", "/updates/1/cancel"})


@pytest.mark.parametrize("csrf", ["", "wrong", "\x00", "<script>"], ids=repr)
@pytest.mark.parametrize("path", POST_PATHS)
async def test_a_post_without_the_right_csrf_token_is_refused(
    browser, path: str, csrf: str
):
    form = next((f for f, _ in FORM_CASES if f.path == path), None)
    amys = next(f for f, _ in FORM_CASES if f.user == "amy")
    signed, resolved = await browser(form or amys)
    resolved = resolved if form else path
    before = stored()
    data = {**(form.data("ok") if form else {}), "csrf": csrf}
    response = await signed.client.post(resolved, data=data, allow_redirects=False)
    page = await response.text()
    assert response.status == 403
    assert i18n.translate("en", "error_csrf") in page
    assert content_grown(before) == {}


@pytest.mark.parametrize(
    "username",
    ["nobody", "a" * 5_000, "%00", "%3Cscript%3E", "..%2F..%2Fadmin", "%F0%9F%98%80"],
)
async def test_closing_an_odd_account_name_is_a_friendly_404(dashboard, username):
    root = await dashboard("root")
    before = stored()
    response = await root.post(
        f"/admin/accounts/{username}/deactivate", {}, allow_redirects=False
    )
    assert_safe(await response.text())
    assert response.status == 404
    assert content_grown(before) == {}


@pytest.mark.parametrize(
    "alias", ["Y-00000000", "%00", "Y-%00", "%3Cscript%3E", "a" * 5_000, "%F0%9F%98%80"]
)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/transcript"), ("GET", "/print"), ("POST", "/notes")],
)
async def test_an_odd_alias_is_a_friendly_404(dashboard, alias, method, suffix):
    amy = await dashboard("amy")
    before = stored()
    path = f"/youth/{alias}{suffix}"
    if method == "GET":
        response = await amy.get(path)
    else:
        response = await amy.post(path, {"note": "hello"}, allow_redirects=False)
    assert_safe(await response.text())
    assert response.status == 404
    assert content_grown(before) == {}
