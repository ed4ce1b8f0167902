"""The maturity demo: dated assessments showing progress, a plan with an overdue action asking for
support, a system assessment for the ICB; loaded once."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.maturity.demo import DEMO_ICB, DEMO_PCN, load_maturity_demo
from pcnhub.maturity.models import Action, Assessment
from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage

pytestmark = pytest.mark.django_db


@pytest.fixture
def essex(db):
    icb = Organisation.objects.create(code=DEMO_ICB, name="Mid and South Essex ICB", kind=OrgKind.ICB)
    pcns = [Organisation.objects.create(code=code, name=f"PCN {code}", kind=OrgKind.PCN)
            for code in (DEMO_PCN, "U11111", "U22222")]
    for i, pcn in enumerate(pcns):
        Parentage.objects.create(child=pcn, parent=icb)
        practice = Organisation.objects.create(code=f"F8100{i}", name=f"Practice {i}", kind=OrgKind.PRACTICE)
        Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2019, 7, 1))
    return icb, pcns


def test_demo_is_sensible_and_idempotent(essex):
    icb, pcns = essex
    out = io.StringIO()
    load_maturity_demo(out)
    assert "maturity demo: assessments for U27924" in out.getvalue()
    benfleet = pcns[0]
    prog = services.progress(benfleet, m.PCN, services.matrix())
    assert len(prog.dates) == 2 and prog.dates[0] < prog.dates[1]
    before = [services.reached(d) for d in prog.rows[0]]
    after = [services.reached(d) for d in prog.rows[1]]
    assert all(a >= b for a, b in zip(after, before)) and sum(after) > sum(before)
    today = services.today()
    overdue = [a for a in Action.objects.filter(pcn=benfleet) if a.overdue_on(today)]
    assert len(overdue) == 1 and overdue[0].support_requested
    assert Assessment.objects.filter(organisation=icb, audience=m.SYSTEM, closed=False).count() == 1
    heat = services.heatmap(icb)
    assert sum(1 for r in heat.rows if r.score is not None) == 3
    assert services.support_requests(pcns)
    counts = (Assessment.objects.count(), Action.objects.count())
    load_maturity_demo(io.StringIO())
    assert (Assessment.objects.count(), Action.objects.count()) == counts


def test_demo_skips_without_the_icb(db):
    out = io.StringIO()
    load_maturity_demo(out)
    assert "skipped" in out.getvalue() and not Assessment.objects.exists()
