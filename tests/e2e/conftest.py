"""Shared browser-test fixtures: Playwright (sync API) driving Debian's Chromium against
pytest-django's ``live_server``.

Use them in any app's browser test under ``tests/e2e/``::

    @pytest.mark.e2e
    def test_something(live_server, new_page, shot, login):
        page = new_page()                      # desk size; new_page(phone=True) for 390x844
        login(page, "dispatcher", "password")
        page.goto(live_server.url + "/tickets/")
        shot(page, "ticket-list")              # test-artifacts/e2e/<test name>/01-ticket-list.png

The tests are skipped, with the reason, when /usr/bin/chromium is missing (``make e2e-deps``
installs it). Playwright's sync API runs an asyncio loop in the test's thread, so Django's
async-safety check is switched off (DJANGO_ALLOW_ASYNC_UNSAFE) while the browser is open.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for the tests of one module. Module scope: pytest tears it down before a test
    of another module runs, so Playwright's event loop never leaks into ordinary tests that
    share the worker (they would then refuse synchronous ORM calls)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (make e2e-deps)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in this thread; the tests' ORM calls are
    # plain synchronous ones, so Django's async-safety check is off while the browser lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(phone=False)``: a page in a fresh browser context (its own cookies), Chinese
    locale, desk size or phone size (390x844). Contexts are closed after the test."""
    contexts: list[Any] = []

    def make(*, phone: bool = False) -> Any:
        context = browser.new_context(
            viewport=PHONE if phone else DESK,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``shot(page, name)``: a full-page screenshot under test-artifacts/e2e/<test>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = {"n": 0}

    def take(page: Any, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(live_server: Any) -> Callable[[Any, str, str], None]:
    """``login(page, username, password)``: signs a staff user in through the login page."""

    def sign_in(page: Any, username: str, password: str) -> None:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(re.compile(r".*/$"))

    return sign_in
