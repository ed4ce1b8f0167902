"""A closed practice leaves its network on its closure date, whichever file came first."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.register.loaders import import_file
from pcnhub.register.models import Membership
from tests.ingest.helpers import MAP_HEADER, epraccur_row, map_row, write_csv

pytestmark = pytest.mark.django_db


def _files(tmp_path, closed: str):
    epraccur = write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001", closed=closed, status="C" if closed else "A"),
                                                      epraccur_row("A81002", name="QUEENS PARK")])
    practice_map = write_csv(tmp_path / "map.csv", [MAP_HEADER, map_row("A81001", "U89141", date="01Jan2022"),
                                                    map_row("A81002", "U89141", date="01Jan2022",
                                                            practice_name="QUEENS PARK")])
    return epraccur, practice_map


def memberships() -> dict[str, tuple]:
    return {m.practice.code: (m.start, m.end) for m in Membership.objects.select_related("practice")}


@pytest.mark.parametrize("order", ["epraccur first", "map first"])
def test_a_practice_leaves_its_network_on_its_close_date(tmp_path, order):
    epraccur, practice_map = _files(tmp_path, closed="20230630")
    files = [epraccur, practice_map] if order == "epraccur first" else [practice_map, epraccur]
    for path in files:
        import_file(path, progress=False)
    assert memberships() == {"A81001": (dt.date(2022, 1, 1), dt.date(2023, 6, 30)),
                             "A81002": (dt.date(2022, 1, 1), None)}


def test_an_open_practice_stays(tmp_path):
    for path in _files(tmp_path, closed=""):
        import_file(path, progress=False)
    assert memberships()["A81001"] == (dt.date(2022, 1, 1), None)
