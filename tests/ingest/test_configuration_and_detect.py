"""read_configuration (the plain PCN CSV, with rows and areas) and detect_kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcnhub.ingest import ConfigurationRow, Kind, detect_kind, read_configuration
from tests.ingest.helpers import (
    ALL_HEADER,
    MAP_HEADER,
    QUIN_HEADER,
    SINGLE_HEADER,
    all_row,
    epcn_member,
    epcn_network,
    epraccur_row,
    map_row,
    raises_input_error,
    write_csv,
    write_epcn,
)
from tests.paths import SHARED_DATA

SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"
NHS = SHARED_DATA / "nhs-open-data"


def test_reads_the_southend_configuration_with_its_areas() -> None:
    rows = read_configuration(SOUTHEND)
    assert len(rows) == 50
    assert rows[0] == ConfigurationRow("F81001", "Dr Khan & Ptns", 12980, "Benfleet", "Castle Point and Rochford", 2)
    assert rows[-1].row == 51
    assert {row.area for row in rows} == {"Castle Point and Rochford", "Southend"}
    assert len({(row.area, row.pcn) for row in rows}) == 9


def test_a_configuration_without_an_area_column_has_blank_areas(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Canvey", "f81051", "Third Avenue", "7,186"], ["", "F81096", "Oaklands", "1"]],
        ["pcn", "practice_code", "practice_name", "list_size"],
    )
    assert read_configuration(path) == [
        ConfigurationRow("F81051", "Third Avenue", 7186, "Canvey", "", 2),
        ConfigurationRow("F81096", "Oaklands", 1, "", "", 3),
    ]


def test_weighted_and_adjusted_populations_are_read_where_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Canvey", "F81051", "Third Avenue", "7186", "7,954.31", "7301.5"], ["Canvey", "F81096", "Oaklands", "10", "", ""]],
        ["pcn", "practice_code", "practice_name", "list_size", "weighted_list", "adjusted_population"],
    )
    first, second = read_configuration(path)
    assert (first.weighted, first.adjusted) == (7954.31, 7301.5)
    assert (second.weighted, second.adjusted) == (None, None)


@pytest.mark.parametrize("bad", ["-4", "lots", "nan", "inf"])
def test_a_bad_weighted_population_names_its_row_and_field(tmp_path: Path, bad: str) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Canvey", "F81051", "Third Avenue", "7186", "7000"], ["Canvey", "F81096", "Oaklands", "10", bad]],
        ["pcn", "practice_code", "practice_name", "list_size", "weighted_list"],
    )
    error = raises_input_error(lambda: read_configuration(path))
    assert (error.file, error.row, error.field) == ("c.csv", 3, "weighted_list")
    assert "not a population" in error.message


def test_a_practice_in_two_pcns_is_an_error(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Canvey", "F81051", "Third Avenue", "7186"], ["Benfleet", "F81051", "Third Avenue", "7186"]],
        ["pcn", "practice_code", "practice_name", "list_size"],
    )
    error = raises_input_error(lambda: read_configuration(path))
    assert (error.file, error.row, error.field) == ("c.csv", 3, "pcn")
    assert "one PCN only" in error.message


def test_problems_found_by_the_configuration_reader_are_raised(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [["Canvey", "F8105", "Third Avenue", "7186"]],
        ["pcn", "practice_code", "practice_name", "list_size"],
    )
    error = raises_input_error(lambda: read_configuration(path))
    assert (error.row, error.field) == (2, "practice_code")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("epraccur_2019.csv", Kind.EPRACCUR),
        ("gp-reg-pat-prac-map_2022-01.csv", Kind.PRACTICE_MAP),
        ("gp-reg-pat-prac-all_2021-01.csv", Kind.LIST_SIZES),
    ],
)
def test_recognises_the_real_files(name: str, kind: Kind) -> None:
    assert detect_kind(NHS / name) is kind


def test_recognises_a_configuration() -> None:
    assert detect_kind(SOUTHEND) is Kind.CONFIGURATION


def test_recognises_each_kind_from_its_contents_not_its_name(tmp_path: Path) -> None:
    files = {
        Kind.EPRACCUR: write_csv(tmp_path / "a.csv", [epraccur_row()]),
        Kind.PRACTICE_MAP: write_csv(tmp_path / "b.csv", [map_row()], MAP_HEADER),
        Kind.LIST_SIZES: write_csv(tmp_path / "c.csv", [all_row()], ALL_HEADER),
        Kind.QUINARY_AGE: write_csv(tmp_path / "d.csv", [], QUIN_HEADER),
        Kind.SINGLE_AGE: write_csv(tmp_path / "e.csv", [all_row()[:7] + ["FEMALE", "0", 3]], SINGLE_HEADER),
        Kind.EPCN: write_epcn(tmp_path / "f.xlsx", [epcn_network()], [epcn_member()]),
        Kind.CONFIGURATION: write_csv(tmp_path / "g.csv", [], ["PCN", "Practice_Code", "practice_name", "list_size"]),
        Kind.CLUSTERS: write_csv(tmp_path / "h.csv", [], ["cluster", "practices", "population"]),
        Kind.PLACE_NETWORKS: write_csv(tmp_path / "i.csv", [], ["place", "pcn"]),
    }
    assert {kind: detect_kind(path) for kind, path in files.items()} == {kind: kind for kind in files}


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"),
     ("place,network\nLeicester City,Aegis\n", "not a file pcnhub can import (first row: place, network)")],
)
def test_an_unrecognised_file_is_an_input_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "llr.csv"
    path.write_text(content)
    error = raises_input_error(lambda: detect_kind(path))
    assert error.file == "llr.csv" and message in error.message


def test_a_list_size_file_without_rows_cannot_be_told_apart(tmp_path: Path) -> None:
    error = raises_input_error(lambda: detect_kind(write_csv(tmp_path / "all.csv", [], ALL_HEADER)))
    assert "no rows" in error.message


def test_a_workbook_that_is_not_an_epcn_is_an_input_error(tmp_path: Path) -> None:
    path = write_epcn(tmp_path / "other.xlsx", [], [], sheets=("Sheet A", "Sheet B"))
    assert "not an ePCN workbook" in raises_input_error(lambda: detect_kind(path)).message
