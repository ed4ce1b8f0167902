"""/api/maturity/: a PCN's score and an ICB's heatmap, with the pages' permissions."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.models import Action, Assessment
from tests.maturity.helpers import FOUNDATION, MATRIX

pytestmark = pytest.mark.django_db

SCORE = "/api/maturity/pcns/U00001/score"
HEATMAP = "/api/maturity/areas/QAA/heatmap"


def achieve(register, ids, as_of=None):
    posted = [services.Posted(s, m.ACHIEVED, "", "", 0, services.fingerprint("", "", "")) for s in ids]
    services.save_answers(register.north, m.PCN, MATRIX, posted, register.users["pcn"])
    if as_of:
        Assessment.objects.filter(organisation=register.north).update(as_of=as_of)


def test_score_of_the_current_assessment(client_for, register):
    achieve(register, FOUNDATION, dt.date(2025, 2, 1))
    body = client_for("pcn").get(SCORE).json()
    assert body["pcn"] == {"code": "U00001", "name": "Alpha North PCN"}
    assert body["matrix"] == MATRIX.key and body["audience"] == "pcn" and body["as_of"] == "2025-02-01"
    assert body["closed"] is False and body["history"] == ["2025-02-01"]
    lpp = next(d for d in body["domains"] if d["key"] == "lpp")
    assert lpp["step_reached"] == 0 and lpp["step_name"] == "Foundation" and lpp["next_step"] == 1
    assert lpp["achieved"] == len(FOUNDATION) and lpp["gap"][0]["id"] == "lpp-1-pcn-1"


def test_score_without_an_assessment(client_for):
    body = client_for("icb").get(SCORE).json()
    assert body["as_of"] is None and body["history"] == []
    assert all(d["step_reached"] is None for d in body["domains"])


def test_heatmap_of_an_icb(client_for, register):
    achieve(register, FOUNDATION)
    Action.objects.create(pcn=register.south, matrix=MATRIX.key, title="x", support_requested=["events"],
                          due=services.today() - dt.timedelta(days=1))
    body = client_for("icb").get(HEATMAP).json()
    assert body["icb"]["code"] == "QAA" and [d["key"] for d in body["domains"]][0] == "lpp"
    rows = {r["code"]: r for r in body["pcns"]}
    assert set(rows) == {"U00001", "U00002"}
    assert rows["U00001"]["steps"]["lpp"] == 0 and rows["U00001"]["step_names"]["phm"] == m.BELOW_FOUNDATION
    assert rows["U00002"]["as_of"] is None and rows["U00002"]["step_names"]["lpp"] == "Not assessed"
    assert rows["U00002"]["overdue_actions"] == 1
    assert body["support_requests"] == [{"offer": "events", "name": body["support_requests"][0]["name"],
                                         "group": body["support_requests"][0]["group"], "pcns": ["U00002"],
                                         "open_actions": 1}]


@pytest.mark.parametrize("role, url, status", [
    ("pcn", "/api/maturity/pcns/U00002/score", 403), ("pcn", "/api/maturity/pcns/U00003/score", 403),
    ("icb-beta", SCORE, 403), ("practice", SCORE, 403), ("pcn", HEATMAP, 403), ("icb-beta", HEATMAP, 403),
    ("icb", "/api/maturity/areas/QBB/heatmap", 403), ("admin", "/api/maturity/pcns/NOPE/score", 404),
    ("admin", "/api/maturity/areas/U00001/heatmap", 404), ("analyst", HEATMAP, 200), ("icb", SCORE, 200),
])
def test_permissions(client_for, role, url, status):
    assert client_for(role).get(url).status_code == status


def test_anonymous_is_401(client, register):
    assert client.get(SCORE).status_code == 401
