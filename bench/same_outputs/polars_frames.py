"""The outputs in Polars: lazy frames over the Parquet files, written with the streaming engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .definitions import (
    CMS_UNITS, DRUG_CLASS_CHARACTERS, EFI_CATEGORIES, EFI_CLASSES, EFI_FIT, EFI_MIN_AGE, REPEAT_THRESHOLD, codes,
    windows,
)


def _scan(data: Path, name: str):
    import polars as pl

    path = Path(data) / f"{name}.parquet"
    return pl.scan_parquet(path if path.exists() else Path(data) / name / "**" / "*.parquet")


def polars_frames(data: Path, out: Path, as_of: dt.date, **_options) -> int:
    """Write the outputs of the dataset ``data`` to ``out`` (one lazy query, streamed); the rows written."""
    import polars as pl

    w = windows(as_of)
    found = codes()
    patients = _scan(data, "patients")
    registered = patients.filter(
        (pl.col("registered_from") <= as_of)
        & (pl.col("registered_to").is_null() | (pl.col("registered_to") > as_of))
        & (pl.col("birth_month") <= as_of)
    )
    birth = pl.col("birth_month").dt.year().cast(pl.Int32) * 12 + pl.col("birth_month").dt.month().cast(pl.Int32)
    pop = registered.select("patient_id", age=((as_of.year * 12 + as_of.month - birth) // 12).cast(pl.Int32))

    code_table = pl.LazyFrame(pl.from_arrow(found.table()))
    hits = (_scan(data, "events").filter(pl.col("date") <= as_of).select("patient_id", "code")
            .join(code_table, on="code").select("patient_id", "kind", "grp", "units").unique())
    is_cms = pl.col("kind") == "cms"
    coded = hits.group_by("patient_id").agg(
        groups=(pl.col("kind") == "efi").sum(), conditions=is_cms.sum(), units=pl.col("units").filter(is_cms).sum())

    recent = (pl.col("date") > w.repeat_start) & pl.col("repeat")
    issued = (_scan(data, "medications").filter((pl.col("date") > w.efi_start) & (pl.col("date") <= as_of))
              .group_by("patient_id")
              .agg(classes=pl.col("bnf_code").str.slice(0, DRUG_CLASS_CHARACTERS).n_unique(),
                   medicines=pl.col("code").filter(recent).n_unique()))

    # Polars divides by a scalar as a multiplication by its reciprocal, which can differ from the quotient in the
    # last bit (37 of 1,970 eFI scores at 2,000 patients); dividing by a column divides, so the two divisors come
    # as the columns of a one-row frame
    divisors = pl.LazyFrame({"by_deficits": [float(found.deficits)], "by_units": [float(CMS_UNITS)]})
    joined = (pop.join(coded, on="patient_id", how="left").join(issued, on="patient_id", how="left")
              .join(divisors, how="cross"))
    efi = pl.when(pl.col("age") >= EFI_MIN_AGE).then(
        pl.col("groups").fill_null(0) + (pl.col("classes").fill_null(0) >= EFI_CLASSES).cast(pl.Int32))
    medicines = pl.col("medicines").fill_null(0).cast(pl.Int32)
    result = joined.select(
        "patient_id", "age", efi_deficits=efi.cast(pl.Int32), repeat_medicines=medicines,
        condition_count=pl.col("conditions").fill_null(0).cast(pl.Int32),
        cms_score=pl.col("units").fill_null(0).cast(pl.Float64) / pl.col("by_units"), by_deficits="by_deficits",
    ).with_columns(efi_score=pl.col("efi_deficits").cast(pl.Float64) / pl.col("by_deficits"))
    category = pl.when(pl.col("efi_score").is_null()).then(pl.lit(None, pl.String))
    for low, name in EFI_CATEGORIES:
        category = category.when(pl.col("efi_score") >= low).then(pl.lit(name))
    result = result.with_columns(efi_category=category.otherwise(pl.lit(EFI_FIT)),
                                 polypharmacy_10plus=pl.col("repeat_medicines") >= REPEAT_THRESHOLD)
    result.select("patient_id", "age", "efi_deficits", "efi_score", "efi_category", "repeat_medicines",
                  "polypharmacy_10plus", "condition_count", "cms_score").sink_parquet(out, engine="streaming")
    return pl.scan_parquet(out).select(pl.len()).collect().item()
