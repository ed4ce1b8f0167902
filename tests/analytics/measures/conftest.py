"""Spec tests of the measures engine, run on DuckDB and Spark (local mode, one session, marked ``spark``)."""

from __future__ import annotations

import shutil

import pytest

ENGINES = ["duckdb", "spark"]


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: runs on PySpark in local mode (needs Java); one session for all")


def pytest_collection_modifyitems(config, items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "spark":
            item.add_marker("spark")


@pytest.fixture(scope="session")
def measures_spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from pcnhub.analytics.engines import SPARK_SMALL_DATA, spark_session

    session = spark_session(config=SPARK_SMALL_DATA)
    yield session


@pytest.fixture(scope="session", params=ENGINES)
def engine(request) -> str:
    if request.param == "spark":
        request.getfixturevalue("measures_spark")
    return request.param


@pytest.fixture(scope="session")
def backend(engine):
    from pcnhub.analytics import engines

    con = engines.connect(engine)
    yield con
    engines.close(con)
