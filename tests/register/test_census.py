"""A national file is a census: a practice or sub-ICB location it leaves out, where it looks, is no longer there."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.domain.history import apply_snapshot, value_on
from pcnhub.register import census, services
from pcnhub.register.loaders import import_file
from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage
from tests.ingest.helpers import ALL_HEADER, MAP_HEADER, all_row, epraccur_row, map_row, write_csv

JAN_2022 = dt.date(2022, 1, 1)
MAY_2026 = dt.date(2026, 5, 1)


class FakeTimelines:
    """The importer's timelines in a dictionary."""

    def __init__(self, **start: int | None) -> None:
        self.rows: dict[int, list] = {}
        for subject, value in start.items():
            self.rows[int(subject[1:])] = [(JAN_2022, None, value)]

    def subjects(self) -> set[int]:
        return set(self.rows)

    def on(self, subject: int, date: dt.date) -> int | None:
        return value_on(self.rows.get(subject, []), date)

    def snapshot(self, subject: int, date: dt.date, value: int | None) -> None:
        self.rows[subject] = apply_snapshot(self.rows.get(subject, []), date, value)


def test_a_practice_left_out_of_a_listed_location_leaves_it_and_its_network() -> None:
    to_sub_icb = FakeTimelines(p1=100, p2=100, p3=200)
    memberships = FakeTimelines(p1=10, p2=10, p3=20)
    gone = census.leave_unlisted(MAY_2026, listed={1}, listed_sub_icbs={100}, practices={1, 2, 3},
                                 to_sub_icb=to_sub_icb, memberships=memberships)
    assert gone == {2}
    assert to_sub_icb.on(2, MAY_2026) is None and to_sub_icb.on(2, MAY_2026 - dt.timedelta(days=1)) == 100
    assert memberships.on(2, MAY_2026) is None and memberships.on(1, MAY_2026) == 10
    # location 200 is not in the file (a file filtered to some areas): its practice stays
    assert to_sub_icb.on(3, MAY_2026) == 200 and memberships.on(3, MAY_2026) == 20


def test_only_practices_are_looked_at() -> None:
    to_sub_icb = FakeTimelines(p1=100, p9=100)  # 9: a PCN placed in the location
    memberships = FakeTimelines(p1=10)
    gone = census.leave_unlisted(MAY_2026, listed={1}, listed_sub_icbs={100}, practices={1},
                                 to_sub_icb=to_sub_icb, memberships=memberships)
    assert gone == set() and to_sub_icb.on(9, MAY_2026) == 100


def test_a_location_whose_practices_all_went_leaves_its_icb() -> None:
    to_sub_icb = FakeTimelines(p1=100, p2=100, p3=200)
    to_icb = FakeTimelines(s100=1000, s200=1000, s300=1000)  # 300 never had a practice
    to_sub_icb.snapshot(1, MAY_2026, 200)
    to_sub_icb.snapshot(2, MAY_2026, None)
    emptied = census.empty_locations_leave(MAY_2026, {1, 2, 3}, to_sub_icb, to_icb)
    assert emptied == {100}
    assert to_icb.on(100, MAY_2026) is None and to_icb.on(100, MAY_2026 - dt.timedelta(days=1)) == 1000
    assert to_icb.on(200, MAY_2026) == 1000 and to_icb.on(300, MAY_2026) == 1000


# --- The importers ---------------------------------------------------------------------------------


def _epraccur(tmp_path):
    return write_csv(tmp_path / "epraccur.csv", [
        epraccur_row("A81001", commissioner="16C"),
        epraccur_row("A81002", name="QUEENS PARK", commissioner="16C"),
        epraccur_row("A81003", name="GONE SINCE 2019", commissioner="16C"),
        epraccur_row("A81004", name="ASLEEP", commissioner="16C", status="D"),
        epraccur_row("B81001", name="ELSEWHERE", commissioner="99Z"),
    ])


def _map(tmp_path, name, date, rows):
    return write_csv(tmp_path / name, [MAP_HEADER, *[map_row(code, pcn, date=date, **extra) for code, pcn, extra in rows]])


def _membership(code: str, date: dt.date) -> str | None:
    m = Membership.objects.on(date).filter(practice__code=code).select_related("pcn").first()
    return m.pcn.code if m else None


@pytest.mark.django_db
def test_a_practice_a_map_leaves_out_is_no_longer_open_in_its_area(tmp_path) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]), progress=False)
    icb = Organisation.objects.get(code="QHM")
    _, practices = services.area_members(icb, dt.date(2022, 6, 1))
    # A81003 left out of 16C by the 2022 map; A81004 is dormant; B81001's location 99Z is not in the file
    assert sorted(p.code for p in practices) == ["A81001", "A81002"]
    assert services.landscape(icb, dt.date(2022, 6, 1)).uncovered == []
    link = Parentage.objects.get(child__code="A81003", parent__kind=OrgKind.SUB_ICB)
    assert link.end == dt.date(2021, 12, 31)
    # before the map, A81003 was one of the location's practices
    gone = Organisation.objects.get(code="A81003").pk
    assert gone in services.gone_from_files(JAN_2022) and gone not in services.gone_from_files(dt.date(2021, 6, 1))
    assert Parentage.objects.get(child__code="B81001").end is None


@pytest.mark.django_db
def test_a_practice_left_out_of_a_later_map_leaves_its_network_and_location(tmp_path) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]), progress=False)
    import_file(_map(tmp_path, "m26.csv", "01May2026", [("A81001", "U89141", {})]), progress=False)
    assert _membership("A81002", dt.date(2026, 4, 30)) == "U89141" and _membership("A81002", MAY_2026) is None
    icb = Organisation.objects.get(code="QHM")
    assert services.landscape(icb, MAY_2026).uncovered == []
    assert [p.code for p in services.area_members(icb, MAY_2026)[1]] == ["A81001"]


@pytest.mark.django_db
def test_a_location_emptied_by_a_map_leaves_its_icb_and_the_icb_is_no_longer_current(tmp_path) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]), progress=False)
    moved = {"ccg": "D9X9X", "ccg_name": "NHS New ICB - D9X9X", "stp": "Z1Z1Z", "stp_name": "NHS New ICB"}
    import_file(_map(tmp_path, "m26.csv", "01May2026", [("A81001", "U89141", moved), ("A81002", "U89141", moved)]),
                progress=False)
    link = Parentage.objects.get(child__code="16C", parent__kind=OrgKind.ICB)
    assert link.end == dt.date(2026, 4, 30)
    assert [i.code for i in services.icbs_on(MAY_2026)] == ["Z1Z1Z"]
    assert [i.code for i in services.icbs_on(dt.date(2026, 4, 1))] == ["QHM"]


@pytest.mark.django_db
def test_a_list_size_file_is_a_census_too(tmp_path) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]), progress=False)
    sizes = write_csv(tmp_path / "all.csv", [ALL_HEADER, all_row("A81001", 6000, date="01APR2026", ccg="16C")])
    run = import_file(sizes, progress=False)
    assert _membership("A81002", dt.date(2026, 3, 31)) == "U89141" and _membership("A81002", dt.date(2026, 4, 1)) is None
    assert _membership("A81001", dt.date(2026, 4, 1)) == "U89141"
    assert run.rows == 1


@pytest.mark.django_db
def test_an_older_file_imported_after_a_newer_one_does_not_bring_a_practice_back(tmp_path) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m26.csv", "01May2026", [("A81001", "U89141", {})]), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]), progress=False)
    assert _membership("A81002", dt.date(2023, 1, 1)) == "U89141"
    assert _membership("A81002", MAY_2026) is None


@pytest.mark.django_db
def test_the_practice_page_says_until_when_a_practice_was_in_the_national_files(tmp_path, admin_client) -> None:
    import_file(_epraccur(tmp_path), progress=False)
    import_file(_map(tmp_path, "m22.csv", "01Jan2022", [("A81001", "U89141", {}), ("A81002", "U89141", {})]),
                progress=False)
    import_file(_map(tmp_path, "m26.csv", "01May2026", [("A81001", "U89141", {})]), progress=False)
    gone = admin_client.get("/practice/A81002/").content.decode()
    assert 'id="last-listed"' in gone and "Until 30 April 2026" in gone and "closed or merged" in gone
    here = admin_client.get("/practice/A81001/").content.decode()
    assert 'id="last-listed"' not in here
    # a practice that has gone cannot be moved in a scenario; one still listed can
    assert 'data-testid="scenario-link"' in here and 'data-testid="scenario-link"' not in gone
    assert services.last_listed(Organisation.objects.get(code="A81001")) is None
