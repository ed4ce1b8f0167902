"""Import a folder of CSV extracts into a population health dataset (see ``analytics/SCHEMA.md``).

The folder holds ``patients.csv``, ``events.csv`` and ``medications.csv``, and optionally
``hospital.csv`` and ``appointments.csv`` (a missing one is an empty table), each with a header row of
the schema's column names (any order, any case; other columns are ignored).  Columns that may be null
(``registered_to``, ``lsoa``, ``imd_decile``, ``townsend``, ``value``, ``end``, ``cost``, ``diagnosis``) may be
left out.

Cells: dates are YYYY-MM-DD (``birth_month`` may be YYYY-MM, and must be the first of a month);
booleans are true/false, 1/0 or yes/no (any case); ``patient_id`` a whole number; codes as the
schema's coding system (SNOMED CT and dm+d ids are 6-18 digits, BNF codes 2-15 letters and digits);
values of a closed set as listed in the schema; an ICD-10 ``diagnosis`` may be written with its dot and in
any case (``j44.1`` is stored ``J441``).  A blank cell is null where the column may be null
and an error otherwise.  A duplicate ``patient_id`` in patients.csv, and rows of other files whose
``patient_id`` is not in patients.csv, are errors.  Every problem names the file, row (line number;
the header is row 1) and field; the first file with problems is reported.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from pcnhub.analytics.importers import ImportResult, Rows, check_out, write_dataset
from pcnhub.analytics.schema import TABLES
from pcnhub.analytics.schema import Column as SchemaColumn
from pcnhub.domain.errors import InputError, Problems
from pcnhub.ingest.tabular import Cells, Column, csv_table

OPTIONAL_FILES: Final = ("hospital", "appointments")
_INT: Final = re.compile(r"[+-]?\d+")
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")
_BOOLEANS: Final = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_CODE_PATTERNS: Final = {
    "snomedct": (re.compile(r"[1-9][0-9]{5,17}"), "a SNOMED CT concept id"),
    "dmd": (re.compile(r"[1-9][0-9]{5,17}"), "a dm+d code"),
    "bnf": (re.compile(r"[0-9]{2}[0-9A-Z]{0,13}"), "a BNF code"),
}
_INT64: Final = 2**63


def _cell(cells: Cells, column: SchemaColumn) -> Any:
    """The cell of ``column`` as a Python value of its type; None (after a problem if required) if blank."""
    name = column.name
    text = cells.text(name)
    if not text:
        if column.required:
            cells.problem(name, "is blank")
        return None
    kind = column.type
    if pa.types.is_integer(kind):
        if not _INT.fullmatch(text):
            cells.problem(name, f"{text!r} is not a whole number")
            return None
        value = int(text)
        if not -_INT64 <= value < _INT64:
            cells.problem(name, f"{text!r} is too large")
            return None
    elif pa.types.is_floating(kind):
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            cells.problem(name, f"{text!r} is not a number")
            return None
    elif pa.types.is_boolean(kind):
        if text.lower() not in _BOOLEANS:
            cells.problem(name, f"{text!r} is not a boolean (true/false, 1/0 or yes/no)")
            return None
        return _BOOLEANS[text.lower()]
    elif pa.types.is_date(kind):
        return _date(cells, column, text)
    else:
        value = text
        if column.codes:
            pattern, what = _CODE_PATTERNS[column.codes]
            if not pattern.fullmatch(text):
                cells.problem(name, f"{text!r} is not {what}")
                return None
        if column.pattern:
            value = text.upper().replace(".", "", 1)
            if not re.fullmatch(column.pattern[0], value):
                cells.problem(name, f"{text!r} is not {column.pattern[1]}")
                return None
    if column.allowed and value not in column.allowed:
        cells.problem(name, f"{text!r} is not one of {', '.join(column.allowed)}")
        return None
    if column.minimum is not None and column.maximum is not None and not column.minimum <= value <= column.maximum:
        cells.problem(name, f"{text!r} is outside {column.minimum:g} to {column.maximum:g}")
        return None
    return value


def _date(cells: Cells, column: SchemaColumn, text: str) -> dt.date | None:
    match = _ISO_DATE.fullmatch(text) or (_ISO_MONTH.fullmatch(text) if column.first_of_month else None)
    value = None
    if match:
        parts = [int(part) for part in match.groups()] + [1]
        try:
            value = dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            pass
    if value is None:
        cells.problem(column.name, f"{text!r} is not a date (YYYY-MM-DD{' or YYYY-MM' if column.first_of_month else ''})")
        return None
    if column.first_of_month and value.day != 1:
        cells.problem(column.name, f"{text!r} is not the first of a month")
        return None
    if value > dt.date.today():
        cells.problem(column.name, f"{text!r} is after today: the extract records what has happened")
        return None
    return value


def _read_table(path: Path, name: str, rows: Rows, patients: dict[int, int] | None) -> dict[int, int]:
    """Add the rows of one CSV file to ``rows``; ``patients`` maps patient_id -> row of patients.csv (None
    while reading patients.csv, whose map is returned)."""
    table = TABLES[name]
    problems = Problems(path.name)
    columns = [Column.of(c.name, required=c.required) for c in table.columns]
    header, records = csv_table(path, columns, problems)
    own: dict[int, int] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        values = {column.name: _cell(cells, column) for column in table.columns}
        if not cells.ok:
            continue
        key = values["patient_id"]
        if patients is None:
            if key in own:
                cells.problem("patient_id", f"{key} is also on row {own[key]}")
                continue
            own[key] = line
        elif key not in patients:
            cells.problem("patient_id", f"{key} is not a patient_id of patients.csv")
            continue
        rows.add(name, **values)
    if patients is None and not own and not problems.found:
        problems.add(None, None, "the file has a header but no patient rows")
    problems.raise_if_any()
    return own


def read_csv_extract(folder: str | os.PathLike[str]) -> Rows:
    """The rows of a CSV extract folder (see the module docs); :class:`InputError` on bad input."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError.single(root.name, "the folder does not exist")
    rows = Rows()
    patients: dict[int, int] | None = None
    for name in TABLES:
        path = root / f"{name}.csv"
        if not path.exists():
            if name in OPTIONAL_FILES:
                continue
            raise InputError.single(path.name, f"the file is missing from {root.name} (needed: patients.csv, "
                                    "events.csv, medications.csv; optional: hospital.csv, appointments.csv)")
        read = _read_table(path, name, rows, patients)
        if name == "patients":
            patients = read
    return rows


def import_csv(folder: str | os.PathLike[str], out: str | os.PathLike[str]) -> ImportResult:
    """Read a CSV extract folder and write the dataset folder ``out`` (all or nothing)."""
    check_out(out)
    rows = read_csv_extract(folder)
    return write_dataset(rows, out, source=Path(folder).name)
