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
                               "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    # as_of: the latest prescription, 31 March 2024 (the day before the extract date): March is whole
    assert summary["months"] == ["2022-04-01", "2024-03-01"]
    assert set(summary["skipped"]) == {"statin_for_qrisk3_10plus"}
    values = pq.read_table(out / "measure_values.parquet")
    assert set(values["level"].to_pylist()) == {"practice", "england"}  # no practice map: no PCNs
    assert len(set(values["month"].to_pylist())) == 24
    assert {m["id"] for m in summary["measures"]} == set(values["measure"].to_pylist())
    assert (out / "measure_deciles.parquet").exists() and (out / "measures.json").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "/nowhere"], "--data: /nowhere is not a folder"),
    (["--measure", "nothing"], "no measure 'nothing'"),
    (["--months", "0"], "--months: 0 is not 1 or more"),
    (["--as-of", "2024-13-01"], "--as-of"),
    (["--features", "/nowhere.parquet"], "--features: /nowhere.parquet does not exist"),
])
def test_bad_input_exits_2_naming_it(dataset, tmp_path, args, message):
    base = {"--data": str(dataset), "--out": str(tmp_path / "out")}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    code, _, stderr = run("run", *[x for pair in base.items() for x in pair], "--quiet")
    assert code == 2 and message in stderr, stderr
