"""The measures pages in a real browser: a PCN user opens the PCN measures page from the PCN page, every deciles
chart and the funnel plot are drawn by the locally served Plotly, with no CSP violation."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_csp_browser import RECORD_VIOLATIONS
from tests.helpers_web import only_local_requests
from tests.measures.fixtures import MEASURES, write_measures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measures_output(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures(tmp_path / "phm" / "measures")


def test_the_pcn_measures_page_draws_its_charts(measures_output, register, sign_in, live_server):
    page = sign_in("pcn")
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/pcn/U00001/")
    page.get_by_test_id("measures-link").click()
    page.wait_for_url(re.compile(r"/measures/pcn/U00001/$"))
    for measure in MEASURES:
        page.wait_for_selector(f"[data-measures-chart='measures-deciles-{measure}'] .main-svg", timeout=10_000)
    page.wait_for_selector("[data-measures-chart='measures-funnel-data'] .main-svg", timeout=10_000)
    # ten deciles and the PCN's line
    assert page.locator("[data-measures-chart='measures-deciles-emergency_admissions'] .scatterlayer .trace").count() == 10
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []
    only_local_requests(page, live_server)
