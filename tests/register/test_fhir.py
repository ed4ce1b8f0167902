"""The register over FHIR R4: Organization and OrganizationAffiliation, with the JSON API's login and scope
(register: tests/builders.py); every resource validates against the FHIR R4 models of fhir.resources."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.register.fhir import ODS_SYSTEM
from pcnhub.register.models import Membership, OrganisationName
from tests.helpers_fhir import fhir

pytestmark = pytest.mark.django_db


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", ())]


def test_every_interaction_needs_a_login(client, register):
    for url in ("/fhir/metadata", "/fhir/Organization", "/fhir/Organization/U00001", "/fhir/OrganizationAffiliation"):
        body = fhir(client, url, 401)
        assert body["issue"][0]["code"] == "login" and "Sign in" in body["issue"][0]["diagnostics"]


def test_the_capability_statement_lists_the_types_and_their_search_parameters(client_for):
    body = fhir(client_for("analyst"), "/fhir/metadata")
    assert body["fhirVersion"] == "4.0.1" and body["format"] == ["json"] and body["kind"] == "instance"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert {p["name"] for p in resources["Organization"]["searchParam"]} >= {
        "identifier", "name", "partof", "_lastUpdated"}
    assert {p["name"] for p in resources["OrganizationAffiliation"]["searchParam"]} >= {
        "primary-organization", "participating-organization", "period", "date", "role", "_lastUpdated"}
    assert resources["Organization"]["supportedProfile"] == [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"]


def test_a_practice_as_an_organization(client_for):
    body = fhir(client_for("icb"), "/fhir/Organization/A81001")
    assert body["identifier"] == [{"system": ODS_SYSTEM, "value": "A81001"}]
    assert body["name"] == "Dr Khan & Partners" and body["active"] is True
    assert body["partOf"]["reference"] == "Organization/01A"
    assert {c["code"] for c in body["type"][0]["coding"]} == {"practice", "RO76"}
    assert body["address"] == [{"use": "work", "text": "1 High Street, Southend", "postalCode": "SS1 1AA"}]
    assert body["meta"]["lastUpdated"].endswith("Z")


def test_former_names_are_aliases_and_found_by_name(client_for, register):
    OrganisationName.objects.create(organisation=register.north, name="Old North PCN", start=dt.date(2019, 7, 1),
                                    end=dt.date(2020, 3, 31))
    client = client_for("analyst")
    assert fhir(client, "/fhir/Organization/U00001")["alias"] == ["Old North PCN"]
    assert ids(fhir(client, "/fhir/Organization?name=old nor")) == ["U00001"]
    assert ids(fhir(client, "/fhir/Organization?name=alpha")) == ["01A", "QAA", "RAA", "U00001", "U00002"]
    assert ids(fhir(client, "/fhir/Organization?name:exact=Alpha North PCN")) == ["U00001"]
    assert ids(fhir(client, "/fhir/Organization?name:exact=alpha north pcn")) == []
    assert set(ids(fhir(client, "/fhir/Organization?name:contains=SOUTH"))) == {"U00002"}


def test_search_by_identifier_partof_type_and_last_updated(client_for):
    client = client_for("analyst")
    assert ids(fhir(client, f"/fhir/Organization?identifier={ODS_SYSTEM}|u00003")) == ["U00003"]
    assert ids(fhir(client, "/fhir/Organization?identifier=urn:other|U00003")) == []
    assert ids(fhir(client, "/fhir/Organization?partof=Organization/02B")) == ["B82001", "B82002", "U00003"]
    assert ids(fhir(client, "/fhir/Organization?partof=QAA")) == ["01A"]
    assert ids(fhir(client, "/fhir/Organization?type=region")) == ["Y99"]
    assert len(ids(fhir(client, "/fhir/Organization?_lastUpdated=gt2000-01-01&_count=100"))) == 17
    assert ids(fhir(client, "/fhir/Organization?_lastUpdated=lt2000-01-01")) == []


def test_paging_links_walk_every_match_once(client_for):
    client = client_for("analyst")
    seen, url, pages = [], "/fhir/Organization?type=practice&_count=3", 0
    while url:
        body = fhir(client, url)
        assert body["total"] == 8
        seen += ids(body)
        following = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = following[0].removeprefix("http://testserver") if following else None
        pages += 1
    assert pages == 3 and seen == sorted(seen) and len(set(seen)) == 8
    assert "type=practice" in body["link"][0]["url"]


def test_memberships_and_partnerships_as_affiliations(client_for, register):
    client = client_for("analyst")
    moved = Membership.objects.get(practice__code="A81003", pcn__code="U00002")
    body = fhir(client, f"/fhir/OrganizationAffiliation/membership-{moved.pk}")
    assert body["period"] == {"start": "2019-07-01", "end": "2024-03-31"} and body["active"] is False
    assert body["organization"]["reference"] == "Organization/U00002"
    assert body["participatingOrganization"]["reference"] == "Organization/A81003"
    assert body["extension"][0]["valueBoolean"] is True
    north = fhir(client, "/fhir/OrganizationAffiliation?primary-organization=U00001")
    roles = {(e["resource"]["participatingOrganization"]["reference"], e["resource"]["code"][0]["coding"][0]["code"])
             for e in north["entry"]}
    assert roles == {("Organization/A81001", "member"), ("Organization/A81002", "member"),
                     ("Organization/A81003", "member"), ("Organization/RAA", "core-partner")}
    assert fhir(client, "/fhir/OrganizationAffiliation?primary-organization=U00001&role=core-partner")["total"] == 1


def test_affiliations_in_force_on_a_day(client_for):
    client = client_for("analyst")

    def members(day: str) -> set[str]:
        body = fhir(client, f"/fhir/OrganizationAffiliation?participating-organization=A81003&period=ge{day}"
                            f"&period=le{day}")
        return {e["resource"]["organization"]["reference"] for e in body["entry"]}

    assert members("2024-03-31") == {"Organization/U00002"}
    assert members("2024-04-01") == {"Organization/U00001"}
    assert fhir(client, "/fhir/OrganizationAffiliation?participating-organization=A81003&date=sa2024-03-31")[
        "total"] == 1


def test_a_user_sees_only_their_scope(client_for, register):
    client = client_for("icb")  # Alpha ICB
    assert "U00003" not in ids(fhir(client, "/fhir/Organization?_count=100"))
    refused = fhir(client, "/fhir/Organization/U00003", 403)
    assert refused["issue"][0]["code"] == "forbidden"
    beta = Membership.objects.filter(pcn__code="U00003").first()
    fhir(client, f"/fhir/OrganizationAffiliation/membership-{beta.pk}", 403)
    assert fhir(client, "/fhir/OrganizationAffiliation?primary-organization=U00003")["total"] == 0
    # a practice user (A81001) sees itself, its PCN and the PCN's partners, not the PCN's other practices
    practice = client_for("practice")
    assert set(ids(fhir(practice, "/fhir/Organization"))) == {"A81001", "U00001", "RAA"}
    assert {e["resource"]["participatingOrganization"]["reference"]
            for e in fhir(practice, "/fhir/OrganizationAffiliation")["entry"]} == {"Organization/A81001",
                                                                                   "Organization/RAA"}


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/fhir/Organization/NOPE", 404, "not in the register"),
    ("/fhir/OrganizationAffiliation/membership-999999", 404, "not in the register"),
    ("/fhir/OrganizationAffiliation/other-1", 404, "not in the register"),
    ("/fhir/Patient", 404, "not a resource type this server has"),
    ("/fhir/Organization?_lastUpdated=yesterday", 400, "_lastUpdated: 'yesterday' is not a FHIR date"),
    ("/fhir/Organization?_count=-1", 400, "_count: -1 is not between 0 and 1000"),
    ("/fhir/Organization?_format=xml", 406, "JSON only"),
    ("/fhir/OrganizationAffiliation?period=2024-02-30", 400, "period: '2024-02-30' is not a date"),
    ("/fhir/Organization?partof=Patient/1", 400, "partof: expected Organization/id"),
    ("/fhir/", 404, "not an interaction this server supports"),
])
def test_errors_are_operation_outcomes(client_for, url, status, text):
    body = fhir(client_for("analyst"), url, status)
    assert text in body["issue"][0]["diagnostics"]


def test_unknown_parameters_are_ignored_unless_strict(client_for):
    client = client_for("analyst")
    body = fhir(client, "/fhir/Organization?colour=blue&type=region")
    assert ids(body) == ["Y99"] and "colour" not in body["link"][0]["url"]
    strict = fhir(client, "/fhir/Organization?colour=blue", 400, HTTP_PREFER="handling=strict")
    assert "colour: not a search parameter of Organization" in strict["issue"][0]["diagnostics"]


def test_read_only(client_for):
    response = client_for("admin").post("/fhir/Organization", data="{}", content_type="application/fhir+json")
    assert response.status_code == 405 and response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("url", ["/fhir/Organization?name=a%00b", "/fhir/Organization?identifier=%00",
                                 "/fhir/OrganizationAffiliation?primary-organization=U%0000001"])
def test_a_nul_character_is_a_bad_value_not_a_database_error(client_for, url):
    assert "NUL" in fhir(client_for("analyst"), url, 400)["issue"][0]["diagnostics"]


def test_an_id_that_is_not_a_fhir_id_is_not_found(client_for):
    assert "not a FHIR id" in fhir(client_for("analyst"), "/fhir/Organization/A%00B", 404)["issue"][0]["diagnostics"]
