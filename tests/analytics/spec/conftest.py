"""Spec tests of the population health pipeline, run on every engine.

The hand-made cases of ``dataset.py`` (with a small synthetic population around them) are written
once; the whole pipeline runs on them once per engine (DuckDB always; Spark in local mode, in one
SparkSession for the test session, marked ``spark``) and every test reads the outputs of the engine it
is parametrised with.  Tests of single steps on hand-made tables run their queries on both engines too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.run import SUMMARY_FILE
from tests.analytics.shared import made_once
from tests.analytics.spec.dataset import (
    AS_OF,
    FIRST_CASE_ID,
    PRACTICE_MAP,
    spec_dataset,
)

ENGINES = ["duckdb", "spark"]


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: runs on PySpark in local mode (needs Java); one session for all")


def pytest_collection_modifyitems(config, items):
    """Tests parametrised with the spark engine are marked ``spark`` (``-m "not spark"`` leaves them out)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "spark":
            item.add_marker("spark")


@dataclass
class Outputs:
    """One engine's outputs on the spec dataset."""

    engine: str
    folder: Path
    summary: dict
    features: pd.DataFrame  # the hand-made patients, indexed by case name
    all_features: pa.Table
    aggregates: pa.Table
    variation: pa.Table

    def patient(self, name: str) -> pd.Series:
        return self.features.loc[name]

    def aggregate(self, level: str, org: str, measure: str, breakdown: str = "") -> dict:
        rows = [r for r in self._aggregate_rows() if (r["level"], r["org_code"], r["measure"], r["breakdown"])
                == (level, org, measure, breakdown)]
        assert len(rows) == 1, (level, org, measure, breakdown, rows)
        return rows[0]

    def _aggregate_rows(self) -> list[dict]:
        if not hasattr(self, "_rows"):
            wanted = {"S00006", "S00007", "S00012", "S00013", "U00001", "U00002", "QAA", "C00001"}
            mask = pa.compute.is_in(self.aggregates["org_code"], value_set=pa.array(sorted(wanted)))
            self._rows = self.aggregates.filter(mask).to_pylist()
        return self._rows


def need_spark() -> None:
    """Skip without PySpark or Java."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")


@pytest.fixture(scope="session")
def spark_session():
    need_spark()
    from pcnhub.analytics.engines import SPARK_SMALL_DATA
    from pcnhub.analytics.engines import spark_session as make

    session = make(config=SPARK_SMALL_DATA)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spec_data(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("phm-spec")
    names = spec_dataset(folder)
    return folder / "dataset", names


@pytest.fixture(scope="session")
def run_on(spec_data, tmp_path_factory, request, worker_id) -> Callable[[str], Outputs]:
    """``run_on(engine)``: the pipeline's outputs on the spec dataset (run once per engine, and on Spark once for
    the whole session: the first worker to need it runs it, the others read it, see tests/analytics/shared.py)."""
    data, names = spec_data
    done: dict[str, Outputs] = {}

    def run(engine: str) -> Outputs:
        if engine not in done:
            from pcnhub.analytics.run import run_pipeline

            def make(out: Path) -> None:
                if engine == "spark":
                    request.getfixturevalue("spark_session")
                run_pipeline(data, out, engine=engine, practice_map=PRACTICE_MAP, as_of=AS_OF)

            if engine == "spark":
                out = made_once(tmp_path_factory, worker_id, "phm-spec-spark", make)
            else:
                out = tmp_path_factory.mktemp(f"phm-spec-{engine}")
                make(out)
            summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
            features = pq.read_table(out / "patient_features.parquet")
            frame = features.to_pandas()
            by_id = {pid: name for name, pid in names.items()}
            frame = frame[frame.patient_id >= FIRST_CASE_ID].copy()
            frame.index = [by_id[pid] for pid in frame.patient_id]
            done[engine] = Outputs(engine, out, summary, frame, features, pq.read_table(out / "aggregates.parquet"),
                                   pq.read_table(out / "variation.parquet"))
        return done[engine]

    return run


@pytest.fixture(scope="session", params=ENGINES)
def engine(request) -> str:
    """The engine's name; Spark itself starts only where a test needs it (its backend, or a run to make)."""
    if request.param == "spark":
        need_spark()
    return request.param


@pytest.fixture(scope="session")
def outputs(engine, run_on) -> Outputs:
    return run_on(engine)


@pytest.fixture(scope="session")
def backend(engine, request):
    """An Ibis backend of the engine, for tests of single steps on hand-made tables."""
    from pcnhub.analytics import engines

    if engine == "spark":
        request.getfixturevalue("spark_session")

    con = engines.connect(engine)
    yield con
    engines.close(con)
