"""The site's API: every app's router mounted under /api/, with one answer for 403 and 404."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_every_app_has_its_routes_under_api(client_for):
    paths = client_for("analyst").get("/api/openapi.json").json()["paths"]
    for prefix in ("/api/finance/", "/api/maturity/", "/api/phm/", "/api/design/"):
        assert any(path.startswith(prefix) for path in paths), prefix
    assert "/api/organisations" in paths and "/api/me" in paths  # the register's, at the root


def test_refusals_and_unknown_codes_are_json_from_every_router(client_for):
    client = client_for("practice")
    for url in ("/api/pcns/U00002", "/api/finance/pcns/U00001/entitlements"):
        response = client.get(url)
        assert response.status_code == 403 and "Your role" in response.json()["detail"], url
    response = client_for("analyst").get("/api/finance/pcns/U99999/entitlements")
    assert response.status_code == 404 and "no PCN with the code U99999" in response.json()["detail"]


BIG = str(2**63)


@pytest.mark.parametrize("url", [
    f"/api/organisations?offset={BIG}", f"/api/organisations?limit={BIG}", "/api/organisations?limit=0",
    "/api/organisations?offset=-1", f"/api/landscape?area=QAA&lower={BIG}", f"/api/landscape?area=QAA&upper={BIG}",
    f"/api/pcns/U00001?lower={BIG}", "/api/pcns/U00001?upper=-5", f"/api/design/areas/QAA?networks={BIG}",
    "/api/design/areas/QAA?networks=0", f"/api/design/areas/QAA?lower={BIG}",
])
def test_integer_parameters_out_of_bounds_are_a_422_not_a_500(client_for, url):
    response = client_for("analyst").get(url)
    assert response.status_code == 422, (url, response.status_code, response.content[:300])
    assert response.json()["detail"]


def test_the_schema_states_every_integer_parameters_bounds(client_for):
    schema = client_for("analyst").get("/api/openapi.json").json()
    loose = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                kinds = parameter["schema"].get("anyOf", [parameter["schema"]])
                for kind in kinds:
                    if kind.get("type") == "integer" and ("maximum" not in kind or "minimum" not in kind):
                        loose.append(f"{path} {parameter['name']}")
    assert loose == []


def test_every_operation_documents_its_errors_with_their_json(client_for):
    schema = client_for("analyst").get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"200", "401"} <= codes, (path, codes)
            if "{code}" in path or path.endswith("/landscape"):
                assert {"403", "404"} <= codes, (path, codes)
            if any(p["schema"].get("type") == "integer" or "anyOf" in p["schema"] for p in operation.get("parameters", [])
                   if p["in"] == "query" and p["name"] not in ("date", "year", "area")):
                assert "422" in codes, (path, codes)
            for code in codes - {"200"}:
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert "$ref" in content, (path, code)


def test_errors_answer_with_the_documented_bodies(client, client_for):
    assert set(client.get("/api/me").json()) == {"detail"}  # 401
    analyst = client_for("analyst")
    assert isinstance(analyst.get("/api/organisations?limit=0").json()["detail"], list)  # 422
    assert isinstance(analyst.get("/api/pcns/U99999").json()["detail"], str)  # 404
    refused = client_for("practice").get("/api/pcns/U00002")
    assert refused.status_code == 403 and isinstance(refused.json()["detail"], str)


def test_the_list_sizes_of_a_pcn_point_to_a_route_that_exists(client_for):
    client = client_for("analyst")
    response = client.get("/api/organisations/U00001/list-sizes")
    assert response.status_code == 400
    route = re.search(r"/api/\S+\?date=", response.json()["detail"]).group(0).removesuffix("?date=")
    assert client.get(route).status_code == 200, route


#: Parameters naming an organisation, a date or a financial year: each must state the form it accepts.
FORMED = {"code", "area", "date", "year"}


def test_the_schema_states_the_form_of_every_code_date_and_year(client_for):
    schema = client_for("analyst").get("/api/openapi.json").json()
    loose = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] not in FORMED:
                    continue
                kinds = [k for k in parameter["schema"].get("anyOf", [parameter["schema"]]) if k.get("type") == "string"]
                if not kinds or any("pattern" not in kind for kind in kinds):
                    loose.append(f"{path} {parameter['name']}")
                if parameter["name"] == "date" and any(kind.get("format") != "date" for kind in kinds):
                    loose.append(f"{path} date format")
    assert loose == []


@pytest.mark.parametrize("url", [
    "/api/organisations/A81001%20X", "/api/pcns/U0000!", "/api/landscape?area=Q%24A", f"/api/pcns/{'U' * 17}",
    "/api/pcns/U00001?date=1%20Jan%202025", "/api/pcns/U00001?date=20250101", "/api/landscape?area=QAA&date=soon",
    "/api/finance/pcns/U00001/entitlements?year=next", "/api/finance/areas/QAA/entitlements?year=2023",
    "/api/design/areas/QAA?date=2025", "/api/maturity/pcns/U00001%3B/score", "/api/phm/practices/A8100%2A/aggregates",
])
def test_codes_dates_and_years_of_the_wrong_form_are_a_422(client_for, url):
    response = client_for("analyst").get(url)
    assert response.status_code == 422, (url, response.status_code, response.content[:300])
    assert response.json()["detail"][0]["loc"][-1] in FORMED


def test_codes_are_read_in_either_case(client_for):
    assert client_for("analyst").get("/api/pcns/u00001").json()["code"] == "U00001"


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _untyped_objects(schema: dict, node: dict, where: str, seen: set[str]) -> list[str]:
    """Where in ``node`` an object is answered whose keys and values the schema leaves open."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
    node = _resolve(schema, node)
    found = []
    if node.get("type") == "object" or "properties" in node or "additionalProperties" in node or not node:
        extra = node.get("additionalProperties", True)
        if "properties" not in node and (extra is True or extra == {}):
            found.append(where)
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(node.get(key, [])):
            found += _untyped_objects(schema, option, f"{where}|{i}", seen)
    if isinstance(node.get("items"), dict):
        found += _untyped_objects(schema, node["items"], f"{where}[]", seen)
    for name, value in node.get("properties", {}).items():
        found += _untyped_objects(schema, value, f"{where}.{name}", seen)
    if isinstance(node.get("additionalProperties"), dict):
        found += _untyped_objects(schema, node["additionalProperties"], f"{where}{{}}", seen)
    return found


def test_every_operation_answers_200_with_a_typed_body(client_for):
    """No 200 body is an open object (``dict[str, Any]``): the fuzz test's schema check would prove nothing."""
    schema = client_for("analyst").get("/api/openapi.json").json()
    untyped = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation["responses"]["200"]["content"]["application/json"]["schema"]
            untyped += _untyped_objects(schema, body, f"{method.upper()} {path}", set())
    assert untyped == []


def test_an_open_object_is_found_untyped():
    schema = {"components": {"schemas": {"A": {"type": "object", "properties": {"b": {"type": "object",
                                                                                          "additionalProperties": True}}}}}}
    assert _untyped_objects(schema, {"$ref": "#/components/schemas/A"}, "A", set()) == ["A.b"]
    assert _untyped_objects(schema, {"type": "object", "additionalProperties": {"type": "string"}}, "m", set()) == []


def test_every_text_parameter_is_bounded(client_for):
    """No free text: every string parameter has a length bound, a pattern or a list of the values it takes."""
    schema = client_for("analyst").get("/api/openapi.json").json()
    loose = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                for kind in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if kind.get("type") == "string" and not {"maxLength", "pattern", "enum"} & set(kind):
                        loose.append(f"{path} {parameter['name']}")
    assert loose == []
