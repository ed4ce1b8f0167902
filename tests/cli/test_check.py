"""`pcnhub check FILE.csv` on the published Southend, Castle Point and Rochford configuration."""

import json
from pathlib import Path

import pytest

from pcnhub.cli.check import add_check_arguments, run_file_check
from tests.cli.helpers import command
from tests.paths import SHARED_DATA

SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"

# Published list sizes (seed 004), January 2019.
PUBLISHED_LIST_SIZES = {
    "Benfleet": 48_398,
    "Canvey": 36_416,
    "North Road Plus": 28_858,
    "Rayleigh & District": 56_155,
    "Rochford": 44_819,
    "Southend Central": 30_727,
    "Southend East": 37_453,
    "West Central": 34_870,
    "West Leigh": 56_908,
}


run = command("pcnhub check", add_check_arguments, run_file_check)


@pytest.fixture(scope="module")
def southend() -> Path:
    assert SOUTHEND.is_file(), f"shared seed table missing: {SOUTHEND}"
    return SOUTHEND


def test_json_report_matches_the_published_table(southend: Path) -> None:
    code, stdout, stderr = run(str(southend), "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (1, "")
    assert {network["name"]: network["list_size"] for network in report["networks"]} == PUBLISHED_LIST_SIZES
    assert [network["name"] for network in report["networks"]] == sorted(PUBLISHED_LIST_SIZES)
    assert sum(len(network["practices"]) for network in report["networks"]) == 50
    assert report["band"] == {"lower": 30_000, "upper": 50_000, "upper_binds": False}
    assert report["broken"] is True


def test_one_network_breaks_the_band_and_two_are_above_its_suggested_upper_level(southend: Path) -> None:
    """Below 30,000 breaks the DES; above 50,000 ("a suggested upper level", seed 000) is a warning."""
    _, stdout, _ = run(str(southend), "--json")
    report = json.loads(stdout)
    assert [(finding["rule"], finding["severity"], finding["network"]) for finding in report["findings"]] == [
        ("list-size-band", "error", "North Road Plus"),
        ("list-size-band", "warning", "Rayleigh & District"),
        ("list-size-band", "warning", "West Leigh"),
    ]
    assert {network["name"] for network in report["networks"] if network["findings"]} == {
        "North Road Plus",
        "Rayleigh & District",
        "West Leigh",
    }
    messages = [finding["message"] for finding in report["findings"]]
    assert messages[1] == (
        "Rayleigh & District has 56,155 registered patients, 6,155 above the suggested upper level of 50,000 "
        "(band 30,000-50,000)"
    )
    assert messages[0].startswith(
        "North Road Plus has 28,858 registered patients, 1,142 below the lower limit"
    )


def test_a_binding_upper_limit_makes_three_networks_break_the_band(southend: Path) -> None:
    code, stdout, _ = run(str(southend), "--upper-binds", "--json")
    report = json.loads(stdout)
    assert code == 1
    assert [(finding["severity"], finding["network"]) for finding in report["findings"]] == [
        ("error", "North Road Plus"), ("error", "Rayleigh & District"), ("error", "West Leigh"),
    ]
    assert report["findings"][1]["message"].startswith(
        "Rayleigh & District has 56,155 registered patients, 6,155 above the upper limit of 50,000")
    assert report["band"] == {"lower": 30_000, "upper": 50_000, "upper_binds": True}


def test_wider_band_passes(southend: Path) -> None:
    code, stdout, stderr = run(str(southend), "--lower", "25000", "--upper", "60000", "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert report["findings"] == []
    assert report["broken"] is False
    assert report["band"] == {"lower": 25_000, "upper": 60_000, "upper_binds": False}


def test_text_report(southend: Path) -> None:
    code, stdout, stderr = run(str(southend))
    assert (code, stderr) == (1, "")
    lines = stdout.splitlines()
    assert lines[0] == "9 networks checked against the 30,000-50,000 registered patients band"
    assert "  Benfleet                48,398  ok" in lines
    assert "  Rayleigh & District     56,155  warning" in lines
    assert "  North Road Plus         28,858  BROKEN" in lines
    assert sum(line.endswith("BROKEN") for line in lines) == 1
    assert sum(line.endswith("warning") for line in lines) == 2
    assert lines[-1] == "Result: BROKEN (1 error)"


def test_text_report_when_nothing_is_broken(southend: Path) -> None:
    code, stdout, _ = run(str(southend), "--lower", "25000", "--upper", "60000")
    assert code == 0
    assert "Findings: none" in stdout
    assert stdout.endswith("Result: no rule broken\n")


def test_coverage_gap_and_recorded_exception_in_an_edited_copy(southend: Path, tmp_path: Path) -> None:
    header, *rows = southend.read_text(encoding="utf-8").splitlines()
    edited = [header + ",exception_reason"]
    for row in rows:
        reason = "coastal town" if ",West Leigh," in row else ""
        edited.append(row.replace(",North Road Plus,Y02707,", ",,Y02707,") + "," + reason)
    copy = tmp_path / "southend.csv"
    copy.write_text("\n".join(edited) + "\n", encoding="utf-8")

    code, stdout, _ = run(str(copy), "--json")
    report = json.loads(stdout)
    assert code == 1
    assert [(finding["network"], finding["rule"], finding["severity"]) for finding in report["findings"]] == [
        ("North Road Plus", "list-size-band", "error"),
        ("Rayleigh & District", "list-size-band", "warning"),
        ("West Leigh", "list-size-band", "exception"),
        (None, "full-coverage", "error"),
    ]
    assert report["findings"][2]["message"].endswith("; exception recorded: coastal town")
    assert report["findings"][3]["practices"] == ["Y02707"]
    assert report["findings"][3]["message"].endswith("not fully covered: Y02707 (St Luke's HC)")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "missing.csv: the file does not exist\n"),
        (
            ["--lower", "60000", "--upper", "50000"],
            "the band's lower limit (60,000) is above its upper limit",
        ),
        (["--lower", "-1"], "the band's lower limit cannot be negative"),
        (["--icb", "QHM"], "--pcn-date and --icb check the stored register"),
        (["--pcn-date", "2019-07-01"], "--pcn-date and --icb check the stored register"),
    ],
)
def test_bad_input_exits_2_with_nothing_on_stdout(tmp_path: Path, options: list[str], message: str) -> None:
    code, stdout, stderr = run(str(tmp_path / "missing.csv"), *options)
    assert (code, stdout) == (2, "")
    assert message in stderr


def test_bad_file_reports_every_problem_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "southend.csv"
    bad.write_text(
        "pcn,practice_code,practice_name,list_size\nCanvey,F81051,A,abc\nCanvey,X1,B,10\n", encoding="utf-8"
    )
    code, stdout, stderr = run(str(bad), "--json")
    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [
        "southend.csv row 2, field list_size: 'abc' is not a whole number",
        "southend.csv row 3, field practice_code: 'X1' is not an ODS practice code "
        "(a letter then five letters or digits, e.g. F81001)",
    ]
