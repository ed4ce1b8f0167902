"""The plan editors in a real browser: a PCN user adds an ARRS post and an access session and sees the
projection, its chart and the planned minutes change, with nothing loaded from outside the server."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from pcnhub.domain.money import arrs
from pcnhub.domain.money.entitlements import arrs_sum
from pcnhub.reference.rates import year_rates
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.arrs_roles import load_catalogue
from tests.helpers_web import only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Alpha North in 2024/25 (tests/builders.py): 25,500 registered patients on 1 January 2024, weighted x 1.05.
REGISTERED, WEIGHTED = 25_500, 26_775


def add_post(page, role: str, fte: str, start: str, cost: str, label: str = "") -> None:
    """Fill in and send the form that adds a post to the ARRS plan."""
    page.locator("#add-post summary").click()
    page.get_by_label("Role", exact=True).select_option(role)
    if label:
        page.get_by_label("Post title or holder (optional)").fill(label)
    page.get_by_label("Whole-time equivalent (WTE)").fill(fte)
    page.get_by_label("Start date").fill(start)
    page.get_by_label("Annual cost in pounds").fill(cost)
    page.get_by_role("button", name="Add post").click()


def add_session(page, day: str, start: str, end: str, site: str, staff_type: str) -> None:
    """Fill in and send the form that adds a session to the access plan."""
    page.locator("#add-session summary").click()
    page.get_by_label("Day").select_option(day)
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    page.get_by_label("Site").fill(site)
    page.get_by_label("Staff type").fill(staff_type)
    page.get_by_role("button", name="Add session").click()


def test_adding_a_post_updates_the_projection_and_its_chart(sign_in, live_server):
    page = sign_in("pcn")
    page.goto("/finance/pcn/U00001/arrs/?year=2024-25")
    assert page.locator("[data-projected-total]").inner_text() == "£0.00"
    assert page.locator("#arrs-projection-data-chart").count() == 0  # nothing to chart yet

    add_post(page, "clinical_pharmacist", "0.8", "2024-07-01", "48000", label="North pharmacist")
    # back at the top of the plan, the confirmation and the new headroom in view (no #posts anchor)
    page.wait_for_url(re.compile(r"/finance/pcn/U00001/arrs/\?year=2024-25$"))

    year = FinancialYear(2024)
    post = arrs.Post("clinical_pharmacist", Decimal("0.8"), dt.date(2024, 7, 1), None, Decimal(48000))
    expected = arrs.project(year, [post], arrs_sum(year_rates(year), WEIGHTED), load_catalogue(), REGISTERED)
    assert "North pharmacist (Clinical pharmacist), 0.8 WTE from 1 July 2024, added" in (
        page.locator(".nhsuk-notification-banner--success").inner_text())
    assert page.locator("[data-projected-total]").inner_text() == f"£{expected.claims:,.2f}"
    assert page.locator("#posts [data-claims]").inner_text() == f"£{expected.claims:,.2f}"
    months = page.locator("#monthly tbody [data-projected]").all_inner_texts()
    assert months == [f"£{m.claims:,.2f}" for m in expected.monthly]
    assert months[0] == "£0.00" and months[3] != "£0.00"

    chart = page.locator("#arrs-projection-data-chart")
    chart.locator(".main-svg").first.wait_for()
    assert chart.get_attribute("role") == "img"
    bars = page.evaluate("document.getElementById('arrs-projection-data-chart').data.map(t => t.name)")
    assert bars == ["Clinical pharmacist", "ARRS sum spread evenly"]
    assert page.locator("#arrs-headcount-data-chart .main-svg").count() >= 1
    only_local_requests(page, live_server)


def test_an_invalid_post_shows_the_error_summary(sign_in):
    page = sign_in("pcn")
    page.goto("/finance/pcn/U00001/arrs/?year=2024-25")
    add_post(page, "social_prescribing_link_worker", "0", "2024-04-01", "30000")
    summary = page.locator(".nhsuk-error-summary")
    assert "The whole-time equivalent must be more than 0" in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_post-fte"
    assert page.locator("[data-projected-total]").inner_text() == "£0.00"


def test_adding_a_session_changes_the_planned_minutes(sign_in, live_server):
    page = sign_in("pcn")
    page.goto("/finance/pcn/U00001/access/?date=2024-06-01")
    assert page.locator("[data-required]").inner_text() == "1,530 minutes (25 h 30 min)"
    assert page.locator("[data-planned-total]").inner_text() == "0"

    add_session(page, "Saturday", "09:00", "13:00", "Hollies Surgery", "Practice nurse")
    page.wait_for_url(re.compile(r"/access/\?date=2024-06-01#sessions$"))

    assert page.locator("[data-planned-total]").inner_text() == "240"
    assert "240 minutes (4 h 00 min) that count" in page.locator("[data-planned]").inner_text()
    assert "1,290 minutes (21 h 30 min)" in page.locator("[data-shortfall]").inner_text()
    page.locator("#access-timetable-data-chart .main-svg").first.wait_for()

    # A 20-minute session is kept but does not count: an error finding says why.
    add_session(page, "Monday", "18:30", "18:50", "Hollies Surgery", "GP")
    page.wait_for_url(re.compile(r"#sessions$"))
    assert page.locator("[data-planned-total]").inner_text() == "240"
    assert "blocks of at least 30 minutes" in page.locator('#errors [data-rule="block-length"]').inner_text()
    only_local_requests(page, live_server)
