"""The measures written by hand in Polars, month by month (see the package's docs).

For each month: the patients registered on its last day with their whole-year age on that day; a per-patient
table for each count, sum, latest value or "had a code / prescription in the window" (joined to the month's
patients: a join, not ``is_in`` on a list, which Polars evaluates row by row); each measure's numerator and
denominator as an expression over the joined columns (and a weighted denominator over a small table of the
weights by sex and age, joined on both), summed by practice in one group-by.  Every practice with a patient
registered that month has a row, zeros included, as pcnhub writes them.
"""

from __future__ import annotations

from pathlib import Path

from .common import Coded, Register, age_on, codes, figures, prefixes, weights_by_age

from pcnhub.analytics.pipeline.codes import months_before


def polars_counts(data: Path, periods: list, geography: dict) -> "pl.DataFrame":  # noqa: F821
    import polars as pl

    f = figures()

    def read(name: str, columns: list[str]) -> pl.DataFrame:
        return pl.read_parquet(data / f"{name}.parquet", columns=columns)

    patients = read("patients", ["patient_id", "practice_code", "birth_month", "sex", "registered_from",
                                 "registered_to", "care_home"])
    events = read("events", ["patient_id", "code", "date", "value"]).filter(
        pl.col("code").is_in(codes(*f.event_lists())))
    coded_rows: dict[tuple[str, ...], pl.DataFrame] = {}

    def coded(lists: tuple[str, ...]) -> pl.DataFrame:
        if lists not in coded_rows:
            coded_rows[lists] = events.filter(pl.col("code").is_in(codes(*lists)))
        return coded_rows[lists]

    sbp = coded(f.sbp.lists).filter(pl.col("value").is_not_null())
    referrals = coded(f.referrals)
    meds = read("medications", ["patient_id", "bnf_code", "date", "repeat", "cost"])
    prescribed_rows: dict[tuple[str, ...], pl.DataFrame] = {}

    def prescribed(lists: tuple[str, ...]) -> pl.DataFrame:
        if lists not in prescribed_rows:
            matched = pl.any_horizontal([pl.col("bnf_code").str.starts_with(p) for p in prefixes(*lists)])
            prescribed_rows[lists] = meds.filter(matched).select("patient_id", "date", "repeat")
        return prescribed_rows[lists]

    repeats = meds.filter(pl.col("repeat")).select("patient_id", "date", "bnf_code")
    # the primary diagnosis is optional (a file without it: none known); a diagnosis of the ACS lists by prefix
    with_diagnosis = "diagnosis" in pl.read_parquet_schema(data / "hospital.parquet")
    hospital = read("hospital", ["patient_id", "kind", "start", "end"] + (["diagnosis"] if with_diagnosis else []))
    if not with_diagnosis:
        hospital = hospital.with_columns(diagnosis=pl.lit(None, dtype=pl.String))
    hospital = hospital.with_columns(acs=pl.any_horizontal(
        [pl.col("diagnosis").str.starts_with(p) for p in prefixes(*f.acs)]).fill_null(False))
    # urgent cancer referrals, one a day per patient (two codes of the lists on one day are one referral); each
    # lower GI referral with the latest FIT on or before its day, preceded when that FIT is at most fit_days before
    urgent = coded(f.urgent).select("patient_id", "date").unique()
    fits = coded(f.fit).select("patient_id", fit_date="date").unique().sort("fit_date")
    # both sorted by date, so by date within each patient (Polars cannot check that itself with 'by')
    lower_gi = (coded(f.lower_gi).select("patient_id", "date").unique().sort("date")
                .join_asof(fits, left_on="date", right_on="fit_date", by="patient_id", strategy="backward",
                           check_sortedness=False)
                .with_columns(preceded=(pl.col("date") - pl.col("fit_date") <= pl.duration(days=f.fit_days))
                              .fill_null(False)))

    parts = []
    for period in periods:
        start, end = period.start, period.end
        base = patients.filter(
            (pl.col("registered_from") <= end)
            & (pl.col("registered_to").is_null() | (pl.col("registered_to") >= end))
            & (pl.col("birth_month") <= end)
        ).select("patient_id", "practice_code", "sex", "care_home",
                 age=age_on(end, pl.col("birth_month").dt.year(), pl.col("birth_month").dt.month()).cast(pl.Int64))

        def within(frame: pl.DataFrame, months: int | None) -> pl.DataFrame:
            held = pl.col("date") <= end
            if months is not None:
                held = held & (pl.col("date") > months_before(end, months))
            return frame.filter(held)

        tables: list[pl.DataFrame] = []  # per-patient tables, left-joined to the month's patients
        flags: dict[tuple, pl.Expr] = {}

        def having(source: str, what: Coded, rows: pl.DataFrame) -> pl.Expr:
            """A boolean column: the patient has a row of ``rows`` (codes or prescriptions) in the window."""
            key = (source, what)
            if key not in flags:
                rows = within(rows, what.months)
                if what.repeat_only:
                    rows = rows.filter(pl.col("repeat"))
                name = f"_flag{len(flags)}"
                tables.append(rows.select("patient_id").unique().with_columns(pl.lit(True).alias(name)))
                flags[key] = pl.col(name).fill_null(False)
            return flags[key]

        def had_code(what: Coded) -> pl.Expr:
            return having("events", what, coded(what.lists))

        def had_medicine(what: Coded) -> pl.Expr:
            return having("medications", what, prescribed(what.lists))

        registers: dict[Register, pl.Expr] = {}

        def on_register(register: Register) -> pl.Expr:
            """Diagnosed by the month's end, and no resolved code on or after the latest diagnosis."""
            if register not in registers:
                n = len(registers)
                diagnosed, resolved = pl.col(f"_diagnosed{n}"), pl.col(f"_resolved{n}")
                tables.append(within(coded(register.lists), None).group_by("patient_id").agg(
                    pl.col("date").max().alias(f"_diagnosed{n}")))
                tables.append(within(coded((register.resolved,)), None).group_by("patient_id").agg(
                    pl.col("date").max().alias(f"_resolved{n}")))
                registers[register] = diagnosed.is_not_null() & (resolved.is_null() | (resolved < diagnosed))
            return registers[register]

        counts: list[str] = []  # per-patient counts and sums: 0 where the patient has none

        def per_patient(rows: pl.DataFrame, name: str, value: pl.Expr | None = None) -> pl.Expr:
            summed = rows.group_by("patient_id").agg((pl.len() if value is None else value.sum()).alias(name))
            tables.append(summed.with_columns(pl.col(name).cast(pl.Float64)))
            counts.append(name)
            return pl.col(name)

        in_month = hospital.filter((pl.col("start") >= start) & (pl.col("start") <= end))

        def kinds(names: tuple[str, ...]) -> pl.DataFrame:
            return in_month.filter(pl.col("kind").is_in(list(names)))

        admissions = kinds(f.discharge)
        short = admissions.filter(pl.col("end").is_not_null()
                                  & (pl.col("end") <= pl.col("start") + pl.duration(days=f.discharge_days)))
        stays = kinds(f.stay).filter(pl.col("end").is_not_null())
        in_month_meds = meds.filter((pl.col("date") >= start) & (pl.col("date") <= end))
        # a patient's referrals on one day count once (pcnhub's reading of "coded events dated in the month")
        referred = referrals.filter((pl.col("date") >= start) & (pl.col("date") <= end)).unique(
            ["patient_id", "date"])
        ae = per_patient(kinds(f.ae), "_ae")
        all_admissions = per_patient(kinds(f.admissions), "_adm")
        care_home_admissions = per_patient(kinds(f.care_home_admissions), "_adm_ch")
        admitted, discharged_soon = per_patient(admissions, "_admitted"), per_patient(short, "_short")
        stayed = per_patient(stays, "_stays")
        stay_days = per_patient(stays, "_days", (pl.col("end") - pl.col("start")).dt.total_days())
        follow_up, first = per_patient(kinds(f.follow_up), "_fu"), per_patient(kinds(f.first), "_first")
        cost = per_patient(in_month_meds, "_cost", pl.col("cost").fill_null(0.0))
        acs_admitted = per_patient(kinds(f.acs_kinds).filter(pl.col("acs")), "_acs")
        frail_admissions = per_patient(kinds(f.frail_kinds), "_frail_admissions")
        referrals_made = per_patient(referred, "_referred")
        in_month_urgent = urgent.filter((pl.col("date") >= start) & (pl.col("date") <= end))
        urgent_referred = per_patient(in_month_urgent, "_urgent")
        lower_gi_referred = lower_gi.filter((pl.col("date") >= start) & (pl.col("date") <= end))
        lower_gi_all = per_patient(lower_gi_referred, "_lower_gi")
        lower_gi_fit = per_patient(lower_gi_referred.filter(pl.col("preceded")), "_lower_gi_fit")
        tables.append(within(sbp, f.sbp.months).group_by("patient_id").agg(
            pl.col("value").sort_by("date", "value").last().alias("_sbp")))
        many = per_patient(within(repeats, f.cohort_medicines_months), "_many", pl.col("bnf_code").n_unique())
        age, care_home = pl.col("age"), pl.col("care_home")
        nsaid_den = (age >= f.nsaid_age) & had_medicine(f.nsaid)
        bleed_den = (age >= f.bleed_age) & had_medicine(f.anticoagulant) & had_medicine(f.antiplatelet)
        htn_den = (age >= f.htn_age) & on_register(f.htn)
        systolic = pl.col("_sbp")
        at_target = (((age < f.htn_split_age) & (systolic <= f.sbp_under))
                     | ((age >= f.htn_split_age) & (systolic <= f.sbp_over))).fill_null(False)
        adults = age >= f.prevalence_age
        cohort = (care_home | (many >= f.cohort_medicines) | had_medicine(f.cohort_nsaid)
                  | (had_medicine(f.cohort_anticoagulant) & had_medicine(f.cohort_antiplatelet))
                  | had_code(f.cohort_ld))
        one = pl.col("patient_id").is_not_null().cast(pl.Float64)  # a literal would sum to 1 per group
        discharge_older = (age >= f.discharge_age).cast(pl.Float64)
        stay_older = (age >= f.stay_age).cast(pl.Float64)
        frail_admitted = ((age >= f.frail_admitted_age) & on_register(f.frail_admitted)).cast(pl.Float64)
        # each patient's weights by sex and age (a small table joined on both; null: in no band, weighs 0)
        oldest = int(base["age"].max())
        expected, astro = weights_by_age(f.expected, oldest), weights_by_age(f.astro, oldest)
        weights = pl.DataFrame({
            "sex": [sex for sex in expected for _ in range(oldest + 1)],
            "age": [a for _ in expected for a in range(oldest + 1)],
            "_w_expected": [w for sex in expected for w in expected[sex]],
            "_w_astro": [w for sex in expected for w in astro[sex]],
        }, schema={"sex": pl.String, "age": pl.Int64, "_w_expected": pl.Float64, "_w_astro": pl.Float64}).fill_nan(None)
        expected_weight = pl.when(age >= f.expected_age).then(pl.col("_w_expected").fill_null(0.0)).otherwise(0.0)
        sides: dict[str, tuple[pl.Expr, pl.Expr]] = {
            "ae_attendances": (ae, one),
            "emergency_admissions": (all_admissions, one),
            "emergency_admissions_care_home": (care_home_admissions * care_home.cast(pl.Float64), care_home),
            "discharge_within_7_days_65plus": (discharged_soon * discharge_older, admitted * discharge_older),
            "length_of_stay_65plus": (stay_days * stay_older, stayed * stay_older),
            "outpatient_follow_up_ratio": (follow_up, first),
            "prescribing_cost_per_patient": (cost, one),
            "emergency_admissions_acs_chronic": (acs_admitted, one),
            "emergency_admissions_frailty_65plus": (frail_admissions * frail_admitted,
                                                    (age >= f.frail_age) & on_register(f.frail)),
            "hypertension_observed_to_expected": ((age >= f.observed_age) & on_register(f.observed), expected_weight),
            "prescribing_cost_per_astro_pu": (cost, pl.col("_w_astro").fill_null(0.0)),
            "iif_social_prescribing_referrals": (referrals_made, one),
            "nsaid_without_gastroprotection_65plus": (nsaid_den & ~had_medicine(f.nsaid_ppi), nsaid_den),
            "anticoagulant_antiplatelet_without_gastroprotection": (bleed_den & ~had_medicine(f.bleed_ppi),
                                                                    bleed_den),
            "hypertension_treated_to_target": (htn_den & at_target, htn_den),
            "hypertension_recorded_prevalence": (adults & on_register(f.prevalence), adults),
            "smr_done_for_cohort": (cohort & had_code(f.smr), cohort),
            "urgent_cancer_referrals": (urgent_referred, one),
            "fit_before_lower_gi_referral": (lower_gi_fit, lower_gi_all),
        }
        for screening in f.screenings:
            low, high = screening.ages
            eligible = (age >= low) if high is None else ((age >= low) & (age < high))
            if screening.sex is not None:
                eligible = eligible & (pl.col("sex") == screening.sex)
            sides[screening.measure] = (eligible & had_code(screening.screened), eligible)
        for follow_up in f.follow_ups:
            followed = (age >= follow_up.age) & (care_home if follow_up.care_home else had_code(follow_up.cohort))
            sides[follow_up.measure] = (followed & had_code(follow_up.done), followed)
        frame = base
        for table in tables:
            frame = frame.join(table, on="patient_id", how="left")
        frame = frame.with_columns(pl.col(c).fill_null(0.0) for c in counts).join(
            weights, on=["sex", "age"], how="left")
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
                      pl.col("denominator").cast(pl.Float64))  # a count, or a weighted sum
