"""Integration tests that need a real PostgreSQL server (run by `make test-postgres`).

The whole suite also runs on PostgreSQL; these tests cover what differs between the engines:
transactions that roll back a half-done import, constraints, and date-range queries.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from pcnhub.domain.errors import InputError
from pcnhub.register.loaders import import_file
from pcnhub.register.models import ImportRun, ListSize, Membership, Organisation
from tests.paths import SHARED_DATA

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"
EPRACCUR_HEAD = 200


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL integration test: run with DATABASE_URL=postgres://... (make test-postgres)")


@pytest.fixture
def southend_practices(tmp_path):
    """The Southend practices from the real epraccur file (only their rows, to keep the test quick)."""
    codes = {line.split(",")[2] for line in SOUTHEND.read_text().splitlines()[1:]}
    rows = [
        line for line in (SHARED_DATA / "nhs-open-data" / "epraccur_2019.csv").read_text().splitlines()
        if line.split(",")[0].strip('"') in codes
    ]
    path = tmp_path / "epraccur.csv"
    path.write_text("\n".join(rows) + "\n")
    import_file(path, progress=False)
    return codes


def test_import_commits_on_postgres_and_is_idempotent(southend_practices):
    import_file(SOUTHEND, date=dt.date(2019, 1, 1), progress=False)
    counts = (Organisation.objects.count(), Membership.objects.count(), ListSize.objects.count())
    import_file(SOUTHEND, date=dt.date(2019, 1, 1), progress=False)
    assert (Organisation.objects.count(), Membership.objects.count(), ListSize.objects.count()) == counts
    assert Membership.objects.on(dt.date(2019, 1, 1)).count() == 50
    assert ImportRun.objects.count() == 3


def test_bad_row_rolls_back_the_whole_file_on_postgres(southend_practices, tmp_path):
    lines = SOUTHEND.read_text().splitlines()
    lines[30] = lines[30].rsplit(",", 1)[0] + ",-5"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    before = (Organisation.objects.count(), Membership.objects.count(), ListSize.objects.count())
    with pytest.raises(InputError) as excinfo:
        import_file(bad, date=dt.date(2019, 1, 1), progress=False)
    assert excinfo.value.row == 31 and excinfo.value.field == "list_size"
    assert (Organisation.objects.count(), Membership.objects.count(), ListSize.objects.count()) == before


def test_one_list_size_per_organisation_and_date_is_enforced(southend_practices):
    practice = Organisation.objects.get(code="F81001")
    ListSize.objects.create(organisation=practice, date=dt.date(2019, 1, 1), registered=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListSize.objects.create(organisation=practice, date=dt.date(2019, 1, 1), registered=2)
