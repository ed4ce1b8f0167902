"""The scenarios demo: the demo PCN's practice nearest another network moves to it, shared for comment; once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model

from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage
from pcnhub.scenarios import services
from pcnhub.scenarios.demo import DEMO_PCN, EFFECTIVE, NAME, load_scenarios_demo
from pcnhub.scenarios.models import Scenario, Status

pytestmark = pytest.mark.django_db

#: The demo PCN's practices west, the other network's east; A2 and B1 are the nearest pair: 0.06° of longitude
#: at 51.55° N, 4.1 km.
PLACES = {"A1": (DEMO_PCN, 51.56, 0.60), "A2": (DEMO_PCN, 51.55, 0.64), "A3": (DEMO_PCN, 51.57, 0.62),
          "B1": ("U99999", 51.55, 0.70), "B2": ("U99999", 51.60, 0.75)}


@pytest.fixture
def essex(db):
    icb = Organisation.objects.create(code="D7T5G", name="NHS Essex ICB", kind=OrgKind.ICB)
    sub = Organisation.objects.create(code="99E", name="Essex", kind=OrgKind.SUB_ICB)
    Parentage.objects.create(child=sub, parent=icb)
    pcns = {code: Organisation.objects.create(code=code, name=f"PCN {code}", kind=OrgKind.PCN)
            for code in (DEMO_PCN, "U99999")}
    for pcn in pcns.values():
        Parentage.objects.create(child=pcn, parent=sub)
    for code, (pcn, lat, lon) in PLACES.items():
        practice = Organisation.objects.create(code=code, name=f"Practice {code}", kind=OrgKind.PRACTICE,
                                               latitude=lat, longitude=lon)
        Parentage.objects.create(child=practice, parent=sub)
        Membership.objects.create(practice=practice, pcn=pcns[pcn], start=dt.date(2022, 1, 1))
    user = get_user_model().objects.create_user("icb")
    return icb, user


def test_the_nearest_practice_moves_to_its_neighbour_shared_and_only_once(essex):
    icb, _ = essex
    out = io.StringIO()
    load_scenarios_demo(out)
    scenario = Scenario.objects.get()
    assert (scenario.area, scenario.name, scenario.effective_date, scenario.status) == (
        icb, NAME, EFFECTIVE, Status.SHARED)
    [change] = services.changes_of(scenario)
    assert (change.action, change.practice, change.from_pcn, change.to_pcn) == ("move", "A2", DEMO_PCN, "U99999")
    assert "Practice A2 is 4.1 km from a practice of PCN U99999" in scenario.reasons
    assert "(A2 from U27924 to U99999), shared" in out.getvalue()
    load_scenarios_demo(io.StringIO())
    assert Scenario.objects.count() == 1


def test_without_the_demo_pcn_there_is_no_scenario(db):
    out = io.StringIO()
    load_scenarios_demo(out)
    assert "skipped" in out.getvalue() and not Scenario.objects.exists()
