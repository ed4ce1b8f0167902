"""The measures demo: the engine run once on the population health demo's data, with each practice's PCN,
sub-ICB location and ICB from the register, written beside the pipeline's output; kept when it is there."""

from __future__ import annotations

import io

import pytest

from pcnhub.measures import demo, services
from pcnhub.phm import services as phm
from tests.measures.fixtures import write_measures
from tests.phm.test_phm_demo import essex  # noqa: F401 (the fixture: the demo's PCNs in a small register)

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(monkeypatch):
    """A stand-in for the measures engine that records its call and writes the fixture output."""
    import pcnhub.analytics.measures.run as run

    calls = []

    def run_measures(data, out, **kwargs):
        calls.append({"data": data, "out": out, **kwargs})
        write_measures(out)
        return {"measures": ["a", "b"], "months": ["2024-01-01", "2025-01-01"]}

    monkeypatch.setattr(run, "run_measures", run_measures)
    return calls


def test_without_the_population_health_data_it_says_so(essex, engine):  # noqa: F811
    out = io.StringIO()
    demo.load_measures_demo(out)
    assert engine == [] and "measures demo skipped" in out.getvalue()


def test_it_runs_the_engine_once_with_the_registers_geography(essex, engine):  # noqa: F811
    phm.data_dir().mkdir(parents=True)
    (phm.data_dir() / "patients.parquet").write_bytes(b"")
    phm.output_dir().mkdir(parents=True)
    (phm.output_dir() / phm.FEATURES).write_bytes(b"")
    out = io.StringIO()
    demo.load_measures_demo(out)
    [call] = engine
    assert call["geography"] == {"F81001": ("U27924", "99F", "QH8"), "F81002": ("U27924", "99F", "QH8"),
                                 "F81003": ("U84454", "99F", "QH8")}
    assert call["features"] == phm.output_dir() / phm.FEATURES and call["engine"] == "duckdb"
    assert call["by_neighbourhood"] is True  # the demo shows each PCN's neighbourhoods
    assert services.output() is not None and not call["out"].exists()  # moved into place
    demo.load_measures_demo(out)
    assert len(engine) == 1 and "already made" in out.getvalue()
