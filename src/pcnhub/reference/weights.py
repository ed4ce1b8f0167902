"""Weights by age band and sex (``reference/weights/``): what a patient counts for in a weighted denominator.

``weights/weights.toml`` lists each table: its key, the CSV file, what a weight is, its source and status
(verified, derived, uncertain) and a note; each CSV has the columns ``sex, age_from, age_to, weight`` (ages in
whole years, ``age_from <= age < age_to``, a blank ``age_to`` for the open top band).  The bands of a table
run without gap or overlap from its first age to the open top band, the same for F and M.

:func:`weight_table` returns one table, :func:`weight_tables` all of them, :func:`parse_weights` checks the
text of one CSV.  Anything that cannot be used is a :class:`WeightError` naming the file, row and field.  A
measure's ``weight = "<key>"`` (``reference/measures/README.md``) adds each patient's weight instead of
counting the patient; nothing here computes.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

FOLDER: Final = "weights"
INDEX: Final = "weights.toml"
COLUMNS: Final = ("sex", "age_from", "age_to", "weight")
SEXES: Final = ("F", "M")
STATUSES: Final = ("verified", "derived", "uncertain")
_FIELDS: Final = {"key", "name", "file", "weight", "status", "version", "source", "note"}
_REQUIRED: Final = ("key", "name", "file", "weight", "status", "version", "source")
_WHOLE: Final = re.compile(r"[0-9]{1,3}")


class WeightError(ValueError):
    """A weights file or index entry that cannot be used: names the file, row and field."""


@dataclass(frozen=True)
class WeightRow:
    """The weight of patients of ``sex`` aged ``age_from`` to under ``age_to`` (None: no upper bound)."""

    sex: str
    age_from: int
    age_to: int | None
    weight: float


@dataclass(frozen=True)
class WeightTable:
    key: str
    name: str
    #: What one unit of the weighted sum is (e.g. "ASTRO-PU", "expected patients").
    weight: str
    source: str
    status: str
    version: dt.date
    rows: tuple[WeightRow, ...]
    note: str = ""

    @property
    def min_age(self) -> int:
        """The youngest age the table covers (it covers every age from there up)."""
        return min(row.age_from for row in self.rows)

    def weight_of(self, sex: str, age: int) -> float | None:
        """The weight of a patient of ``sex`` aged ``age`` (None below the table's first age)."""
        for row in self.rows:
            if row.sex == sex and row.age_from <= age and (row.age_to is None or age < row.age_to):
                return row.weight
        return None


def _text(name: str) -> str:
    path = resources.files("pcnhub.reference").joinpath(FOLDER, name)
    if not path.is_file():
        raise WeightError(f"{FOLDER}/{name}: the file does not exist")
    return path.read_text(encoding="utf-8")


def _age(where: str, text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise WeightError(f"{where}: {text!r} is not a whole number of years")
    return int(text)


def parse_weights(text: str, file: str) -> tuple[WeightRow, ...]:
    """The rows of a weights CSV, checked: header, values, and bands without gap or overlap for both sexes."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise WeightError(f"{file}: the file is empty")
    if tuple(h.strip().lower() for h in header) != COLUMNS:
        raise WeightError(f"{file} row 1: the columns must be {', '.join(COLUMNS)} (found {', '.join(header)})")
    rows: list[WeightRow] = []
    for number, record in enumerate(reader, 2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(COLUMNS):
            raise WeightError(f"{file} row {number}: {len(record)} fields, expected {len(COLUMNS)}")
        sex, age_from, age_to, weight = (cell.strip() for cell in record)
        if sex not in SEXES:
            raise WeightError(f"{file} row {number}, field sex: {sex!r} is not one of {', '.join(SEXES)}")
        start = _age(f"{file} row {number}, field age_from", age_from)
        end = None if age_to == "" else _age(f"{file} row {number}, field age_to", age_to)
        if end is not None and end <= start:
            raise WeightError(f"{file} row {number}, field age_to: {end} is not above age_from {start}")
        try:
            value = float(weight)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise WeightError(f"{file} row {number}, field weight: {weight!r} is not a number of 0 or more")
        rows.append(WeightRow(sex, start, end, value))
    if not rows:
        raise WeightError(f"{file}: the table has no rows")
    bands = {}
    for sex in SEXES:
        mine = sorted((r for r in rows if r.sex == sex), key=lambda r: r.age_from)
        if not mine:
            raise WeightError(f"{file}: no rows for sex {sex}")
        for before, after in zip(mine, mine[1:]):
            if before.age_to is None or before.age_to != after.age_from:
                raise WeightError(f"{file}: sex {sex}: the band from {before.age_from} is followed by one from "
                                  f"{after.age_from} (the bands must meet, without gap or overlap)")
        if mine[-1].age_to is not None:
            raise WeightError(f"{file}: sex {sex}: the last band must be open (a blank age_to)")
        bands[sex] = [(r.age_from, r.age_to) for r in mine]
    if bands["F"] != bands["M"]:
        raise WeightError(f"{file}: the age bands of F and M differ")
    return tuple(sorted(rows, key=lambda r: (r.sex, r.age_from)))


@functools.cache
def _entries() -> dict[str, dict[str, Any]]:
    where = f"{FOLDER}/{INDEX}"
    try:
        index = tomllib.loads(_text(INDEX))
    except tomllib.TOMLDecodeError as err:
        raise WeightError(f"{where}: not valid TOML ({err})") from None
    entries: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(index.get("table") or [], 1):
        here = f"{where} table {number} ({entry.get('key', '?')})"
        missing = [name for name in _REQUIRED if entry.get(name) in (None, "")]
        if missing:
            raise WeightError(f"{here}: missing {', '.join(missing)}")
        unknown = sorted(set(entry) - _FIELDS)
        if unknown:
            raise WeightError(f"{here}: unknown fields {', '.join(unknown)}")
        if entry["status"] not in STATUSES:
            raise WeightError(f"{here}, field status: {entry['status']!r} is not one of {', '.join(STATUSES)}")
        if not isinstance(entry["version"], dt.date) or isinstance(entry["version"], dt.datetime):
            raise WeightError(f"{here}, field version: {entry['version']!r} is not a date (write 2026-12-05)")
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", str(entry["key"])):
            raise WeightError(f"{here}, field key: {entry['key']!r} must be lower-case words joined by hyphens")
        if entry["key"] in entries:
            raise WeightError(f"{here}, field key: {entry['key']!r} appears twice")
        entries[entry["key"]] = entry
    return entries


def keys() -> list[str]:
    """The keys of every weights table, in index order."""
    return list(_entries())


@functools.cache
def weight_table(key: str) -> WeightTable:
    """The weights table ``key``; :class:`WeightError` if there is none or its file is not valid."""
    entries = _entries()
    if key not in entries:
        raise WeightError(f"no weights table {key!r}; known: {', '.join(entries) or 'none'}")
    entry = entries[key]
    rows = parse_weights(_text(entry["file"]), f"{FOLDER}/{entry['file']}")
    return WeightTable(key=key, name=entry["name"], weight=entry["weight"], source=entry["source"],
                       status=entry["status"], version=entry["version"], rows=rows, note=entry.get("note", ""))


def weight_tables() -> list[WeightTable]:
    """Every weights table, in index order."""
    return [weight_table(key) for key in _entries()]
