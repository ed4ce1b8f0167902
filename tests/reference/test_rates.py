"""The packaged rates catalogue: every year loads, every figure has a source and a status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import CatalogueError, all_years, parse_year, year_rates


def test_the_catalogue_covers_2019_20_to_2025_26():
    assert [r.year.label for r in all_years()] == [
        "2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26",
    ]


def test_every_payment_has_a_source_a_status_and_a_known_basis():
    for rates in all_years():
        for payment in rates.payments:
            assert payment.source.strip(), payment
            assert payment.status in c.STATUSES
            assert payment.basis in c.BASES
            if payment.status == c.UNCERTAIN:
                assert payment.note.strip(), f"{rates.year} {payment.key}: say why it is uncertain"


def test_the_des_starts_on_1_july_2019_and_the_access_schemes_switch_on_1_october_2022():
    y2019 = year_rates(FinancialYear(2019))
    backdated = {"core", "participation"}  # from 1 April 2019, first paid in July (parliamentary answer 257552)
    assert {p.start for p in y2019.payments if p.key not in backdated} == {dt.date(2019, 7, 1)}
    assert {(p.start, p.paid_from) for p in y2019.payments if p.key in backdated} == {
        (dt.date(2019, 4, 1), dt.date(2019, 7, 1))}
    y2022 = year_rates(FinancialYear(2022))
    assert y2022.payment("extended_hours").end == dt.date(2022, 9, 30)
    assert y2022.payment("enhanced_access").start == dt.date(2022, 10, 1)
    assert year_rates(FinancialYear(2023)).payment("extended_hours") is None


def test_an_uncovered_year_is_a_clear_error():
    with pytest.raises(ValueError, match="no 2018/19; it covers 2019/20"):
        year_rates(FinancialYear(2018))


def payment(**extra):
    entry = {"key": "core", "name": "Core", "basis": "registered", "rate": 1.5, "status": "verified", "source": "x"}
    entry.update(extra)
    return {"year": "2023/24", "payments": [entry]}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"payments": []}, "needs a year"),
        (payment(source=""), "missing source"),
        (payment(rate=-1), "is negative"),
        (payment(rate="lots"), "is not a number"),
        (payment(basis="patients"), "'patients' is not one of"),
        (payment(status="probably"), "'probably' is not one of"),
        (payment(colour="red"), "unknown fields colour"),
        (payment(**{"from": dt.date(2023, 4, 15)}), "must be whole months"),
        (payment(**{"to": dt.date(2024, 5, 31)}), "outside 2023/24"),
        (payment(pot=5), "a rate or a pot, not both"),
        ({"year": "2023/24", "payments": [payment()["payments"][0]] * 2}, "appears twice"),
        (payment(alternatives=[{"value": 0.729}]), "alternative 1: missing source"),
        (payment(alternatives=[{"value": 0.729, "source": "  "}]), "alternative 1: missing source"),
        (payment(alternatives=[{"source": "BMA"}]), "alternative 1: missing value"),
        (payment(alternatives=[{"value": "about 0.73", "source": "BMA"}]), "alternative 1 value: 'about 0.73' is not a number"),
        (payment(alternatives=[{"value": -0.7, "source": "BMA"}]), "is negative"),
        (payment(alternatives=[{"value": 0.7, "source": "BMA", "colour": "red"}]), "unknown fields colour"),
        (payment(alternatives=[{"from": dt.date(2022, 8, 1), "source": "BMA"}]), "outside 2023/24"),
        (payment(alternatives={"value": 0.7, "source": "BMA"}), "write a list"),
        (payment(paid_from=dt.date(2023, 7, 15)), "paid_from 2023-07-15 must be the first day of a month"),
        (payment(**{"from": dt.date(2023, 7, 1), "paid_from": dt.date(2023, 4, 1)}), "must be the first day of a month from"),
    ],
)
def test_bad_catalogue_entries_are_named(data, message):
    with pytest.raises(CatalogueError, match=message):
        parse_year(data, "test.toml")


def test_a_pot_needs_the_national_population():
    data = payment()
    del data["payments"][0]["rate"]
    data["payments"][0]["pot"] = 1_000
    with pytest.raises(CatalogueError, match="needs the national registered population"):
        parse_year(data, "test.toml")
    data["national"] = {"registered": {"value": 500, "status": "derived", "source": "y"}}
    rates = parse_year(data, "test.toml")
    rate, status, how = rates.catalogue_rate(rates.payments[0])
    assert rate == 2 and status == c.DERIVED and "national registered list" in how


def test_an_alternative_is_loaded_with_its_value_start_and_source():
    rates = parse_year(payment(alternatives=[
        {"value": 0.729, "source": "BMA", "note": "rounded"},
        {"from": dt.date(2023, 10, 1), "source": "LMC", "unit": "a year"},
    ], paid_from=dt.date(2023, 7, 1)), "test.toml")
    p = rates.payments[0]
    assert p.paid_from == dt.date(2023, 7, 1)
    assert p.alternatives == (
        c.Alternative(source="BMA", value=Decimal("0.729"), note="rounded"),
        c.Alternative(source="LMC", start=dt.date(2023, 10, 1), unit="a year"),
    )


def test_every_alternative_in_the_catalogue_has_a_source_and_differs_from_the_figure_used():
    for rates in all_years():
        for p in rates.payments:
            for alt in p.alternatives:
                assert alt.source.strip() and "pcnhub facts sheet" != alt.source.strip()
                assert alt.value != p.rate or alt.start not in (None, p.start), f"{rates.year} {p.key}: {alt}"
