"""Browser-test fixtures: the system's headless Chromium, pages that fail on errors.

Every test in this folder is marked `browser`. Without /usr/bin/chromium the tests
skip, unless `CI` is set: there a missing browser is a failure (install it with
tests/browser/install.sh). Helpers for test modules, imported from here:

- `serve(app)` runs an aiohttp app on a free loopback port, in a background thread
  (the Playwright sync API must own the test's thread);
- `screenshot(page, name)` saves a full-page PNG under .build/artifacts/screenshots.
"""

from __future__ import annotations

import asyncio
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp import web
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    sync_playwright,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / ".build" / "artifacts" / "screenshots"
# Without the background-networking flags Chromium's own connections (updates,
# sync, field trials) are refused on a machine with no internet, and it stalls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, and run them last: Playwright's
    sync API runs an event loop in the main thread while it is open, and no
    asyncio test can run beside it."""
    ours = [item for item in items if item.path.is_relative_to(HERE)]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in ours] + ours


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium for one test module (a fresh profile each time);
    closed after it, with the event loop Playwright runs meanwhile."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; run tests/browser/install.sh"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so the browser tests cannot skip)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions seen on a test's page."""

    seen: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Expect console errors containing `fragment`, e.g. the status of a 404."""
        self.allowed.append(fragment)

    def on_console(self, message: ConsoleMessage) -> None:
        """Record a console message of type "error", with where it came from."""
        if message.type == "error":
            where = message.location.get("url") or "?"
            self.seen.append(f"console: {message.text} ({where})")

    def on_page_error(self, error: Error) -> None:
        """Record an uncaught exception in the page's scripts."""
        self.seen.append(f"uncaught: {error.name}: {error.message}")

    def unexpected(self) -> list[str]:
        """What was seen and not allowed."""
        return [e for e in self.seen if not any(a in e for a in self.allowed)]


@pytest.fixture
def page_errors() -> PageErrors:
    """What the test's `page` reported; call `allow()` for errors the test expects."""
    return PageErrors()


@pytest.fixture
def page(browser: Browser, page_errors: PageErrors) -> Iterator[Page]:
    """A page in a fresh context; the test fails at teardown on any page error."""
    context: BrowserContext = browser.new_context(
        viewport={"width": 1024, "height": 768}
    )
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.on("console", page_errors.on_console)
    opened.on("pageerror", page_errors.on_page_error)
    yield opened
    context.close()  # delivers any events still on their way
    unexpected = page_errors.unexpected()
    if unexpected:
        pytest.fail(
            f"the page reported {len(unexpected)} error(s):\n" + "\n".join(unexpected)
        )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of `page` as .build/artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def serve(app: web.Application) -> Iterator[str]:
    """Serve `app` on a free 127.0.0.1 port in a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_forever, name="browser-test-server", daemon=True
    )
    thread.start()
    runner = web.AppRunner(app)

    async def start() -> str:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def stop() -> None:
        await runner.cleanup()
        await loop.shutdown_default_executor()

    try:
        url = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        try:
            yield url
        finally:
            asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
