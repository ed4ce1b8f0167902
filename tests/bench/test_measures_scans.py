"""``bench/measures_scans.py``: a full run's queries read the events and the prescriptions once each (the matched
rows every measure needs, :mod:`pcnhub.analytics.measures.requirements`), not once a condition."""

from __future__ import annotations

import pytest

from bench import measures_scans
from tests.analytics.measures.test_spec import AS_OF, _dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("measures-scans") / "data")


def test_a_full_run_reads_events_and_medications_once_each(data):
    found = measures_scans.count_scans(data, months=3, as_of=AS_OF)
    tables = found["tables"]
    assert tables["events"] == {"queries": 1, "references": 1}
    assert tables["medications"] == {"queries": 1, "references": 1}
    assert tables["patients"]["queries"] > 1  # the counter sees the other tables' reads
    assert found["queries"] > 28
