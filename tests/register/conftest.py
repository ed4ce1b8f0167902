"""Fixtures the register's tests share."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from pcnhub.register.loaders import import_file
from tests.paths import SHARED_DATA

NHS = SHARED_DATA / "nhs-open-data"
SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"


def map_of(name: str, column: str, icbs: tuple[str, ...], folder: Path) -> Path:
    """The national practice map ``name`` cut to the rows whose ``column`` (the ICB's, or 2022's STP's) is one of
    ``icbs``, written into ``folder`` under the same name."""
    with (NHS / name).open(newline="") as fh:
        rows = list(csv.reader(fh))
    index = rows[0].index(column)
    cut = folder / name
    with cut.open("w", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if r[index] in icbs)])
    return cut


@pytest.fixture
def southend(tmp_path: Path) -> Path:
    """The demo's order: Southend's practices from epraccur, the 2022 map, the 2019 configuration, the map again."""
    lines = [line for line in (NHS / "epraccur_2019.csv").read_text().splitlines() if line[1:3] == "F8"]
    epraccur = tmp_path / "epraccur_southend.csv"
    epraccur.write_text("\n".join(lines) + "\n")
    # the 2022 map of Mid and South Essex (QH8) and of one other ICB (QOC, the smallest), not all England: the same
    # networks for Southend's practices at a tenth of the import time
    national = map_of("gp-reg-pat-prac-map_2022-01.csv", "STP_CODE", ("QH8", "QOC"), tmp_path)
    for path, date in ((epraccur, None), (national, None), (SOUTHEND, dt.date(2019, 1, 1)), (national, None)):
        import_file(path, date=date, progress=False)
    return tmp_path


