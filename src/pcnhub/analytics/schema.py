"""The patient-level tables of population health analytics, as Parquet, and a checker for a dataset folder.

A dataset is a folder with one Parquet file (or one folder of Parquet files) per table:
``patients.parquet``, ``events.parquet``, ``medications.parquet``, ``hospital.parquet`` and
``appointments.parquet``.  :data:`TABLES` describes each table: its purpose, its pyarrow schema (each
field carries its description in the field metadata under ``description``) and its columns' rules.
``SCHEMA.md`` beside this module is generated from :data:`TABLES` (``python -m
pcnhub.analytics.schema > src/pcnhub/analytics/SCHEMA.md``) and a test keeps them in step.

:func:`validate_dataset` checks a folder and returns every :class:`Problem` found: a missing table or
column, a wrong type, nulls in a required column, a value outside the allowed set or range, a
``birth_month`` that is not the first of a month, a value not in its column's form (an ICD-10
``diagnosis`` with a dot), a duplicate ``patient_id``, rows of patients missing
from ``patients`` (errors); extra columns and clinical codes in no pcnhub codelist (warnings).
:func:`check_dataset` raises :class:`DatasetError` when there is an error.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pcnhub.analytics import limits
from pcnhub.reference.codelists import icd10_pattern

ERROR: Final = "error"
WARNING: Final = "warning"

SEXES: Final = ("F", "M")
#: The nine ethnicity groups of QRISK3 (lower-case keys), and ``unknown`` when none is recorded.
ETHNICITIES: Final = (
    "white", "indian", "pakistani", "bangladeshi", "other_asian", "black_caribbean", "black_african", "chinese",
    "other", "unknown",
)
#: ``outpatient`` is an outpatient appointment not known to be a first or a follow-up one.
HOSPITAL_KINDS: Final = (
    "ae", "emergency_admission", "elective_admission", "outpatient_first", "outpatient_follow_up", "outpatient",
)
APPOINTMENT_STATUSES: Final = ("attended", "did_not_attend", "cancelled")
#: Staff types the synthetic generator writes; other values are allowed in real data.
STAFF_TYPES: Final = ("gp", "nurse", "clinical_pharmacist", "other")

#: ``hospital.diagnosis``: the form of an ICD-10 code in pcnhub (the codelists' form) and how it is described.
ICD10_FORM: Final = (icd10_pattern().pattern,
                     "an ICD-10 code without the dot, upper case (a letter, two digits and up to two more letters "
                     "or digits: `J441`, `I10X`)")

#: The tables whose rows the population health pipeline and the measures engine read (``appointments`` is described
#: and checked on import, but no step reads it): the commands that run them check these tables' rows and only the
#: files and columns of the others.
PIPELINE_TABLES: Final = ("patients", "events", "medications", "hospital")

_BATCH_ROWS: Final = 1_000_000
_EXAMPLES: Final = 5


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type, meaning and rules."""

    name: str
    type: pa.DataType
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Coding system of the column's values ("snomedct", "dmd" or "bnf"), checked against the codelists.
    codes: str | None = None
    #: A date that must be the first day of its month.
    first_of_month: bool = False
    unique: bool = False
    #: The column may be absent from a file (older datasets, extracts without it): read as all null.
    optional: bool = False
    #: The values' form: (a regular expression each value matches in full, the form in words).
    pattern: tuple[str, str] | None = None

    @property
    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=not self.required, metadata={"description": self.description})

    def rule(self) -> str:
        """The column's rules in words (for SCHEMA.md)."""
        rules = ["required" if self.required else "may be null"]
        if self.optional:
            rules.append("may be absent (read as null)")
        if self.unique:
            rules.append("unique")
        if self.allowed:
            rules.append("one of " + ", ".join(f"`{value}`" for value in self.allowed))
        if self.minimum is not None and self.maximum is not None:
            rules.append(f"{self.minimum:g} to {self.maximum:g}")
        if self.first_of_month:
            rules.append("first day of a month")
        if self.pattern:
            rules.append(self.pattern[1])
        if self.codes:
            rules.append(f"{self.codes} code (warning if in no codelist)")
        return "; ".join(rules)


@dataclass(frozen=True)
class Table:
    """One table of the dataset: ``name.parquet``."""

    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([column.field for column in self.columns], metadata={"description": self.description})

    @property
    def column_descriptions(self) -> dict[str, str]:
        return {column.name: column.description for column in self.columns}

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


_PATIENT_ID = Column("patient_id", pa.int64(), "Pseudonymous patient identifier (the same in every table).")

TABLES: Final[dict[str, Table]] = {
    table.name: table
    for table in (
        Table(
            "patients",
            "One row per patient registered (now or in the past) at a practice of the dataset.",
            (
                Column("patient_id", pa.int64(), "Pseudonymous patient identifier.", unique=True),
                Column("birth_month", pa.date32(), "Year and month of birth, as the first day of the month.",
                       first_of_month=True),
                Column("sex", pa.string(), "Sex recorded at the practice.", allowed=SEXES),
                Column("ethnicity", pa.string(),
                       "Ethnicity group: the nine QRISK3 groups, or `unknown` when none is recorded.",
                       allowed=ETHNICITIES),
                Column("practice_code", pa.string(), "ODS code of the GP practice the patient is registered with."),
                Column("registered_from", pa.date32(), "Date the current registration started."),
                Column("registered_to", pa.date32(), "Date the registration ended; null while registered.",
                       required=False),
                Column("lsoa", pa.string(),
                       "Lower layer super output area of the patient's address (synthetic data: `X01` codes that "
                       "are not real LSOAs).", required=False),
                Column("imd_decile", pa.int8(),
                       "Index of Multiple Deprivation decile of the LSOA: 1 most deprived, 10 least deprived.",
                       required=False, minimum=1, maximum=10),
                Column("townsend", pa.float64(),
                       "Townsend deprivation score of the area (derived; QRISK3 input; higher is more deprived).",
                       required=False, minimum=-15, maximum=20),
                Column("care_home", pa.bool_(), "Lives in a care home (residential or nursing) now."),
            ),
        ),
        Table(
            "events",
            "Coded clinical events of the GP record: diagnoses, findings, procedures and measurements.",
            (
                _PATIENT_ID,
                Column("code", pa.string(), "SNOMED CT concept id.", codes="snomedct"),
                Column("date", pa.date32(), "Date the event was recorded as happening."),
                Column("value", pa.float64(),
                       "Numeric value of a measurement (mmHg, kg/m2, a ratio, cigarettes a day); null otherwise.",
                       required=False),
            ),
        ),
        Table(
            "medications",
            "Prescriptions issued by the practice, one row per issue.",
            (
                _PATIENT_ID,
                Column("code", pa.string(), "dm+d product id (VMP or AMP).", codes="dmd"),
                Column("bnf_code", pa.string(),
                       "BNF code of the product (15 characters, or the 9-character chemical code when the "
                       "presentation is not known); codelists match BNF codes by prefix.", codes="bnf"),
                Column("date", pa.date32(), "Date the prescription was issued."),
                Column("repeat", pa.bool_(), "Issued on a repeat template (true) or as an acute prescription (false)."),
                Column("cost", pa.float64(),
                       "Cost of the item in GBP (synthetic data: a made-up price per item, "
                       "`reference/population/synthetic-medicine-prices.csv`, not the Drug Tariff).",
                       required=False, minimum=0, maximum=100_000, optional=True),
            ),
        ),
        Table(
            "hospital",
            "Hospital activity: A&E attendances, emergency and elective admissions, outpatient appointments.",
            (
                _PATIENT_ID,
                Column("kind", pa.string(), "Kind of activity.", allowed=HOSPITAL_KINDS),
                Column("start", pa.date32(), "Date of attendance, admission or appointment."),
                Column("end", pa.date32(), "Date of discharge (admissions; the same day for A&E); null if not known.",
                       required=False),
                Column("diagnosis", pa.string(),
                       "Primary diagnosis, ICD-10 (as Hospital Episode Statistics' DIAG_4_01, without the dot); null "
                       "when not known (synthetic data: emergency and elective admissions and A&E attendances have one, "
                       "outpatient appointments none; A&E's would come from SNOMED CT in a real extract).",
                       required=False, optional=True, pattern=ICD10_FORM),
            ),
        ),
        Table(
            "appointments",
            "GP practice appointments, booked or held.",
            (
                _PATIENT_ID,
                Column("date", pa.date32(), "Date of the appointment."),
                Column("status", pa.string(), "What happened.", allowed=APPOINTMENT_STATUSES),
                Column("staff_type", pa.string(),
                       "Who the appointment was with (synthetic data: " + ", ".join(f"`{s}`" for s in STAFF_TYPES)
                       + ")."),
            ),
        ),
    )
}


# --- validation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset: in ``file``, about ``column`` (None for the whole file)."""

    file: str
    column: str | None
    message: str
    severity: str = ERROR
    count: int | None = field(default=None, compare=False)

    def describe(self) -> str:
        where = self.file if self.column is None else f"{self.file}, column {self.column}"
        return f"{where}: {self.severity}: {self.message}"

    def __str__(self) -> str:
        return self.describe()


class DatasetError(ValueError):
    """A dataset with errors; ``problems`` holds every problem found (errors and warnings)."""

    def __init__(self, folder: str, problems: Sequence[Problem]) -> None:
        self.folder = folder
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == ERROR]
        super().__init__(f"{folder}: {len(errors)} error(s)\n" + "\n".join(p.describe() for p in errors))


#: The key in a table's Parquet metadata that marks a dataset as made up (``pcnhub phm synth`` writes it into every
#: table it makes, with the value :data:`SYNTHETIC_VALUE`): the pipeline carries the mark into its summary and the
#: pages say the figures are of synthetic patients. A dataset without it is taken as real patients' records.
SYNTHETIC_KEY: Final = b"pcnhub.synthetic"
SYNTHETIC_VALUE: Final = b"true"


def mark_synthetic(schema: pa.Schema) -> pa.Schema:
    """``schema`` with the metadata saying its table is synthetic (the other metadata kept)."""
    return schema.with_metadata({**(schema.metadata or {}), SYNTHETIC_KEY: SYNTHETIC_VALUE})


def is_synthetic(folder: str | os.PathLike[str]) -> bool:
    """Is the dataset in ``folder`` marked synthetic? Its ``patients`` table (the file, or the first file of its
    folder) must carry the mark; a missing or unreadable table is not synthetic."""
    folder = Path(folder)
    path = folder / TABLES["patients"].file
    if not path.exists():
        path = folder / "patients"
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not files or not files[0].is_file():
        return False
    try:
        metadata = pq.read_schema(files[0]).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    return metadata.get(SYNTHETIC_KEY) == SYNTHETIC_VALUE


def _is_string(data_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(data_type):
        return _is_string(data_type.value_type)
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _type_ok(found: pa.DataType, wanted: pa.DataType) -> bool:
    if pa.types.is_string(wanted):
        return _is_string(found)
    return found.equals(wanted)


def _examples(values: Sequence[object]) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:_EXAMPLES])
    return shown + (", ..." if len(values) > _EXAMPLES else "")


def _open(folder: Path, table: Table) -> ds.Dataset | None:
    for path in (folder / table.file, folder / table.name):
        if path.exists():
            return ds.dataset(path, format="parquet")
    return None


def _batches(dataset: ds.Dataset, columns: list[str]) -> Iterator[pa.RecordBatch]:
    yield from dataset.to_batches(columns=columns, batch_size=_BATCH_ROWS)


def _codelist_codes() -> dict[str, frozenset[str]]:
    from pcnhub.reference import codelists

    return {
        "snomedct": codelists.codes_of("snomedct"),
        "dmd": codelists.codes_of("dmd") | frozenset(m.dmd_code for m in codelists.medicines()),
        "bnf": codelists.bnf_prefixes(),
    }


def validate_dataset(folder: str | os.PathLike[str], *, codes: bool = True, tables: Iterable[str] | None = None,
                     memory_limit: str | None = None, threads: int | None = None) -> list[Problem]:
    """Every problem of the dataset in ``folder`` (errors and warnings), table by table.

    ``codes=False`` skips the check of clinical codes against the codelists.  ``tables``: the tables whose rows
    are checked (default: every one); the others are checked for their presence and columns only (their Parquet
    metadata), as a run that never reads their rows needs.  The rows are checked in one DuckDB scan a table
    (``memory_limit`` and ``threads``: :mod:`pcnhub.analytics.limits`), reading only the columns a rule needs
    and taking null counts and numeric ranges from the Parquet statistics where every row group has them; a
    column found wrong is read again to name its examples.
    """
    root = Path(folder)
    if not root.is_dir():
        return [Problem(str(root), None, "the dataset folder does not exist")]
    checked = list(TABLES) if tables is None else list(tables)
    unknown = sorted(set(checked) - set(TABLES))
    if unknown:
        raise ValueError(f"no such table: {', '.join(unknown)} (the tables: {', '.join(TABLES)})")
    problems: list[Problem] = []
    known = _codelist_codes() if codes else {}
    found: dict[str, tuple[ds.Dataset, list[Column]]] = {}
    for table in TABLES.values():
        dataset = _open(root, table)
        if dataset is None:
            problems.append(Problem(table.file, None, "the table is missing"))
            continue
        table_problems, present = _check_columns(table, dataset)
        problems += table_problems
        found[table.name] = (dataset, present)
    if not any(name in found for name in checked):
        return problems
    by_table = {name: [p for p in problems if p.file == TABLES[name].file] for name in TABLES}
    with _Scanner(memory_limit, threads) as scanner:
        patients = found.get("patients")
        ids = patients[0] if patients and any(c.name == "patient_id" for c in patients[1]) else None
        for name in checked:
            if name in found:
                dataset, present = found[name]
                by_table[name] += scanner.rows(TABLES[name], dataset, present, known, ids)
    return [p for name in TABLES for p in by_table[name]]


def check_dataset(folder: str | os.PathLike[str], *, codes: bool = True) -> list[Problem]:
    """The dataset's warnings; :class:`DatasetError` if it has any error."""
    problems = validate_dataset(folder, codes=codes)
    if any(p.severity == ERROR for p in problems):
        raise DatasetError(str(folder), problems)
    return problems


def _check_columns(table: Table, dataset: ds.Dataset) -> tuple[list[Problem], list[Column]]:
    """A table's columns against the schema (missing, wrong type, extra), from its Parquet schema alone; the
    problems and the columns present with the right type."""
    file = table.file
    problems: list[Problem] = []
    schema = dataset.schema
    present = []
    for column in table.columns:
        index = schema.get_field_index(column.name)
        if index < 0:
            if not column.optional:
                problems.append(Problem(file, column.name, "the column is missing"))
            continue
        found = schema.field(index).type
        if not _type_ok(found, column.type):
            problems.append(Problem(file, column.name, f"the type is {found}, expected {column.type}"))
            continue
        present.append(column)
    wanted = {c.name for c in table.columns}
    for name in schema.names:
        if name not in wanted:
            problems.append(Problem(file, name, "the column is not in the schema (ignored)", WARNING))
    return problems, present


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Statistics:
    """What a column's Parquet statistics say of all its row groups: nulls and the range of its values (None when
    some row group does not say)."""

    nulls: int | None = 0
    low: object = None
    high: object = None
    ranged: bool = True


def _statistics(files: Sequence[str], names: Iterable[str]) -> dict[str, _Statistics]:
    wanted = set(names)
    found = {name: _Statistics() for name in wanted}
    for file in files:
        metadata = pq.ParquetFile(file).metadata
        index = {metadata.schema.column(i).path: i for i in range(metadata.num_columns)}
        for name in wanted:
            known = found[name]
            for group in range(metadata.num_row_groups):
                row_group = metadata.row_group(group)
                stats = row_group.column(index[name]).statistics if name in index else None
                if stats is None or not stats.has_null_count:
                    known.nulls, known.ranged = None, False
                    continue
                if known.nulls is not None:
                    known.nulls += stats.null_count
                if stats.null_count == row_group.num_rows:
                    continue  # no value to range
                if not stats.has_min_max or not isinstance(stats.min, (int, float)):
                    known.ranged = False
                    continue
                known.low = stats.min if known.low is None else min(known.low, stats.min)
                known.high = stats.max if known.high is None else max(known.high, stats.max)
    return found


class _Scanner:
    """Checks tables' rows on a DuckDB connection of its own (with the limits asked for, spilling to a folder of
    its own): one scan a table computes every count and range the rules need that the Parquet statistics do not
    give, and the rows of patients not in ``patients`` (a join to its distinct ids, made once)."""

    def __init__(self, memory_limit: str | None, threads: int | None) -> None:
        self._config = limits.duckdb_config(memory_limit, threads)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._spill: str | None = None
        self._ids = False

    def __enter__(self) -> _Scanner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._con is not None:
            self._con.close()
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._spill = tempfile.mkdtemp(prefix="pcnhub-check-")
            self._con = duckdb.connect(config={**self._config, "temp_directory": self._spill})
            self._con.execute("SET preserve_insertion_order = false")
            self._con.execute("SET enable_progress_bar = false")
        return self._con

    def _patient_ids(self, patients: ds.Dataset) -> None:
        """The distinct patient ids of ``patients`` as a temporary table, made once."""
        if not self._ids:
            self.con.execute("CREATE OR REPLACE TEMP TABLE pcnhub_patient_ids AS SELECT DISTINCT patient_id FROM "
                             "read_parquet(?, union_by_name = true)", [patients.files])
            self._ids = True

    def rows(self, table: Table, dataset: ds.Dataset, present: list[Column], known: dict[str, frozenset[str]],
             patients: ds.Dataset | None) -> list[Problem]:
        """The problems of ``table``'s rows in the columns ``present`` (with the right type)."""
        joined = table.name != "patients" and patients is not None and any(c.name == "patient_id" for c in present)
        try:
            if joined:
                self._patient_ids(patients)
            return self._rows(table, dataset, present, known, joined)
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error:
            # files DuckDB cannot read as one table (e.g. part files whose columns differ): read them as pyarrow does
            ids = _arrow_ids(patients) if joined else None
            return _arrow_rows(table, dataset, present, known, ids)

    def _rows(self, table: Table, dataset: ds.Dataset, present: list[Column], known: dict[str, frozenset[str]],
              joined: bool) -> list[Problem]:
        file, files = table.file, dataset.files
        stats = _statistics(files, [c.name for c in present if c.required or c.minimum is not None])
        terms: dict[str, str] = {}
        for column in present:
            name, q = column.name, "t." + _quoted(column.name)
            if (column.required or column.unique) and stats[name].nulls is None:
                terms[f"nulls {name}"] = f"count(*) FILTER (WHERE {q} IS NULL)"
            if column.minimum is not None and not stats[name].ranged:
                valid = f" FILTER (WHERE NOT isnan({q}))" if pa.types.is_floating(column.type) else ""
                terms[f"low {name}"], terms[f"high {name}"] = f"min({q}){valid}", f"max({q}){valid}"
            if column.first_of_month:
                terms[f"days {name}"] = f"count(*) FILTER (WHERE day({q}) <> 1)"
            if column.unique and not (table.name == "patients" and name == "patient_id"):
                terms[f"distinct {name}"] = f"count(DISTINCT {q})"
        counts: dict[str, object] = {"rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files)}
        if terms:
            sql = f"SELECT {', '.join(terms.values())} FROM read_parquet($files, union_by_name = true) AS t"
            counts.update(zip(terms, self.con.execute(sql, {"files": files}).fetchone(), strict=True))
        if table.name == "patients" and any(c.name == "patient_id" for c in present):
            # the distinct ids, kept for the other tables' check
            self._patient_ids(dataset)
            [(counts["distinct patient_id"],)] = self.con.execute(
                "SELECT count(patient_id) FROM pcnhub_patient_ids").fetchall()
        problems: list[Problem] = []
        for column in present:
            problems += self._column(file, column, dataset, known, counts, stats.get(column.name))
        if joined:
            # the rows whose patient is not in patients, those with no patient_id among them; a null id in
            # patients matches them, as pyarrow's is_in has it
            [(missing,)] = self.con.execute("SELECT count(*) FROM read_parquet($files, union_by_name = true) AS t "
                                            "ANTI JOIN pcnhub_patient_ids AS p ON t.patient_id = p.patient_id",
                                            {"files": files}).fetchall()
            nulls = stats["patient_id"].nulls
            if self._null_id():
                missing -= nulls if nulls is not None else int(counts.get("nulls patient_id") or 0)
            if missing:
                problems.append(Problem(file, "patient_id", f"{missing:,} rows are of patients not in patients.parquet",
                                        count=missing))
        return problems

    def _null_id(self) -> bool:
        """Has ``patients`` a null id (which a null id elsewhere then matches, as pyarrow's ``is_in`` has it)?"""
        return bool(self.con.execute("SELECT count(*) FROM pcnhub_patient_ids WHERE patient_id IS NULL").fetchone()[0])

    def _strings(self, column: Column, files: list[str], codes: bool) -> tuple[int, int, set[str]]:
        """A string column's distinct values (one cheap scan of one column): how many are outside the allowed set,
        how many do not have the column's form, and (``codes``) the values themselves."""
        params: dict[str, object] = {"files": files}
        outside = misfits = "0"
        if column.allowed:
            params["allowed"] = list(column.allowed)
            outside = "count(*) FILTER (WHERE NOT list_contains($allowed, v))"
        if column.pattern:
            params["pattern"] = column.pattern[0]
            misfits = "count(*) FILTER (WHERE NOT regexp_full_match(v, $pattern))"
        found = "list(v)" if codes else "NULL"
        sql = (f"SELECT {outside}, {misfits}, {found} FROM (SELECT DISTINCT {_quoted(column.name)}::VARCHAR AS v "
               f"FROM read_parquet($files, union_by_name = true) WHERE v IS NOT NULL)")
        outside_count, misfit_count, values = self.con.execute(sql, params).fetchone()
        return int(outside_count or 0), int(misfit_count or 0), set(values or ())

    def _column(self, file: str, column: Column, dataset: ds.Dataset, known: dict[str, frozenset[str]],
                counts: dict[str, object], stats: _Statistics | None) -> list[Problem]:
        name = column.name
        coded = bool(column.codes and known)
        outside = misfits = 0
        values: set[str] = set()
        if column.allowed or column.pattern or coded:
            outside, misfits, values = self._strings(column, dataset.files, coded)
        if outside or misfits or counts.get(f"days {name}"):
            # values to show: read the column as the whole check did, for the same examples
            return _check_column(file, column, dataset, known)[0]
        problems: list[Problem] = []
        nulls = stats.nulls if stats is not None and stats.nulls is not None else int(counts.get(f"nulls {name}") or 0)
        if nulls and column.required:
            problems.append(Problem(file, name, f"{nulls:,} rows are null in a required column", count=nulls))
        if column.minimum is not None:
            low, high = ((stats.low, stats.high) if stats is not None and stats.ranged
                         else (counts.get(f"low {name}"), counts.get(f"high {name}")))
            if low is not None and (low < column.minimum or high > column.maximum):
                problems.append(Problem(
                    file, name, f"values from {low} to {high}, outside {column.minimum:g} to {column.maximum:g}"))
        if column.unique:
            duplicates = int(counts["rows"]) - int(counts[f"distinct {name}"]) - (1 if nulls else 0)
            if duplicates:
                problems.append(Problem(file, name, f"{duplicates:,} duplicate values", count=duplicates))
        if coded:
            unknown = sorted(_unknown_codes(values, column.codes, known[column.codes]))
            if unknown:
                problems.append(Problem(
                    file, name,
                    f"{len(unknown):,} distinct {column.codes} codes are in no pcnhub codelist: {_examples(unknown)}",
                    WARNING, count=len(unknown),
                ))
        return problems


def _arrow_ids(patients: ds.Dataset) -> pa.Array | None:
    """The patient ids of ``patients``, read with pyarrow (the check of a table DuckDB cannot read)."""
    chunks = [batch.column(0) for batch in _batches(patients, ["patient_id"])]
    return pa.chunked_array(chunks, type=pa.int64()).combine_chunks() if chunks else None


def _arrow_rows(table: Table, dataset: ds.Dataset, present: list[Column], known: dict[str, frozenset[str]],
                patient_ids: pa.Array | None) -> list[Problem]:
    """The rows' problems read with pyarrow, column by column (for tables DuckDB cannot read as one)."""
    file = table.file
    problems: list[Problem] = []
    ids: pa.Array | None = None
    for column in present:
        column_problems, values = _check_column(file, column, dataset, known)
        problems += column_problems
        if column.name == "patient_id":
            ids = values
    if table.name != "patients" and patient_ids is not None and ids is not None:
        missing = pc.sum(pc.invert(pc.is_in(ids, value_set=patient_ids))).as_py() or 0
        if missing:
            problems.append(Problem(file, "patient_id", f"{missing:,} rows are of patients not in patients.parquet",
                                    count=missing))
    return problems


def _check_column(
    file: str, column: Column, dataset: ds.Dataset, known: dict[str, frozenset[str]]
) -> tuple[list[Problem], pa.Array | None]:
    problems: list[Problem] = []
    nulls = 0
    outside: set[object] = set()
    bad_dates: list[dt.date] = []
    low = high = None
    distinct: set[str] = set()
    misfits: list[str] = []
    chunks: list[pa.Array] = []
    for batch in _batches(dataset, [column.name]):
        values = batch.column(0)
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        nulls += values.null_count
        if column.name == "patient_id":
            chunks.append(values)
        valid = values.drop_null() if values.null_count else values
        if len(valid) == 0:
            continue
        if column.allowed:
            unexpected = pc.unique(pc.filter(valid, pc.invert(pc.is_in(valid, value_set=pa.array(column.allowed)))))
            outside.update(unexpected.to_pylist()[:_EXAMPLES * 4])
        if column.minimum is not None or column.maximum is not None:
            bounds = pc.min_max(valid)
            lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
            low = lo if low is None else min(low, lo)
            high = hi if high is None else max(high, hi)
        if column.first_of_month and len(bad_dates) < _EXAMPLES:
            wrong = pc.filter(valid, pc.not_equal(pc.day(valid), 1))
            bad_dates += wrong.slice(0, _EXAMPLES).to_pylist()
        if column.codes and known:
            distinct.update(pc.unique(valid).to_pylist())
        if column.pattern and len(misfits) < _EXAMPLES:
            wrong = pc.filter(valid, pc.invert(pc.match_substring_regex(valid, f"^(?:{column.pattern[0]})$")))
            misfits += pc.unique(wrong).slice(0, _EXAMPLES).to_pylist()
    if nulls and column.required:
        problems.append(Problem(file, column.name, f"{nulls:,} rows are null in a required column", count=nulls))
    if outside:
        problems.append(Problem(
            file, column.name,
            f"values outside the allowed set ({', '.join(column.allowed or ())}): {_examples(sorted(map(str, outside)))}",
        ))
    if low is not None and column.minimum is not None and (low < column.minimum or high > column.maximum):
        problems.append(Problem(file, column.name,
                                f"values from {low} to {high}, outside {column.minimum:g} to {column.maximum:g}"))
    if misfits:
        problems.append(Problem(file, column.name, f"values that are not {column.pattern[1]}: {_examples(misfits)}"))
    if bad_dates:
        problems.append(Problem(file, column.name, f"dates that are not the first of a month: {_examples(bad_dates)}"))
    ids = pa.chunked_array(chunks, type=pa.int64()).combine_chunks() if chunks else None
    if column.unique and ids is not None:
        duplicates = len(ids) - len(pc.unique(ids))
        if duplicates:
            problems.append(Problem(file, column.name, f"{duplicates:,} duplicate values", count=duplicates))
    if column.codes and known:
        unknown = sorted(_unknown_codes(distinct, column.codes, known[column.codes]))
        if unknown:
            problems.append(Problem(
                file, column.name,
                f"{len(unknown):,} distinct {column.codes} codes are in no pcnhub codelist: {_examples(unknown)}",
                WARNING, count=len(unknown),
            ))
    return problems, ids


def _unknown_codes(codes: set[str], system: str, known: frozenset[str]) -> set[str]:
    if system == "bnf":
        return {code for code in codes if not any(code.startswith(prefix) for prefix in known)}
    return codes - known


# --- documentation ----------------------------------------------------------------------------------


def markdown() -> str:
    """SCHEMA.md: every table and column with its type and rules."""
    lines = [
        "# Population health dataset schema",
        "",
        "<!-- Generated by `python -m pcnhub.analytics.schema` from pcnhub/analytics/schema.py; do not edit. -->",
        "",
        "A dataset is a folder with one Parquet file per table (or a folder of Parquet files named after the",
        "table). `pcnhub.analytics.schema.validate_dataset(folder)` checks one; `pcnhub phm synth` writes one.",
        "Clinical codes are SNOMED CT (events), dm+d and BNF (medications) and ICD-10 (hospital diagnoses); the",
        "codelists that give them meaning are in `src/pcnhub/reference/codelists/`.",
        "",
    ]
    for table in TABLES.values():
        lines += [f"## {table.name}", "", f"`{table.file}`: {table.description}", "",
                  "| column | type | rules | description |", "|---|---|---|---|"]
        for column in table.columns:
            lines.append(f"| `{column.name}` | {column.type} | {column.rule()} | {column.description} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - documentation generator
    sys.stdout.write(markdown())
