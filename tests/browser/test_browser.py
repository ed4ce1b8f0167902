"""The pages in a real browser: sign-in, the landscape table, refusal, and how it looks (the PCN page's chart, drawn
with the local Plotly, is checked with the other charts in test_charts_browser.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NHS_BLUE = "rgb(0, 94, 184)"


def only_local_requests(page, live_server) -> None:
    outside = [url for url in page.requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not outside, f"the page loaded from outside the server: {outside}"


def test_sign_in_through_the_login_form_lands_on_home(page, register, live_server):
    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous users are sent to sign in
    page.get_by_label("Username").fill("icb-user")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Primary Care Networks register"
    assert "ICB commissioner, Alpha ICB" in page.locator(".nhsuk-header__account").inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor") == NHS_BLUE
    only_local_requests(page, live_server)


def test_wrong_password_shows_the_error_summary(page, register):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("icb-user")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "correct username and password" in summary.inner_text()


def test_landscape_shows_the_pcn_table_totals_and_band_finding(sign_in, live_server, tmp_path):
    page = sign_in("icb")
    page.get_by_role("link", name="Landscape", exact=True).first.click()
    page.wait_for_url(re.compile(r"/landscape/"))
    table = page.locator("#pcn-table")
    assert page.locator('[data-pcn-total="U00001"]').inner_text() == "38,147"
    assert page.locator('[data-pcn-total="U00002"]').inner_text() == "55,000"
    assert page.locator("[data-area-total]").inner_text() == "93,147"
    south = table.locator('tr[data-pcn="U00002"]')
    assert "Warning" in south.locator(".nhsuk-tag--orange").first.inner_text()
    assert "5,000 above the suggested upper level of 50,000" in south.inner_text()
    assert "is in no network" in page.locator(".nhsuk-error-summary").inner_text()
    # NHS.UK styling really applies: the header is NHS blue, the table has its borders and the tag is coloured.
    assert page.evaluate("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor") == NHS_BLUE
    assert page.evaluate("getComputedStyle(document.querySelector('#pcn-table td')).borderBottomStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.querySelector('.nhsuk-tag--orange')).color") != "rgb(0, 0, 0)"
    shot = tmp_path / "landscape.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"landscape screenshot: {shot}")
    only_local_requests(page, live_server)


def test_changing_the_date_and_band_in_the_landscape_form(sign_in):
    page = sign_in("icb")
    page.goto("/landscape/")
    page.get_by_label("Date").fill("2024-01-01")
    page.locator("#id_upper").fill("70000")  # the band policy form below has an upper limit too
    page.get_by_role("button", name="Show landscape").click()
    page.wait_for_url(re.compile(r"date=2024-01-01"))
    assert page.locator('[data-pcn-total="U00002"]').inner_text() == "64,500"
    assert "band 30,000-70,000" in page.locator("#pcn-table caption").inner_text()


def test_pcn_user_is_refused_another_icbs_pcn(sign_in):
    page = sign_in("pcn")
    response = page.goto("/pcn/U00003/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have access"
    assert "Beta PCN" not in page.content()


def test_sign_out_from_the_header(sign_in, live_server):
    page = sign_in("practice")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    assert "/accounts/login/" in page.url
