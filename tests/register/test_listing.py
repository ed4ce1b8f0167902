"""The landscape's PCN list as data: filters, a stable sort, totals and the column headers' links (no database:
the rows are built in memory)."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.domain import rules
from pcnhub.register import listing
from pcnhub.register.models import ListSize, Membership, Organisation, OrgKind
from pcnhub.register.services import MemberRow, NetworkRow


def row(code: str, name: str, *sizes: int, findings: tuple[str, ...] = (), band=rules.DEFAULT_BAND) -> NetworkRow:
    pcn = Organisation(code=code, name=name, kind=OrgKind.PCN)
    members = []
    for i, size in enumerate(sizes):
        practice = Organisation(code=f"{code}P{i}", name=f"{name} practice {i}", kind=OrgKind.PRACTICE)
        members.append(MemberRow(practice, ListSize(organisation=practice, date=dt.date(2025, 1, 1), registered=size),
                                 Membership(practice=practice, pcn=pcn)))
    found = [rules.Finding(rules.LIST_SIZE_BAND, severity, f"{name}: {severity}", name) for severity in findings]
    return NetworkRow(pcn, members, findings=found, band=band)


ROWS = [
    row("U3", "charlie", 20_000, 5_000, findings=("error", "warning")),
    row("U1", "Alpha", 40_000),
    row("U2", "bravo", 30_000, 25_000, findings=("warning",), band=rules.Band(30_000, 70_000)),
    row("U4", "Delta", 15_000, 15_000, findings=("exception",)),
]


def codes(rows) -> list[str]:
    return [r.pcn.code for r in rows]


@pytest.mark.parametrize("filters, expected", [
    (listing.Filters(), ["U1", "U2", "U3", "U4"]),
    (listing.Filters(findings=True), ["U2", "U3", "U4"]),
    (listing.Filters(severity="warning"), ["U2", "U3"]),
    (listing.Filters(severity="exception"), ["U4"]),
    (listing.Filters(size="below"), ["U3"]),
    (listing.Filters(size="within"), ["U1", "U2", "U4"]),  # 55,000 is within U2's own band of 30,000-70,000
    (listing.Filters(size="above"), []),
    (listing.Filters(q="PRACTICE 1"), ["U2", "U3", "U4"]),
    (listing.Filters(q="u4p0"), ["U4"]),
])
def test_filters(filters, expected):
    assert codes(listing.listed(ROWS, filters)) == expected


def test_sorts_are_stable_with_ties_by_name():
    assert codes(listing.listed(ROWS, listing.Filters(), "-name")) == ["U4", "U3", "U2", "U1"]
    assert codes(listing.listed(ROWS, listing.Filters(), "-practices")) == ["U2", "U3", "U4", "U1"]
    assert codes(listing.listed(ROWS, listing.Filters(), "practices")) == ["U1", "U2", "U3", "U4"]
    assert codes(listing.listed(ROWS, listing.Filters(), "size")) == ["U3", "U4", "U1", "U2"]
    assert codes(listing.listed(ROWS, listing.Filters(), "-findings")) == ["U3", "U2", "U4", "U1"]


def test_totals():
    assert listing.totals(ROWS) == listing.Totals(pcns=4, practices=7, patients=150_000, with_findings=3)
    assert listing.totals([]) == listing.Totals(0, 0, 0, 0)


def test_columns_link_to_the_other_direction_when_sorted():
    columns = listing.columns("-size")
    assert (columns["size"].link, columns["size"].aria_sort) == ("size", "descending")
    assert (columns["name"].link, columns["name"].aria_sort) == ("name", "none")
    assert columns["findings"].link == "-findings"
    assert listing.columns("name")["name"].link == "-name"
    assert listing.columns("name")["name"].aria_sort == "ascending"
