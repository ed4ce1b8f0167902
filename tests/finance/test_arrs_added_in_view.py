"""After adding an ARRS post the plan opens at its top, the banner saying what was added and the year's new
headroom, which the summary beside it shows too (not at the table of posts, with both out of view)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pcnhub.finance import plans
from pcnhub.domain.money.years import FinancialYear
from tests.finance.test_plans_arrs import URL, post_data
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

YEAR = FinancialYear(2024)
ADD = "/finance/pcn/U00001/arrs/posts/?year=2024-25"


def test_the_banner_says_what_was_added_and_the_new_headroom(client_for, register):
    client = client_for("pcn")
    response = client.post(ADD, post_data())
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year=2024-25"  # the top of the plan, not #posts
    headroom = plans.arrs_plan(register.north, YEAR, plans.population_used(register.north, YEAR)).projection.headroom
    assert headroom is not None and headroom > 0
    page = client.get(response["Location"])
    banner = re.search(r'<p class="nhsuk-notification-banner__heading">(.*?)</p>', page.content.decode(), re.DOTALL)
    assert banner, "a success banner"
    said = re.sub(r"\s+", " ", banner.group(1))
    assert "added" in said
    assert f"Headroom in 2024/25: £{headroom:,.2f} left in the ARRS sum." in said.replace("&#x27;", "'")
    # The summary at the top of the plan shows the same headroom.
    summary = re.search(r"data-headroom>(.*?)</dd>", page.content.decode(), re.DOTALL).group(1)
    assert f"£{headroom:,.2f}" in summary


def test_a_post_over_the_sum_says_how_far_over(client_for, register):
    client = client_for("pcn")
    response = client.post(ADD, post_data(fte="40", annual_cost="5000000"))
    assert response.status_code == 302
    said = text(client.get(response["Location"]))
    headroom = plans.arrs_plan(register.north, YEAR, plans.population_used(register.north, YEAR)).projection.headroom
    assert headroom < Decimal(0)
    assert f"The projected claims for 2024/25 are now £{-headroom:,.2f} over the ARRS sum." in said


def test_a_post_that_does_not_validate_shows_the_form_again(client_for):
    response = client_for("pcn").post(ADD, post_data(fte=""))
    assert response.status_code == 400 or response.status_code == 200
    assert "There is a problem" in text(response)
