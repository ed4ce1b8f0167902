"""/api/scenarios/: the workflow's permissions for every role (as tests/scenarios/test_services.py), the comparison
as comparison_dict, and changes that cannot apply or steps out of turn answered 400 with the reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pcnhub.domain import scenario as d
from pcnhub.register.models import Membership, Organisation
from pcnhub.scenarios import services
from pcnhub.scenarios.compare import compare
from pcnhub.scenarios.models import EventKind, Scenario, Status
from pcnhub.scenarios.serialise import comparison_dict
from tests.builders import SIZES, SOUTH_TOTAL

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)
ROLES = ("icb", "pcn", "practice", "analyst", "admin", "icb-beta")
MOVE = {"action": "move", "practice_code": "A81003", "to_pcn": "U00002"}


@pytest.fixture
def draft(placed):
    area = Organisation.objects.get(code="QAA")
    return services.create(area, "Essex Way to South", DAY, "Closer to its neighbours", placed.users["icb"],
                           [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")])


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def without_seconds(found: dict) -> dict:
    return {k: v for k, v in found.items() if k != "seconds"}


def test_a_draft_is_the_commissioners_alone(draft, client_for):
    for role in ROLES:
        client = client_for(role)
        listed = [s["id"] for s in client.get("/api/scenarios/").json()]
        expected = role in ("icb", "admin")
        assert (draft.pk in listed) is expected, role
        assert client.get(f"/api/scenarios/{draft.pk}").status_code == (200 if expected else 403), role
    assert client_for("icb").get("/api/scenarios/999999").status_code == 404
    assert client_for("icb").get("/api/scenarios/0").status_code == 422


def test_one_scenario_has_its_changes_events_and_comparison(draft, client_for):
    body = client_for("icb").get(f"/api/scenarios/{draft.pk}").json()
    assert (body["name"], body["status"], body["area"]) == ("Essex Way to South", "draft",
                                                            {"code": "QAA", "name": "Alpha ICB"})
    assert [(c["action"], c["practice_code"], c["to_pcn"], c["text"]) for c in body["changes"]] == [
        ("move", "A81003", "U00002", "Move A81003 to U00002")]
    assert [e["kind"] for e in body["events"]] == ["created", "changed"] and body["created_by"] == "icb-user"
    expected = comparison_dict(compare(draft.area, DAY, services.changes_of(draft)))
    assert without_seconds(body["comparison"]) == json.loads(json.dumps(without_seconds(expected)))
    assert body["comparison_error"] == "" and body["can_edit"] and not body["can_comment"]
    assert body["steps"] == ["shared", "submitted"]


def test_only_a_commissioner_makes_scenarios_of_their_own_icb(placed, client_for):
    body = {"area": "QAA", "name": "Try", "effective_date": "2025-01-01", "reasons": "Why not", "changes": [MOVE]}
    for role in ROLES:
        response = send(client_for(role), "post", "/api/scenarios/", body)
        assert response.status_code == (200 if role in ("icb", "admin") else 403), (role, response.content)
    assert send(client_for("icb-beta"), "post", "/api/scenarios/", {**body, "area": "QBB", "changes": [
        {"action": "grow", "practice_code": "B82001", "list_change": 500}]}).status_code == 200
    made = send(client_for("icb"), "post", "/api/scenarios/", {**body, "area": "qaa"}).json()
    assert made["status"] == "draft" and made["comparison"]["rows"][1]["after"]["list_size"] == (
        SOUTH_TOTAL + SIZES["A81003"][1])
    for wrong in ({"effective_date": "0001-01-01"}, {"effective_date": "2100-01-01"}, {"name": "Nul\x00"},
                  {"changes": [{**MOVE, "to_pcn": "U0\x00"}]}):
        assert send(client_for("icb"), "post", "/api/scenarios/", {**body, **wrong}).status_code == 422, wrong
    assert send(client_for("icb"), "post", "/api/scenarios/", {**body, "area": "QZZ"}).status_code == 404
    assert send(client_for("icb"), "post", "/api/scenarios/", {**body, "area": "U00001"}).status_code == 404


def test_changes_that_cannot_apply_are_400_and_not_saved(draft, client_for):
    icb = client_for("icb")
    before = Scenario.objects.count()
    response = send(icb, "post", "/api/scenarios/", {
        "area": "QAA", "name": "Bad", "effective_date": "2025-01-01",
        "changes": [MOVE, {"action": "move", "practice_code": "B82001", "to_pcn": "U00001"}]})
    assert response.status_code == 400
    assert response.json()["detail"] == "change 2 (move): there is no practice B82001 in the area"
    assert Scenario.objects.count() == before
    response = send(icb, "put", f"/api/scenarios/{draft.pk}/changes", {"changes": [MOVE, MOVE]})
    assert response.status_code == 400 and "A81003 is already in Alpha South PCN" in response.json()["detail"]
    assert len(services.changes_of(draft)) == 1
    # a body of the wrong shape is 422 before anything is tried
    assert send(icb, "put", f"/api/scenarios/{draft.pk}/changes",
                {"changes": [{"action": "teleport"}]}).status_code == 422


def test_changes_are_replaced_by_the_commissioner_while_editable(draft, client_for):
    grow = {"action": "grow", "practice_code": "A81004", "list_change": 100}
    for role in ("pcn", "practice", "analyst", "icb-beta"):
        assert send(client_for(role), "put", f"/api/scenarios/{draft.pk}/changes", {"changes": [grow]}).status_code \
            == 403, role
    body = send(client_for("admin"), "put", f"/api/scenarios/{draft.pk}/changes", {"changes": [grow]}).json()
    assert [c["action"] for c in body["changes"]] == ["grow"] and body["events"][-1]["kind"] == "changed"
    services.take_step(draft, EventKind.SUBMITTED, draft.created_by)
    response = send(client_for("icb"), "put", f"/api/scenarios/{draft.pk}/changes", {"changes": [MOVE]})
    assert response.status_code == 400 and "return it to draft first" in response.json()["detail"]


def test_shared_the_networks_concerned_see_and_comment_but_only_the_icb_moves_it_on(draft, client_for):
    response = send(client_for("icb"), "post", f"/api/scenarios/{draft.pk}/step", {"step": "shared"})
    assert response.status_code == 200 and response.json()["status"] == "shared"
    for role, sees in {"icb": True, "pcn": True, "practice": True, "analyst": True, "admin": True,
                       "icb-beta": False}.items():
        client = client_for(role)
        assert (draft.pk in [s["id"] for s in client.get("/api/scenarios/").json()]) is sees, role
        assert client.get(f"/api/scenarios/{draft.pk}").status_code == (200 if sees else 403), role
    assert client_for("icb").get(f"/api/scenarios/{draft.pk}").json()["steps"] == ["submitted", "returned"]
    pcn = client_for("pcn")  # the one test client, signed in as the PCN's user from here on
    seen = pcn.get(f"/api/scenarios/{draft.pk}").json()
    assert seen["can_comment"] and not seen["can_edit"] and seen["steps"] == []
    said = send(pcn, "post", f"/api/scenarios/{draft.pk}/step",
                {"step": "commented", "text": "We would lose a third of our nurses"}).json()
    assert said["events"][-1] == {**said["events"][-1], "kind": "commented", "username": "pcn-user",
                                  "text": "We would lose a third of our nurses"}
    blank = send(client_for("pcn"), "post", f"/api/scenarios/{draft.pk}/step", {"step": "commented", "text": "  "})
    assert blank.status_code == 400 and blank.json()["detail"] == "Write the comment."
    for role in ("pcn", "practice", "analyst"):
        assert send(client_for(role), "post", f"/api/scenarios/{draft.pk}/step",
                    {"step": "submitted"}).status_code == 403, role
    assert send(client_for("icb-beta"), "post", f"/api/scenarios/{draft.pk}/step",
                {"step": "commented", "text": "Hello"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.SHARED


def test_steps_out_of_turn_and_missing_reasons_are_400(draft, client_for):
    icb = client_for("icb")
    url = f"/api/scenarios/{draft.pk}/step"
    response = send(icb, "post", url, {"step": "approved", "text": "Yes"})
    assert response.status_code == 400 and response.json()["detail"] == "A scenario that is draft cannot be approved."
    comment = send(icb, "post", url, {"step": "commented", "text": "Note"})
    assert comment.status_code == 400 and "shared or submitted" in comment.json()["detail"]
    assert send(icb, "post", url, {"step": "submitted"}).json()["status"] == "submitted"
    missing = send(icb, "post", url, {"step": "rejected", "text": ""})
    assert missing.status_code == 400 and missing.json()["detail"] == "Write the reason."
    rejected = send(icb, "post", url, {"step": "rejected", "text": "The practice has not agreed"}).json()
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "The practice has not agreed")
    assert send(icb, "post", url, {"step": "applied"}).status_code == 422


def test_approved_on_its_date_it_is_applied_and_its_comparison_says_why_there_is_none(placed, client_for):
    icb = client_for("icb")
    made = send(icb, "post", "/api/scenarios/", {"area": "QAA", "name": "Now", "effective_date": "2025-01-01",
                                                 "changes": [MOVE]}).json()
    url = f"/api/scenarios/{made['id']}/step"
    send(icb, "post", url, {"step": "submitted"})
    body = send(icb, "post", url, {"step": "approved", "text": "Agreed by the committee"}).json()
    assert body["status"] == "applied" and [e["kind"] for e in body["events"]][-2:] == ["approved", "applied"]
    assert Membership.objects.on(DAY).get(practice__code="A81003").pcn.code == "U00002"
    # the changes are in the register now: they no longer apply to it
    assert body["comparison"] is None and "A81003 is already in Alpha South PCN" in body["comparison_error"]
    assert send(client_for("admin"), "post", url, {"step": "returned"}).status_code == 400


def test_a_preview_compares_without_saving(placed, client_for):
    body = {"area": "QAA", "effective_date": "2025-01-01", "changes": [MOVE]}
    before = Scenario.objects.count()
    for role in ROLES:
        response = send(client_for(role), "post", "/api/scenarios/preview", body)
        assert response.status_code == (200 if role in ("icb", "admin") else 403), role
    found = send(client_for("icb"), "post", "/api/scenarios/preview", body).json()
    expected = comparison_dict(compare(Organisation.objects.get(code="QAA"), DAY,
                                       [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")]))
    assert without_seconds(found) == json.loads(json.dumps(without_seconds(expected)))
    assert Scenario.objects.count() == before
    bad = send(client_for("icb"), "post", "/api/scenarios/preview",
               {**body, "changes": [{"action": "merge", "from_pcn": "U00001", "to_pcn": "U00001"}]})
    assert bad.status_code == 400 and bad.json()["detail"] == "change 1 (merge): a network cannot merge into itself"
    # ending ARRS posts: a negative WTE, refused naming the change when the network has too few
    bad = send(client_for("icb"), "post", "/api/scenarios/preview", {**body, "changes": [
        MOVE, {"action": "arrs", "to_pcn": "U00002", "role": "paramedic", "wte": "-1"}]})
    assert bad.status_code == 400 and bad.json()["detail"] == (
        "change 2 (arrs): Alpha South PCN has 0 WTE of Paramedic running on or after 1 January 2025, less than the "
        "1 WTE to end")
    assert send(client_for("icb"), "post", "/api/scenarios/preview", {**body, "area": "QBB"}).status_code == 403


def test_the_openapi_schema_documents_the_calls(client_for):
    schema = client_for("analyst").get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/scenarios/", "/api/scenarios/preview", "/api/scenarios/{pk}", "/api/scenarios/{pk}/changes",
            "/api/scenarios/{pk}/step"} <= set(paths)
    assert set(paths["/api/scenarios/"]) == {"get", "post"} and set(paths["/api/scenarios/{pk}/step"]) == {"post"}
    change = schema["components"]["schemas"]["ScenarioChangeIn"]["properties"]
    assert change["action"]["enum"] == list(d.ACTIONS) and change["to_pcn"]["description"]
    tiers = schema["components"]["schemas"]["ScenarioPeopleOut"]["properties"]["tiers"]
    assert "suppressed" in tiers["description"]
