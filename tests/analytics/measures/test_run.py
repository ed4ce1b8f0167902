"""``run_measures`` on DuckDB counts the groups of measures side by side (``workers``): the same outputs as
one after the other, nothing left behind when one fails, each connection with its share of the memory."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import run
from tests.analytics.measures.test_spec import AS_OF, GEOGRAPHY, _dataset

#: Two measures that share no work: two groups, counted on two connections side by side.
TWO_GROUPS = ["emergency_admissions", "prescribing_cost_per_patient"]
OUTPUTS = (run.VALUES_FILE, run.DECILES_FILE, run.INEQUALITIES_FILE, run.NEIGHBOURHOODS_FILE)


def _sorted_rows(path):
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: tuple(str(v) for v in r.values()))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("measures-run") / "data")


def test_side_by_side_gives_the_outputs_of_one_connection(data, tmp_path):
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        summary = run.run_measures(data, out, geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=workers, by_imd=True,
                                   by_neighbourhood=True, counts_file=tmp_path / f"counts-{workers}.parquet")
        assert summary["workers"] == workers
        outputs[workers] = {name: _sorted_rows(out / name) for name in OUTPUTS}
        outputs[workers]["counts"] = _sorted_rows(tmp_path / f"counts-{workers}.parquet")
        assert not [p for p in out.iterdir() if p.name.startswith(".pcnhub-measures-")]  # the work folder
    assert all(outputs[1][name] for name in outputs[1])
    assert outputs[2] == outputs[1]


def test_no_more_connections_than_groups(data, tmp_path):
    summary = run.run_measures(data, tmp_path / "out", geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=4,
                               only=["emergency_admissions", "ae_attendances"])  # one group: the hospital sides
    assert summary["workers"] == 1


def test_a_measure_that_fails_fails_the_run_and_leaves_nothing(data, tmp_path, monkeypatch):
    counted = compiler.practice_counts

    def failing(measure, *args, **kwargs):
        if measure.id == "bowel_screening_60_74":
            raise RuntimeError("bowel screening failed")
        return counted(measure, *args, **kwargs)

    monkeypatch.setattr(compiler, "practice_counts", failing)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="bowel screening failed"):
        run.run_measures(data, out, geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=2)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("limit", "workers", "share"), [
    ("2GB", 2, "1000MB"), ("2GB", 1, "2GB"), ("3 GiB", 2, "1610MB"), ("500mb", 4, "125MB"), (None, 2, None),
])
def test_each_connection_has_its_share_of_the_memory_limit(limit, workers, share):
    assert run._memory_share(limit, workers) == share


def test_a_memory_limit_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a memory limit: 'lots'"):
        run._memory_share("lots", 2)


def test_a_runs_memory_limit_is_shared_by_its_connections(data, tmp_path, monkeypatch):
    """The run's limit (given, or the default: PCNHUB_DUCKDB_MEMORY_LIMIT, else half the machine's memory) is
    shared by the side-by-side connections; the connection before and after them has all of it.  (Two measures
    of two groups, so that the run has two connections side by side.)"""
    from pcnhub.analytics import engines, limits

    asked = []
    connect = engines.connect

    def recording(engine, **kwargs):
        asked.append((kwargs["memory_limit"], kwargs["threads"]))
        return connect(engine, **kwargs)

    monkeypatch.setattr(engines, "connect", recording)
    run.run_measures(data, tmp_path / "out", geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=2,
                     memory_limit="2GB", threads=1, only=TWO_GROUPS)
    assert asked == [("1907MiB", 1), ("999MB", 1), ("999MB", 1)]
    asked.clear()
    monkeypatch.setenv(limits.MEMORY_LIMIT_ENV, "1GiB")
    run.run_measures(data, tmp_path / "out", geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=2, only=TWO_GROUPS)
    assert asked == [("1024MiB", None), ("536MB", None), ("536MB", None)]
    asked.clear()
    monkeypatch.delenv(limits.MEMORY_LIMIT_ENV)
    run.run_measures(data, tmp_path / "out", geography=GEOGRAPHY, months=3, as_of=AS_OF, workers=2, only=TWO_GROUPS)
    assert asked[0][0] == limits.memory_limit() == f"{limits.default_memory_limit() // 2**20}MiB"
