"""The FHIR API walked as its CapabilityStatement describes it: for every resource type, a search by each
search parameter it declares (values generated: valid forms, every prefix and modifier, and junk), the
paging links followed, and a read of every resource found.  No answer may be a 5xx; each must be the JSON
FHIR R4 resource it should be (a searchset Bundle, the resource, or an OperationOutcome), as fhir.resources
validates it.  Examples are derandomised, so the run is the same each time."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.group import Group
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.organizationaffiliation import OrganizationAffiliation
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

from tests.measures.fixtures import write_measures
from tests.phm.fixtures import write_output

MODELS = {"Organization": Organization, "OrganizationAffiliation": OrganizationAffiliation, "Bundle": Bundle,
          "OperationOutcome": OperationOutcome, "Measure": Measure, "MeasureReport": MeasureReport, "Group": Group}
CODES = ["U00001", "A81003", "QAA", "01A", "Y99", "RAA", "NOPE", "Organization/U00002", "Measure/emergency-admissions",
         "emergency-admissions", "urn:pcnhub:measure:smr_done_for_cohort", "Measure/iif-2022-23-PC-01",
         "urn:pcnhub:iif:2022/23:PC-01"]
DATES = ["2024", "2024-03", "2024-03-31", "2024-03-31T23:00:00Z", "2024-04-01T00:30:00+01:00"]


def values(kind: str):
    junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
    if kind == "date":
        good = st.tuples(st.sampled_from(["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]),
                         st.sampled_from(DATES)).map("".join)
    elif kind == "reference":
        good = st.sampled_from(CODES)
    elif kind == "string":
        good = st.sampled_from(["alpha", "Alpha North PCN", "surg", "x"])
    else:
        good = st.sampled_from(["U00001", "https://fhir.nhs.uk/Id/ods-organization-code|A81001", "|A81001", "true",
                                "false", "practice", "member", "urn:pcnhub:affiliation-role|core-partner",
                                "membership-1", "urn:pcnhub:organisation-kind|", "england", "pcn",
                                "urn:pcnhub:measure|emergency_admissions", "urn:pcnhub:measure:emergency_admissions",
                                "cohort_smr", "urn:pcnhub:cohort|cohort_cvd_bp", "U00001.smr"])
    return st.one_of(good, good, junk)


def check(response) -> dict:
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    MODELS[body["resourceType"]].model_validate(body)
    return body


@pytest.mark.parametrize("role", ["analyst", "pcn"])
def test_every_declared_search_parameter_and_every_read(client_for, role, settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(settings.PCNHUB_PHM_DIR / "measures")
    write_output(settings.PCNHUB_PHM_DIR / "output")
    client = client_for(role)
    statement = client.get("/fhir/metadata").json()
    operations = [(r["type"], p["name"], p["type"]) for r in statement["rest"][0]["resource"] for p in r["searchParam"]]
    assert {t for t, _, _ in operations} == {"Organization", "OrganizationAffiliation", "Measure", "MeasureReport",
                                                   "Group"}
    modifiers = st.sampled_from(["", "", "", ":exact", ":contains", ":missing"])

    @examples(max_examples=30, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(operation=st.sampled_from(operations), data=st.data())
    def search(operation, data):
        resource_type, name, kind = operation
        modifier = data.draw(modifiers) if kind == "string" else ""
        value = data.draw(values(kind))
        count = data.draw(st.sampled_from(["", "&_count=2", "&_count=0", "&_count=abc"]))
        body = check(client.get(f"/fhir/{resource_type}?{name}{modifier}={quote(value)}{count}"))
        if body["resourceType"] == "Bundle":
            for link in body["link"]:
                check(client.get(link["url"].removeprefix("http://testserver")))

    search()
    for resource_type in ("Organization", "OrganizationAffiliation", "Measure", "MeasureReport", "Group"):
        bundle = check(client.get(f"/fhir/{resource_type}?_count=1000"))
        assert bundle["total"] > 0
        for entry in bundle["entry"]:
            found = check(client.get(f"/fhir/{resource_type}/{entry['resource']['id']}"))
            assert found == entry["resource"]
