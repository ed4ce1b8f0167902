"""What every API router shares: the forms of codes, dates and years that the schema states and ninja enforces."""

from __future__ import annotations

import re

import pytest

from pcnhub.domain.money.years import FinancialYear
from pcnhub.pages import api
from pcnhub.register.models import Organisation


def test_the_longest_code_is_the_registers():
    assert api.MAX_CODE == Organisation._meta.get_field("code").max_length


@pytest.mark.parametrize("code", ["U12345", "u12345", "QH8", "01A", "L-ALPHAPCN-1A2B3", "LP000001"])
def test_codes_the_register_holds_match(code):
    assert re.fullmatch(api.CODE_PATTERN, code)


@pytest.mark.parametrize("code", ["", "U 12345", "U12345;", "L-ALPHAPCN-1A2B3X", "Ü12345", "U1234/5"])
def test_other_text_is_no_code(code):
    assert not re.fullmatch(api.CODE_PATTERN, code)


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "2023/2024", " 2023 / 24 "])
def test_years_the_parser_reads_match_the_pattern(text):
    assert re.fullmatch(api.YEAR_PATTERN, text)
    assert FinancialYear.parse(text) == FinancialYear(2023)


@pytest.mark.parametrize("text", ["2023", "next", "23/24", "２０２３/２４", "٢٠٢٣/٢٤"])
def test_text_that_is_no_year_matches_neither(text):
    assert not re.fullmatch(api.YEAR_PATTERN, text)
    with pytest.raises(ValueError):
        FinancialYear.parse(text)


@pytest.mark.parametrize("text, ok", [("2025-01-01", True), ("2025-02-30", True), ("20250101", False),
                                      ("2025-1-1", False), ("٢٠٢٥-٠١-٠١", False)])
def test_dates_are_year_month_day(text, ok):
    assert bool(re.fullmatch(api.DATE_PATTERN, text)) is ok
