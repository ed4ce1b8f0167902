"""The per-year catalogues' shared reading: a year's file, and a figure in it."""

from decimal import Decimal

import pytest

from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.catalogue_files import figure, year_file


class Bad(ValueError):
    pass


@pytest.mark.parametrize(("value", "message"), [
    ("lots", "x: 'lots' is not a number"), (True, "x: True is not a number"), ([1], "x: [1] is not a number"),
    ("nan", "x: 'nan' is not a number"), (float("inf"), "x: inf is not a number"),
    (-1, "x: -1 must be a number of 0 or more (it is negative)"),
])
def test_a_figure_that_is_not_a_number_of_0_or_more_is_refused_naming_where(value, message):
    with pytest.raises(Bad) as raised:
        figure(value, "x", Bad)
    assert str(raised.value) == message


def test_a_figure_is_read_exactly():
    assert figure("0.72963", "x", Bad) == Decimal("0.72963") and figure(0, "x", Bad) == 0


def test_a_year_file_and_its_name():
    data, name = year_file("iif", FinancialYear(2021), "IIF catalogue", [])
    assert name == "iif/2021-22.toml" and data["year"] == "2021/22"
    with pytest.raises(ValueError, match=r"^the IIF catalogue has no 2019/20; it covers 2020/21, 2021/22 \(began\)$"):
        year_file("iif", FinancialYear(2019), "IIF catalogue", [FinancialYear(2020), FinancialYear(2021)], " (began)")
