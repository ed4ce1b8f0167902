"""Fixtures the register's tests share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pcnhub.register.loaders import import_file
from tests.paths import SHARED_DATA

NHS = SHARED_DATA / "nhs-open-data"
SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"


@pytest.fixture
def southend(tmp_path: Path) -> Path:
    """The demo's order: Southend's practices from epraccur, the 2022 map, the 2019 configuration, the map again."""
    lines = [line for line in (NHS / "epraccur_2019.csv").read_text().splitlines() if line[1:3] == "F8"]
    epraccur = tmp_path / "epraccur_southend.csv"
    epraccur.write_text("\n".join(lines) + "\n")
    national = NHS / "gp-reg-pat-prac-map_2022-01.csv"
    for path, date in ((epraccur, None), (national, None), (SOUTHEND, dt.date(2019, 1, 1)), (national, None)):
        import_file(path, date=date, progress=False)
    return tmp_path


