"""FHIR search values: tokens, strings, references and dates as R4 defines them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcnhub.fhir import search as s

UTC = dt.timezone.utc


def test_tokens():
    assert s.token("identifier", "F81075") == s.Token(None, "F81075")
    assert s.token("identifier", "https://fhir.nhs.uk/Id/ods-organization-code|F81075") == s.Token(
        "https://fhir.nhs.uk/Id/ods-organization-code", "F81075")
    assert s.token("identifier", "|F81075") == s.Token("", "F81075")
    assert s.token("identifier", "urn:x|") == s.Token("urn:x", None)
    for bad in ("", "|"):
        with pytest.raises(s.FhirError, match="identifier"):
            s.token("identifier", bad)


def test_references():
    assert s.reference("partof", "Organization/QH8", "Organization") == "QH8"
    assert s.reference("partof", "QH8", "Organization") == "QH8"
    assert s.reference("partof", "https://example.org/fhir/Organization/QH8", "Organization") == "QH8"
    with pytest.raises(s.FhirError, match="expected Organization/id"):
        s.reference("partof", "Patient/1", "Organization")
    with pytest.raises(s.FhirError, match="not a FHIR id"):
        s.reference("partof", "Q H8", "Organization")


def test_strings_and_their_modifiers():
    assert s.string("name", None, " alpha ") == s.Text("alpha", "starts")
    assert s.string("name", "exact", "Alpha ") == s.Text("Alpha ", "exact")
    assert s.string("name", "contains", "pha") == s.Text("pha", "contains")
    with pytest.raises(s.FhirError, match="name:missing"):
        s.string("name", "missing", "x")
    with pytest.raises(s.FhirError, match="blank"):
        s.string("name", None, "  ")


@pytest.mark.parametrize(("text", "prefix", "start", "end"), [
    ("2022", "eq", dt.datetime(2022, 1, 1, tzinfo=UTC), dt.datetime(2023, 1, 1, tzinfo=UTC)),
    ("ge2022-02", "ge", dt.datetime(2022, 2, 1, tzinfo=UTC), dt.datetime(2022, 3, 1, tzinfo=UTC)),
    ("lt2024-02", "lt", dt.datetime(2024, 2, 1, tzinfo=UTC), dt.datetime(2024, 3, 1, tzinfo=UTC)),
    ("sa2022-04-01", "sa", dt.datetime(2022, 4, 1, tzinfo=UTC), dt.datetime(2022, 4, 2, tzinfo=UTC)),
    ("gt2026-12-01T10:00:00Z", "gt", dt.datetime(2026, 12, 1, 10, tzinfo=UTC),
     dt.datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC)),
    ("le2026-12-01T10:00:00.5+01:00", "le", dt.datetime(2026, 12, 1, 9, 0, 0, 500000, tzinfo=UTC),
     dt.datetime(2026, 12, 1, 9, 0, 0, 500001, tzinfo=UTC)),
])
def test_a_date_stands_for_the_range_it_covers(text, prefix, start, end):
    assert s.date_value("period", text) == s.DateRange(prefix, start, end)


@pytest.mark.parametrize(("text", "message"), [
    ("2022-13-01", "is not a date"), ("2022-02-30", "is not a date"), ("01/04/2022", "is not a FHIR date"),
    ("2022-04-01T10:00", "needs a time zone"), ("9999-12-31", "year must be"), ("0000", "year must be"),
    ("xx2022", "is not a FHIR date"), ("0001-01-01T00:00:00+14:00", "is not a date"),
])
def test_a_date_that_cannot_be_read_names_the_parameter(text, message):
    with pytest.raises(s.FhirError, match=message) as raised:
        s.date_value("_lastUpdated", text)
    assert raised.value.status == 400 and raised.value.diagnostics.startswith("_lastUpdated: ")


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("search", "expected"), [
    # a membership of 1 July 2019 to 31 March 2024 (instants [2019-07-01, 2024-04-01))
    ("eq2020", False), ("eq2019-07", False), ("ne2020", True), ("ge2024-03-31", True), ("ge2024-04-01", False),
    ("gt2024-03-30", True), ("gt2024-03-31", False), ("le2019-07-01", True), ("le2019-06-30", False),
    ("lt2019-07-02", True), ("lt2019-07-01", False), ("sa2019-06-30", True), ("sa2019-07-01", False),
    ("eb2024-04-01", True), ("eb2024-03-31", False),
])
def test_a_period_meets_each_prefix_as_r4_says(search, expected):
    value = s.date_value("period", search)
    assert s.matches(value, day("2019-07-01"), day("2024-04-01")) is expected


def test_open_periods():
    running = (day("2019-07-01"), None)
    assert s.matches(s.date_value("d", "ge2030"), *running) and not s.matches(s.date_value("d", "eq2030"), *running)
    assert not s.matches(s.date_value("d", "eb2030"), *running)
    assert s.matches(s.date_value("d", "le2030"), None, None) and s.matches(s.date_value("d", "ge1900"), None, None)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
       st.sampled_from(s.PREFIXES))
def test_in_force_on_a_day_is_ge_and_le_that_day(when, prefix):
    # period=geD&period=leD finds exactly the periods in force on D
    start, end = day("2019-07-01"), day("2024-04-01")
    value = when.isoformat()
    both = s.matches(s.date_value("p", f"ge{value}"), start, end) and s.matches(s.date_value("p", f"le{value}"),
                                                                                 start, end)
    assert both is (dt.date(2019, 7, 1) <= when <= dt.date(2024, 3, 31))
    assert s.date_value("p", f"{prefix}{value}").prefix == prefix
