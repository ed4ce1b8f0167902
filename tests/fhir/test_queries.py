"""The database's answer to a FHIR date search is the rule's (pcnhub.fhir.search.matches), on dated rows
(whole days, inclusive end) and on instants, for every prefix and precision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.fhir import queries
from pcnhub.fhir import search as s
from pcnhub.register.models import Membership, Organisation

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
DAYS = [None, dt.date(2019, 6, 30), dt.date(2019, 7, 1), dt.date(2019, 12, 31), dt.date(2020, 1, 1),
        dt.date(2024, 3, 31), dt.date(2024, 4, 1)]


@pytest.fixture
def rows():
    pcn = Organisation.objects.create(code="U00001", name="Alpha PCN", kind="pcn")
    made = []
    for i, start in enumerate(DAYS):
        for j, end in enumerate(DAYS):
            if start is not None and end is not None and end < start:
                continue
            practice = Organisation.objects.create(code=f"A{i}{j}", name=f"P{i}{j}", kind="practice")
            made.append(Membership.objects.create(practice=practice, pcn=pcn, start=start, end=end))
    return made


def _midnight(day: dt.date | None, shift: int = 0) -> dt.datetime | None:
    if day is None:
        return None
    day += dt.timedelta(days=shift)
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _search_values():
    dates = st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2024, 5, 1))
    day_text = dates.map(dt.date.isoformat)
    month_text = dates.map(lambda d: d.isoformat()[:7])
    year_text = dates.map(lambda d: d.isoformat()[:4])
    instant_text = st.tuples(dates, st.integers(0, 23), st.sampled_from(["Z", "+01:00", "-05:00"])).map(
        lambda t: f"{t[0].isoformat()}T{t[1]:02d}:00:00{t[2]}")
    return st.tuples(st.sampled_from(s.PREFIXES), st.one_of(day_text, month_text, year_text, instant_text)).map(
        "".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_search_values())
def test_dated_rows_agree_with_the_rule(rows, text):
    search = s.date_value("period", text)
    found = set(Membership.objects.filter(queries.dated_rows(search)).values_list("pk", flat=True))
    expected = {m.pk for m in rows if s.matches(search, _midnight(m.start), _midnight(m.end, 1))}
    assert found == expected, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_search_values())
def test_instants_agree_with_the_rule(rows, text):
    moments = [dt.datetime(2019, 7, 1, tzinfo=UTC), dt.datetime(2020, 1, 1, 9, 30, tzinfo=UTC),
               dt.datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), timezone.now()]
    for row, moment in zip(rows, moments, strict=False):
        Membership.objects.filter(pk=row.pk).update(updated=moment)
    stamped = {row.pk: moment for row, moment in zip(rows, moments, strict=False)}
    search = s.date_value("_lastUpdated", text)
    found = set(Membership.objects.filter(pk__in=stamped).filter(queries.instants(search, "updated")).values_list(
        "pk", flat=True))
    expected = {pk for pk, t in stamped.items() if s.matches(search, t, t + dt.timedelta(microseconds=1))}
    assert found == expected, text
