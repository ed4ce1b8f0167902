"""Properties of the entitlement calculator over every catalogue year."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.money.entitlements import ZERO, Population, entitlement
from pcnhub.domain.money.years import catalogue_years
from pcnhub.reference.rates import year_rates

years = st.sampled_from(catalogue_years())
sizes = st.integers(min_value=0, max_value=400_000)
populations = st.builds(Population, sizes, st.none() | sizes, st.none() | sizes, st.integers(0, 2_000))


@given(years, populations)
def test_amounts_are_never_negative_and_the_total_is_the_sum_of_the_parts(year, population):
    result = entitlement(year_rates(year), population)
    known = [line.amount for line in result.lines if line.amount is not None]
    assert all(amount >= 0 for amount in known)
    counted = [line.amount for line in result.lines if line.amount is not None and line.counted]
    assert result.total == sum(counted, ZERO)
    # only the IIF's maximum (no achievement given) is ever left out
    assert [line.payment.key for line in result.not_counted] in ([], ["iif"])
    for line in result.lines:
        if line.amount is not None and line.schedule:
            assert sum(part for _, part in line.schedule) == line.amount
            assert all(part >= 0 for _, part in line.schedule)


@given(years, sizes, sizes, st.integers(0, 500))
def test_more_patients_never_mean_less_money(year, a, b, beds):
    small, large = sorted((a, b))
    rates = year_rates(year)
    assert entitlement(rates, Population(small, care_home_beds=beds)).total <= entitlement(
        rates, Population(large, care_home_beds=beds)
    ).total


@given(years, sizes)
def test_every_line_uses_the_list_its_basis_names(year, registered):
    population = Population(registered, weighted=registered + 1, adjusted=registered + 2, care_home_beds=7)
    for line in entitlement(year_rates(year), population).lines:
        assert line.quantity == population.of(line.payment.basis)
