"""read_epcn: the PCNDetails and PCN Core Partner Details sheets of ePCN.xlsx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pcnhub.ingest import EpcnMember, EpcnNetwork, read_epcn
from tests.ingest.helpers import (
    EPCN_PARTNERS_HEADER,
    epcn_member,
    epcn_network,
    raises_input_error,
    write_epcn,
)


def test_reads_pcns_and_their_members(tmp_path: Path) -> None:
    path = write_epcn(
        tmp_path / "ePCN.xlsx",
        [epcn_network(), epcn_network("U07032", "NORTH STOCKTON PCN", opened="20190701", closed="2023-03-31")],
        [
            epcn_member(),
            epcn_member(
                "A81002",
                "U89141",
                start=dt.datetime(2019, 7, 1),
                end=dt.datetime(2020, 3, 31),
                name="QUEENS PARK MEDICAL CENTRE",
            ),
            epcn_member(
                "A81002", "U07032", start="01/04/2020", name="QUEENS PARK MEDICAL CENTRE", pcn_name="NORTH STOCKTON PCN"
            ),
        ],
    )
    epcn = read_epcn(path)
    assert epcn.networks == [
        EpcnNetwork(
            "U89141",
            "STOCKTON PCN",
            "16C",
            "NHS TEES VALLEY CCG",
            dt.date(2019, 7, 1),
            None,
            "THE HEALTH CENTRE, LAWSON STREET, STOCKTON-ON-TEES",
            "TS18 1HU",
        ),
        EpcnNetwork(
            "U07032",
            "NORTH STOCKTON PCN",
            "16C",
            "NHS TEES VALLEY CCG",
            dt.date(2019, 7, 1),
            dt.date(2023, 3, 31),
            "THE HEALTH CENTRE, LAWSON STREET, STOCKTON-ON-TEES",
            "TS18 1HU",
        ),
    ]
    assert [(m.practice_code, m.pcn_code, m.start, m.end) for m in epcn.members] == [
        ("A81001", "U89141", dt.date(2019, 7, 1), None),
        ("A81002", "U89141", dt.date(2019, 7, 1), dt.date(2020, 3, 31)),
        ("A81002", "U07032", dt.date(2020, 4, 1), None),
    ]
    assert epcn.members[0] == EpcnMember(
        "A81001",
        "THE DENSHAM SURGERY",
        "16C",
        "NHS TEES VALLEY CCG",
        "U89141",
        "STOCKTON PCN",
        "16C",
        "NHS TEES VALLEY CCG",
        dt.date(2019, 7, 1),
        None,
    )
    assert [n.row for n in epcn.networks] == [2, 3]


def test_header_titles_are_matched_whatever_their_line_breaks_and_case(tmp_path: Path) -> None:
    header = [" ".join(title.split()).upper() for title in EPCN_PARTNERS_HEADER]
    path = write_epcn(tmp_path / "ePCN.xlsx", [epcn_network()], [epcn_member()], partners_header=header)
    assert len(read_epcn(path).members) == 1


@pytest.mark.parametrize(
    ("networks", "members", "row", "field", "message"),
    [
        ([epcn_network("U8914!")], [epcn_member()], 2, "PCN Code", "sheet PCNDetails: 'U8914!' is not a PCN code"),
        ([epcn_network(opened="soon")], [epcn_member()], 2, "Open Date", "not a date"),
        ([epcn_network(), epcn_network(sub_icb="00K")], [epcn_member()], 3, "PCN Code", "also on row 2"),
        (
            [epcn_network()],
            [epcn_member(), epcn_member("A8100")],
            3,
            "Partner Organisation Code",
            "sheet PCN Core Partner Details: 'A8100' is not an ODS practice code",
        ),
        ([epcn_network()], [epcn_member(start=None)], 2, "Practice to PCN Relationship Start Date", "blank"),
        (
            [epcn_network()],
            [epcn_member(end=dt.datetime(2019, 1, 1))],
            2,
            "Practice to PCN Relationship End Date",
            "before the start date",
        ),
    ],
)
def test_a_bad_row_is_reported_with_its_row_and_field(
    tmp_path: Path, networks: list[list[object]], members: list[list[object]], row: int, field: str, message: str
) -> None:
    path = write_epcn(tmp_path / "ePCN.xlsx", networks, members)
    error = raises_input_error(lambda: read_epcn(path))
    assert (error.file, error.row, error.field) == ("ePCN.xlsx", row, field), str(error)
    assert message in error.message


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    header = [title for title in EPCN_PARTNERS_HEADER if "Start" not in title]
    path = write_epcn(tmp_path / "ePCN.xlsx", [epcn_network()], [epcn_member()[:-2]], partners_header=header)
    error = raises_input_error(lambda: read_epcn(path))
    assert (error.row, error.field) == (1, "Practice to PCN Relationship Start Date")


def test_a_missing_sheet_is_named(tmp_path: Path) -> None:
    path = write_epcn(tmp_path / "ePCN.xlsx", [epcn_network()], [], sheets=("PCNDetails", "Partners"))
    assert "no sheet 'PCN Core Partner Details'" in raises_input_error(lambda: read_epcn(path)).message


def test_a_sheet_without_rows_is_an_error(tmp_path: Path) -> None:
    path = write_epcn(tmp_path / "ePCN.xlsx", [], [epcn_member()])
    error = raises_input_error(lambda: read_epcn(path))
    assert error.message == "sheet PCNDetails: the sheet has a header but no rows"


def test_a_file_that_is_not_a_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "ePCN.xlsx"
    path.write_text("PCN Code,PCN Name\n")
    assert "not an Excel workbook" in raises_input_error(lambda: read_epcn(path)).message


def test_a_workbook_too_large_unpacked_is_refused_before_it_is_read(tmp_path: Path, monkeypatch) -> None:
    """A few hundred KB of .xlsx can unpack to gigabytes (one 300 MB cell took 1.5 GB to refuse): the parts'
    unpacked sizes are checked first, from the zip's directory."""
    from pcnhub.ingest import epcn

    path = write_epcn(tmp_path / "ePCN.xlsx", [epcn_network()], [epcn_member()])
    monkeypatch.setattr(epcn, "MAX_UNPACKED_BYTES", 1_000)
    monkeypatch.setattr(epcn, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    error = raises_input_error(lambda: read_epcn(path))
    assert error.file == "ePCN.xlsx" and "unpacks to" in error.message and "at most 1,000 bytes" in error.message


def test_a_sheet_with_too_many_rows_is_refused_without_reading_them_all(tmp_path: Path, monkeypatch) -> None:
    from pcnhub.ingest import epcn

    members = [epcn_member(f"A81{number:03d}") for number in range(1, 30)]
    path = write_epcn(tmp_path / "ePCN.xlsx", [epcn_network()], members)
    monkeypatch.setattr(epcn, "MAX_ROWS", 10)
    error = raises_input_error(lambda: read_epcn(path))
    assert "has more than 10 rows" in error.message and "PCN Core Partner Details" in error.message
