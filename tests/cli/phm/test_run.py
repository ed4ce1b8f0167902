"""``pcnhub phm run``: the pipeline from the command line, its outputs and its answers to bad input."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import synth
from pcnhub.cli.phm.run import add_run_arguments, run_run
from tests.cli.helpers import command
from tests.paths import SHARED_DATA

MAP_FILE = SHARED_DATA / "nhs-open-data" / "gp-reg-pat-prac-map_2022-01.csv"
PRACTICES = ("A81001", "A81002", "A81004", "A81005")


run = command("pcnhub phm run", add_run_arguments, run_run)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phm-run-data")
    synth.generate([synth.PracticeSize(code, 100) for code in PRACTICES], folder, patients=400, seed=3)
    return folder


@pytest.fixture(scope="module")
def practice_map(tmp_path_factory) -> Path:
    lines = MAP_FILE.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines[1:] if line.split(",")[2] in PRACTICES[:3]]  # A81005 left out
    path = tmp_path_factory.mktemp("phm-run-map") / "gp-reg-pat-prac-map.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return path


def copy_dataset(source: Path, target: Path, skip: str | None = None) -> Path:
    target.mkdir()
    for file in source.glob("*.parquet"):
        if file.stem != skip:
            (target / file.name).write_bytes(file.read_bytes())
    return target


def test_writes_the_outputs_and_a_summary(dataset, practice_map, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run("--data", str(dataset), "--out", str(out), "--practice-map", str(practice_map),
                               "--as-of", "2024-04-01", "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary == json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "duckdb" and summary["as_of"] == "2024-04-01"
    assert 380 <= summary["patients"] <= 400
    assert any("20-condition" in note for note in summary["notes"])
    for name in ("patient_features", "aggregates", "variation"):
        assert (out / f"{name}.parquet").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # the work folder is gone
    features = pq.read_table(out / "patient_features.parquet").to_pylist()
    assert {row["practice_code"]: row["pcn_code"] for row in features}["A81001"] == "U89141"
    assert {row["icb_code"] for row in features if row["practice_code"] == "A81005"} == {None}
    levels = set(pq.read_table(out / "aggregates.parquet", columns=["level"])["level"].to_pylist())
    assert levels == {"practice", "pcn", "icb"}
    assert "flags_events" in stderr and "frailty" in stderr and "variation" in stderr  # the progress display


def test_quiet_plain_text_and_the_default_date(dataset, tmp_path):
    code, stdout, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr
    assert stderr == ""
    latest = max(pa.compute.max(pq.read_table(dataset / f"{name}.parquet", columns=["date"])["date"]).as_py()
                 for name in ("events", "medications"))  # the extract date, as far as the data tell
    assert f"registered patients (as of {latest.isoformat()}, duckdb)" in stdout
    assert "Steps: population" in stdout


def test_a_missing_table_is_bad_input(dataset, tmp_path):
    broken = copy_dataset(dataset, tmp_path / "data", skip="hospital")
    code, stdout, stderr = run("--data", str(broken), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and stdout == ""
    assert "hospital.parquet: error: the table is missing" in stderr
    assert not (tmp_path / "out").exists()


def test_a_wrong_column_type_is_bad_input(dataset, tmp_path):
    broken = copy_dataset(dataset, tmp_path / "data")
    patients = pq.read_table(broken / "patients.parquet")
    index = patients.schema.get_field_index("care_home")
    patients = patients.set_column(index, "care_home", pa.array(["yes"] * patients.num_rows))
    pq.write_table(patients, broken / "patients.parquet")
    code, _, stderr = run("--data", str(broken), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2
    assert "patients.parquet, column care_home: error: the type is string, expected bool" in stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--as-of", "2024-13-01"), "--as-of: '2024-13-01' is not a date (expected YYYY-MM-DD)"),
    (("--practice-map", "no-such-map.csv"), "--practice-map: no-such-map.csv does not exist"),
])
def test_bad_arguments(dataset, tmp_path, args, message):
    code, _, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet", *args)
    assert code == 2 and message in stderr


def test_a_missing_folder_and_a_bad_practice_map(dataset, tmp_path):
    code, _, stderr = run("--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and "is not a folder" in stderr
    bad_map = tmp_path / "map.csv"
    bad_map.write_text("PRACTICE_CODE,SOMETHING\nA81001,1\n", encoding="utf-8")
    code, _, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet",
                          "--practice-map", str(bad_map))
    assert code == 2 and "map.csv" in stderr


def test_an_unknown_engine_is_refused_by_the_parser():
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--data", "d", "--out", "o", "--engine", "polars"])
    assert exit_.value.code == 2


def test_a_failed_run_leaves_the_previous_outputs_as_they_were(dataset, tmp_path, monkeypatch):
    from pcnhub.analytics import engines
    from pcnhub.analytics.run import run_pipeline

    out = tmp_path / "out"
    run_pipeline(dataset, out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    real_write = engines.write_parquet
    written = []

    def fail_on_the_second(con, expr, path, **kwargs):
        written.append(path)
        if len(written) == 2:
            raise RuntimeError("disk full")
        return real_write(con, expr, path, **kwargs)

    monkeypatch.setattr(engines, "write_parquet", fail_on_the_second)
    with pytest.raises(RuntimeError, match="disk full"):
        run_pipeline(dataset, out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


@pytest.mark.parametrize(("args", "environ", "message"), [
    (("--memory-limit", "lots"), {}, "pcnhub phm run: --memory-limit: 'lots' is not a memory size (a number and a "
                                     "unit: 8GB, 512MB, 1.5GiB, or a share of the machine's memory: 50%)"),
    (("--memory-limit", "10MB"), {}, "--memory-limit: '10MB' is too little memory for DuckDB to run in"),
    (("--threads", "0"), {}, "pcnhub phm run: --threads: '0' is not 1 or more threads"),
    ((), {"PCNHUB_DUCKDB_MEMORY_LIMIT": "8 apples"}, "pcnhub phm run: PCNHUB_DUCKDB_MEMORY_LIMIT: '8 apples' is not"),
    ((), {"PCNHUB_DUCKDB_THREADS": "-2"}, "pcnhub phm run: PCNHUB_DUCKDB_THREADS: '-2' is not 1 or more threads"),
])
def test_a_bad_memory_limit_or_threads_is_named(dataset, tmp_path, monkeypatch, args, environ, message):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    code, stdout, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet", *args)
    assert code == 2 and stdout == "" and message in stderr, stderr
    assert not (tmp_path / "out").exists()


def test_the_limits_reach_the_check_and_the_run(dataset, tmp_path, monkeypatch):
    from pcnhub.analytics import engines, schema

    seen = []
    validate, connect = schema.validate_dataset, engines.connect

    def validating(*args, **kwargs):
        seen.append(("check", kwargs["memory_limit"], kwargs["threads"], kwargs["tables"]))
        return validate(*args, **kwargs)

    def connecting(engine, **kwargs):
        seen.append(("run", kwargs["memory_limit"], kwargs["threads"]))
        return connect(engine, **kwargs)

    monkeypatch.setattr(schema, "validate_dataset", validating)
    monkeypatch.setattr(engines, "connect", connecting)
    monkeypatch.setenv("PCNHUB_DUCKDB_MEMORY_LIMIT", "1GB")  # the option wins
    code, _, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet",
                          "--memory-limit", "512MiB", "--threads", "1")
    assert code == 0, stderr
    assert seen == [("check", "512MiB", 1, schema.PIPELINE_TABLES), ("run", "512MiB", 1)]
    seen.clear()
    code, _, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr
    assert seen == [("check", "953MiB", None, schema.PIPELINE_TABLES), ("run", "953MiB", None)]


def test_the_rows_of_appointments_are_not_checked_as_no_step_reads_them(dataset, tmp_path):
    broken = copy_dataset(dataset, tmp_path / "data")
    appointments = pq.read_table(broken / "appointments.parquet")
    index = appointments.schema.get_field_index("status")
    pq.write_table(appointments.set_column(index, "status", pa.array(["late"] * appointments.num_rows)),
                   broken / "appointments.parquet")
    code, _, stderr = run("--data", str(broken), "--out", str(tmp_path / "out"), "--quiet", "--as-of", "2024-04-01")
    assert code == 0, stderr
    features = pq.read_table(tmp_path / "out" / "patient_features.parquet")
    code, _, stderr = run("--data", str(dataset), "--out", str(tmp_path / "same"), "--quiet", "--as-of", "2024-04-01")
    assert code == 0, stderr
    assert features.equals(pq.read_table(tmp_path / "same" / "patient_features.parquet"))
    # its columns are checked all the same
    pq.write_table(appointments.drop_columns(["status"]), broken / "appointments.parquet")
    code, _, stderr = run("--data", str(broken), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and "appointments.parquet, column status: error: the column is missing" in stderr


def test_running_out_of_memory_is_said_so(dataset, tmp_path, monkeypatch):
    import duckdb

    from pcnhub.analytics import run as pipeline

    def short(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB\nmore")

    monkeypatch.setattr(pipeline, "run_pipeline", short)
    code, stdout, stderr = run("--data", str(dataset), "--out", str(tmp_path / "out"), "--quiet",
                               "--memory-limit", "1GB")
    assert code == 2 and stdout == ""
    assert stderr == ("pcnhub phm run: DuckDB ran out of memory within its limit of 953MiB (Out of Memory Error: could "
                      "not allocate block of size 256.0 KiB); give it more with --memory-limit or "
                      "PCNHUB_DUCKDB_MEMORY_LIMIT (e.g. 75%), or fewer --threads\n")
