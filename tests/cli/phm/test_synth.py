"""``pcnhub phm synth``: practices files of every kind, bad input named by file, row and field."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import synth
from pcnhub.cli.phm.synth import add_synth_arguments, run_synth
from tests.cli.helpers import command
from tests.paths import SHARED_DATA

OPEN_DATA = SHARED_DATA / "nhs-open-data"


run = command("pcnhub phm synth", add_synth_arguments, run_synth)


def write(tmp_path: Path, text: str, name: str = "practices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_simple_practices_file_writes_a_dataset(tmp_path):
    practices = write(tmp_path, "practice_code,list_size,pcn\nA81001,4000,X\nA81002,\"6,000\",X\n")
    code, out, err = run("--practices", str(practices), "--patients", "1,000", "--seed", "4", "--out",
                         str(tmp_path / "out"), "--quiet", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["patients"] == 1000 and result["practices"] == 2 and result["seed"] == 4
    assert result["rows"]["patients"] == 1000
    codes = pq.read_table(tmp_path / "out" / "patients.parquet")["practice_code"].to_pylist()
    assert codes.count("A81001") == 400 and codes.count("A81002") == 600


def test_the_default_size_is_the_sum_of_the_list_sizes_and_the_summary_is_plain_text(tmp_path):
    practices = write(tmp_path, "practice_code,list_size\nA81001,300\nA81002,200\n")
    code, out, err = run("--practices", str(practices), "--out", str(tmp_path / "out"), "--as-of", "2023-04-01")
    assert code == 0
    assert out.startswith("Wrote 500 synthetic patients of 2 practices to ")
    assert "as of 2023-04-01" in out and "Rows: patients 500, events " in out
    assert "synthetic patients" in err  # the progress bar goes to stderr


@pytest.mark.skipif(not OPEN_DATA.exists(), reason="needs ../shared/data")
def test_the_nhs_list_size_and_map_files(tmp_path):
    code, out, err = run("--practices", str(OPEN_DATA / "gp-reg-pat-prac-all_2021-01.csv"), "--patients", "20000",
                         "--out", str(tmp_path / "all"), "--quiet", "--json")
    assert code == 0, err
    assert json.loads(out)["practices"] > 5000
    code, out, err = run("--practices", str(OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"), "--out",
                         str(tmp_path / "map"), "--quiet")
    assert code == 2 and "--patients is needed with a practice map file" in err
    code, out, err = run("--practices", str(OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"), "--patients", "7000",
                         "--out", str(tmp_path / "map"), "--quiet", "--json")
    assert code == 0 and json.loads(out)["practices"] == 6527


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("practice_code,list_size\nA81001,100\nA8100X2,50\n", "practices.csv row 3, field practice_code: 'A8100X2' is not an ODS practice code"),
        ("practice_code,list_size\nA81001,-5\n", "practices.csv row 2, field list_size: '-5' is negative"),
        ("practice_code,list_size\nA81001,many\n", "practices.csv row 2, field list_size: 'many' is not a whole number"),
        ("practice_code,list_size\nA81001,\n", "practices.csv row 2, field list_size: is blank"),
        ("practice_code,list_size\nA81001,10\nA81001,20\n", "practices.csv row 3, field practice_code: A81001 is also listed on row 2"),
        ("practice_code,list_size\n", "practices.csv: the file has a header but no practice rows"),
        ("practice_code,list_size\nA81001,0\n", "practices.csv, field list_size: every list size is 0"),
        ("", "practices.csv: the file is empty"),
        ("code,size\nA81001,10\n", "practices.csv row 1: not a practices file (first row: code, size)"),
    ],
)
def test_a_bad_practices_file_is_named_by_row_and_field(tmp_path, text, message):
    practices = write(tmp_path, text)
    code, out, err = run("--practices", str(practices), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and out == ""
    assert err.startswith(message), err
    assert not (tmp_path / "out").exists()


def test_another_nhs_file_is_refused(tmp_path):
    epraccur = write(tmp_path, "A81001,THE PRACTICE,Y63,QHM,1 ROAD,,,,,TS1 1AA,19740401,,A,B,00K,19740401,,0,,,,0,,00K,,4,\n",
                     "epraccur.csv")
    code, _, err = run("--practices", str(epraccur), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and "epraccur.csv row 1: this is a file of kind epraccur, not a practices file" in err


def test_a_missing_file_is_named(tmp_path):
    code, _, err = run("--practices", str(tmp_path / "none.csv"), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and err.startswith("none.csv: the file does not exist")


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [("--seed", "-1", "--seed: '-1' is not a whole number"), ("--patients", "0", "--patients: '0' must be 1 or more"),
     ("--patients", "lots", "--patients: 'lots' is not a whole number"),
     ("--as-of", "2024-13-01", "--as-of: '2024-13-01' is not a date")],
)
def test_bad_options_are_named(tmp_path, flag, value, message):
    practices = write(tmp_path, "practice_code,list_size\nA81001,100\n")
    code, _, err = run("--practices", str(practices), "--out", str(tmp_path / "out"), "--quiet", flag, value)
    assert code == 2 and err.startswith(f"pcnhub phm synth: {message}")


def test_list_sizes_from_the_register(tmp_path):
    asked = []

    def register(day):
        asked.append(day)
        return synth.practices_from_pairs([("A81001", 2000), ("A81002", 1000)])

    code, out, err = run("--from-register", "--patients", "300", "--out", str(tmp_path / "out"), "--quiet", "--json",
                         register=register)
    assert code == 0, err and asked == [None]
    assert json.loads(out)["practices"] == 2
    code, _, err = run("--from-register", "2022-01-01", "--out", str(tmp_path / "out"), "--quiet",
                       register=lambda day: [])
    assert code == 2 and "the register has no practice list sizes on or before 2022-01-01" in err


def test_practices_and_register_are_alternatives():
    parser = argparse.ArgumentParser()
    add_synth_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "x"])
