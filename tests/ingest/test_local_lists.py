"""Local lists naming practices or networks: recognised by their header, read with problems pinned to row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcnhub.ingest import (
    ClusterRow,
    Kind,
    NamedPractice,
    PlaceNetworkRow,
    detect_kind,
    read_clusters,
    read_place_networks,
)
from tests.ingest.helpers import raises_input_error, write_csv
from tests.paths import SHARED_DATA

SEEDS = SHARED_DATA / "seed-tables"


def test_the_seed_files_are_recognised_and_read() -> None:
    clusters = SEEDS / "milton-keynes-clusters_2019.csv"
    places = SEEDS / "llr-pcns_2019.csv"
    assert detect_kind(clusters) is Kind.CLUSTERS and detect_kind(places) is Kind.PLACE_NETWORKS
    rows = read_clusters(clusters)
    assert [row.cluster for row in rows] == [f"Cluster {n}" for n in range(1, 8)]
    assert rows[0] == ClusterRow("Cluster 1", (NamedPractice("Stony"), NamedPractice("Watling Vale"),
                                               NamedPractice("Hilltops")), 40516, 2)
    assert sum(len(row.practices) for row in rows) == 27
    networks = read_place_networks(places)
    assert len(networks) == 27 and networks[0] == PlaceNetworkRow("Leicester City", "Aegis Healthcare", 2)
    assert networks[14] == PlaceNetworkRow("East Leicestershire and Rutland", "Melton, Syston and Vale", 16)
    assert {row.place for row in networks} == {"Leicester City", "East Leicestershire and Rutland", "West Leicestershire"}


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (["pcn", "practice_code", "practice_name", "list_size"], Kind.CONFIGURATION),
        (["area", "pcn", "practice_code", "practice_name", "list_size", "place"], Kind.CONFIGURATION),
        (["Cluster", "Practices"], Kind.CLUSTERS),
        (["PLACE", "PCN", "notes"], Kind.PLACE_NETWORKS),
    ],
)
def test_detection_by_header(tmp_path: Path, header: list[str], kind: Kind) -> None:
    assert detect_kind(write_csv(tmp_path / "f.csv", [["x"] * len(header)], header)) is kind


@pytest.mark.parametrize(
    "header",
    [["place", "network"], ["cluster", "population"], ["cluster", "practices", "pcn"], ["place", "pcn", "practices"],
     ["region", "pcn"], ["practice", "cluster"]],
)
def test_detection_does_not_misfire_on_other_headers(tmp_path: Path, header: list[str]) -> None:
    error = raises_input_error(lambda: detect_kind(write_csv(tmp_path / "f.csv", [["x"] * len(header)], header)))
    assert "not a file pcnhub can import" in error.message and error.row == 1


def test_postcodes_in_brackets_blank_entries_and_optional_population(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["North", "Stony (mk11 1ya); ; Red House"], ["South", "Cobbs"]],
                     ["cluster", "practices"])
    assert read_clusters(path) == [
        ClusterRow("North", (NamedPractice("Stony", "MK11 1YA"), NamedPractice("Red House")), None, 2),
        ClusterRow("South", (NamedPractice("Cobbs"),), None, 3),
    ]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (["", "Stony", "100"], "cluster", "is blank"),
        (["A", "", "100"], "practices", "is blank"),
        (["A", " ; ;", "100"], "practices", "names no practice"),
        (["A", "Stony; stony", "100"], "practices", "'stony' is listed twice"),
        (["A", "Stony", "about 100"], "population", "'about 100' is not a whole number"),
        (["Cluster 1", "Stony", "100"], "cluster", "'Cluster 1' is listed again (first on row 2)"),
    ],
)
def test_a_bad_cluster_row_is_named_by_row_and_field(tmp_path: Path, row, field, message) -> None:
    path = write_csv(tmp_path / "c.csv", [["Cluster 1", "Hilltops", "40,516"], row], ["cluster", "practices",
                                                                                      "population"])
    error = raises_input_error(lambda: read_clusters(path))
    assert (error.file, error.row, error.field) == ("c.csv", 3, field)
    assert message in error.message


def test_a_bad_place_network_row_is_named_and_empty_files_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [["Rutland", "Rutland"], ["rutland", "RUTLAND"], ["", "X"]], ["place", "pcn"])
    error = raises_input_error(lambda: read_place_networks(path))
    assert [(p.row, p.field) for p in error.problems] == [(3, "pcn"), (4, "place")]
    assert "'RUTLAND' in 'rutland' is listed again (first on row 2)" in error.problems[0].message
    empty = write_csv(tmp_path / "e.csv", [], ["place", "pcn"])
    assert "no network rows" in raises_input_error(lambda: read_place_networks(empty)).message
    empty = write_csv(tmp_path / "e2.csv", [], ["cluster", "practices"])
    assert "no cluster rows" in raises_input_error(lambda: read_clusters(empty)).message
