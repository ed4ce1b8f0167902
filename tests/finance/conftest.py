"""Fixtures of the finance tests."""

from __future__ import annotations

import pytest

from tests.finance.iif_dataset import write_measures_output


@pytest.fixture
def measures(settings, tmp_path):
    """The hand-made measures output of iif_dataset.write_measures_output, where the pages read it."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures_output(tmp_path / "phm" / "measures")
