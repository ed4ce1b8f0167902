"""The values every command reads the same way: one ISO date, one financial year."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from pcnhub.cli.values import date_argument, financial_year, iso_date
from pcnhub.domain.money.years import FinancialYear


def test_iso_date_reads_yyyy_mm_dd_and_passes_dates_through():
    assert iso_date("--date", " 2023-04-01 ") == dt.date(2023, 4, 1)
    assert iso_date("--date", dt.date(2023, 4, 1)) == dt.date(2023, 4, 1)


@pytest.mark.parametrize("text", ["2023-4-1", "20230401", "01/04/2023", "2023-02-30", "", "2023-04-01T00:00"])
def test_iso_date_names_the_flag_and_the_form_expected(text):
    with pytest.raises(ValueError, match=rf"^--as-of: {text!r} is not a date \(expected YYYY-MM-DD, e.g. 2024-04-01\)$"):
        iso_date("--as-of", text, "2024-04-01")


def test_date_argument_is_an_argparse_type_with_the_same_reading():
    parser = argparse.ArgumentParser(prog="pcnhub import", exit_on_error=False)
    parser.add_argument("--date", type=date_argument("2019-04-01"))
    assert parser.parse_args(["--date", "2019-04-01"]).date == dt.date(2019, 4, 1)
    with pytest.raises(argparse.ArgumentError, match=r"'2019-13-01' is not a date \(expected YYYY-MM-DD, e.g. 2019-04-01\)"):
        parser.parse_args(["--date", "2019-13-01"])


def test_financial_year_is_an_argparse_type():
    assert financial_year("2023/24") == FinancialYear(2023) == financial_year("2023-24")
    with pytest.raises(argparse.ArgumentTypeError):
        financial_year("20x3")
