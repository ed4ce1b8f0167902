"""area_member_counts: every area's numbers of PCNs and practices as area_members gives them, in a fixed number of
queries (the analyst's home page lists every ICB)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.register.services import AREA_KINDS, area_member_counts, area_members
from tests.builders import EARLIER, LATEST, MOVE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("date", [EARLIER, MOVE, LATEST, dt.date(2019, 1, 1)])
def test_the_same_numbers_as_area_members(register, date):
    Organisation.objects.filter(code="A81006").update(close_date=MOVE)  # closed practices are not counted
    Membership.objects.create(practice=register.practices["B82001"], pcn=register.north, start=MOVE)  # across ICBs
    areas = list(Organisation.objects.filter(kind__in=AREA_KINDS))
    expected = {a.pk: tuple(len(found) for found in area_members(a, date)) for a in areas}
    assert area_member_counts(areas, date) == expected
    assert expected[register.icb_a.pk] != (0, 0)


def test_a_fixed_number_of_queries(register):
    areas = list(Organisation.objects.filter(kind=OrgKind.ICB))
    with CaptureQueriesContext(connection) as one:
        area_member_counts(areas[:1], LATEST)
    with CaptureQueriesContext(connection) as every:
        area_member_counts(areas, LATEST)
    assert len(one.captured_queries) == len(every.captured_queries) == 4
