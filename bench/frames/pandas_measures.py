"""The measures written by hand in pandas, month by month (see the package's docs).

For each month: the patients registered on its last day (registered from on or before it, not left before
it, born by then) with their whole-year age on that day; each measure's numerator and denominator as a
column over them (a patient's count, sum, weight or 0/1 flag); summed by practice.  Every practice with a
patient registered that month has a row, zeros included, as pcnhub writes them.
"""

from __future__ import annotations

from pathlib import Path

from .common import Coded, Register, age_on, codes, figures, prefixes, weights_by_age

from pcnhub.analytics.pipeline.codes import months_before


def pandas_counts(data: Path, periods: list, geography: dict) -> "pd.DataFrame":  # noqa: F821
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    f = figures()

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        return pq.read_table(data / f"{name}.parquet", columns=columns).to_pandas(
            date_as_object=False, strings_to_categorical=True)

    patients = read("patients", ["patient_id", "practice_code", "birth_month", "sex", "registered_from",
                                 "registered_to", "care_home"])
    birth_year, birth_month = patients.birth_month.dt.year, patients.birth_month.dt.month
    events = read("events", ["patient_id", "code", "date", "value"])
    events = events[events.code.isin(codes(*f.event_lists()))]
    events = events.assign(code=events.code.astype(str))
    coded_rows: dict[tuple[str, ...], pd.DataFrame] = {}

    def coded(lists: tuple[str, ...]) -> pd.DataFrame:
        if lists not in coded_rows:
            coded_rows[lists] = events[events.code.isin(codes(*lists))]
        return coded_rows[lists]

    sbp = coded(f.sbp.lists)
    sbp = sbp[sbp.value.notna()]
    referrals = coded(f.referrals)
    meds = read("medications", ["patient_id", "bnf_code", "date", "repeat", "cost"])
    prescribed_rows: dict[tuple[str, ...], pd.DataFrame] = {}

    def prescribed(lists: tuple[str, ...]) -> pd.DataFrame:
        if lists not in prescribed_rows:
            prescribed_rows[lists] = meds.loc[meds.bnf_code.str.startswith(prefixes(*lists)),
                                              ["patient_id", "date", "repeat"]]
        return prescribed_rows[lists]

    repeats = meds.loc[meds.repeat, ["patient_id", "date", "bnf_code"]]
    # the primary diagnosis is optional (a file without it: none known); a diagnosis of the ACS lists by prefix
    with_diagnosis = "diagnosis" in pq.read_schema(data / "hospital.parquet").names
    hospital = read("hospital", ["patient_id", "kind", "start", "end"] + (["diagnosis"] if with_diagnosis else []))
    diagnosis = hospital.diagnosis.astype("category") if with_diagnosis else pd.Series(
        pd.Categorical([None] * len(hospital)), index=hospital.index)
    known = diagnosis.cat.categories.astype(str)
    hospital["acs"] = diagnosis.isin(known[known.str.startswith(prefixes(*f.acs))])  # null: False
    # urgent cancer referrals, one a day per patient (two codes of the lists on one day are one referral); each
    # lower GI referral with the latest FIT on or before its day, preceded when that FIT is at most fit_days before
    urgent = coded(f.urgent).drop_duplicates(["patient_id", "date"])[["patient_id", "date"]]
    fits = coded(f.fit)[["patient_id", "date"]].drop_duplicates().rename(columns={"date": "fit_date"})
    lower_gi = pd.merge_asof(
        coded(f.lower_gi).drop_duplicates(["patient_id", "date"])[["patient_id", "date"]].sort_values("date"),
        fits.sort_values("fit_date"), left_on="date", right_on="fit_date", by="patient_id", direction="backward")
    lower_gi["preceded"] = (lower_gi.date - lower_gi.fit_date) <= pd.Timedelta(days=f.fit_days)  # NaT: False

    parts = []
    for period in periods:
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        registered = ((patients.registered_from <= end)
                      & (patients.registered_to.isna() | (patients.registered_to >= end))
                      & (patients.birth_month <= end))
        base = patients.loc[registered, ["patient_id", "practice_code", "sex", "care_home"]].reset_index(drop=True)
        base["age"] = age_on(period.end, birth_year[registered], birth_month[registered]).to_numpy()
        pid, age = base.patient_id, base.age

        def within(frame: pd.DataFrame, months: int | None) -> pd.DataFrame:
            held = frame.date <= end
            if months is not None:
                held &= frame.date > pd.Timestamp(months_before(period.end, months))
            return frame[held]

        def having(what: Coded, rows: pd.DataFrame) -> pd.Series:
            """Whether each registered patient has a row of ``rows`` (codes or prescriptions) in the window."""
            rows = within(rows, what.months)
            if what.repeat_only:
                rows = rows[rows.repeat]
            return pid.isin(rows.patient_id.unique())

        def had_code(what: Coded) -> pd.Series:
            return having(what, coded(what.lists))

        def had_medicine(what: Coded) -> pd.Series:
            return having(what, prescribed(what.lists))

        registers: dict[Register, pd.Series] = {}

        def on_register(register: Register) -> pd.Series:
            """Diagnosed by the month's end, and no resolved code on or after the latest diagnosis."""
            if register not in registers:
                diagnosed = pid.map(within(coded(register.lists), None).groupby("patient_id").date.max())
                resolved = pid.map(within(coded((register.resolved,)), None).groupby("patient_id").date.max())
                registers[register] = diagnosed.notna() & (resolved.isna() | (resolved < diagnosed))
            return registers[register]

        in_month_hospital = hospital[(hospital.start >= start) & (hospital.start <= end)]

        def per_patient(rows: pd.DataFrame, value: pd.Series | None = None) -> pd.Series:
            counted = rows.groupby("patient_id").size() if value is None else value.groupby(rows.patient_id).sum()
            return pid.map(counted).fillna(0.0).astype("float64")

        def kinds(names: tuple[str, ...]) -> pd.DataFrame:
            return in_month_hospital[in_month_hospital.kind.isin(names)]

        everyone = pd.Series(1.0, index=base.index)
        sides: dict[str, tuple[pd.Series, pd.Series]] = {}
        sides["ae_attendances"] = (per_patient(kinds(f.ae)), everyone)
        sides["emergency_admissions"] = (per_patient(kinds(f.admissions)), everyone)
        sides["emergency_admissions_care_home"] = (per_patient(kinds(f.care_home_admissions)) * base.care_home,
                                                   base.care_home)
        admissions = kinds(f.discharge)
        short = admissions[admissions.end.notna()
                           & (admissions.end <= admissions.start + pd.Timedelta(days=f.discharge_days))]
        older = (age >= f.discharge_age).astype("float64")
        sides["discharge_within_7_days_65plus"] = (per_patient(short) * older, per_patient(admissions) * older)
        stays = kinds(f.stay)
        stays = stays[stays.end.notna()]
        older = (age >= f.stay_age).astype("float64")
        sides["length_of_stay_65plus"] = (per_patient(stays, (stays.end - stays.start).dt.days.astype("float64"))
                                          * older, per_patient(stays) * older)
        sides["outpatient_follow_up_ratio"] = (per_patient(kinds(f.follow_up)), per_patient(kinds(f.first)))
        in_month_meds = meds[(meds.date >= start) & (meds.date <= end)]
        cost = per_patient(in_month_meds, in_month_meds.cost.fillna(0.0))
        sides["prescribing_cost_per_patient"] = (cost,
                                                 everyone)
        # a patient's referrals on one day count once (pcnhub's reading of "coded events dated in the month")
        referred = referrals[(referrals.date >= start) & (referrals.date <= end)].drop_duplicates(
            ["patient_id", "date"])
        sides["iif_social_prescribing_referrals"] = (per_patient(referred), everyone)
        nsaid_den = (age >= f.nsaid_age) & had_medicine(f.nsaid)
        sides["nsaid_without_gastroprotection_65plus"] = (nsaid_den & ~had_medicine(f.nsaid_ppi), nsaid_den)
        bleed_den = (age >= f.bleed_age) & had_medicine(f.anticoagulant) & had_medicine(f.antiplatelet)
        sides["anticoagulant_antiplatelet_without_gastroprotection"] = (bleed_den & ~had_medicine(f.bleed_ppi),
                                                                        bleed_den)
        htn_den = (age >= f.htn_age) & on_register(f.htn)
        latest = within(sbp, f.sbp.months).sort_values(["patient_id", "date", "value"]).groupby(
            "patient_id").value.last()
        systolic = pid.map(latest)
        at_target = (((age < f.htn_split_age) & (systolic <= f.sbp_under))
                     | ((age >= f.htn_split_age) & (systolic <= f.sbp_over)))
        sides["hypertension_treated_to_target"] = (htn_den & at_target, htn_den)
        adults = age >= f.prevalence_age
        sides["hypertension_recorded_prevalence"] = (adults & on_register(f.prevalence), adults)
        many = within(repeats, f.cohort_medicines_months).groupby("patient_id", observed=True).bnf_code.nunique()
        cohort = (base.care_home | (pid.map(many).fillna(0) >= f.cohort_medicines) | had_medicine(f.cohort_nsaid)
                  | (had_medicine(f.cohort_anticoagulant) & had_medicine(f.cohort_antiplatelet))
                  | had_code(f.cohort_ld))
        sides["smr_done_for_cohort"] = (cohort & had_code(f.smr), cohort)
        for screening in f.screenings:
            low, high = screening.ages
            eligible = (age >= low) if high is None else ((age >= low) & (age < high))
            if screening.sex is not None:
                eligible &= base.sex == screening.sex
            sides[screening.measure] = (eligible & had_code(screening.screened), eligible)
        for follow_up in f.follow_ups:
            cohort = (age >= follow_up.age) & (base.care_home if follow_up.care_home else had_code(follow_up.cohort))
            sides[follow_up.measure] = (cohort & had_code(follow_up.done), cohort)
        sides["urgent_cancer_referrals"] = (per_patient(urgent[(urgent.date >= start) & (urgent.date <= end)]),
                                            everyone)
        lower_gi_month = lower_gi[(lower_gi.date >= start) & (lower_gi.date <= end)]
        sides["fit_before_lower_gi_referral"] = (per_patient(lower_gi_month[lower_gi_month.preceded]),
                                                 per_patient(lower_gi_month))
        acs = kinds(f.acs_kinds)
        sides["emergency_admissions_acs_chronic"] = (per_patient(acs[acs.acs]), everyone)
        frail_admitted = (age >= f.frail_admitted_age) & on_register(f.frail_admitted)
        sides["emergency_admissions_frailty_65plus"] = (per_patient(kinds(f.frail_kinds)) * frail_admitted,
                                                        (age >= f.frail_age) & on_register(f.frail))

        def weight(key: str) -> pd.Series:
            """Each registered patient's weight in the table ``key`` by sex and age (0 in no band)."""
            found, ages = np.zeros(len(base)), age.to_numpy()
            for sex, by_age in weights_by_age(key, int(ages.max())).items():
                mine = (base.sex == sex).to_numpy()
                found[mine] = np.asarray(by_age)[ages[mine]]
            return pd.Series(np.nan_to_num(found, nan=0.0), index=base.index)

        sides["hypertension_observed_to_expected"] = (
            (age >= f.observed_age) & on_register(f.observed), weight(f.expected).where(age >= f.expected_age, 0.0))
        sides["prescribing_cost_per_astro_pu"] = (cost, weight(f.astro))
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
    out["denominator"] = out.denominator.astype("float64")  # a count, or a weighted sum
    return out[["measure", "level", "org_code", "month", "numerator", "denominator"]]
