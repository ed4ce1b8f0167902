"""Network money pages in a real browser: the PCN page with its chart and sources, the ICB overview
sorted by a click, and a commissioner's rate override changing what the PCN sees."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pcnhub.domain.money.rounding import whole
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services
from pcnhub.register.models import Organisation
from tests.helpers_web import only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = FinancialYear(2023)


def money(entitlement, key: str) -> str:
    """A line's amount as the page shows it: whole pounds that add up to the rounded total."""
    return f"£{whole(entitlement).lines[key]:,}"


def test_pcn_money_page_shows_amounts_chart_and_sources(sign_in, live_server):
    page = sign_in("pcn")
    expected = services.pcn_entitlement(Organisation.objects.get(code="U00001"), YEAR).entitlement
    page.get_by_role("link", name="Money", exact=True).first.click()
    page.wait_for_url(re.compile(r"/finance/pcn/U00001/"))
    page.get_by_label("Financial year").first.select_option(YEAR.label)
    page.get_by_role("button", name="Show this year").click()
    page.wait_for_url(re.compile(r"year=2023"))
    core = page.locator('[data-amount="core"]')
    assert core.inner_text() == money(expected, "core")
    assert expected.line("core").amount == Decimal("1.50") * expected.population.registered
    # The source is on hover (title) and in the Sources section.
    assert expected.line("core").payment.source in core.get_attribute("title")  # the catalogue's, whatever it cites
    # The chart of all seven years is drawn by the local Plotly.
    page.wait_for_selector("[data-money-chart='money-by-year-data'] .main-svg", timeout=10_000)
    assert page.locator("[data-money-chart='money-by-year-data'] .legendtext").count() >= 5
    only_local_requests(page, live_server)


def test_icb_overview_sorts_by_total_when_the_header_is_clicked(sign_in):
    page = sign_in("icb")
    page.goto(f"/finance/area/QAA/?year={YEAR.slug}")
    rows = page.locator("#pcn-table tbody tr[data-pcn]")
    assert rows.count() >= 2
    page.locator("#pcn-table thead").get_by_role("link", name="Total").click()
    page.wait_for_url(re.compile(r"sort="))
    totals = [float(re.sub(r"[£,]", "", t)) for t in page.locator("#pcn-table tbody [data-pcn-total]").all_inner_texts()]
    assert totals == sorted(totals) or totals == sorted(totals, reverse=True)
    assert len(totals) == rows.count()


def test_an_icb_override_is_shown_to_the_pcn_with_who_made_it(sign_in, page, register):
    sign_in("icb")
    page.goto(f"/finance/area/QAA/overrides/?year={YEAR.slug}")
    page.get_by_label("Payment").select_option("casp")
    page.get_by_label("Rate in pounds").fill("3.00")
    page.get_by_label("Reason").fill("Local agreement for the browser test")
    page.get_by_role("button", name="Save override").click()
    page.wait_for_load_state()
    assert "Local agreement for the browser test" in page.locator("#history").inner_text()
    page.goto(f"/finance/pcn/U00001/?year={YEAR.slug}")
    expected = services.pcn_entitlement(Organisation.objects.get(code="U00001"), YEAR).entitlement
    assert expected.line("casp").rate == Decimal("3.00")
    assert page.locator('[data-amount="casp"]').inner_text() == money(expected, "casp")
    user = register.users["icb"]
    assert f"ICB override by {user.get_full_name() or user.username}" in page.locator('[data-override="casp"]').inner_text()
