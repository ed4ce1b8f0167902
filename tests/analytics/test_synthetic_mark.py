"""``pcnhub phm synth`` marks every table it writes as synthetic (Parquet metadata); the pipeline reads the mark from
the dataset and records it in its summary, so the pages know the patients are made up from the data itself."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import synth
from pcnhub.analytics.run import run_pipeline
from pcnhub.analytics.schema import SYNTHETIC_KEY, TABLES, is_synthetic


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    synth.generate([synth.PracticeSize("A81001", 300), synth.PracticeSize("A81002", 200)], folder, patients=300,
                   seed=5)
    return folder


def _unmarked(dataset, tmp_path):
    """The same tables with the mark taken out, as a real extract would come."""
    copy = tmp_path / "real"
    shutil.copytree(dataset, copy)
    for table in TABLES.values():
        path = copy / table.file
        data = pq.read_table(path)
        metadata = {k: v for k, v in (data.schema.metadata or {}).items() if k != SYNTHETIC_KEY}
        pq.write_table(data.replace_schema_metadata(metadata), path)
    return copy


def test_every_table_synth_writes_carries_the_mark(dataset):
    for table in TABLES.values():
        assert pq.read_schema(dataset / table.file).metadata[SYNTHETIC_KEY] == b"true", table.file
        # The schema's own metadata (the descriptions) is kept beside it.
        assert b"description" in pq.read_schema(dataset / table.file).metadata
    assert is_synthetic(dataset)


def test_a_dataset_without_the_mark_or_without_patients_is_not_synthetic(dataset, tmp_path):
    assert not is_synthetic(_unmarked(dataset, tmp_path))
    assert not is_synthetic(tmp_path / "nothing-here")


def test_the_pipeline_records_the_mark_in_its_summary(dataset, tmp_path):
    assert run_pipeline(dataset, tmp_path / "out-synthetic", engine="duckdb")["synthetic"] is True
    assert run_pipeline(_unmarked(dataset, tmp_path), tmp_path / "out-real", engine="duckdb")["synthetic"] is False
