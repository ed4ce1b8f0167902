"""`pcnhub iif points` and `pcnhub iif catalogue`: JSON contract, text, and bad input (exit 2, named)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import pcnhub

SRC = Path(__file__).resolve().parents[2] / "src"


def test_points_json_contract_hand_worked():
    # 2024/25 CAN-02: 22 points, 65-80%, GBP 198 a point; 70 of 100 referrals = 70%, a third of the way:
    # 22/3 points x 198 x (60,000 / 48,000) = 1,815.00
    code, out, err = pcnhub("iif", "points", "--year", "2024/25", "--indicator", "CAN-02", "--numerator", "70",
                            "--denominator", "100", "--list-size", "60000", "--average-list-size", "48000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"achievement", "points", "max_points", "value_per_point", "gbp"} <= set(data)
    assert data["achievement"] == 70 and data["max_points"] == 22 and data["value_per_point"] == 198
    assert data["points"] == pytest.approx(22 / 3, abs=1e-4) and data["gbp"] == 1815.00
    assert data["list_size_adjustment"] == 1.25 and data["status"] == "verified"


def test_points_with_prevalence_adjustment():
    code, out, _ = pcnhub("iif", "points", "--year", "2021/22", "--indicator", "VI-01", "--numerator", "86",
                          "--denominator", "100", "--prevalence", "22", "--national-prevalence", "20", "--json")
    data = json.loads(out)
    # All 40 points x GBP 200 x 1.1 prevalence adjustment, average PCN.
    assert code == 0 and data["points"] == 40 and data["gbp"] == 8800.00 and data["prevalence_adjustment"] == 1.1


def test_points_in_a_year_without_a_known_value_of_a_point():
    code, out, _ = pcnhub("iif", "points", "--year", "2022/23", "--indicator", "ACC-08", "--numerator", "88",
                          "--denominator", "100", "--json")
    data = json.loads(out)
    assert code == 0 and data["points"] == pytest.approx(71 * 3 / 5) and data["gbp"] is None
    assert data["status"] == "uncertain"


def test_points_text():
    code, out, _ = pcnhub("iif", "points", "--year", "2021/22", "--indicator", "VI-01", "--numerator", "830",
                          "--denominator", "1000")
    assert code == 0
    assert "achievement 83% (thresholds 80% to 86%)" in out and "points 20 of 40" in out and "GBP 4,000.00" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("--year", "2024/25", "--indicator", "XX-01", "--numerator", "1", "--denominator", "2"),
     "no IIF indicator 'XX-01'"),
    (("--year", "2019/20", "--indicator", "VI-01", "--numerator", "1", "--denominator", "2"),
     "the IIF catalogue has no 2019/20"),
    (("--year", "2024/25", "--indicator", "CAN-02", "--numerator", "-1", "--denominator", "2"),
     "numerator cannot be negative"),
    (("--year", "2024/25", "--indicator", "CAN-02", "--numerator", "3", "--denominator", "2"),
     "cannot be more than the denominator"),
    (("--year", "2024/25", "--indicator", "HI-03", "--numerator", "1", "--denominator", "2"),
     "points and thresholds are not all known"),
    (("--year", "2024/25", "--indicator", "CAN-02", "--numerator", "1", "--denominator", "2", "--prevalence", "1"),
     "needs both the PCN and the national prevalence"),
])
def test_bad_input_exits_2_with_a_named_error(argv, message):
    code, out, err = pcnhub("iif", "points", *argv)
    assert code == 2 and out == "" and err.startswith("pcnhub iif: ") and message in err


def test_catalogue_json_and_text():
    code, out, _ = pcnhub("iif", "catalogue", "--year", "2024/25", "--json")
    data = json.loads(out)
    assert code == 0 and data["point_value"]["value"] == 198 and data["total_points"]["value"] == 58
    assert [i["id"] for i in data["indicators"]] == ["HI-03", "CAN-02"]
    assert all(i["source"] and i["status"] for i in data["indicators"])
    code, out, _ = pcnhub("iif", "catalogue", "--year", "2023/24")
    assert code == 0 and "GBP a point not known (uncertain)" in out and "CAN-02" in out


def test_the_console_script_runs_iif_points():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "pcnhub", "iif", "points", "--year", "2021/22", "--indicator",
                           "VI-02", "--numerator", "57", "--denominator", "100", "--json"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["points"] == 0
