"""Properties of the ARRS projection over generated workforce plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.money.arrs import Post, Projection, project
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.reference.arrs_roles import load_catalogue

CATALOGUE = load_catalogue()
ROLES = [
    "clinical_pharmacist",
    "social_prescribing_link_worker",
    "nursing_associate",
    "physician_associate",  # no published maximum
    "digital_and_transformation_lead",  # eligible from October
    "gp",  # separate pot in 2024/25
    "pharmacy_technician",
]
FIRST, LAST = dt.date(2019, 1, 1), dt.date(2026, 12, 31)


@st.composite
def posts(draw: st.DrawFn) -> Post:
    start = draw(st.dates(FIRST, LAST))
    length = draw(st.none() | st.integers(0, 800))
    return Post(
        draw(st.sampled_from(ROLES)),
        Decimal(draw(st.integers(1, 150))) / 100,  # 0.01 to 1.50 WTE
        start,
        None if length is None else start + dt.timedelta(days=length),
        Decimal(draw(st.integers(100_000, 12_000_000))) / 100,  # £1,000 to £120,000
    )


years = st.sampled_from(catalogue_years())
plans = st.lists(posts(), max_size=6)
sums = st.none() | st.integers(0, 500_000).map(Decimal)


def run(year: FinancialYear, plan: list[Post], arrs_sum: Decimal | None = None) -> Projection:
    return project(year, plan, arrs_sum, CATALOGUE, registered_list=50_000)


@given(years, plans, sums)
def test_claims_are_never_negative(year, plan, arrs_sum):
    result = run(year, plan, arrs_sum)
    assert all(month.claims >= 0 for month in result.monthly)
    assert all(amount >= 0 for post in result.posts for amount in post.monthly)


@given(years, plans, sums)
def test_the_monthly_claims_add_up_to_the_year_and_to_the_posts(year, plan, arrs_sum):
    result = run(year, plan, arrs_sum)
    assert sum(month.claims for month in result.monthly) == result.claims
    assert sum(post.claims for post in result.posts) == result.claims
    assert all(month.claims == month.claims.quantize(Decimal("0.01")) for month in result.monthly)
    if arrs_sum is not None:
        assert result.headroom == arrs_sum - result.claims
        assert result.reimbursed == min(result.claims, arrs_sum)


@given(years, plans)
def test_claims_never_exceed_the_capped_annual_costs(year, plan):
    result = run(year, plan)
    bound = Decimal(0)
    for post in plan:
        months = [month for month in year.months() if CATALOGUE.eligible(post.role, month)]
        maxima = [CATALOGUE.max_per_wte(post.role, month).value for month in months]
        known = [value for value in maxima if value is not None]
        limit = max(known) * post.fte if known and None not in maxima else post.annual_cost
        bound += min(post.annual_cost, limit)
    assert result.claims <= bound


@given(years, plans, posts())
def test_adding_a_post_never_reduces_the_claims(year, plan, extra):
    before = run(year, plan).claims
    assert run(year, [*plan, extra]).claims >= before
    assert run(year, [extra, *plan]).claims >= before
