"""The demo plans: computed from the register and the reference files, loaded once, and sensible."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from pcnhub.domain import access
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import plans
from pcnhub.finance.demo_plans import annual_maximum, demo_posts, load_plans_demo
from pcnhub.finance.models import AccessSession, ArrsClaim, ArrsPost
from pcnhub.reference.arrs_roles import load_typical_plan
from pcnhub.register.models import ListSize, Membership, Organisation, OrgKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def benfleet(register):
    """A stand-in for Benfleet PCN (U27924): two practices of 20,000 and 25,000 patients since 2019."""
    pcn = Organisation.objects.create(code="U27924", name="Benfleet PCN", kind=OrgKind.PCN)
    for code, size in (("F81001", 20_000), ("F81032", 25_000)):
        practice = Organisation.objects.create(code=code, name=f"Practice {code}", kind=OrgKind.PRACTICE)
        Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2019, 7, 1))
        ListSize.objects.create(organisation=practice, date=dt.date(2019, 1, 1), registered=size)
    return pcn


def test_demo_posts_follow_the_typical_plan_scaled(db):
    posts = demo_posts(45_000)
    plan = load_typical_plan()
    for role in plan.roles():
        held = sum((p["fte"] for p in posts if p["role"] == role and p["start"] <= dt.date(2024, 3, 31)), Decimal(0))
        assert held == (plan.fte_for(role, "2023/24") * Decimal("0.9")).quantize(Decimal("0.1"))
    for post in posts:
        assert post["annual_cost"] > 0
        assert post["start"] >= plans.catalogue().role(post["role"]).eligible_from
    # A role with no published maximum costs what a role of its band may claim.
    assert plans.catalogue().max_per_wte("physician_associate", dt.date(2023, 4, 1)).value is None
    assert annual_maximum("physician_associate", dt.date(2023, 4, 1)) == Decimal(62340)


def test_load_plans_demo_is_idempotent_and_sensible(benfleet):
    out = io.StringIO()
    load_plans_demo(out)
    text = out.getvalue()
    assert "U84454: not in the register, skipped" in text
    posts = ArrsPost.objects.filter(pcn=benfleet)
    sessions = AccessSession.objects.filter(pcn=benfleet)
    claims = ArrsClaim.objects.filter(post__pcn=benfleet)
    counts = (posts.count(), sessions.count(), claims.count())
    assert all(counts)
    load_plans_demo(io.StringIO())
    assert (posts.count(), sessions.count(), claims.count()) == counts

    # Claims: the projection for April to December 2024 (one September claim 2% short).
    plan = plans.arrs_plan(benfleet, FinancialYear(2024))
    projected = sum((m.projected for m in plan.months[:9]), Decimal(0))
    assert plan.year_end.months_claimed == 9
    assert Decimal(0) < projected - plan.year_end.claimed < projected * Decimal("0.01")
    rules = {f.rule for f in plan.projection.warnings}
    assert "salary-above-maximum" in rules  # the senior pharmacist

    # Access: the plan meets Enhanced Access on 2025/26's population, with one agreed Saturday hour.
    result = plans.access_plan(benfleet, dt.date(2025, 6, 1)).result
    assert result.required_minutes_per_week == 2_700  # 60 minutes per 1,000 of 45,000
    assert result.planned_minutes_per_week >= result.required_minutes_per_week
    assert [f.rule for f in result.findings] == [access.AGREED_HOURS]
