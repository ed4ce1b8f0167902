"""The configuration designer in a real browser: the commissioner opens it from the menu and sees the
current configuration and the proposal drawn as two maps by the local Plotly, and the metrics table."""

from __future__ import annotations

import re

import pytest

from tests.designer.conftest import ALPHA_LOCATED, place_practices
from tests.helpers_web import only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quick_proposals(settings):
    settings.PCNHUB_DESIGN_SECONDS = 1.0


def test_commissioner_sees_two_maps_and_the_metrics(sign_in, live_server, tmp_path):
    place_practices()
    page = sign_in("icb")
    page.get_by_role("link", name="Designer", exact=True).first.click()
    page.wait_for_url(re.compile(r"/design/QAA/"))
    page.get_by_label("Date", exact=True).fill("2025-01-01")
    page.get_by_role("button", name="Show the design").click()
    page.wait_for_url(re.compile(r"date=2025-01-01"))
    assert page.get_by_role("heading", level=1).inner_text().endswith("PCN configurations of Alpha ICB")
    for side in ("current", "proposal"):
        chart = page.locator(f"[data-design-map='design-map-{side}']")
        chart.locator(".main-svg").first.wait_for(timeout=15_000)
        # a figure (its zoom toolbar is interactive: not inside role=img, axe's nested-interactive), named
        assert chart.get_attribute("role") == "figure"
        assert "listed in the table below" in chart.get_attribute("aria-label")
        # One dot per located practice, and filled network regions.
        assert chart.locator(".scatterlayer .point").count() >= len(ALPHA_LOCATED)
        assert chart.locator(".scatterlayer path.js-fill").count() >= 1
        # Network labels with a white halo over the territories.
        assert chart.locator(".scatterlayer .textpoint text").count() >= 2
    metrics = page.locator("#metrics-table")
    assert "Networks in the band" in metrics.inner_text()
    assert metrics.locator("[data-metric='networks'] [data-current]").inner_text() == "2"
    assert page.locator("#current-networks [data-network='1'] [data-total]").inner_text() == "38,147"
    assert "Island Surgery" in page.locator("#unplaced").inner_text()
    # The wide tables scroll inside a focusable, named region.
    region = page.get_by_role("region", name="Networks of the current configuration")
    region.focus()
    assert region.evaluate("e => document.activeElement === e")
    only_local_requests(page, live_server)
    shot = tmp_path / "designer.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_pcn_user_is_refused(sign_in):
    page = sign_in("pcn")
    assert page.get_by_role("link", name="Designer", exact=True).count() == 0
    response = page.goto("/design/QAA/")
    assert response.status == 403
    assert "configuration designer" in page.locator("main").inner_text()
