"""`pcnhub access`: JSON contract, text summary and exit codes."""

import json
from pathlib import Path

import pytest

from pcnhub.cli.access import add_access_arguments, run_access
from tests.cli.helpers import command

PLAN = (
    "day,start,end,site,staff_type,agreed\n"
    "Mon,18:30,20:00,Main,GP,\n"
    "Mon,18:30,20:00,Main,Nurse,\n"
    "Sat,09:00,17:00,Branch,GP,\n"
    "Sun,10:00,12:00,Main,GP,yes\n"
)


run = command("pcnhub access", add_access_arguments, run_access)


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.csv"
    path.write_text(PLAN, encoding="utf-8")
    return path


def test_requirement_only_json() -> None:
    code, stdout, stderr = run("--date", "2021-04-01", "--registered", "50000", "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert {
        key: report[key] for key in ("scheme", "required_minutes_per_week", "planned_minutes_per_week")
    } == {
        "scheme": "extended_hours",
        "required_minutes_per_week": 1_500,
        "planned_minutes_per_week": None,
    }
    assert report["findings"] == []


def test_enhanced_access_uses_the_adjusted_population() -> None:
    code, stdout, _ = run("--date", "2022-10-01", "--registered", "50,000", "--adjusted", "48000", "--json")
    report = json.loads(stdout)
    assert (code, report["scheme"], report["required_minutes_per_week"]) == (0, "enhanced_access", 2_880)


def test_plan_that_meets_the_requirement(plan: Path) -> None:
    code, stdout, stderr = run("--date", "2023-04-01", "--registered", "12000", "--plan", str(plan), "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert report["required_minutes_per_week"] == 720
    assert report["planned_minutes_per_week"] == 90 + 90 + 480 + 120
    assert [(f["severity"], f["rule"], f["session"]) for f in report["findings"]] == [
        ("warning", "agreed-hours", 3)
    ]
    assert set(report["findings"][0]) == {"severity", "rule", "message", "session"}


def test_shortfall_exits_1(plan: Path) -> None:
    code, stdout, stderr = run("--date", "2023-04-01", "--registered", "50000", "--plan", str(plan), "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (1, "")
    shortfall = [f for f in report["findings"] if f["rule"] == "shortfall"]
    assert len(shortfall) == 1 and shortfall[0]["severity"] == "error" and shortfall[0]["session"] is None
    assert "780" in shortfall[0]["message"] and "3,000" in shortfall[0]["message"]
    assert report["shortfall_minutes"] == 3_000 - 780


def test_text_summary(plan: Path) -> None:
    code, stdout, _ = run("--date", "2020-01-15", "--registered", "50000")
    assert code == 0
    assert "Extended Hours Access" in stdout and "1,500 minutes a week (25 h 00 min)" in stdout
    assert "no plan given" in stdout
    code, stdout, _ = run("--date", "2023-04-01", "--registered", "50000", "--plan", str(plan))
    assert code == 1
    assert "Enhanced Access" in stdout and "3,000 minutes a week (50 h 00 min)" in stdout
    assert "780 minutes a week (13 h 00 min)" in stdout and "NOT met" in stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--date", "2019-06-30", "--registered", "50000"], "before the Network Contract DES"),
        (["--date", "2021-02-30", "--registered", "50000"], "--date: '2021-02-30' is not a date"),
        (["--date", "01/04/2021", "--registered", "50000"], "expected YYYY-MM-DD"),
        (["--date", "2021-04-01", "--registered", "-5"], "--registered: '-5' is negative"),
        (["--date", "2021-04-01", "--registered", "lots"], "--registered: 'lots' is not a whole number"),
        (["--date", "2023-04-01", "--registered", "5", "--adjusted", "-1"], "--adjusted: '-1' is negative"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str) -> None:
    code, stdout, stderr = run(*argv, "--json")
    assert (code, stdout) == (2, "")
    assert message in stderr


def test_bad_csv_names_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad-plan.csv"
    path.write_text(
        "day,start,end,site,staff_type,agreed\nMon,18:30,20:00,Main,GP,\nSat,9am,17:00,Main,GP,perhaps\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run("--date", "2023-04-01", "--registered", "100", "--plan", str(path), "--json")
    assert (code, stdout) == (2, "")
    assert "bad-plan.csv row 3, field start: '9am' is not a 24-hour time" in stderr
    assert "bad-plan.csv row 3, field agreed: 'perhaps'" in stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "plan.csv: the file is empty"),
        (
            "day,start,site,staff_type\nMon,18:30,Main,GP\n",
            "plan.csv row 1, field end: required column is missing",
        ),
    ],
)
def test_empty_file_or_missing_column_exit_2(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(text, encoding="utf-8")
    code, stdout, stderr = run("--date", "2023-04-01", "--registered", "100", "--plan", str(path))
    assert (code, stdout) == (2, "")
    assert message in stderr


def test_missing_plan_file_exit_2(tmp_path: Path) -> None:
    code, _, stderr = run("--date", "2023-04-01", "--registered", "100", "--plan", str(tmp_path / "none.csv"))
    assert code == 2 and "none.csv: the file does not exist" in stderr
