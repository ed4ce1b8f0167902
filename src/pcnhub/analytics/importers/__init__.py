"""Importers that turn source data into a population health dataset folder (see ``analytics/SCHEMA.md``).

* :func:`pcnhub.analytics.importers.fhir.import_fhir`: FHIR R4 Bundles (transaction, batch, collection,
  searchset) or NDJSON files (Bulk Data exports) of Patient, Condition, Observation, Procedure,
  MedicationRequest, MedicationStatement, Medication and Encounter resources;
* :func:`pcnhub.analytics.importers.csv_extract.import_csv`: a folder of CSV extracts with the
  schema's column names.

The CSV importer, and the FHIR importer with ``strict=True``, are all-or-nothing: every bad input is
reported as one :class:`~pcnhub.domain.errors.InputError` naming the file, the row or entry and the
field.  The FHIR importer by default imports the sound resources and reports the rest
(:attr:`ImportResult.report`).  Rows are collected in memory and the tables are written to a
temporary folder beside ``out`` that is moved into place only once
:func:`~pcnhub.analytics.schema.validate_dataset` finds no error.  ``out`` must not exist or be an
empty folder; it is never left half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pcnhub.analytics.schema import ERROR, TABLES, validate_dataset
from pcnhub.domain.errors import InputError, Problem

__all__ = ["ImportResult", "Rows", "check_out", "write_dataset"]


class Rows:
    """The rows of the five tables, as columns of Python values in schema order."""

    def __init__(self) -> None:
        self.columns: dict[str, dict[str, list[Any]]] = {
            name: {column.name: [] for column in table.columns} for name, table in TABLES.items()
        }

    def add(self, table: str, **values: Any) -> None:
        for name, column in self.columns[table].items():
            column.append(values.get(name))

    def count(self, table: str) -> int:
        return len(next(iter(self.columns[table].values())))

    def arrow(self, table: str) -> pa.Table:
        return pa.Table.from_pydict(self.columns[table], schema=TABLES[table].schema)


@dataclass
class ImportResult:
    """What an import wrote: the folder, rows per table, resources or rows ignored (by kind), warnings."""

    folder: Path
    rows: dict[str, int]
    ignored: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: A lenient import's account of every resource read (FHIR: see ``fhir_codes.Report``); empty otherwise.
    report: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        found = {"folder": str(self.folder), "rows": self.rows, "ignored": self.ignored, "warnings": self.warnings}
        return {**found, "report": self.report} if self.report else found


def check_out(out: str | os.PathLike[str]) -> Path:
    """The output folder, which must not exist (or be an empty folder); ``ValueError`` otherwise."""
    path = Path(out)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ValueError(f"--out {path}: already exists and is not an empty folder; choose a new folder")
    return path


def write_dataset(rows: Rows, out: str | os.PathLike[str], *, source: str,
                  ignored: dict[str, int] | None = None) -> ImportResult:
    """Write ``rows`` as a dataset folder ``out``, atomically: via a temporary folder, checked, then renamed.

    ``source`` names the input in the :class:`InputError` raised if the written dataset has errors.
    """
    target = check_out(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.importing-", dir=target.parent))
    try:
        for name in TABLES:
            pq.write_table(rows.arrow(name), temporary / TABLES[name].file, compression="zstd")
        problems = validate_dataset(temporary)
        errors = [p for p in problems if p.severity == ERROR]
        if errors:
            raise InputError(source, [Problem(None, p.column, f"{p.file}: {p.message}") for p in errors])
        check_out(target)
        if target.exists():
            target.rmdir()
        os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return ImportResult(target, {name: rows.count(name) for name in TABLES}, dict(sorted((ignored or {}).items())),
                        [p.describe() for p in problems])
