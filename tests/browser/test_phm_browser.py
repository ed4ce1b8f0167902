"""The population health pages in a real browser: a PCN user holding a grant opens the dashboard (every
chart drawn by the locally served Plotly), opens a cohort worklist, and the view is in the audit log.
Nothing is loaded from outside the server."""

from __future__ import annotations

import re

import pytest

from pcnhub.phm.models import AuditAction, AuditEvent, PatientDataGrant
from tests.helpers_web import only_local_requests
from tests.phm.fixtures import NORTH_SMR, write_output

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("phm-segments-data", "phm-pyramid-data", "phm-risk-data", "phm-funnel-data", "phm-imd-data",
          "phm-ethnicity-data")


@pytest.fixture
def phm_output(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_output(tmp_path / "phm" / "output")


def test_a_pcn_user_with_a_grant_opens_the_dashboard_and_a_worklist(phm_output, register, sign_in, live_server):
    PatientDataGrant.objects.create(user=register.users["pcn"], organisation=register.north,
                                    granted_by=register.users["admin"], reason="Care coordinator")
    page = sign_in("pcn")
    page.get_by_role("link", name="Population", exact=True).first.click()
    page.wait_for_url(re.compile(r"/phm/pcn/U00001/$"))
    for chart in CHARTS:
        page.wait_for_selector(f"[data-phm-chart='{chart}'] .main-svg", timeout=10_000)
    # The pyramid has men to the left of the axis and women to the right; the funnel labels the outlier.
    assert "Dr Khan & Partners (high)" in page.locator("[data-phm-chart='phm-funnel-data']").inner_text()
    assert page.locator('#cohorts-table tr[data-cohort="cvd_bp"] [data-field="count"]').inner_text() == \
        "suppressed (fewer than 7)"
    assert not AuditEvent.objects.patient_data().exists()  # signing in is recorded, but no patients yet

    page.locator("#cohorts-table").get_by_role("link", name="Structured medication review").click()
    page.wait_for_url(re.compile(r"/phm/pcn/U00001/cohort/smr/$"))
    assert page.locator("#worklist tbody tr").count() == 50
    assert f"of {NORTH_SMR}" in page.locator("#worklist-count").inner_text()
    event = AuditEvent.objects.patient_data().get()
    assert (event.username, event.action, event.cohort, event.patients) == ("pcn-user", AuditAction.VIEW, "smr", 50)
    assert "Chrome" in event.user_agent and event.ip == "127.0.0.1"

    # Sorting by age is another view, recorded too.
    page.locator('#worklist th[data-column="age"] a').click()
    page.wait_for_url(re.compile(r"sort=age"))
    assert AuditEvent.objects.patient_data().count() == 2
    only_local_requests(page, live_server)


def test_without_a_grant_the_cohorts_have_no_links(phm_output, register, sign_in, live_server):
    page = sign_in("pcn")
    page.goto("/phm/pcn/U00001/")
    page.wait_for_selector("[data-phm-chart='phm-risk-data'] .main-svg", timeout=10_000)
    assert page.locator("#cohorts-table a").count() == 0
    response = page.goto("/phm/pcn/U00001/cohort/smr/")
    assert response.status == 403
    assert list(AuditEvent.objects.patient_data().values_list("action", flat=True)) == [AuditAction.REFUSED]
    only_local_requests(page, live_server)
