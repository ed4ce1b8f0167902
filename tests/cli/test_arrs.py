"""`pcnhub arrs plan FILE.csv`: the JSON contract, the text summary and the errors of a bad plan file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pcnhub.cli.arrs import add_arrs_arguments, run_arrs
from pcnhub.domain.money.entitlements import arrs_sum
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import year_rates
from tests.cli.helpers import command

HEADER = "role,fte,start,end,annual_cost,employment,label\n"
PLAN = HEADER + (
    "Clinical Pharmacist,1,2021-04-01,,70000,,CP lead\n"
    "SPLW,1,2021-04-01,,\"£30,000\",sub-contract,\n"
    "Community Paramedic,0.5,2021-10-01,,30000,,\n"
)


run = command("pcnhub arrs", add_arrs_arguments, run_arrs)


def write(tmp_path: Path, text: str, name: str = "plan.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_json_contract(tmp_path):
    code, stdout, stderr = run("plan", str(write(tmp_path, PLAN)), "--year", "2021/22", "--weighted", "50,000",
                               "--sum", "342000", "--json")
    assert (code, stderr) == (0, "")
    data = json.loads(stdout)
    assert {"year", "arrs_sum", "claims", "headroom", "monthly", "posts", "warnings", "notes"} <= data.keys()
    assert (data["year"], data["arrs_sum"], data["sum_from"], data["weighted"]) == ("2021/22", 342000.0, "given", 50000)
    # 55,670 (carried forward) + 30,000 + 30,000 x 6/12 (the 0.5 WTE paramedic: no published maximum)
    assert data["claims"] == 100670.0
    assert data["headroom"] == 241330.0
    assert [month["month"] for month in data["monthly"]] == [
        f"{year}-{month:02d}" for year, month in [(2021, m) for m in range(4, 13)] + [(2022, m) for m in (1, 2, 3)]
    ]
    assert [post["role"] for post in data["posts"]] == [
        "clinical_pharmacist", "social_prescribing_link_worker", "paramedic",
    ]
    assert data["posts"][0]["label"] == "CP lead" and data["posts"][0]["claims"] == 55670.0
    assert {(w["rule"], w["post"]) for w in data["warnings"]} == {("salary-above-maximum", 0), ("maximum-unknown", 2)}
    assert all(w.keys() >= {"severity", "rule", "message", "post"} for w in data["warnings"])
    typical = {row["role"]: row for row in data["typical_plan"]["roles"]}
    assert typical["clinical_pharmacist"] == {
        "year": "2021/22", "role": "clinical_pharmacist", "typical_fte": 3.0, "planned_fte": 1.0, "difference": -2.0,
    }


def test_an_overspend_still_exits_0_and_is_a_warning(tmp_path):
    code, stdout, _ = run("plan", str(write(tmp_path, PLAN)), "--year", "2021/22", "--weighted", "50000",
                          "--sum", "£1,000", "--json")
    data = json.loads(stdout)
    assert code == 0
    assert data["headroom"] == 1000.0 - data["claims"] < 0
    assert "sum-exceeded" in [w["rule"] for w in data["warnings"]]


def test_text_summary(tmp_path):
    code, stdout, _ = run("plan", str(write(tmp_path, PLAN)), "--year", "2021/22", "--weighted", "50000",
                          "--sum", "342000")
    assert code == 0
    assert "ARRS workforce plan 2021/22 (weighted list 50,000)" in stdout
    assert "£342,000.00" in stdout and "£100,670.00" in stdout and "Headroom" in stdout
    assert "salary-above-maximum" in stdout
    assert "typical 50k plan" in stdout


def test_the_registered_list_sets_the_2019_20_cap(tmp_path):
    plan = write(tmp_path, HEADER + "clinical_pharmacist,1,2019-07-01,,37810,,\nCP,1,2019-07-01,,37810,,\n")
    common = ("plan", str(plan), "--year", "2019/20", "--weighted", "50000", "--sum", "92000", "--json")
    small = json.loads(run(*common, "--registered", "40000")[1])
    large = json.loads(run(*common, "--registered", "120000")[1])
    assert "cap-exceeded" in [w["rule"] for w in small["warnings"]]
    assert "cap-exceeded" not in [w["rule"] for w in large["warnings"]]
    assert small["claims"] == 39700.5  # 2 x 70% x 37,810 x 9/12


def test_a_utf8_bom_is_accepted(tmp_path):
    code, _, stderr = run("plan", str(write(tmp_path, PLAN, encoding="utf-8-sig")), "--year", "2021/22",
                          "--weighted", "50000", "--sum", "1", "--json")
    assert (code, stderr) == (0, "")


def test_bad_rows_are_all_reported_with_row_and_field(tmp_path):
    text = HEADER + (
        "Clinical Pharmacist,1,2021-04-01,,60000,,\n"  # row 2: fine
        "astronaut,1,2021-04-01,,60000,,\n"  # row 3
        "SPLW,0,2021-04-01,,60000,,\n"  # row 4
        "SPLW,1,2021-04-01,,-5,,\n"  # row 5
        "SPLW,1,01/04/2021,,60000,,\n"  # row 6
        "SPLW,1,2021-04-01,2021-03-01,60000,,\n"  # row 7
        "SPLW,1,2021-04-01,,60000,volunteer,\n"  # row 8
        "SPLW,one,,,,,\n"  # row 9
    )
    code, stdout, stderr = run("plan", str(write(tmp_path, text)), "--year", "2021/22", "--weighted", "50000")
    assert (code, stdout) == (2, "")
    lines = stderr.splitlines()
    assert lines[0].startswith("plan.csv row 3, field role: 'astronaut' is not an ARRS role; known roles: ")
    assert "clinical_pharmacist" in lines[0] and "social_prescribing_link_worker" in lines[0]
    assert lines[1:] == [
        "plan.csv row 4, field fte: '0' must be more than 0",
        "plan.csv row 5, field annual_cost: '-5' must be more than 0",
        "plan.csv row 6, field start: '01/04/2021' is not a date written YYYY-MM-DD (e.g. 2021-04-01)",
        "plan.csv row 7, field end: the post ends (2021-03-01) before it starts (2021-04-01)",
        "plan.csv row 8, field employment: 'volunteer' is not employed or sub-contract",
        "plan.csv row 9, field fte: 'one' is not an FTE",
        "plan.csv row 9, field start: is blank",
        "plan.csv row 9, field annual_cost: is blank",
    ]


def test_a_missing_column_is_named(tmp_path):
    code, _, stderr = run("plan", str(write(tmp_path, "role,fte,start,end\nCP,1,2021-04-01,\n")),
                          "--year", "2021/22", "--weighted", "50000")
    assert code == 2
    assert stderr.startswith("plan.csv row 1, field annual_cost: required column is missing")


@pytest.mark.parametrize("text", ["", HEADER])
def test_an_empty_plan_is_bad_input(tmp_path, text):
    code, _, stderr = run("plan", str(write(tmp_path, text)), "--year", "2021/22", "--weighted", "50000")
    assert code == 2 and stderr.startswith("plan.csv: ")


def test_a_missing_file_is_bad_input(tmp_path):
    code, _, stderr = run("plan", str(tmp_path / "nope.csv"), "--year", "2021/22", "--weighted", "50000")
    assert code == 2 and "does not exist" in stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--year", "2021/23", "--weighted", "50000"],
        ["--year", "2021/22", "--weighted", "-1"],
        ["--year", "2021/22", "--weighted", "50000", "--sum", "lots"],
        ["--weighted", "50000"],
    ],
)
def test_bad_options_exit_2(tmp_path, argv, capsys):
    with pytest.raises(SystemExit) as caught:
        run("plan", str(write(tmp_path, PLAN)), *argv)
    assert caught.value.code == 2


def test_without_sum_the_national_pot_share_is_used(tmp_path):
    assert arrs_sum(year_rates(FinancialYear(2020)), 50_000) == Decimal("356550.00")  # 7.131 x 50,000
    code, stdout, _ = run("plan", str(write(tmp_path, PLAN)), "--year", "2020/21", "--weighted", "50000", "--json")
    data = json.loads(stdout)
    assert (code, data["arrs_sum"], data["sum_from"]) == (0, 356550.0, "entitlements")


def test_a_plan_beyond_any_post_exits_2_naming_row_and_field(tmp_path):
    code, out, err = run("plan", str(write(tmp_path, HEADER + "SPLW,1,2021-04-01,,1e30,,\n")), "--year", "2021/22",
                         "--weighted", "50000", "--json")
    assert (code, out) == (2, "")
    assert err.startswith("plan.csv row 2, field annual_cost: '1e30' is more than £10,000,000")


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--weighted", "1e3", "'1e3' is not a whole number"),
    ("--weighted", "100000000000000000000", "is more than 100,000,000"),
    ("--sum", "1e30", "'1e30' is more than £10,000,000,000"),
])
def test_options_beyond_any_network_exit_2(tmp_path, capsys, flag, value, message):
    argv = ["plan", str(write(tmp_path, PLAN)), "--year", "2021/22", "--weighted", "50000", flag, value]
    with pytest.raises(SystemExit) as caught:
        run(*argv)
    assert caught.value.code == 2 and message in capsys.readouterr().err
