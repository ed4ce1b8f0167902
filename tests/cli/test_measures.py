"""`pcnhub measures run`: writes the outputs from a synthetic dataset; bad input exits 2 naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import synth
from pcnhub.cli.measures import add_measures_arguments, run_measures_command
from tests.cli.helpers import command

run = command("pcnhub measures", add_measures_arguments, run_measures_command)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("measures-data")
    synth.generate([synth.PracticeSize("A81001", 3000), synth.PracticeSize("A81002", 2000)], folder,
                   patients=1_500, seed=4)
    return folder


def test_run_writes_every_measure_by_month(dataset, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = run("run", "--data", str(dataset), "--out", str(out), "--months", "24", "--quiet",
                               "--json", "--workers", "3")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["workers"] == 3
    # as_of: the latest prescription, 31 March 2024 (the day before the extract date): March is whole
    assert summary["months"] == ["2022-04-01", "2024-03-01"]
    assert set(summary["skipped"]) == {"qrisk3_10plus_without_statin"}
    values = pq.read_table(out / "measure_values.parquet")
    assert set(values["level"].to_pylist()) == {"practice", "england"}  # no practice map: no PCNs
    assert len(set(values["month"].to_pylist())) == 24
    assert {m["id"] for m in summary["measures"]} == set(values["measure"].to_pylist())
    assert (out / "measure_deciles.parquet").exists() and (out / "measures.json").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "/nowhere"], "--data: /nowhere is not a folder"),
    (["--measure", "nothing"], "no measure 'nothing'"),
    (["--months", "0"], "--months: 0 is not 1 or more"),
    (["--workers", "0"], "--workers: 0 is not 1 or more"),
    (["--as-of", "2024-13-01"], "--as-of"),
    (["--features", "/nowhere.parquet"], "--features: /nowhere.parquet does not exist"),
    (["--memory-limit", "lots"], "pcnhub measures run: --memory-limit: 'lots' is not a memory size"),
    (["--threads", "none"], "pcnhub measures run: --threads: 'none' is not a whole number of threads"),
])
def test_bad_input_exits_2_naming_it(dataset, tmp_path, args, message):
    base = {"--data": str(dataset), "--out": str(tmp_path / "out")}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    code, _, stderr = run("run", *[x for pair in base.items() for x in pair], "--quiet")
    assert code == 2 and message in stderr, stderr


def test_by_neighbourhood_writes_each_pcns_neighbourhoods(dataset, tmp_path):
    from tests.finance.iif_dataset import MAP_HEADER

    mapping = tmp_path / "map.csv"
    mapping.write_text(MAP_HEADER + "\n" + "\n".join(
        f"GP_PRAC_PAT_LIST,01Jan2022,{p},PRACTICE {p},AB1 2CD,U00001,PCN U00001,E38000001,00A,CCG,E54000001,QAA,ICB,"
        "E40000001,Y01,REGION" for p in ("A81001", "A81002")) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run("run", "--data", str(dataset), "--out", str(out), "--months", "2", "--measure",
                               "emergency_admissions", "--practice-map", str(mapping), "--by-neighbourhood", "--quiet")
    assert code == 0, stderr
    assert "Files: measure_values.parquet, measure_deciles.parquet, measure_neighbourhoods.parquet, measures.json" \
        in stdout
    rows = pq.read_table(out / "measure_neighbourhoods.parquet").to_pylist()
    # the synthetic LSOAs of the two practices' 1,500 patients (up to ten each), every one in PCN U00001
    assert {r["org_code"] for r in rows} == {"U00001"} and 2 < len({r["neighbourhood"] for r in rows}) <= 20
    code, _, stderr = run("run", "--data", str(dataset), "--out", str(out), "--by-neighbourhood", "--quiet")
    assert code == 2 and "--by-neighbourhood needs --practice-map" in stderr


def test_the_limits_reach_the_check_and_the_run(dataset, tmp_path, monkeypatch):
    from pcnhub.analytics.measures import run as engine
    from pcnhub.analytics import schema

    seen = {}
    validate, run_measures = schema.validate_dataset, engine.run_measures

    def validating(*args, **kwargs):
        seen["check"] = (kwargs["memory_limit"], kwargs["threads"], kwargs["tables"])
        return validate(*args, **kwargs)

    def running(*args, **kwargs):
        seen["run"] = (kwargs["memory_limit"], kwargs["threads"])
        return run_measures(*args, **kwargs)

    monkeypatch.setattr(schema, "validate_dataset", validating)
    monkeypatch.setattr(engine, "run_measures", running)
    code, _, stderr = run("run", "--data", str(dataset), "--out", str(tmp_path / "out"), "--measure",
                          "ae_attendances", "--memory-limit", "3GB", "--threads", "1", "--quiet")
    assert code == 0, stderr
    assert seen == {"check": ("2861MiB", 1, schema.PIPELINE_TABLES), "run": ("2861MiB", 1)}
