"""The neighbourhoods of a PCN's measure in a real browser: a PCN user follows a measure's link to its
neighbourhoods, chooses another measure with the form, and sees each neighbourhood's value with suppressed cells
as text, with no CSP violation and no request leaving the site."""

from __future__ import annotations

import re

import pytest

from pcnhub.phm.services import SUPPRESSED
from tests.browser.test_csp_browser import RECORD_VIOLATIONS
from tests.helpers_web import only_local_requests
from tests.measures.fixtures import write_measures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measures_output(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures(tmp_path / "phm" / "measures")


def test_a_pcn_user_reads_a_measure_in_each_neighbourhood(measures_output, register, sign_in, live_server):
    page = sign_in("pcn")
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/measures/pcn/U00001/")
    page.locator("section#emergency_admissions").get_by_test_id("neighbourhoods-link").click()
    page.wait_for_url(re.compile(r"/measures/pcn/U00001/\?measure=emergency_admissions#neighbourhoods$"))
    table = page.locator("#neighbourhoods-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 3
    row = table.locator('tr[data-neighbourhood="E01000001"]')
    assert row.locator('[data-field="value"]').inner_text() == "0.8 per 1,000"
    assert table.locator('tr[data-neighbourhood="E01000002"] [data-field="value"]').inner_text() == SUPPRESSED
    page.select_option("#neighbourhood-measure", "smr_done_for_cohort")
    page.locator("#neighbourhoods form button").click()
    page.wait_for_url(re.compile(r"measure=smr_done_for_cohort#neighbourhoods$"))
    assert page.locator("#neighbourhoods h2").inner_text() == \
        "Neighbourhoods: People who would benefit from a structured medication review who had one in the last 12 months"
    # its one neighbourhood suppressed: said in a sentence, no table of suppressed cells
    assert page.locator("#neighbourhoods-table").count() == 0
    assert "fewer than 7" in page.locator('[data-testid="neighbourhoods-all-suppressed"]').inner_text()
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []
    only_local_requests(page, live_server)
