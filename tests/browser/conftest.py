"""Playwright (sync API) in Debian's headless Chromium against pytest-django's live server.

The register is the one tests/builders.py builds, created here in a transactional database
so the live server's thread sees it. Without /usr/bin/chromium the tests are skipped, except
under CI (the CI environment variable set), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.builders import PASSWORD, build_register

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from that
# thread (fixtures, the live server's shared in-memory database) are safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def register(transactional_db):
    return build_register()


#: The one Chromium of this test process (each xdist worker) while its browser tests run: launching one per
#: module cost ~2 s in each of 15 modules. Every test still gets its own context (``page``), so no cookies,
#: storage or pages are shared between tests.
_SHARED: dict = {}
HERE = Path(__file__).resolve().parent


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package for the browser tests")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped outside CI")
    if not _SHARED:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _SHARED.update(playwright=playwright,
                       chromium=playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS))
    return _SHARED["chromium"]


def _close_the_browser() -> None:
    if _SHARED:
        _SHARED.pop("chromium").close()
        _SHARED.pop("playwright").stop()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """Close the shared Chromium once the next test is not one of these (xdist hands a process its tests in
    collection order, so these run together): Playwright's sync API keeps an asyncio loop running in the test
    thread, which must not outlive the browser tests (``asyncio.run`` refuses to run inside one)."""
    if nextitem is None or HERE not in nextitem.path.parents:
        _close_the_browser()


def pytest_sessionfinish(session, exitstatus):
    _close_the_browser()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page on the live server; records every URL the page requests."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


@pytest.fixture
def sign_in(page, register):
    """``sign_in("icb")``: sign in through the login form as that role's user; returns the page."""

    def go(role: str):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(register.users[role].username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return go
