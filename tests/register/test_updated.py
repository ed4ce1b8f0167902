"""Every change to an organisation, its names and parents, a membership or a partnership stamps the row's
``updated`` (the FHIR API's meta.lastUpdated), bulk writes of the importers included; rows left alone keep theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pcnhub.register.forms import end_open_rows
from pcnhub.register.loaders import import_file
from pcnhub.register.models import ClinicalDirector, Membership, Organisation
from tests.ingest.helpers import MAP_HEADER, epraccur_row, map_row, write_csv

pytestmark = pytest.mark.django_db


def _membership(practice: str, start: dt.date) -> Membership:
    return Membership.objects.get(practice__code=practice, start=start)


def test_a_later_map_stamps_the_membership_it_ends_and_leaves_the_others(tmp_path):
    first = write_csv(tmp_path / "2022.csv", [MAP_HEADER, map_row("A81001", "U89141", date="01Jan2022"),
                                              map_row("A81002", "U89141", date="01Jan2022")])
    import_file(first, progress=False)
    kept = _membership("A81002", dt.date(2022, 1, 1)).updated
    before = timezone.now()
    later = write_csv(tmp_path / "2023.csv", [MAP_HEADER, map_row("A81001", "U89142", date="01Jan2023"),
                                              map_row("A81002", "U89141", date="01Jan2023")])
    import_file(later, progress=False)
    ended = _membership("A81001", dt.date(2022, 1, 1))
    assert ended.end == dt.date(2022, 12, 31) and ended.updated >= before
    assert _membership("A81001", dt.date(2023, 1, 1)).updated >= before
    assert _membership("A81002", dt.date(2022, 1, 1)).updated == kept < before


def test_a_closure_stamps_the_membership_it_ends(tmp_path):
    import_file(write_csv(tmp_path / "map.csv", [MAP_HEADER, map_row("A81001", "U89141", date="01Jan2022")]),
                progress=False)
    before = timezone.now()
    import_file(write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001", closed="20230630", status="C")]),
                progress=False)
    membership = _membership("A81001", dt.date(2022, 1, 1))
    assert membership.end == dt.date(2023, 6, 30) and membership.updated >= before
    assert Organisation.objects.get(code="A81001").updated >= before


def test_ending_open_rows_stamps_rows_that_have_a_time_and_works_on_rows_that_have_none():
    pcn = Organisation.objects.create(code="U00001", name="Alpha PCN", kind="pcn")
    practice = Organisation.objects.create(code="A00001", name="Alpha Surgery", kind="practice")
    membership = Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2020, 1, 1))
    ClinicalDirector.objects.create(pcn=pcn, name="Dr A", start=dt.date(2020, 1, 1))
    before = timezone.now()
    end_open_rows(Membership.objects.filter(pk=membership.pk), dt.date(2024, 1, 1))
    end_open_rows(ClinicalDirector.objects.filter(pcn=pcn), dt.date(2024, 1, 1))
    membership.refresh_from_db()
    assert membership.end == dt.date(2023, 12, 31) and membership.updated >= before
    assert ClinicalDirector.objects.get(pcn=pcn).end == dt.date(2023, 12, 31)
