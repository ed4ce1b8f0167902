"""The JSON API: same data and same permissions as the pages (register: tests/builders.py)."""

import re

import pytest

from tests.builders import ALPHA_TOTAL, NORTH_TOTAL, SOUTH_TOTAL

pytestmark = pytest.mark.django_db


def test_every_call_needs_a_login(client, register):
    for url in ("/api/me", "/api/organisations", "/api/landscape?area=QAA", "/api/pcns/U00001"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "Authentication required" in response.json()["detail"]


def test_openapi_schema_lists_the_endpoints(client_for):
    client = client_for("analyst")
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/landscape", "/api/organisations", "/api/pcns/{code}", "/api/pcns/{code}/memberships",
                 "/api/pcns/{code}/governance"):
        assert path in schema["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    # swagger-ui is served locally: every script and stylesheet is a path of this site (the page's random
    # CSRF token may hold any letters, so the text is not searched for "cdn").
    links = re.findall(rb'(?:src|href)="([^"]+)"', docs.content)
    assert links and all(link.startswith(b"/") and not link.startswith(b"//") for link in links), links


def test_landscape_computes_totals_and_findings(client_for):
    body = client_for("icb").get("/api/landscape?area=QAA&date=2025-01-01").json()
    by_code = {n["code"]: n for n in body["networks"]}
    assert by_code["U00001"]["list_size"] == NORTH_TOTAL
    assert by_code["U00002"]["list_size"] == SOUTH_TOTAL
    assert body["list_size"] == ALPHA_TOTAL
    assert [p["code"] for p in body["uncovered_practices"]] == ["A81006"]
    broken = {(f["rule"], f["network"]) for f in body["findings"] if f["severity"] == "error"}
    assert broken == {("full-coverage", None)}
    # 55,000 is above the DES's suggested upper level of 50,000: a warning while no band policy binds it.
    assert {(f["rule"], f["network"]) for f in body["findings"] if f["severity"] == "warning"} >= {
        ("list-size-band", "Alpha South PCN")}
    assert any(f["rule"] == "full-coverage" and f["practices"] == ["A81006"] for f in body["findings"])
    assert body["broken"] is True
    assert by_code["U00001"]["clinical_directors"] == ["Dr Jane Smith"]
    assert body["band"] == {"lower": 30_000, "upper": 50_000, "upper_binds": False} and body["policy"] is None


def test_landscape_on_an_earlier_date_shows_the_earlier_membership(client_for):
    body = client_for("icb").get("/api/landscape?area=QAA&date=2024-03-31").json()
    by_code = {n["code"]: n for n in body["networks"]}
    assert [p["code"] for p in by_code["U00002"]["practices"]] == ["A81003", "A81004", "A81005"]
    # List sizes are the latest on or before the date: the 2024-01-01 figures.
    assert by_code["U00002"]["list_size"] == 29_000 + 24_000 + 11_500


def test_band_can_be_widened(client_for):
    client = client_for("icb")
    body = client.get("/api/landscape?area=QAA&date=2025-01-01&lower=30000&upper=60000").json()
    assert not [f for f in body["findings"] if f["rule"] == "list-size-band"]
    assert client.get("/api/landscape?area=QAA&lower=9&upper=1").status_code == 400


def test_bad_date_is_a_clear_400(client_for):
    response = client_for("icb").get("/api/landscape?area=QAA&date=2022-13-01")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        ("icb", ["QAA", "01A", "U00001", "U00002", "A81006", "RAA"], ["QBB", "U00003", "B82001"]),
        ("icb-beta", ["QBB", "02B", "U00003", "B82001"], ["QAA", "U00001", "A81001", "RAA"]),
        ("pcn", ["U00001", "A81001", "A81003", "RAA"], ["U00002", "A81004", "QAA", "U00003"]),
        ("practice", ["A81001", "U00001"], ["A81002", "U00002", "U00003", "QAA"]),
        ("analyst", ["QAA", "QBB", "U00003", "A81001"], []),
        ("admin", ["QAA", "QBB", "U00003", "A81001"], []),
    ],
)
def test_each_role_sees_only_its_organisations(client_for, role, allowed, refused):
    client = client_for(role)
    for code in allowed:
        assert client.get(f"/api/organisations/{code}").status_code == 200, (role, code)
    for code in refused:
        response = client.get(f"/api/organisations/{code}")
        assert response.status_code == 403, (role, code)
        assert code in response.json()["detail"]
    listed = {o["code"] for o in client.get("/api/organisations?limit=1000").json()["items"]}
    assert set(allowed) <= listed
    assert not set(refused) & listed


def test_refusals_cover_pcn_landscape_and_history_calls(client_for):
    client = client_for("pcn")
    for url in ("/api/pcns/U00003", "/api/pcns/U00003/memberships", "/api/pcns/U00003/partners",
                "/api/landscape?area=QBB", "/api/practices/B82001/memberships",
                "/api/organisations/B82001/list-sizes", "/api/pcns/U00003/governance"):
        assert client.get(url).status_code == 403, url


def test_unknown_code_is_404(client_for):
    client = client_for("admin")
    assert client.get("/api/organisations/ZZZZZZ").status_code == 404
    assert client.get("/api/pcns/A81001").status_code == 404  # a practice is not a PCN


def test_pcn_history_and_partners(client_for):
    client = client_for("pcn")
    history = client.get("/api/pcns/U00001/memberships").json()
    moved = [m for m in history if m["practice"] == "A81003"]
    assert moved == [
        {"practice": "A81003", "practice_name": "Essex Way Surgery", "pcn": "U00001", "pcn_name": "Alpha North PCN",
         "start": "2024-04-01", "end": None, "des_signed": True, "source": ""}
    ]
    partners = client.get("/api/pcns/U00001/partners").json()
    assert partners[0]["code"] == "RAA" and partners[0]["role"] == "core"
    pcn = client_for("icb").get("/api/pcns/U00002?date=2025-01-01").json()
    assert pcn["list_size"] == SOUTH_TOTAL
    assert [(f["rule"], f["severity"]) for f in pcn["findings"]] == [
        ("list-size-band", "warning"),
        ("clinical-director", "warning"), ("nominated-payee", "warning"), ("network-agreement", "warning"),
    ]


def test_list_sizes_of_a_practice(client_for):
    sizes = client_for("practice").get("/api/organisations/A81001/list-sizes").json()
    assert [(s["date"], s["registered"]) for s in sizes] == [("2024-01-01", 12_500), ("2025-01-01", 12_980)]


def test_pcn_governance_history(client_for):
    client = client_for("icb")
    body = client.get("/api/pcns/U00001/governance").json()
    assert body["clinical_directors"] == [
        {"name": "Dr Jane Smith", "practice": "A81001", "start": "2019-07-01", "end": None}
    ]
    [governance] = body["governance"]
    assert governance["nominated_payee"] == "A81001" and governance["network_agreement"] == "signed"
    assert client.get("/api/pcns/U00002/governance").json() == {"clinical_directors": [], "governance": []}


def test_me_reports_the_role(client_for):
    me = client_for("pcn").get("/api/me").json()
    assert me["role"] == "pcn" and me["organisation"]["code"] == "U00001"


def test_pcns_with_the_same_name_keep_their_own_findings(client_for, register):
    """PCN names are not unique nationally (two SMARTCARE CENTRAL PCNs in the 2022 map)."""
    register.beta.name = register.south.name
    register.beta.save()
    body = client_for("analyst").get("/api/landscape?area=Y99&date=2025-01-01&upper_binds=true").json()
    findings = {n["code"]: [f["rule"] for f in n["findings"] if f["severity"] != "warning"] for n in body["networks"]}
    assert findings == {"U00001": [], "U00002": ["list-size-band"], "U00003": []}


def _query_parameter(client, path: str, name: str) -> dict:
    schema = client.get("/api/openapi.json").json()
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_the_search_text_is_bounded_as_on_the_search_page(client_for):
    """``?q=`` is read up to :data:`services.MAX_QUERY` characters (where the search page cuts it); longer is a 422
    naming q, and the schema states the bound."""
    from pcnhub.register import services, views

    client = client_for("analyst")
    assert views.MAX_QUERY is services.MAX_QUERY
    assert _query_parameter(client, "/api/organisations", "q")["schema"]["maxLength"] == services.MAX_QUERY
    found = client.get("/api/organisations", {"q": "Alpha North PCN".ljust(services.MAX_QUERY)})
    assert found.status_code == 200 and [o["code"] for o in found.json()["items"]] == ["U00001"]
    refused = client.get("/api/organisations", {"q": "a" * (services.MAX_QUERY + 1)})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "q"


def test_a_search_with_a_nul_character_is_refused_not_an_error(client_for):
    # PostgreSQL cannot compare text holding NUL: found by the API fuzz test on PostgreSQL
    client = client_for("analyst")
    assert client.get("/api/organisations", {"q": "BEN\x00FLEET"}).status_code == 422
    assert client.get("/search/", {"q": "BEN\x00FLEET"}).status_code == 400
    assert client.get("/api/organisations", {"q": "Alpha"}).status_code == 200


def test_a_code_with_a_nul_character_is_not_found(client_for):
    assert client_for("analyst").get("/practice/A81001%00/").status_code == 404
