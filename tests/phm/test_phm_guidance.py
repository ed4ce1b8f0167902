"""What the population health pages tell their readers: whether the patients are synthetic (from the output's own
mark, never assumed), the engine only for analysts, how a worklist's pseudonymous ids lead back to the clinical
system, how a PCN or practice user without a grant asks for one, and the analyst's ICB picker grouped by region."""

from __future__ import annotations

import json
import re

import pytest

from pcnhub.phm import services
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

PCN = "/phm/pcn/U00001/"
PRACTICE = "/phm/practice/A81001/"
SMR = "/phm/pcn/U00001/cohort/smr/"


def _mark(output, synthetic):
    """Rewrite the output's summary with ``synthetic`` (None: the key left out, as before the mark)."""
    path = output / services.SUMMARY
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary.pop("synthetic", None)
    if synthetic is not None:
        summary["synthetic"] = synthetic
    path.write_text(json.dumps(summary), encoding="utf-8")


@pytest.mark.parametrize("synthetic, shown", [(True, "yes"), (False, "no"), (None, "unknown")])
def test_the_dashboard_says_whether_the_patients_are_synthetic_from_the_output(phm_output, client_for,
                                                                                synthetic, shown):
    _mark(phm_output, synthetic)
    html = client_for("pcn").get(PCN).content.decode()
    assert f'data-synthetic="{shown}"' in html
    assert ('id="synthetic-notice"' in html) is (synthetic is True)
    assert ("Synthetic: made-up patients, nobody real" in html) is (synthetic is True)


def test_the_worklist_warns_of_synthetic_patients_only_when_marked(phm_output, client_for, grant):
    grant("pcn")
    _mark(phm_output, True)
    assert 'id="synthetic-notice"' in client_for("pcn").get(SMR).content.decode()
    _mark(phm_output, False)
    assert 'id="synthetic-notice"' not in client_for("pcn").get(SMR).content.decode()


@pytest.mark.parametrize("role, shown", [("analyst", True), ("admin", False), ("icb", False)])
def test_the_engine_is_named_only_for_analysts(phm_output, client_for, role, shown):
    page = text(client_for(role).get("/phm/area/QAA/"))
    assert ("computed with DuckDB" in page) is shown
    assert "duckdb" not in page.lower() or shown


def test_a_worklist_says_how_to_find_its_patients_in_the_clinical_system(phm_output, client_for, grant):
    grant("pcn")
    _mark(phm_output, False)
    response = client_for("pcn").get(SMR)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<details class="nhsuk-details" id="find-patients" open>' in html
    page = text(response)
    assert "How to find these patients in the clinical system" in page
    assert "pseudonymous patient_id" in page and "It is not an NHS number" in page
    assert "re-identification key" in page and "Search the clinical system" in page
    assert "use the key of the extract dated 1 January 2025" in page  # the output's as_of


@pytest.mark.parametrize("role, url", [("practice", PRACTICE), ("pcn", PCN), ("pcn", PRACTICE)])
def test_a_user_without_a_grant_is_told_how_to_ask_for_one(phm_output, client_for, register, role, url):
    register.users["admin"].is_staff = True
    register.users["admin"].save()
    response = client_for(role).get(url)
    html = response.content.decode()
    assert 'id="ask-for-access"' in html
    page = text(response)
    assert f"your user name: {register.users[role].get_username()}" in page
    assert "Adam Hughes" in page  # the administrator who records grants
    assert "why you need them" in page


def test_with_a_grant_or_a_role_that_never_sees_patients_there_is_no_request_to_make(phm_output, client_for, grant):
    grant("practice")
    assert 'id="ask-for-access"' not in client_for("practice").get(PRACTICE).content.decode()
    for role in ("icb", "analyst", "admin"):
        assert 'id="ask-for-access"' not in client_for(role).get(PCN).content.decode(), role


def test_a_pcn_user_granted_one_practice_is_not_asked_on_the_pcn_page(phm_output, client_for, grant, register):
    grant("pcn", org=register.practices["A81001"])
    html = client_for("pcn").get(PCN).content.decode()
    assert 'id="ask-for-access"' not in html
    assert "/phm/practice/A81001/cohort/smr/" in html


def test_the_refusal_of_a_worklist_says_whom_to_ask(phm_output, client_for):
    response = client_for("pcn").get(SMR)
    assert response.status_code == 403
    assert "ask one for a grant" in text(response)


def test_the_analysts_icb_picker_is_grouped_by_region_and_leads_to_the_icb(phm_output, client_for):
    client = client_for("analyst")
    html = client.get("/phm/").content.decode()
    group = re.search(r'<optgroup label="Test Region">(.*?)</optgroup>', html)
    assert group, "the ICBs are grouped under their region"
    assert re.findall(r'<option value="(\w+)">([^<]*)</option>', group.group(1))[0] == ("QAA", "Alpha ICB (QAA)")
    assert '<option value="Y99"' not in html  # the region is a heading, not a choice
    response = client.get("/phm/?area=qaa")
    assert response.status_code == 302 and response["Location"] == "/phm/area/QAA/"
    # A code not on the list shows the picker again.
    assert client.get("/phm/?area=QZZ").status_code == 200
