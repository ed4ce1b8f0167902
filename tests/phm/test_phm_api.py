"""The aggregates API: the same permissions as the dashboards, suppressed rows without numbers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/phm/pcns/U00001/aggregates"


def test_a_pcns_aggregates(phm_output, client_for):
    response = client_for("pcn").get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"] == {"code": "U00001", "name": "Alpha North PCN"}
    assert body["as_of"] == "2025-01-01" and body["engine"] == "duckdb"
    rows = {r["measure"]: r for r in body["rows"]}
    assert all(r["breakdown"] == "" and r["org_code"] == "U00001" for r in body["rows"])
    assert rows["cohort_smr"]["numerator"] == 1450 and rows["cohort_smr"]["denominator"] == 38145
    assert rows["cohort_cvd_bp"] == {"level": "pcn", "org_code": "U00001", "measure": "cohort_cvd_bp", "breakdown": "",
                                     "numerator": None, "denominator": 38145, "value": None, "suppressed": True}
    assert body["measures"]["cohort_smr"] == "Cohort: structured medication review"


def test_breakdowns_measure_and_practices(phm_output, client_for):
    body = client_for("icb").get(URL + "?measure=efi_moderate_severe&breakdowns=true&practices=true").json()
    breakdowns = {(r["level"], r["org_code"], r["breakdown"]) for r in body["rows"]}
    assert ("pcn", "U00001", "imd_decile=1") in breakdowns and ("pcn", "U00001", "sex=F") in breakdowns
    assert ("practice", "A81001", "") in breakdowns
    assert {r["measure"] for r in body["rows"]} == {"efi_moderate_severe"}


@pytest.mark.parametrize("role, url, status", [
    ("practice", URL, 403), ("icb-beta", URL, 403), ("pcn", "/api/phm/pcns/U00002/aggregates", 403),
    ("admin", "/api/phm/pcns/NOPE/aggregates", 404), ("practice", "/api/phm/practices/A81001/aggregates", 200),
    ("practice", "/api/phm/practices/A81002/aggregates", 403), ("analyst", URL, 200),
])
def test_permissions(phm_output, client_for, role, url, status):
    assert client_for(role).get(url).status_code == status


def test_without_output(phm_dir, client_for):
    response = client_for("pcn").get(URL)
    assert response.status_code == 404 and "pcnhub phm run" in response.json()["detail"]


def test_needs_a_login(phm_output, client):
    assert client.get(URL).status_code == 401
