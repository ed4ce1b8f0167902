"""`pcnhub check FILE.csv` with locations: contiguity findings, postcodes, bad locations, the JSON shape."""

import json
from pathlib import Path

import pytest

from pcnhub.cli.check import add_check_arguments, run_file_check
from pcnhub.domain.contiguity import with_contiguity
from pcnhub.domain.rules import (
    EXCEPTION,
    WARNING,
    Network,
    PracticeEntry,
    check_configuration,
)
from tests.cli.helpers import command
from tests.domain.geo_helpers import km_point
from tests.paths import SHARED_DATA

SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"
HEADER = "pcn,practice_code,practice_name,list_size"


run = command("pcnhub check", add_check_arguments, run_file_check)


def write(tmp_path: Path, columns: str, rows: list[str], name: str = "config.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([f"{HEADER},{columns}", *rows]) + "\n", encoding="utf-8")
    return path


def km(x: float, y: float) -> str:
    point = km_point("X", x, y)
    return f"{point.lat:.6f},{point.lon:.6f}"


# West is split by a wall of East's practices (5 km east of West's pair) between its two halves.
SPLIT = [
    f"West,A00001,One,16000,{km(0, 0)}",
    f"West,A00002,Two,16000,{km(0, 5)}",
    f"East,A00003,Three,12000,{km(5, -5)}",
    f"East,A00005,Five,12000,{km(5, 2.5)}",
    f"East,A00006,Six,12000,{km(5, 10)}",
    f"West,A00004,Four,5000,{km(10, 2.5)}",
]


def test_a_network_split_in_two_names_its_stray_practices_in_a_warning(tmp_path: Path) -> None:
    code, out, err = run(str(write(tmp_path, "lat,lon", SPLIT)), "--json")
    assert (code, err) == (0, "")  # "normally contiguous": a warning for the commissioner, not a broken rule
    report = json.loads(out)
    [finding] = report["findings"]
    assert finding == {
        "rule": "contiguity",
        "severity": "warning",
        "message": "West is not contiguous: its practices form 2 separate pieces; the largest is A00001, A00002; "
        "stray practices: A00004",
        "network": "West",
        "practices": ["A00004"],
    }
    west = next(n for n in report["networks"] if n["name"] == "West")
    assert west["findings"] == [finding]
    assert report["broken"] is False
    assert report["contiguity"] == {
        "checked": True,
        "note": "checked on a neighbour graph of 6 located practices (links over 15 km dropped unless needed "
        "to connect)",
        "max_edge_km": 15.0,
        "located": 6,
        "approximate": {},
        "unlocated": {},
    }


def test_contiguous_networks_have_no_contiguity_findings(tmp_path: Path) -> None:
    rows = [row.replace("West,A00004", "East,A00004") for row in SPLIT]
    code, out, _ = run(str(write(tmp_path, "Latitude,Longitude", rows)), "--lower", "0", "--json")
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_text_report_has_the_finding_and_a_contiguity_line(tmp_path: Path) -> None:
    code, out, _ = run(str(write(tmp_path, "lat,lon", SPLIT)))
    assert code == 0
    assert "  warning    contiguity: West is not contiguous" in out
    assert "Contiguity: checked on a neighbour graph of 6 located practices" in out
    assert out.endswith("Result: no rule broken\n")


# Real postcodes: North has two Southend practices and one in Birmingham; South is in Chelmsford,
# between them, so North is in two pieces.
POSTCODE_ROWS = [
    "North,A00001,One,15000,SS0 0AA",
    "North,A00002,Two,15000,ss00ab",
    "North,A00003,Three,5000,B1 1AY",
    "South,A00004,Four,20000,CM1 1HT",
    "South,A00005,Five,20000,CM2 0AA",
]


def test_postcodes_are_geocoded_and_a_far_practice_is_stray(tmp_path: Path) -> None:
    code, out, err = run(str(write(tmp_path, "postcode", POSTCODE_ROWS)), "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    [finding] = report["findings"]
    assert (finding["rule"], finding["severity"], finding["network"]) == ("contiguity", "warning", "North")
    assert finding["practices"] == ["A00003"]
    assert report["contiguity"]["located"] == 5


def test_lat_lon_win_over_postcode_per_row(tmp_path: Path) -> None:
    # A00003's postcode is Birmingham but its lat/lon put it in Southend: no split.
    rows = [row + ",," for row in POSTCODE_ROWS]
    rows[2] = "North,A00003,Three,5000,B1 1AY,51.553,0.677"
    code, out, _ = run(str(write(tmp_path, "postcode,lat,lon", rows)), "--json")
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_sector_approximate_postcode_gives_an_info_finding(tmp_path: Path) -> None:
    rows = [*POSTCODE_ROWS[:2], "North,A00003,Three,5000,SS0 0ZZ", *POSTCODE_ROWS[3:]]  # SS0 0ZZ: not in the data
    code, out, _ = run(str(write(tmp_path, "postcode", rows)), "--json")
    assert code == 0
    report = json.loads(out)
    [note] = report["findings"]
    assert (note["rule"], note["severity"], note["network"], note["practices"]) == (
        "contiguity", "info", "North", ["A00003"]
    )
    assert "A00003 (SS0 0ZZ, sector mean)" in note["message"]
    assert report["contiguity"]["approximate"] == {"A00003": "SS0 0ZZ, sector mean"}


def test_a_row_without_a_location_is_named_in_a_note(tmp_path: Path) -> None:
    rows = [*POSTCODE_ROWS[:4], "South,A00005,Five,20000,"]
    code, out, _ = run(str(write(tmp_path, "postcode", rows)), "--json")
    report = json.loads(out)
    assert code == 0
    assert [f["network"] for f in report["findings"] if f["severity"] == "warning"] == ["North"]  # still split
    note = next(f for f in report["findings"] if f["severity"] == "info")
    assert (note["rule"], note["network"], note["practices"]) == ("contiguity", "South", ["A00005"])
    assert report["contiguity"]["unlocated"] == {"A00005": "no lat and lon or postcode given"}


def test_bad_locations_exit_2_naming_file_row_and_field(tmp_path: Path) -> None:
    rows = [
        "North,A00001,One,15000,SS0 0AA,,",
        "North,A00002,Two,15000,nonsense,,",
        "North,A00003,Three,5000,ZZ99 9ZZ,,",
        "South,A00004,Four,20000,,95,0.5",
        "South,A00005,Five,20000,,51.5,",
    ]
    code, out, err = run(str(write(tmp_path, "Post Code,lat,lon", rows)), "--json")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "config.csv row 3, field Post Code: 'nonsense' is not a UK postcode (e.g. SS0 0AA)"
    assert lines[1].startswith("config.csv row 4, field Post Code: ZZ99 9ZZ cannot be placed")
    assert lines[2] == "config.csv row 5, field lat: 95 is out of range (-90 to 90 degrees)"
    assert lines[3].startswith("config.csv row 6, field lon: is blank but lat is given")
    assert len(lines) == 4


def test_lat_without_lon_column_exits_2(tmp_path: Path) -> None:
    code, _, err = run(str(write(tmp_path, "lat", ["North,A00001,One,15000,51.5"])))
    assert code == 2
    assert "config.csv row 1, field lon: column is missing" in err


def test_without_location_columns_contiguity_is_not_checked_and_said_so() -> None:
    code, out, _ = run(str(SOUTHEND), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["contiguity"] == {
        "checked": False,
        "note": "not checked: the file has no lat and lon or postcode columns",
        "max_edge_km": None,
        "located": 0,
        "approximate": {},
        "unlocated": {},
    }
    assert not any(f["rule"] == "contiguity" for f in report["findings"])
    _, text, _ = run(str(SOUTHEND))
    assert "Contiguity: not checked: the file has no lat and lon or postcode columns" in text


def test_max_edge_km(tmp_path: Path) -> None:
    path = write(tmp_path, "lat,lon", SPLIT)
    code, out, _ = run(str(path), "--max-edge-km", "2.5", "--json")
    assert json.loads(out)["contiguity"]["max_edge_km"] == 2.5
    code, out, err = run(str(path), "--max-edge-km", "0")
    assert (code, out) == (2, "") and "--max-edge-km must be more than 0" in err


def test_with_contiguity_keeps_configuration_findings_last_and_tells_repeated_names_apart() -> None:
    def entry(code: str) -> PracticeEntry:
        return PracticeEntry(code, code, 20000)

    networks = [
        Network("Same", [entry("A00001"), entry("A00004")], code="U00001"),
        Network("Same", [entry("A00002"), entry("A00003")], code="U00002"),
        Network("", [entry("A00005")]),
    ]
    result = check_configuration(networks)
    points = [km_point("A00001", 0, 0), km_point("A00002", 5, 0), km_point("A00003", 10, 0),
              km_point("A00004", 15, 0), km_point("A00005", 30, 0)]
    checked = with_contiguity(result, points)
    assert [f.rule for f in checked.findings] == ["contiguity", "full-coverage"]
    [split] = [f for f in checked.findings if f.rule == "contiguity"]
    assert split.severity == WARNING
    assert split.network == "Same" and split.message.startswith("Same (U00001) is not contiguous")
    assert checked.networks[0].findings == (split,) and checked.networks[1].findings == ()
    assert checked.broken  # by the full-coverage error, not by contiguity
    agreed = with_contiguity(result, points, exceptions={"U00001": "agreed by the ICB"})
    [split] = [f for f in agreed.findings if f.rule == "contiguity"]
    assert split.severity == EXCEPTION and split.message.endswith("exception recorded: agreed by the ICB")


@pytest.mark.parametrize("columns", ["lat,lon", "postcode"])
def test_repeated_practice_takes_its_first_location(tmp_path: Path, columns: str) -> None:
    location = km(0, 0) if columns == "lat,lon" else "SS0 0AA"
    rows = [f"North,A00001,One,15000,{location}", f"South,A00001,One,15000,{location}"]
    code, out, _ = run(str(write(tmp_path, columns, rows)), "--lower", "0", "--json")
    report = json.loads(out)
    assert code == 1  # one-pcn-per-practice
    assert report["contiguity"]["located"] == 1
    assert not any(f["rule"] == "contiguity" for f in report["findings"])


def test_constants_match_the_modules_not_imported_at_startup() -> None:
    """contiguity copies geography's default so that `pcnhub` starts without loading scipy."""
    import subprocess
    import sys

    from pcnhub.domain import contiguity, geography

    assert contiguity.DEFAULT_MAX_EDGE_KM == geography.DEFAULT_MAX_EDGE_KM
    probe = "import sys, pcnhub.cli.main; print('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False\n"
