"""A local PCN configuration: the plain ``pcn, practice_code, practice_name, list_size`` CSV.

The file is read and checked by :func:`pcnhub.ingest.configuration_csv.read_configuration_csv`; this
module adds what an import needs on top: each practice's row number, the optional ``area``
column (a place, such as "Southend" or "Castle Point and Rochford", that the PCN belongs to), and
the optional ``weighted_list`` (contractor weighted) and ``adjusted_population`` (PCN adjusted) columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pcnhub.ingest.configuration_csv import PCN, PRACTICE_CODE, read_configuration_csv
from pcnhub.ingest.tabular import Cells, Column, Header, Problems, csv_records

AREA: Final = "area"
WEIGHTED: Final = "weighted_list"
ADJUSTED: Final = "adjusted_population"


@dataclass(frozen=True, slots=True)
class ConfigurationRow:
    """A practice in a configuration: its PCN (blank for none) and area (blank if the file has none)."""

    practice_code: str
    practice_name: str
    list_size: int
    pcn: str
    area: str
    row: int
    weighted: float | None = None
    adjusted: float | None = None


def read_configuration(path: str | os.PathLike[str]) -> list[ConfigurationRow]:
    """The practices of a configuration CSV, once each, in file order.

    Raises :class:`~pcnhub.domain.errors.InputError` for any problem
    :func:`~pcnhub.ingest.configuration_csv.read_configuration_csv` finds, and for a practice listed
    in two PCNs (the register holds one PCN per practice on a date).
    """
    source = Path(path)
    networks, _ = read_configuration_csv(source)
    entries = {practice.code: practice for network in networks for practice in network.practices}
    problems = Problems(source.name)
    records = csv_records(source)
    header_row, titles = next(records)  # read_configuration_csv has checked there is a header
    header = Header(
        titles,
        (
            Column.of(PRACTICE_CODE),
            Column.of(PCN),
            Column.of(AREA, required=False),
            Column.of(WEIGHTED, required=False),
            Column.of(ADJUSTED, required=False),
        ),
        problems,
        header_row,
    )
    rows: dict[str, ConfigurationRow] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        entry = entries[cells.text(PRACTICE_CODE).upper()]
        row = ConfigurationRow(
            entry.code, entry.name, entry.list_size, cells.text(PCN), cells.text(AREA), line,
            cells.population(WEIGHTED), cells.population(ADJUSTED),
        )
        earlier = rows.setdefault(entry.code, row)
        if (earlier.pcn, earlier.area) != (row.pcn, row.area):
            problems.add(
                line,
                PCN,
                f"{entry.code} is also listed on row {earlier.row} in {earlier.pcn or 'no PCN'!r}; "
                "a practice can be in one PCN only",
            )
    problems.raise_if_any()
    return list(rows.values())
