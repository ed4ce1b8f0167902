"""The measures API (/api/measures/) on the hand-made output of tests/measures/fixtures.py: definitions, an
organisation's monthly values as in the Parquet output (suppressed rows without numbers), deciles, refusals."""

from __future__ import annotations

import pytest

from tests.measures.fixtures import MEASURES, decile_rows, rows

pytestmark = pytest.mark.django_db


def test_the_list_gives_the_definitions_computed(measures_output, client_for):
    body = client_for("pcn").get("/api/measures/").json()
    assert [m["id"] for m in body["measures"]] == list(MEASURES)
    assert body["last_month"] == "2025-01-01" and body["first_month"] == "2024-01-01"
    assert body["measures"][0]["direction"] == "lower" and body["measures"][0]["unit"] == "per_1000"
    assert "qrisk3_10plus_without_statin" in body["skipped"]


def test_an_organisations_values_are_the_parquet_rows(measures_output, client_for):
    body = client_for("pcn").get("/api/measures/organisations/U00001/values?measure=emergency_admissions").json()
    assert body["organisation"] == {"code": "U00001", "name": "Alpha North PCN", "level": "pcn"}
    expected = sorted((r for r in rows() if (r["measure"], r["org_code"]) == ("emergency_admissions", "U00001")),
                      key=lambda r: r["month"])
    assert [(r["month"], r["value"], r["percentile"], r["change_12m"]) for r in body["rows"]] == \
        [(r["month"].isoformat(), pytest.approx(r["value"]), r["percentile"], r["change_12m"]) for r in expected]
    everything = client_for("pcn").get("/api/measures/organisations/U00001/values").json()
    suppressed = next(r for r in everything["rows"] if r["measure"] == "smr_done_for_cohort")
    assert suppressed["suppressed"] is True
    assert [suppressed[k] for k in ("numerator", "denominator", "value", "lower95", "upper998")] == [None] * 5


@pytest.mark.parametrize("role, code, status", [
    ("pcn", "A81003", 200), ("pcn", "U00002", 403), ("pcn", "QAA", 403), ("pcn", "NOPE1", 404),
    ("practice", "A81001", 200), ("practice", "U00001", 403), ("icb", "QAA", 200), ("icb", "01A", 200),
    ("icb", "QBB", 403), ("icb-beta", "01A", 403), ("analyst", "QBB", 200), ("pcn", "ENG", 200),
    ("pcn", "RAA", 404),  # a partner organisation has no measures
])
def test_who_may_read_which_values(measures_output, client_for, role, code, status):
    assert client_for(role).get(f"/api/measures/organisations/{code}/values").status_code == status


def test_englands_values(measures_output, client_for):
    body = client_for("practice").get("/api/measures/organisations/ENG/values?measure=smr_done_for_cohort").json()
    assert body["organisation"]["level"] == "england"
    assert [r["value"] for r in body["rows"]] == [pytest.approx(30 / 90 * 100)]


def test_deciles(measures_output, client_for):
    body = client_for("pcn").get("/api/measures/deciles?measure=smr_done_for_cohort").json()
    expected = [r for r in decile_rows() if r["measure"] == "smr_done_for_cohort"]
    assert [(r["month"], r["percentile"], r["value"]) for r in body["rows"]] == \
        [(r["month"].isoformat(), r["percentile"], pytest.approx(r["value"])) for r in expected]
    assert list(body["measures"]) == ["smr_done_for_cohort"]


def test_an_unknown_measure_is_422_and_no_output_is_404(phm_dir, client_for):
    client = client_for("analyst")
    assert client.get("/api/measures/deciles?measure=nope").status_code == 422
    for url in ("/api/measures/", "/api/measures/deciles", "/api/measures/organisations/U00001/values"):
        response = client.get(url)
        assert response.status_code == 404 and "pcnhub measures run" in response.json()["detail"]


def test_a_pcns_neighbourhoods_are_the_parquet_rows(measures_output, client_for):
    from tests.measures.fixtures import neighbourhood_rows

    body = client_for("pcn").get("/api/measures/pcns/U00001/neighbourhoods?measure=emergency_admissions").json()
    assert body["organisation"] == {"code": "U00001", "name": "Alpha North PCN", "level": "pcn"}
    expected = sorted((r for r in neighbourhood_rows() if (r["measure"], r["org_code"]) == ("emergency_admissions",
                                                                                            "U00001")),
                      key=lambda r: (r["month"], r["neighbourhood"] or "~"))
    assert [(r["month"], r["neighbourhood"], r["value"], r["suppressed"]) for r in body["rows"]] == \
        [(r["month"].isoformat(), r["neighbourhood"], pytest.approx(r["value"]) if r["value"] is not None else None,
          r["suppressed"]) for r in expected]
    suppressed = next(r for r in body["rows"] if r["neighbourhood"] == "E01000002")
    assert [suppressed[k] for k in ("numerator", "denominator", "value")] == [None] * 3
    everything = client_for("pcn").get("/api/measures/pcns/U00001/neighbourhoods").json()
    assert {r["measure"] for r in everything["rows"]} == set(MEASURES) and len(everything["rows"]) == 5


@pytest.mark.parametrize("role, code, status", [
    ("pcn", "U00001", 200), ("pcn", "U00002", 403), ("pcn", "A81001", 404), ("practice", "U00001", 403),
    ("icb", "U00001", 200), ("icb", "U00003", 403), ("analyst", "U00002", 200), ("pcn", "NOPE1", 404),
])
def test_who_may_read_which_neighbourhoods(measures_output, client_for, role, code, status):
    assert client_for(role).get(f"/api/measures/pcns/{code}/neighbourhoods").status_code == status


def test_without_the_neighbourhood_file_the_call_says_how_to_make_it(phm_dir, client_for):
    from tests.measures.fixtures import write_measures

    write_measures(phm_dir / "measures", neighbourhoods=False)
    response = client_for("pcn").get("/api/measures/pcns/U00001/neighbourhoods")
    assert response.status_code == 404 and "--by-neighbourhood" in response.json()["detail"]
