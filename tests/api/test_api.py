"""The JSON API: same data and same permissions as the pages."""

import pytest

from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(client, small_register, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_every_call_needs_a_login(client, small_register):
    for url in ("/api/me", "/api/organisations", "/api/landscape?area=QAA", "/api/pcns/U00001"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "Authentication required" in response.json()["detail"]


def test_openapi_schema_lists_the_endpoints(client, small_register):
    client_for(client, small_register, "analyst")
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/landscape", "/api/organisations", "/api/pcns/{code}", "/api/pcns/{code}/memberships"):
        assert path in schema["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # swagger-ui is served locally


def test_landscape_computes_totals_and_findings(client, small_register):
    client_for(client, small_register, "icb")
    body = client.get("/api/landscape?area=QAA&date=2022-01-01").json()
    by_code = {n["code"]: n for n in body["networks"]}
    assert by_code["U00001"]["list_size"] == 20000 + 17000 + 15000
    assert by_code["U00002"]["list_size"] == 20000 + 15000
    assert body["list_size"] == 52000 + 35000
    assert [p["code"] for p in body["uncovered_practices"]] == ["A00009"]
    rules_broken = {(f["rule"], f["network"]) for f in body["findings"] if f["severity"] == "error"}
    assert ("list-size-band", "North PCN") in rules_broken
    assert any(f["rule"] == "full-coverage" and f["practices"] == ["A00009"] for f in body["findings"])
    assert body["broken"] is True
    assert by_code["U00001"]["clinical_directors"] == ["Dr Ada North"]


def test_landscape_on_an_earlier_date_shows_the_earlier_membership(client, small_register):
    client_for(client, small_register, "icb")
    body = client.get("/api/landscape?area=QAA&date=2021-03-31").json()
    by_code = {n["code"]: n for n in body["networks"]}
    assert [p["code"] for p in by_code["U00002"]["practices"]] == ["A00003", "A00004", "A00005"]
    # List sizes are the latest on or before the date: the 2020 figures.
    assert by_code["U00002"]["list_size"] == 14000 + 19000 + 14000


def test_band_can_be_widened(client, small_register):
    client_for(client, small_register, "icb")
    body = client.get("/api/landscape?area=QAA&date=2022-01-01&lower=30000&upper=60000").json()
    assert not [f for f in body["findings"] if f["rule"] == "list-size-band"]
    assert client.get("/api/landscape?area=QAA&lower=9&upper=1").status_code == 400


def test_bad_date_is_a_clear_400(client, small_register):
    client_for(client, small_register, "icb")
    response = client.get("/api/landscape?area=QAA&date=2022-13-01")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


@pytest.mark.parametrize(
    "username, allowed, refused",
    [
        ("icb", ["QAA", "U00001", "U00002", "A00009", "RX1"], ["QBB", "U00003", "B00001"]),
        ("icb_b", ["QBB", "U00003", "B00001"], ["QAA", "U00001", "A00001"]),
        ("pcn", ["U00001", "A00001", "A00003", "RX1"], ["U00002", "A00004", "QAA", "U00003"]),
        ("practice", ["A00003", "U00001", "U00002"], ["A00001", "U00003", "QAA"]),
        ("analyst", ["QAA", "QBB", "U00003", "A00001"], []),
        ("admin", ["QAA", "QBB", "U00003", "A00001"], []),
    ],
)
def test_each_role_sees_only_its_organisations(client, small_register, username, allowed, refused):
    client_for(client, small_register, username)
    for code in allowed:
        assert client.get(f"/api/organisations/{code}").status_code == 200, (username, code)
    for code in refused:
        response = client.get(f"/api/organisations/{code}")
        assert response.status_code == 403, (username, code)
        assert code in response.json()["detail"]
    listed = {o["code"] for o in client.get("/api/organisations?limit=1000").json()["items"]}
    assert set(allowed) <= listed
    assert not set(refused) & listed


def test_refusals_cover_pcn_landscape_and_history_calls(client, small_register):
    client_for(client, small_register, "pcn")
    for url in ("/api/pcns/U00003", "/api/pcns/U00003/memberships", "/api/pcns/U00003/partners",
                "/api/landscape?area=QBB", "/api/practices/B00001/memberships",
                "/api/organisations/B00001/list-sizes", "/api/pcns/U00003/governance"):
        assert client.get(url).status_code == 403, url


def test_unknown_code_is_404(client, small_register):
    client_for(client, small_register, "admin")
    assert client.get("/api/organisations/ZZZZZZ").status_code == 404
    assert client.get("/api/pcns/A00001").status_code == 404  # a practice is not a PCN


def test_pcn_history_and_partners(client, small_register):
    client_for(client, small_register, "pcn")
    history = client.get("/api/pcns/U00001/memberships").json()
    moved = [m for m in history if m["practice"] == "A00003"]
    assert moved == [
        {"practice": "A00003", "practice_name": "Moor Medical Centre", "pcn": "U00001", "pcn_name": "North PCN",
         "start": "2021-04-01", "end": None, "des_signed": True, "source": "test"}
    ]
    partners = client.get("/api/pcns/U00001/partners").json()
    assert partners[0]["code"] == "RX1" and partners[0]["role"] == "core"
    pcn = client.get("/api/pcns/U00001?date=2022-01-01").json()
    assert pcn["list_size"] == 52000
    assert [f["rule"] for f in pcn["findings"]] == ["list-size-band"]


def test_list_sizes_of_a_practice(client, small_register):
    client_for(client, small_register, "practice")
    sizes = client.get("/api/organisations/A00003/list-sizes").json()
    assert [(s["date"], s["registered"]) for s in sizes] == [("2020-04-01", 14000), ("2022-01-01", 15000)]


def test_me_reports_the_role(client, small_register):
    client_for(client, small_register, "pcn")
    me = client.get("/api/me").json()
    assert me["role"] == "pcn" and me["organisation"]["code"] == "U00001"


def test_pcn_governance_history(client, small_register):
    client_for(client, small_register, "icb")
    body = client.get("/api/pcns/U00001/governance").json()
    assert body["clinical_directors"] == [{"name": "Dr Ada North", "practice": None, "start": "2020-04-01", "end": None}]
    [governance] = body["governance"]
    assert governance["nominated_payee"] == "A00001" and governance["network_agreement"] == "signed"
    assert client.get("/api/pcns/U00002/governance").json() == {"clinical_directors": [], "governance": []}
