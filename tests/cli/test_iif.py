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
    assert code == 0 and "GBP a point not published in the sources held (uncertain)" in out and "CAN-02" in out
    assert "average PCN list not published in the sources held (uncertain)" in out


def test_the_console_script_runs_iif_points():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "pcnhub", "iif", "points", "--year", "2021/22", "--indicator",
                           "VI-02", "--numerator", "57", "--denominator", "100", "--json"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["points"] == 0


# --- pcnhub iif --year Y --pcn CODE --data DIR: a PCN's achievement over the year to date ---------------------


@pytest.fixture(scope="module")
def iif_data(tmp_path_factory):
    from tests.finance.iif_dataset import dataset, practice_map

    folder = tmp_path_factory.mktemp("iif-cli")
    return dataset(folder / "data", 2022), practice_map(folder / "map.csv")


def test_pcn_achievement_from_a_dataset_json(iif_data):
    data, mapping = iif_data
    code, out, err = pcnhub("iif", "--year", "2022/23", "--pcn", "u00001", "--data", str(data), "--practice-map",
                            str(mapping), "--as-of", "2022-07-01", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["pcn"] == "U00001" and result["list_size"] == 7 and result["last_month"] == "2022-06-01"
    (row,) = result["indicators"]
    # 1 + 2 + 2 referrals in April to June over the 7 registered at the end of June
    assert (row["indicator"], row["numerator"], row["denominator"], row["achievement"]) == ("PC-01", 5, 7, 71.4286)
    assert row["points"] is None and row["gbp"] is None and row["forecast"]["achievement"] == 100
    assert "linear extrapolation of the cumulative numerator" in row["forecast"]["method"]
    assert row["to_act_on"] == 2 and [m["numerator"] for m in row["months"]] == [1, 2, 2]
    assert "VI-01" in {i["indicator"] for i in result["not_computed"]}
    assert result["total"]["gbp"] is None and result["counts"].startswith("exact counts")


def test_pcn_achievement_text(iif_data):
    data, mapping = iif_data
    code, out, _ = pcnhub("iif", "--year", "2022/23", "--pcn", "U00001", "--data", str(data), "--practice-map",
                          str(mapping), "--as-of", "2022-07-01")
    assert code == 0 and "PC-01 Social prescribing referrals" in out and "71.4286% (5 / 7)" in out
    assert "VI-01 not computed: The patient dataset has no immunisations" in out


def test_pcn_achievement_from_a_measures_output(iif_data, tmp_path):
    data, mapping = iif_data
    code, _, err = pcnhub("measures", "run", "--data", str(data), "--out", str(tmp_path), "--practice-map",
                          str(mapping), "--measure", "iif_social_prescribing_referrals", "--as-of", "2022-07-01",
                          "--quiet")
    assert code == 0, err
    code, out, err = pcnhub("iif", "--year", "2022/23", "--pcn", "U00001", "--data", str(tmp_path), "--json")
    assert code == 0, err
    result = json.loads(out)
    # the output's counts are disclosure-controlled: 1 and 2 a month are suppressed, so no achievement
    assert result["indicators"][0]["achievement"] is None and "rounded" in result["counts"]


@pytest.mark.parametrize(("extra", "message"), [
    ((), "--pcn is needed"),
    (("--pcn", "U00001"), "--data is needed"),
    (("--pcn", "U00001", "--data", "."), "has neither measure_values.parquet nor a patient dataset"),
    (("--pcn", "U00001", "--data", "DATA"), "--practice-map is needed with a patient dataset"),
    (("--pcn", "U00009", "--data", "DATA", "--practice-map", "MAP"), "--practice-map: no practice of PCN U00009"),
    (("--pcn", "U00001", "--data", "DATA", "--practice-map", "MAP", "--as-of", "July"), "--as-of"),
    (("--pcn", "U00001", "--data", "DATA", "--practice-map", "MAP", "--list-size", "-3"), "list size cannot be negative"),
    (("--pcn", "U00001", "--data", "DATA", "--practice-map", "MAP", "--memory-limit", "lots"),
     "--memory-limit: 'lots' is not a memory size"),
    (("--pcn", "U00001", "--data", "DATA", "--practice-map", "MAP", "--threads", "0"),
     "--threads: '0' is not 1 or more"),
])
def test_pcn_achievement_bad_input_exits_2_naming_it(iif_data, extra, message):
    data, mapping = iif_data
    argv = [str(data) if a == "DATA" else str(mapping) if a == "MAP" else a for a in extra]
    code, out, err = pcnhub("iif", "--year", "2022/23", *argv)
    assert code == 2 and out == "" and err.startswith("pcnhub iif: ") and message in err


def test_pcn_achievement_needs_a_year():
    code, _, err = pcnhub("iif", "--pcn", "U00001", "--data", ".")
    assert code == 2 and "--year is needed" in err


def test_a_year_without_a_published_value_of_a_point_says_so_never_zero():
    # 2025/26 CAN-04 as published: 22 points, 65% to 80%; 70% earns 22 x 5 / 15 = 7.3333 points, no GBP.
    code, out, _ = pcnhub("iif", "points", "--year", "2025/26", "--indicator", "CAN-04", "--numerator", "70",
                          "--denominator", "100", "--json")
    data = json.loads(out)
    assert code == 0 and data["points"] == 7.3333 and data["max_points"] == 22
    assert data["value_per_point"] is None and data["gbp"] is None and data["status"] == "uncertain"
    assert "the value of an IIF point in 2025/26 is not published in the sources held, so no amount" in data["notes"]
    code, out, _ = pcnhub("iif", "points", "--year", "2025/26", "--indicator", "CAN-04", "--numerator", "70",
                          "--denominator", "100")
    assert code == 0 and "value of a point not published in the sources held" in out and "GBP 0" not in out


def test_pcn_achievement_from_a_dataset_with_duckdbs_limits(iif_data, monkeypatch):
    from pcnhub.analytics import engines

    data, mapping = iif_data
    asked = []
    connect = engines.connect

    def recording(engine, **kwargs):
        asked.append((kwargs.get("memory_limit"), kwargs.get("threads")))
        return connect(engine, **kwargs)

    monkeypatch.setattr(engines, "connect", recording)
    code, out, err = pcnhub("iif", "--year", "2022/23", "--pcn", "U00001", "--data", str(data), "--practice-map",
                            str(mapping), "--as-of", "2022-07-01", "--json", "--memory-limit", "1GiB", "--threads", "1")
    assert code == 0, err
    assert asked == [("1024MiB", 1)] and json.loads(out)["indicators"][0]["numerator"] == 5


def test_pcn_achievement_checks_the_dataset_first_naming_the_file_and_column(iif_data, tmp_path):
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    data, mapping = iif_data
    broken = tmp_path / "data"
    shutil.copytree(data, broken)
    patients = pq.read_table(broken / "patients.parquet")
    index = patients.schema.get_field_index("care_home")
    pq.write_table(patients.set_column(index, "care_home", pa.array(["yes"] * patients.num_rows)),
                   broken / "patients.parquet")
    code, out, err = pcnhub("iif", "--year", "2022/23", "--pcn", "U00001", "--data", str(broken), "--practice-map",
                            str(mapping), "--as-of", "2022-07-01")
    assert code == 2 and out == ""
    assert err.startswith(f"pcnhub iif: the dataset in {broken} cannot be used:")
    assert "patients.parquet, column care_home: error: the type is string, expected bool" in err
