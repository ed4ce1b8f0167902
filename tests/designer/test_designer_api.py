"""The designer's JSON API at /api/design/: the page's permissions and numbers."""

from __future__ import annotations

import copy
import json
from decimal import ROUND_HALF_UP, Decimal

import jsonschema_rs
import pytest
from django.core.serializers.json import DjangoJSONEncoder

from pcnhub.designer import services
from pcnhub.domain.access import access_requirement
from pcnhub.register.models import Organisation
from tests.builders import LATEST, NORTH_TOTAL
from tests.designer.conftest import ALPHA_LOCATED, UNPLACED

pytestmark = pytest.mark.django_db

URL = f"/api/design/areas/QAA?date={LATEST.isoformat()}"


def test_design_of_an_area(placed, client_for):
    response = client_for("icb").get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["band"] == {"lower": 30000, "upper": 50000, "upper_binds": False}
    assert [n["list_size"] for n in data["current"]["networks"]] == [NORTH_TOTAL, 55_000]
    assert data["current"]["uncovered"] == [UNPLACED]
    assert [u["code"] for u in data["unplaced"]] == [UNPLACED]
    proposal = data["proposal"]
    assert sorted(p["code"] for n in proposal["networks"] for p in n["practices"]) == ALPHA_LOCATED
    for n in proposal["networks"]:
        assert n["list_size"] == sum(p["list_size"] for p in n["practices"])
        assert n["access_minutes_per_week"] == access_requirement(LATEST, n["list_size"]).required_minutes_per_week
        assert n["entitlement"]["total"] > 0
    assert proposal["method"] in ("exact", "heuristic")
    assert set(proposal["metrics"]) >= {"in_band", "largest_deviation", "mean_distance_km", "cut_edges",
                                        "compactness"}
    # 2024/25: a designed network has no IIF achievement, so its maximum (58 points x GBP 198 x list / 48,485) is
    # shown apart and not counted in the total
    for n in data["current"]["networks"] + proposal["networks"]:
        most = (Decimal(58 * 198 * n["list_size"]) / Decimal(48_485)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert n["entitlement"]["not_counted"] == [f"Investment and Impact Fund (maximum £{most:,.2f})"]


def test_networks_asked_for(placed, client_for):
    data = client_for("analyst").get(URL + "&networks=3").json()
    assert len(data["proposal"]["networks"]) == 3 and data["networks_asked"] == 3


def test_areas_list(placed, client_for):
    codes = [a["code"] for a in client_for("icb").get("/api/design/areas").json()]
    assert codes == ["QAA", "01A"]


@pytest.mark.parametrize("role", ["pcn", "practice", "icb-beta"])
def test_refused(placed, client_for, role):
    assert client_for(role).get(URL).status_code == 403


@pytest.mark.parametrize("query", ["lower=60000&upper=50000", "date=2025-02-30", "networks=50"])
def test_bad_parameters_are_400_with_the_reason(placed, client_for, query):
    response = client_for("icb").get(f"/api/design/areas/QAA?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("query", ["networks=0", "networks=501", "lower=-1", "date=soon"])
def test_parameters_outside_the_schemas_bounds_are_422_with_the_reason(placed, client_for, query):
    response = client_for("icb").get(f"/api/design/areas/QAA?{query}")
    assert response.status_code == 422
    assert response.json()["detail"]


def test_unknown_area_is_404(placed, client_for):
    assert client_for("admin").get("/api/design/areas/NOPE").status_code == 404


def test_needs_login(placed, client):
    assert client.get(URL).status_code == 401


def test_keep_and_change(placed, client_for):
    data = client_for("icb").get("/api/design/areas/QAA", {"keep": "true"}).json()
    assert data["keep"] is True
    change = data["proposal"]["change"]
    assert 0 <= change["practices_moved"] <= data["practices"]
    assert set(change["continues"]) == {n["name"] for n in data["proposal"]["networks"]}


def test_the_body_is_the_designs_plain_data(placed, client_for):
    """The typed response drops, adds and converts nothing: it is :func:`services.design_dict` as JSON."""
    body = client_for("icb").get(URL + "&networks=2").json()
    view = services.build(Organisation.objects.get(code="QAA"), LATEST, networks=2)  # the cached proposal
    assert body == json.loads(json.dumps(services.design_dict(view), cls=DjangoJSONEncoder))
    assert list(body) == list(services.design_dict(view))  # and in the same order


def _validator(client):
    """The JSON Schema validator of the design's 200 body, from the schema the site serves (OpenAPI 3.1)."""
    schema = client.get("/api/openapi.json").json()
    body = schema["paths"]["/api/design/areas/{code}"]["get"]["responses"]["200"]["content"]["application/json"]
    return jsonschema_rs.Draft202012Validator({**body["schema"], "components": schema["components"]},
                                             validate_formats=True)


def _set(path: str, value):
    def change(body):
        *parents, last = path.split(".")
        node = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return change


_DELETE = object()
#: Bodies the schema must refuse: a wrong type, a float for an integer, a null where none may be, a missing key.
WRONG = {
    "list size as text": _set("proposal.networks.0.practices.0.list_size", "many"),
    "cut edges not whole": _set("current.metrics.cut_edges", 1.5),
    "no change on the proposal": _set("proposal.change", _DELETE),
    "entitlement total null": _set("proposal.networks.0.entitlement.total", None),
    "area without a code": _set("area.code", None),
    "notes as one string": _set("notes", "a note"),
    "finding without a rule": _set("current.findings.0.rule", _DELETE),
    "continues not text": _set("proposal.change.continues", {"1": 2}),
    "date not a date": _set("date", "soon"),
}


@pytest.mark.parametrize("wrong", WRONG)
def test_the_schema_describes_the_body_and_refuses_a_wrong_one(placed, client_for, wrong):
    client = client_for("icb")
    body = client.get(URL).json()
    validator = _validator(client)
    validator.validate(body)
    changed = copy.deepcopy(body)
    WRONG[wrong](changed)
    assert not validator.is_valid(changed)
