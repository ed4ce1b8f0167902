"""The measures over FHIR R4: Measure from the packaged definitions, MeasureReport from the engine's output
(tests/measures/fixtures.py), disclosure-controlled and scoped as the measures pages; every resource validates
against fhir.resources' R4 models."""

from __future__ import annotations

import pytest

from pcnhub.measures.fhir import SUPPRESSED
from pcnhub.reference import measures as definitions
from tests.helpers_fhir import fhir

pytestmark = pytest.mark.django_db


def reports(bundle: dict) -> dict[tuple, dict]:
    found = {}
    for entry in bundle.get("entry", ()):
        r = entry["resource"]
        measure, level, org, month = r["identifier"][0]["value"].split("|")
        found[(measure, org, month)] = r
    return found


def test_every_definition_is_a_measure(client_for):
    client = client_for("pcn")
    bundle = fhir(client, "/fhir/Measure?_count=100")
    ours = [e for e in bundle["entry"] if e["resource"]["url"].startswith("urn:pcnhub:measure:")]
    assert len(ours) == len(definitions.measures()) >= 20  # and the IIF's indicators (tests/finance/test_fhir.py)
    measure = fhir(client, "/fhir/Measure/emergency-admissions")
    assert measure["url"] == "urn:pcnhub:measure:emergency_admissions"
    assert measure["scoring"]["coding"][0]["code"] == "ratio"
    assert measure["improvementNotation"]["coding"][0]["code"] == "decrease"
    assert [p["code"]["coding"][0]["code"] for p in measure["group"][0]["population"]] == ["numerator", "denominator"]
    assert "not a FHIR id" in fhir(client, "/fhir/Measure/emergency_admissions", 404)["issue"][0]["diagnostics"]
    assert [e["resource"]["id"] for e in fhir(client, "/fhir/Measure?title:contains=emergency admissions")["entry"]]
    assert fhir(client, "/fhir/Measure?identifier=urn:pcnhub:measure|smr_done_for_cohort")["total"] == 1
    assert fhir(client, "/fhir/Measure/no-such", 404)["issue"][0]["code"] == "not-found"


def test_a_pcns_month_as_a_summary_report(client_for, measures_output):
    client = client_for("icb")
    bundle = fhir(client, "/fhir/MeasureReport?measure=Measure/emergency-admissions&reporter=U00001&period=2025-01")
    (report,) = bundle["entry"]
    report = report["resource"]
    assert report["type"] == "summary" and report["status"] == "complete"
    assert report["measure"] == "urn:pcnhub:measure:emergency_admissions"
    assert report["period"] == {"start": "2025-01-01", "end": "2025-01-31"}
    assert report["reporter"]["reference"] == "Organization/U00001"
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in report["group"][0]["population"]}
    assert counts == {"numerator": 25, "denominator": 38_150}
    assert report["group"][0]["measureScore"]["value"] == pytest.approx(25 / 38_150 * 1000)
    assert fhir(client, f"/fhir/MeasureReport/{report['id']}") == report


def test_a_suppressed_report_has_no_counts_and_says_so(client_for, measures_output):
    client = client_for("icb")
    found = reports(fhir(client, "/fhir/MeasureReport?reporter=A81002&period=2025-01"))
    report = found[("emergency_admissions", "A81002", "2025-01")]
    assert "group" not in report
    assert {"url": SUPPRESSED, "valueBoolean": True} in report["extension"]


def test_england_and_the_scope_of_each_role(client_for, measures_output):
    practice = client_for("practice")  # A81001: its own reports and England's
    seen = {org for _, org, _ in reports(fhir(practice, "/fhir/MeasureReport?_count=1000"))}
    assert seen == {"A81001", "ENG"}
    england = fhir(practice, "/fhir/MeasureReport?level=england&period=2025-01")
    assert england["total"] == 2 and all("reporter" not in e["resource"] for e in england["entry"])
    beta = fhir(client_for("analyst"), "/fhir/MeasureReport?reporter=U00003&period=2025-01")["entry"][0]["resource"]
    icb = client_for("icb")  # Alpha ICB (the one test client, signed in again): not Beta's PCN
    assert "U00003" not in {org for _, org, _ in reports(fhir(icb, "/fhir/MeasureReport?_count=1000"))}
    assert fhir(icb, f"/fhir/MeasureReport/{beta['id']}", 403)["issue"][0]["code"] == "forbidden"


def test_periods_and_paging(client_for, measures_output):
    client = client_for("analyst")
    everything = fhir(client, "/fhir/MeasureReport?_count=1000")["total"]
    january_2025 = fhir(client, "/fhir/MeasureReport?period=2025-01")["total"]
    january_2024 = fhir(client, "/fhir/MeasureReport?period=eq2024-01")["total"]
    assert january_2025 + january_2024 == everything and january_2024 > 0
    assert fhir(client, "/fhir/MeasureReport?period=gt2024-06")["total"] == january_2025
    assert fhir(client, "/fhir/MeasureReport?period=ne2025-01")["total"] == january_2024
    first = fhir(client, "/fhir/MeasureReport?_count=5")
    second = fhir(client, "/fhir/MeasureReport?_count=5&_offset=5")
    assert len(first["entry"]) == 5 and not {e["resource"]["id"] for e in first["entry"]} & {
        e["resource"]["id"] for e in second["entry"]}


def test_without_an_output_reports_are_not_found(client_for, phm_dir):
    body = fhir(client_for("analyst"), "/fhir/MeasureReport", 404)
    assert "pcnhub measures run" in body["issue"][0]["diagnostics"]
