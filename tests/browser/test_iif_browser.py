"""The IIF page of a PCN in a real browser: the PCN user (from the money page) and the ICB user see the indicators,
achievement, points, GBP and forecast, with no CSP violation and nothing loaded from elsewhere; a practice user is
refused, as the money permissions say (403)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_csp_browser import RECORD_VIOLATIONS
from tests.finance.iif_dataset import price_2022, write_measures_output
from tests.helpers_web import only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IIF = "/finance/pcn/U00001/iif/?year=2022/23"


@pytest.fixture
def measures_output(settings, tmp_path, monkeypatch):
    """The hand-made output (PC-01 of U00001: 45 referrals over 5,000 patients, April to June 2022) and a test
    catalogue pricing it (GBP 100 a point, PC-01 10 points: neither is published in the sources held)."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    price_2022(monkeypatch)
    return write_measures_output(tmp_path / "phm" / "measures")


def check_the_iif_page(page) -> None:
    row = page.locator("#iif tr[data-indicator='PC-01']")
    assert "PC-01 Social prescribing referrals" in row.locator("th").inner_text()
    assert row.locator("[data-achievement]").inner_text().startswith("0.9%")  # 45 / 5,000
    assert "45 / 5,000" in row.locator("[data-achievement]").inner_text()
    assert row.locator("[data-points]").inner_text() == "2.5 of 10"  # 10 x (0.9 - 0.8) / (1.2 - 0.8)
    assert row.locator("[data-gbp]").inner_text() == "£250.00"
    # forecast: 45 x 12 / 3 = 180 of 5,000 = 3.6%, above the upper threshold: all 10 points
    forecast = row.locator("[data-forecast]").inner_text()
    assert forecast.startswith("3.6%") and "points: 10; money: £1,000.00" in forecast
    assert page.locator("[data-iif-achieved]").inner_text() == "2.50 points, £250.00"
    assert page.locator("[data-iif-forecast]").inner_text() == "£1,000.00"
    assert page.locator("[data-iif-counted]").inner_text().startswith(
        "£250.00, computed from 1 indicator, as of 30 June 2022")
    assert "VI-01" in page.locator("#iif-not-linked").inner_text()  # the indicators not computed, and why


def test_the_pcn_user_opens_the_iif_page_from_the_money_page(measures_output, sign_in, live_server):
    page = sign_in("pcn")
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/finance/pcn/U00001/?year=2022/23")
    assert "Counted in the total: £250," in page.locator("[data-iif]").inner_text()  # whole pounds
    page.get_by_role("link", name="Indicators, achievement and forecast").click()
    page.wait_for_url(re.compile(r"/finance/pcn/U00001/iif/\?year=2022"))
    check_the_iif_page(page)
    assert page.evaluate("window.__cspViolations") == []
    only_local_requests(page, live_server)


def test_the_icb_user_sees_the_same(measures_output, sign_in, live_server):
    page = sign_in("icb")
    page.goto("/finance/pcn/U00001/iif/")  # without ?year=: the year of the measures' last month (June 2022)
    assert page.locator("h2").first.inner_text() == "2022/23 so far: computed from the measures"
    check_the_iif_page(page)
    only_local_requests(page, live_server)


def test_a_practice_user_is_refused(measures_output, sign_in):
    page = sign_in("practice")
    response = page.goto(IIF)
    assert response.status == 403
    assert "£250.00" not in page.content()
