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


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package for the browser tests")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped outside CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
