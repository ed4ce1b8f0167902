"""Fixtures of the measures tests: the engine's output (tests/measures/fixtures.py) in a temporary PCNHUB_PHM_DIR."""

from __future__ import annotations

import pytest

from tests.measures.fixtures import write_measures


@pytest.fixture
def phm_dir(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return settings.PCNHUB_PHM_DIR


@pytest.fixture
def measures_output(phm_dir):
    return write_measures(phm_dir / "measures")
