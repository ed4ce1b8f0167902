"""The measures of ``reference/measures/`` written by hand in pandas and in Polars, for ``bench/measures.py``.

Each function reads a dataset folder and returns the practice and PCN sums (``measure, level, org_code,
month, numerator, denominator``; unrounded, every practice with a registered patient that month, as
:func:`pcnhub.analytics.measures.levels.level_counts` before disclosure control) for the months asked for,
month by month (a month's registered patients, their conditions and their counts), the way an analyst
would write them without pcnhub.  The definitions are read from the same reference files (codelists,
ages, windows) but each measure's logic is spelled out here, so that the benchmark checks pcnhub's
compiler against an independent reading of the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pcnhub.analytics.pipeline.codes import months_before
from pcnhub.reference import codelists as cl

#: The measures written by hand here (a measure needing the pipeline's features is not).
HAND_WRITTEN = (
    "ae_attendances", "anticoagulant_antiplatelet_without_gastroprotection", "discharge_within_7_days_65plus",
    "emergency_admissions", "hypertension_treated_to_target", "nsaid_without_gastroprotection_65plus",
    "outpatient_follow_up_ratio", "prescribing_cost_per_patient", "smr_done_for_cohort",
)
#: Age limits and windows of the definitions, as written in their TOML files.
HYPERTENSION_AGE_SPLIT = 80
SBP_TARGET_UNDER, SBP_TARGET_OVER = 140.0, 150.0
ADULT, OLDER = 18, 65
DISCHARGE_DAYS = 7
SMR_MEDICINES = 10


def codes(*keys: str) -> list[str]:
    return sorted({code for key in keys for code in cl.codelist(key).codes})


def prefixes(*keys: str) -> tuple[str, ...]:
    return tuple(sorted({code for key in keys for code in cl.codelist(key).codes}))


def _age(end: dt.date, year, month):
    return ((end.year - year) * 12 + (end.month - month)) // 12


# --- pandas ----------------------------------------------------------------------------------------------


def pandas_counts(data: Path, periods: list, geography: dict) -> "pd.DataFrame":  # noqa: F821
    import pandas as pd
    import pyarrow.parquet as pq

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        return pq.read_table(data / f"{name}.parquet", columns=columns).to_pandas(
            date_as_object=False, strings_to_categorical=True)

    patients = read("patients", ["patient_id", "practice_code", "birth_month", "registered_from",
                                 "registered_to", "care_home"])
    birth_year, birth_month = patients.birth_month.dt.year, patients.birth_month.dt.month
    events = read("events", ["patient_id", "code", "date", "value"])
    wanted = codes("hypertension", "hypertension-resolved", "systolic-bp", "structured-medication-review",
                   "learning-disability", "autism")
    events = events[events.code.isin(wanted)]
    events = events.assign(code=events.code.astype(str))

    def coded(*keys: str) -> pd.DataFrame:
        return events[events.code.isin(codes(*keys))]

    hypertension, resolved = coded("hypertension"), coded("hypertension-resolved")
    sbp = coded("systolic-bp")
    sbp = sbp[sbp.value.notna()]
    smr, ld = coded("structured-medication-review"), coded("learning-disability", "autism")
    meds = read("medications", ["patient_id", "bnf_code", "date", "repeat", "cost"])

    def prescribed(*keys: str) -> pd.DataFrame:
        return meds.loc[meds.bnf_code.str.startswith(prefixes(*keys)), ["patient_id", "date", "repeat"]]

    nsaid, ppi = prescribed("nsaids"), prescribed("proton-pump-inhibitors")
    anticoagulant, antiplatelet = prescribed("anticoagulants-oral"), prescribed("antiplatelets")
    repeats = meds.loc[meds.repeat, ["patient_id", "date", "bnf_code"]]
    hospital = read("hospital", ["patient_id", "kind", "start", "end"])

    parts = []
    for period in periods:
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        registered = ((patients.registered_from <= end)
                      & (patients.registered_to.isna() | (patients.registered_to >= end))
                      & (patients.birth_month <= end))
        base = patients.loc[registered, ["patient_id", "practice_code", "care_home"]].reset_index(drop=True)
        base["age"] = _age(period.end, birth_year[registered], birth_month[registered]).to_numpy()
        pid = base.patient_id

        def within(frame: pd.DataFrame, months: int | None, column: str = "date") -> pd.DataFrame:
            held = frame[column] <= end
            if months is not None:
                held &= frame[column] > pd.Timestamp(months_before(period.end, months))
            return frame[held]

        def having(frame: pd.DataFrame, months: int | None, repeat_only: bool = False) -> pd.Series:
            rows = within(frame, months)
            if repeat_only:
                rows = rows[rows.repeat]
            return pid.isin(rows.patient_id.unique())

        in_month_hospital = hospital[(hospital.start >= start) & (hospital.start <= end)]

        def per_patient(rows: pd.DataFrame, value: pd.Series | None = None) -> pd.Series:
            counted = rows.groupby("patient_id").size() if value is None else value.groupby(rows.patient_id).sum()
            return pid.map(counted).fillna(0.0).astype("float64")

        def kind(name: str) -> pd.DataFrame:
            return in_month_hospital[in_month_hospital.kind == name]

        everyone = pd.Series(1.0, index=base.index)
        age = base.age
        sides: dict[str, tuple[pd.Series, pd.Series]] = {}
        sides["ae_attendances"] = (per_patient(kind("ae")), everyone)
        admissions = kind("emergency_admission")
        sides["emergency_admissions"] = (per_patient(admissions), everyone)
        short = admissions[admissions.end.notna()
                           & (admissions.end <= admissions.start + pd.Timedelta(days=DISCHARGE_DAYS))]
        older = (age >= OLDER).astype("float64")
        sides["discharge_within_7_days_65plus"] = (per_patient(short) * older, per_patient(admissions) * older)
        sides["outpatient_follow_up_ratio"] = (per_patient(kind("outpatient_follow_up")),
                                               per_patient(kind("outpatient_first")))
        in_month_meds = meds[(meds.date >= start) & (meds.date <= end)]
        sides["prescribing_cost_per_patient"] = (per_patient(in_month_meds, in_month_meds.cost.fillna(0.0)),
                                                 everyone)
        no_ppi = ~having(ppi, 3)
        nsaid_den = (age >= OLDER) & having(nsaid, 3)
        sides["nsaid_without_gastroprotection_65plus"] = (nsaid_den & no_ppi, nsaid_den)
        bleed_den = (age >= ADULT) & having(anticoagulant, 3) & having(antiplatelet, 3)
        sides["anticoagulant_antiplatelet_without_gastroprotection"] = (bleed_den & no_ppi, bleed_den)
        diagnosed = within(hypertension, None).groupby("patient_id").date.max()
        undone = within(resolved, None).groupby("patient_id").date.max()
        diagnosed_on, resolved_on = pid.map(diagnosed), pid.map(undone)
        htn_den = (age >= ADULT) & diagnosed_on.notna() & (resolved_on.isna() | (resolved_on < diagnosed_on))
        latest = within(sbp, 12).sort_values(["patient_id", "date", "value"]).groupby("patient_id").value.last()
        systolic = pid.map(latest)
        at_target = (((age < HYPERTENSION_AGE_SPLIT) & (systolic <= SBP_TARGET_UNDER))
                     | ((age >= HYPERTENSION_AGE_SPLIT) & (systolic <= SBP_TARGET_OVER)))
        sides["hypertension_treated_to_target"] = (htn_den & at_target, htn_den)
        many = within(repeats, 6).groupby("patient_id", observed=True).bnf_code.nunique()
        cohort = (base.care_home | (pid.map(many).fillna(0) >= SMR_MEDICINES) | having(nsaid, 6, True)
                  | (having(anticoagulant, 6, True) & having(antiplatelet, 6, True)) | having(ld, None))
        sides["smr_done_for_cohort"] = (cohort & having(smr, 12), cohort)
        for measure, (numerator, denominator) in sides.items():
            frame = pd.DataFrame({"practice_code": base.practice_code, "numerator": numerator.astype("float64"),
                                  "denominator": denominator.astype("float64")})
            summed = frame.groupby("practice_code", observed=True)[["numerator", "denominator"]].sum().reset_index()
            summed["measure"], summed["month"] = measure, period.start
            parts.append(summed)
    practices = pd.concat(parts, ignore_index=True)
    practices["practice_code"] = practices.practice_code.astype(str)
    pcn = practices.practice_code.map({p: g[0] for p, g in geography.items()})
    pcns = practices[pcn.notna()].assign(org_code=pcn[pcn.notna()]).groupby(
        ["measure", "org_code", "month"])[["numerator", "denominator"]].sum().reset_index()
    out = pd.concat([practices.rename(columns={"practice_code": "org_code"}).assign(level="practice"),
                     pcns.assign(level="pcn")], ignore_index=True)
    out["denominator"] = out.denominator.round().astype("int64")
    return out[["measure", "level", "org_code", "month", "numerator", "denominator"]]


# --- Polars ----------------------------------------------------------------------------------------------


def polars_counts(data: Path, periods: list, geography: dict) -> "pl.DataFrame":  # noqa: F821
    import polars as pl

    def read(name: str, columns: list[str]) -> pl.DataFrame:
        return pl.read_parquet(data / f"{name}.parquet", columns=columns)

    patients = read("patients", ["patient_id", "practice_code", "birth_month", "registered_from",
                                 "registered_to", "care_home"])
    wanted = codes("hypertension", "hypertension-resolved", "systolic-bp", "structured-medication-review",
                   "learning-disability", "autism")
    events = read("events", ["patient_id", "code", "date", "value"]).filter(pl.col("code").is_in(wanted))

    def coded(*keys: str) -> pl.DataFrame:
        return events.filter(pl.col("code").is_in(codes(*keys)))

    hypertension, resolved = coded("hypertension"), coded("hypertension-resolved")
    sbp = coded("systolic-bp").filter(pl.col("value").is_not_null())
    smr, ld = coded("structured-medication-review"), coded("learning-disability", "autism")
    meds = read("medications", ["patient_id", "bnf_code", "date", "repeat", "cost"])

    def prescribed(*keys: str) -> pl.DataFrame:
        matched = pl.any_horizontal([pl.col("bnf_code").str.starts_with(p) for p in prefixes(*keys)])
        return meds.filter(matched).select("patient_id", "date", "repeat")

    nsaid, ppi = prescribed("nsaids"), prescribed("proton-pump-inhibitors")
    anticoagulant, antiplatelet = prescribed("anticoagulants-oral"), prescribed("antiplatelets")
    repeats = meds.filter(pl.col("repeat")).select("patient_id", "date", "bnf_code")
    hospital = read("hospital", ["patient_id", "kind", "start", "end"])

    parts = []
    for period in periods:
        start, end = period.start, period.end
        base = patients.filter(
            (pl.col("registered_from") <= end)
            & (pl.col("registered_to").is_null() | (pl.col("registered_to") >= end))
            & (pl.col("birth_month") <= end)
        ).select("patient_id", "practice_code", "care_home",
                 age=_age(end, pl.col("birth_month").dt.year(), pl.col("birth_month").dt.month()))

        def within(frame: pl.DataFrame, months: int | None, column: str = "date") -> pl.DataFrame:
            held = pl.col(column) <= end
            if months is not None:
                held = held & (pl.col(column) > months_before(end, months))
            return frame.filter(held)

        flag_tables: list[pl.DataFrame] = []

        def having(frame: pl.DataFrame, months: int | None, repeat_only: bool = False) -> pl.Expr:
            """A boolean column joined to the month's patients (a join: ``is_in`` on a list is per row)."""
            rows = within(frame, months)
            if repeat_only:
                rows = rows.filter(pl.col("repeat"))
            name = f"_flag{len(flag_tables)}"
            flag_tables.append(rows.select("patient_id").unique().with_columns(pl.lit(True).alias(name)))
            return pl.col(name).fill_null(False)

        def per_patient(rows: pl.DataFrame, name: str, value: pl.Expr | None = None) -> pl.DataFrame:
            summed = rows.group_by("patient_id").agg((pl.len() if value is None else value.sum()).alias(name))
            return summed.with_columns(pl.col(name).cast(pl.Float64))

        in_month = hospital.filter((pl.col("start") >= start) & (pl.col("start") <= end))

        def kind(name: str) -> pl.DataFrame:
            return in_month.filter(pl.col("kind") == name)

        admissions = kind("emergency_admission")
        short = admissions.filter(pl.col("end").is_not_null()
                                  & (pl.col("end") <= pl.col("start") + pl.duration(days=DISCHARGE_DAYS)))
        in_month_meds = meds.filter((pl.col("date") >= start) & (pl.col("date") <= end))
        diagnosed = within(hypertension, None).group_by("patient_id").agg(pl.col("date").max().alias("_htn"))
        undone = within(resolved, None).group_by("patient_id").agg(pl.col("date").max().alias("_res"))
        latest = within(sbp, 12).sort(["patient_id", "date", "value"]).group_by("patient_id").agg(
            pl.col("value").last().alias("_sbp"))
        many = within(repeats, 6).group_by("patient_id").agg(pl.col("bnf_code").n_unique().alias("_many"))
        age = pl.col("age")
        older = (age >= OLDER).cast(pl.Float64)
        no_ppi = ~having(ppi, 3)
        nsaid_den = (age >= OLDER) & having(nsaid, 3)
        bleed_den = (age >= ADULT) & having(anticoagulant, 3) & having(antiplatelet, 3)
        htn_den = ((age >= ADULT) & pl.col("_htn").is_not_null()
                   & (pl.col("_res").is_null() | (pl.col("_res") < pl.col("_htn"))))
        at_target = (((age < HYPERTENSION_AGE_SPLIT) & (pl.col("_sbp") <= SBP_TARGET_UNDER))
                     | ((age >= HYPERTENSION_AGE_SPLIT) & (pl.col("_sbp") <= SBP_TARGET_OVER))).fill_null(False)
        cohort = (pl.col("care_home") | (pl.col("_many") >= SMR_MEDICINES) | having(nsaid, 6, True)
                  | (having(anticoagulant, 6, True) & having(antiplatelet, 6, True)) | having(ld, None))
        smr_done = having(smr, 12)
        frame = base
        for table in (per_patient(kind("ae"), "_ae"), per_patient(admissions, "_adm"),
                      per_patient(short, "_short"), per_patient(kind("outpatient_follow_up"), "_fu"),
                      per_patient(kind("outpatient_first"), "_first"),
                      per_patient(in_month_meds, "_cost", pl.col("cost").fill_null(0.0)),
                      diagnosed, undone, latest, many, *flag_tables):
            frame = frame.join(table, on="patient_id", how="left")
        frame = frame.with_columns(pl.col(c).fill_null(0.0) for c in ("_ae", "_adm", "_short", "_fu", "_first",
                                                                         "_cost", "_many"))
        one = pl.col("patient_id").is_not_null().cast(pl.Float64)  # a literal would sum to 1 per group
        sides: dict[str, tuple[pl.Expr, pl.Expr]] = {
            "ae_attendances": (pl.col("_ae"), one),
            "emergency_admissions": (pl.col("_adm"), one),
            "discharge_within_7_days_65plus": (pl.col("_short") * older, pl.col("_adm") * older),
            "outpatient_follow_up_ratio": (pl.col("_fu"), pl.col("_first")),
            "prescribing_cost_per_patient": (pl.col("_cost"), one),
            "nsaid_without_gastroprotection_65plus": (nsaid_den & no_ppi, nsaid_den),
            "anticoagulant_antiplatelet_without_gastroprotection": (bleed_den & no_ppi, bleed_den),
            "hypertension_treated_to_target": (htn_den & at_target, htn_den),
            "smr_done_for_cohort": (cohort & smr_done, cohort),
        }
        summed = frame.group_by("practice_code").agg(
            expr.cast(pl.Float64).sum().alias(f"{measure}|{side}")
            for measure, (numerator, denominator) in sides.items()
            for side, expr in (("numerator", numerator), ("denominator", denominator)))
        long = summed.unpivot(index="practice_code").with_columns(
            pl.col("variable").str.split_exact("|", 1).struct.rename_fields(["measure", "side"])).unnest("variable")
        parts.append(long.pivot("side", index=["measure", "practice_code"], values="value")
                     .with_columns(month=pl.lit(start)))
    practices = pl.concat(parts).rename({"practice_code": "org_code"})
    pcn_of = pl.DataFrame({"org_code": list(geography), "pcn": [g[0] for g in geography.values()]},
                          schema={"org_code": pl.String, "pcn": pl.String})
    pcns = (practices.join(pcn_of, on="org_code").filter(pl.col("pcn").is_not_null())
            .group_by("measure", "pcn", "month").agg(pl.col("numerator").sum(), pl.col("denominator").sum())
            .rename({"pcn": "org_code"}))
    out = pl.concat([practices.with_columns(level=pl.lit("practice")), pcns.with_columns(level=pl.lit("pcn"))],
                    how="diagonal")
    return out.select("measure", "level", "org_code", "month", "numerator",
                      pl.col("denominator").round().cast(pl.Int64))


ENGINES: dict[str, Callable] = {"pandas": pandas_counts, "polars": polars_counts}
