"""The outputs in hand-written DuckDB SQL: one statement, events and prescriptions each read once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .definitions import (
    CMS_UNITS, DRUG_CLASS_CHARACTERS, EFI_CATEGORIES, EFI_CLASSES, EFI_FIT, EFI_MIN_AGE, REPEAT_THRESHOLD, codes,
    windows,
)


def table(data: Path, name: str) -> str:
    """``read_parquet(...)`` of a dataset table: ``name.parquet`` or a folder of Parquet files."""
    path = Path(data) / f"{name}.parquet"
    target = path if path.exists() else Path(data) / name / "**" / "*.parquet"
    return "read_parquet('" + str(target).replace("'", "''") + "')"


def sql(data: Path, as_of: dt.date, deficits: int) -> str:
    """The SELECT of the outputs (reads the registered table ``codes``: code, kind, grp, units)."""
    w = windows(as_of)
    day, efi_start, repeat_start = (f"DATE '{d.isoformat()}'" for d in (w.as_of, w.efi_start, w.repeat_start))
    categories = " ".join(f"WHEN score >= {low} THEN '{name}'" for low, name in EFI_CATEGORIES)
    return f"""
WITH pop AS (
    SELECT patient_id,
           CAST((({as_of.year} * 12 + {as_of.month}) - (year(birth_month) * 12 + month(birth_month))) // 12
                AS INTEGER) AS age
    FROM {table(data, 'patients')}
    WHERE registered_from <= {day} AND (registered_to IS NULL OR registered_to > {day}) AND birth_month <= {day}
),
hits AS (  -- each patient's eFI deficit groups and CMS conditions, once each
    SELECT DISTINCT e.patient_id, c.kind, c.grp, c.units
    FROM {table(data, 'events')} e JOIN codes c ON e.code = c.code
    WHERE e.date <= {day}
),
coded AS (
    SELECT patient_id,
           count(*) FILTER (WHERE kind = 'efi') AS groups,
           count(*) FILTER (WHERE kind = 'cms') AS conditions,
           sum(units) FILTER (WHERE kind = 'cms') AS units
    FROM hits GROUP BY patient_id
),
issued AS (
    SELECT patient_id,
           count(DISTINCT left(bnf_code, {DRUG_CLASS_CHARACTERS})) AS classes,
           count(DISTINCT code) FILTER (WHERE repeat AND date > {repeat_start}) AS medicines
    FROM {table(data, 'medications')}
    WHERE date > {efi_start} AND date <= {day}
    GROUP BY patient_id
),
joined AS (
    SELECT pop.patient_id, pop.age,
           CASE WHEN pop.age >= {EFI_MIN_AGE} THEN CAST(coalesce(coded.groups, 0)
                + CAST(coalesce(issued.classes, 0) >= {EFI_CLASSES} AS INTEGER) AS INTEGER) END AS efi_deficits,
           CAST(coalesce(issued.medicines, 0) AS INTEGER) AS repeat_medicines,
           CAST(coalesce(coded.conditions, 0) AS INTEGER) AS condition_count,
           CAST(coalesce(coded.units, 0) AS DOUBLE) / {CMS_UNITS} AS cms_score
    FROM pop LEFT JOIN coded USING (patient_id) LEFT JOIN issued USING (patient_id)
),
scored AS (SELECT *, CAST(efi_deficits AS DOUBLE) / {deficits} AS score FROM joined)
SELECT patient_id, age, efi_deficits, score AS efi_score,
       CASE WHEN score IS NULL THEN NULL {categories} ELSE '{EFI_FIT}' END AS efi_category,
       repeat_medicines, repeat_medicines >= {REPEAT_THRESHOLD} AS polypharmacy_10plus, condition_count, cms_score
FROM scored"""


def duckdb_sql(data: Path, out: Path, as_of: dt.date, *, memory_limit: str | None = None, threads: int | None = None,
               temp_directory: Path | None = None) -> int:
    """Write the outputs of the dataset ``data`` to ``out`` with one DuckDB statement; the rows written."""
    import duckdb

    config = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    con = duckdb.connect(config=config)
    try:
        found = codes()
        con.register("codes", found.table())
        target = str(out).replace("'", "''")
        con.execute(f"COPY ({sql(data, as_of, found.deficits)}) TO '{target}' (FORMAT parquet)")
        return con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    finally:
        con.close()
