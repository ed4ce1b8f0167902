"""What the pandas and Polars versions share: the figures of the definitions, read through the reference loaders.

Each hand-written measure needs a few figures of its definition (``reference/measures/<id>.toml``): hospital
kinds, codelists, ages, windows, thresholds.  :func:`figures` reads them with
:func:`pcnhub.reference.measures.measure` and checks that each definition still has the shape the
hand-written logic assumes (the conditions of each side, by kind): a definition changed in another way stops
the benchmark with the measure named, rather than letting the hand-written version count something else.
The logic itself (what is registered, what counts, how a side is summed) is written out in
:mod:`.pandas_measures` and :mod:`.polars_measures`, not taken from pcnhub's compiler.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from pcnhub.reference import codelists as cl
from pcnhub.reference import measures as definitions
from pcnhub.reference import weights as wt
from pcnhub.reference.measures import Condition, Count

#: The screening measures: the patients of an age band (and sex) with a screening code within N months.
SCREENINGS = ("bowel_screening_60_74", "breast_screening_53_70", "cervical_screening_25_49",
              "cervical_screening_50_64")
#: The delivery measures of patients of an age (in a care home, or with a code) with a code within N months:
#: measure -> the kind of the cohort's condition besides the age.
FOLLOW_UPS = {"anticipatory_care_plan_frailty": "events", "care_home_care_plan_12m": "care_home",
              "care_home_seen_3m": "care_home", "care_plan_after_social_prescribing": "events"}
#: The measures written by hand (a measure needing the population health pipeline's features is not).
HAND_WRITTEN = (
    "ae_attendances", "anticipatory_care_plan_frailty", "anticoagulant_antiplatelet_without_gastroprotection",
    "bowel_screening_60_74", "breast_screening_53_70", "care_home_care_plan_12m", "care_home_seen_3m",
    "care_plan_after_social_prescribing", "cervical_screening_25_49", "cervical_screening_50_64",
    "discharge_within_7_days_65plus", "emergency_admissions", "emergency_admissions_acs_chronic",
    "emergency_admissions_care_home", "emergency_admissions_frailty_65plus", "fit_before_lower_gi_referral",
    "hypertension_observed_to_expected", "hypertension_recorded_prevalence", "hypertension_treated_to_target",
    "iif_social_prescribing_referrals", "length_of_stay_65plus", "nsaid_without_gastroprotection_65plus",
    "outpatient_follow_up_ratio", "prescribing_cost_per_astro_pu", "prescribing_cost_per_patient",
    "smr_done_for_cohort", "urgent_cancer_referrals",
)


def codes(*keys: str) -> list[str]:
    """The codes of the codelists ``keys`` (SNOMED CT concept ids, or BNF prefixes)."""
    return sorted({code for key in keys for code in cl.codelist(key).codes})


def prefixes(*keys: str) -> tuple[str, ...]:
    return tuple(codes(*keys))


def weights_by_age(key: str, oldest: int) -> dict[str, list[float]]:
    """Each sex's weight at each whole age from 0 to ``oldest`` in the weights table ``key`` (its bands by sex,
    ``age_from <= age < age_to``, read with :func:`pcnhub.reference.weights.weight_table`); NaN at an age in
    no band (below the table's first age)."""
    rows = wt.weight_table(key).rows
    found: dict[str, list[float]] = {}
    for sex in wt.SEXES:
        found[sex] = [math.nan] * (oldest + 1)
        for row in (r for r in rows if r.sex == sex):
            for age in range(row.age_from, oldest + 1 if row.age_to is None else min(row.age_to, oldest + 1)):
                found[sex][age] = row.weight
    return found


def age_on(end, year, month):
    """Whole years of age on ``end`` (a date) of people born in ``year`` and ``month`` (columns)."""
    return ((end.year - year) * 12 + (end.month - month)) // 12


@dataclass(frozen=True)
class Coded:
    """A code (events) or a prescription (medications) of the ``lists`` within ``months`` of the month's end
    (``months_before(end, months) < date <= end``; None: ever, up to the end); ``repeat_only``: repeat
    issues only."""

    lists: tuple[str, ...]
    months: int | None
    repeat_only: bool = False


@dataclass(frozen=True)
class Register:
    """A diagnosis of ``lists`` up to the month's end, not followed by a code of ``resolved`` on or after it."""

    lists: tuple[str, ...]
    resolved: str


@dataclass(frozen=True)
class Screening:
    measure: str
    sex: str | None
    ages: tuple[int, int | None]
    screened: Coded


@dataclass(frozen=True)
class FollowUp:
    """The patients aged ``age`` or over (living in a care home, or with a code of ``cohort``; exactly one)
    with a code of ``done`` within its months."""

    measure: str
    age: int
    care_home: bool
    cohort: Coded | None
    done: Coded


@dataclass(frozen=True)
class Figures:
    ae: tuple[str, ...]
    admissions: tuple[str, ...]
    care_home_admissions: tuple[str, ...]
    follow_up: tuple[str, ...]
    first: tuple[str, ...]
    discharge: tuple[str, ...]
    discharge_days: int
    discharge_age: int
    stay: tuple[str, ...]
    stay_age: int
    referrals: tuple[str, ...]
    nsaid_age: int
    nsaid: Coded
    nsaid_ppi: Coded
    bleed_age: int
    anticoagulant: Coded
    antiplatelet: Coded
    bleed_ppi: Coded
    htn_age: int
    htn: Register
    sbp: Coded
    htn_split_age: int
    sbp_under: float
    sbp_over: float
    prevalence_age: int
    prevalence: Register
    smr: Coded
    cohort_medicines: int
    cohort_medicines_months: int | None
    cohort_nsaid: Coded
    cohort_anticoagulant: Coded
    cohort_antiplatelet: Coded
    cohort_ld: Coded
    screenings: tuple[Screening, ...]
    follow_ups: tuple[FollowUp, ...]
    urgent: tuple[str, ...]
    lower_gi: tuple[str, ...]
    fit: tuple[str, ...]
    fit_days: int
    #: emergency admissions with a primary diagnosis starting with a code of the ICD-10 lists ``acs``
    acs_kinds: tuple[str, ...]
    acs: tuple[str, ...]
    #: admissions of patients of an age on a register (numerator), over those patients (denominator)
    frail_kinds: tuple[str, ...]
    frail_admitted_age: int
    frail_admitted: Register
    frail_age: int
    frail: Register
    #: patients of an age on a register, over the patients of an age weighted by the table ``expected``
    observed_age: int
    observed: Register
    expected_age: int
    expected: str
    #: the month's prescribing cost over the registered patients weighted by the table ``astro``
    astro: str

    def event_lists(self) -> tuple[str, ...]:
        """Every SNOMED CT codelist the hand-written measures look at (the events worth reading)."""
        lists = {*self.referrals, *self.htn.lists, self.htn.resolved, *self.prevalence.lists,
                 self.prevalence.resolved, *self.sbp.lists, *self.smr.lists, *self.cohort_ld.lists,
                 *self.urgent, *self.lower_gi, *self.fit, *self.frail_admitted.lists, self.frail_admitted.resolved,
                 *self.frail.lists, self.frail.resolved, *self.observed.lists, self.observed.resolved}
        lists.update(key for s in self.screenings for key in s.screened.lists)
        for follow_up in self.follow_ups:
            lists.update(follow_up.done.lists + (follow_up.cohort.lists if follow_up.cohort else ()))
        return tuple(sorted(lists))


class ShapeError(ValueError):
    """A definition no longer has the shape its hand-written version assumes."""


#: Options of a side that change what it counts, checked by :func:`_shape`.
OPTIONS = ("preceded_by", "diagnoses", "weight")


def _shape(measure_id: str, side: str, count: Count, counted: str, conditions: tuple[str, ...],
           options: tuple[str, ...] = ()) -> None:
    """Stop unless the side counts ``counted`` under conditions of the kinds ``conditions`` (``!``: must not
    hold), with the :data:`OPTIONS` ``options`` (events preceded by others, hospital diagnoses, a weight) and
    no other."""
    found = (count.count, *sorted(c.kind + ("!" if c.negate else "") for c in count.where),
             *(name for name in OPTIONS if getattr(count, name)))
    wanted = (counted, *sorted(conditions), *(name for name in OPTIONS if name in options))
    if found != wanted:
        raise ShapeError(f"{measure_id}.{side}: the hand-written version (bench/frames) counts {wanted}; the "
                         f"definition has {found}: write it again")


def _one(conditions: tuple[Condition, ...], kind: str, negate: bool = False, index: int = 0) -> Condition:
    return [c for c in conditions if c.kind == kind and c.negate == negate][index]


def _from_age(condition: Condition) -> int:
    if condition.maximum is not None:
        raise ShapeError(f"an age band where an age 'from' was expected: {condition}")
    return int(condition.minimum)


def _coded(condition: Condition) -> Coded:
    if condition.resolved_by is not None:
        raise ShapeError(f"a code in a window, not resolved by another: {condition}")
    return Coded(condition.codelists, condition.within_months, condition.repeat_only)


def _register(condition: Condition) -> Register:
    if condition.within_months is not None or condition.resolved_by is None:
        raise ShapeError(f"a register is a diagnosis ever, resolved by a code: {condition}")
    return Register(condition.codelists, condition.resolved_by)


def _hospital(measure_id: str) -> tuple[str, ...]:
    """The kinds of a per-registered-patient hospital count (``ae_attendances``, ``emergency_admissions``)."""
    m = definitions.measure(measure_id)
    _shape(measure_id, "numerator", m.numerator, "hospital", ())
    _shape(measure_id, "denominator", m.denominator, "patients", ())
    return m.numerator.kinds


def _screening(measure_id: str) -> Screening:
    m = definitions.measure(measure_id)
    where = m.denominator.where
    sexed = any(c.kind == "sex" for c in where)
    _shape(measure_id, "denominator", m.denominator, "patients", ("age", "sex") if sexed else ("age",))
    _shape(measure_id, "numerator", m.numerator, "patients", ("events",))
    if not m.numerator.within_denominator:
        raise ShapeError(f"{measure_id}: the screened are counted among the denominator")
    age = _one(where, "age")
    return Screening(measure_id, _one(where, "sex").value if sexed else None,
                     (int(age.minimum), None if age.maximum is None else int(age.maximum)),
                     _coded(_one(m.numerator.where, "events")))


def _follow_up(measure_id: str) -> FollowUp:
    m = definitions.measure(measure_id)
    cohort = FOLLOW_UPS[measure_id]
    _shape(measure_id, "denominator", m.denominator, "patients", ("age", cohort))
    _shape(measure_id, "numerator", m.numerator, "patients", ("events",))
    if not m.numerator.within_denominator:
        raise ShapeError(f"{measure_id}: the numerator's patients are counted among the denominator")
    where = m.denominator.where
    return FollowUp(measure_id, _from_age(_one(where, "age")), cohort == "care_home",
                    _coded(_one(where, "events")) if cohort == "events" else None,
                    _coded(_one(m.numerator.where, "events")))


def _referrals() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], int]:
    """The urgent cancer referrals' codelists; the lower GI referrals', and the FIT's and its days before."""
    m = definitions.measure("urgent_cancer_referrals")
    _shape(m.id, "numerator", m.numerator, "events", ())
    _shape(m.id, "denominator", m.denominator, "patients", ())
    if m.numerator.within_denominator:
        raise ShapeError(f"{m.id}: the referrals of every registered patient")
    urgent = m.numerator.codelists
    m = definitions.measure("fit_before_lower_gi_referral")
    _shape(m.id, "denominator", m.denominator, "events", ())
    _shape(m.id, "numerator", m.numerator, "events", (), ("preceded_by",))
    if not m.numerator.within_denominator or m.numerator.codelists not in ((), m.denominator.codelists):
        raise ShapeError(f"{m.id}: the numerator is the denominator's referrals with a FIT before them")
    fit = m.numerator.preceded_by
    return urgent, m.denominator.codelists, fit.codelists, fit.within_days


def _admissions_and_weights() -> dict:
    """The figures of the measures of hospital diagnoses, of frailty's admissions and of weighted denominators."""
    found = {}
    m = definitions.measure("emergency_admissions_acs_chronic")
    _shape(m.id, "numerator", m.numerator, "hospital", (), ("diagnoses",))
    _shape(m.id, "denominator", m.denominator, "patients", ())
    if m.numerator.max_stay_days is not None or m.numerator.discharged or m.numerator.sum is not None:
        raise ShapeError(f"{m.id}: every admission of the kinds with a diagnosis of the lists")
    found.update(acs_kinds=m.numerator.kinds, acs=m.numerator.diagnoses)

    m = definitions.measure("emergency_admissions_frailty_65plus")
    _shape(m.id, "numerator", m.numerator, "hospital", ("age", "events"))
    _shape(m.id, "denominator", m.denominator, "patients", ("age", "events"))
    if m.numerator.within_denominator or m.numerator.max_stay_days is not None or m.numerator.discharged:
        raise ShapeError(f"{m.id}: every admission of the kinds of the patients of the numerator's conditions")
    found.update(frail_kinds=m.numerator.kinds,
                 frail_admitted_age=_from_age(_one(m.numerator.where, "age")),
                 frail_admitted=_register(_one(m.numerator.where, "events")),
                 frail_age=_from_age(_one(m.denominator.where, "age")),
                 frail=_register(_one(m.denominator.where, "events")))

    m = definitions.measure("hypertension_observed_to_expected")
    _shape(m.id, "numerator", m.numerator, "patients", ("age", "events"))
    _shape(m.id, "denominator", m.denominator, "patients", ("age",), ("weight",))
    found.update(observed_age=_from_age(_one(m.numerator.where, "age")),
                 observed=_register(_one(m.numerator.where, "events")),
                 expected_age=_from_age(_one(m.denominator.where, "age")), expected=m.denominator.weight)

    m = definitions.measure("prescribing_cost_per_astro_pu")
    _shape(m.id, "numerator", m.numerator, "medications", ())
    _shape(m.id, "denominator", m.denominator, "patients", (), ("weight",))
    if m.numerator.sum != "cost" or m.numerator.codelists:
        raise ShapeError(f"{m.id}: the cost of every prescription issued in the month")
    found["astro"] = m.denominator.weight
    return found


@functools.cache
def figures() -> Figures:
    """The figures of every hand-written measure, read from its definition (see the module docs)."""
    measure = definitions.measure

    m = measure("emergency_admissions_care_home")
    _shape(m.id, "numerator", m.numerator, "hospital", ("care_home",))
    _shape(m.id, "denominator", m.denominator, "patients", ("care_home",))
    care_home_admissions = m.numerator.kinds

    m = measure("outpatient_follow_up_ratio")
    _shape(m.id, "numerator", m.numerator, "hospital", ())
    _shape(m.id, "denominator", m.denominator, "hospital", ())
    follow_up, first = m.numerator.kinds, m.denominator.kinds

    m = measure("discharge_within_7_days_65plus")
    _shape(m.id, "denominator", m.denominator, "hospital", ("age",))
    _shape(m.id, "numerator", m.numerator, "hospital", ())
    if not m.numerator.within_denominator or m.numerator.kinds not in ((), m.denominator.kinds):
        raise ShapeError(f"{m.id}: the numerator is the denominator's admissions discharged within the days")
    discharge, discharge_days = m.denominator.kinds, m.numerator.max_stay_days
    discharge_age = _from_age(_one(m.denominator.where, "age"))

    m = measure("length_of_stay_65plus")
    _shape(m.id, "denominator", m.denominator, "hospital", ("age",))
    _shape(m.id, "numerator", m.numerator, "hospital", ())
    if (not m.denominator.discharged or m.numerator.sum != "stay_days" or not m.numerator.within_denominator
            or m.numerator.kinds not in ((), m.denominator.kinds)):
        raise ShapeError(f"{m.id}: the days of the denominator's discharged admissions over their number")
    stay, stay_age = m.denominator.kinds, _from_age(_one(m.denominator.where, "age"))

    m = measure("iif_social_prescribing_referrals")
    _shape(m.id, "numerator", m.numerator, "events", ())
    _shape(m.id, "denominator", m.denominator, "patients", ())
    referrals = m.numerator.codelists

    m = measure("prescribing_cost_per_patient")
    _shape(m.id, "numerator", m.numerator, "medications", ())
    _shape(m.id, "denominator", m.denominator, "patients", ())
    if m.numerator.sum != "cost" or m.numerator.codelists:
        raise ShapeError(f"{m.id}: the cost of every prescription issued in the month")

    m = measure("nsaid_without_gastroprotection_65plus")
    _shape(m.id, "denominator", m.denominator, "patients", ("age", "medications"))
    _shape(m.id, "numerator", m.numerator, "patients", ("medications!",))
    nsaid_age, nsaid = _from_age(_one(m.denominator.where, "age")), _coded(_one(m.denominator.where, "medications"))
    nsaid_ppi = _coded(_one(m.numerator.where, "medications", negate=True))

    m = measure("anticoagulant_antiplatelet_without_gastroprotection")
    _shape(m.id, "denominator", m.denominator, "patients", ("age", "medications", "medications"))
    _shape(m.id, "numerator", m.numerator, "patients", ("medications!",))
    bleed_age = _from_age(_one(m.denominator.where, "age"))
    anticoagulant = _coded(_one(m.denominator.where, "medications"))
    antiplatelet = _coded(_one(m.denominator.where, "medications", index=1))
    bleed_ppi = _coded(_one(m.numerator.where, "medications", negate=True))

    m = measure("hypertension_treated_to_target")
    _shape(m.id, "denominator", m.denominator, "patients", ("age", "events"))
    _shape(m.id, "numerator", m.numerator, "patients", ("any",))
    htn_age, htn = _from_age(_one(m.denominator.where, "age")), _register(_one(m.denominator.where, "events"))
    under, over = _one(m.numerator.where, "any").parts  # {all: [age [0, split], sbp <= a]}, {all: [age [split], ...]}
    young_age, young_sbp = _one(under.parts, "age"), _one(under.parts, "latest_value")
    old_age, old_sbp = _one(over.parts, "age"), _one(over.parts, "latest_value")
    if (young_age.minimum != 0 or young_age.maximum != old_age.minimum or old_age.maximum is not None
            or (young_sbp.value, young_sbp.within_months) != (old_sbp.value, old_sbp.within_months)
            or young_sbp.minimum is not None or old_sbp.minimum is not None):
        raise ShapeError(f"{m.id}: the latest systolic at most one target under an age, another from it")
    sbp = Coded((young_sbp.value,), young_sbp.within_months)

    m = measure("hypertension_recorded_prevalence")
    _shape(m.id, "denominator", m.denominator, "patients", ("age",))
    _shape(m.id, "numerator", m.numerator, "patients", ("events",))
    prevalence_age = _from_age(_one(m.denominator.where, "age"))
    prevalence = _register(_one(m.numerator.where, "events"))

    m = measure("smr_done_for_cohort")
    _shape(m.id, "denominator", m.denominator, "patients", ("any",))
    _shape(m.id, "numerator", m.numerator, "patients", ("events",))
    parts = _one(m.denominator.where, "any").parts
    if sorted(p.kind for p in parts) != ["all", "care_home", "distinct_medicines", "events", "medications"]:
        raise ShapeError(f"{m.id}: the cohort is a care home, many medicines, an NSAID, both blood thinners or LD")
    many = _one(parts, "distinct_medicines")
    both = _one(parts, "all").parts
    if [p.kind for p in both] != ["medications", "medications"] or any(p.negate for p in parts + both):
        raise ShapeError(f"{m.id}: the cohort's 'all' is an anticoagulant and an antiplatelet")
    smr = _coded(_one(m.numerator.where, "events"))
    urgent, lower_gi, fit, fit_days = _referrals()

    return Figures(
        ae=_hospital("ae_attendances"), admissions=_hospital("emergency_admissions"),
        care_home_admissions=care_home_admissions, follow_up=follow_up, first=first,
        discharge=discharge, discharge_days=discharge_days, discharge_age=discharge_age,
        stay=stay, stay_age=stay_age, referrals=referrals,
        nsaid_age=nsaid_age, nsaid=nsaid, nsaid_ppi=nsaid_ppi,
        bleed_age=bleed_age, anticoagulant=anticoagulant, antiplatelet=antiplatelet, bleed_ppi=bleed_ppi,
        htn_age=htn_age, htn=htn, sbp=sbp, htn_split_age=int(old_age.minimum),
        sbp_under=young_sbp.maximum, sbp_over=old_sbp.maximum,
        prevalence_age=prevalence_age, prevalence=prevalence,
        smr=smr, cohort_medicines=many.at_least, cohort_medicines_months=many.within_months,
        cohort_nsaid=_coded(_one(parts, "medications")), cohort_anticoagulant=_coded(both[0]),
        cohort_antiplatelet=_coded(both[1]), cohort_ld=_coded(_one(parts, "events")),
        screenings=tuple(_screening(s) for s in SCREENINGS),
        follow_ups=tuple(_follow_up(m) for m in FOLLOW_UPS),
        urgent=urgent, lower_gi=lower_gi, fit=fit, fit_days=fit_days,
        **_admissions_and_weights(),
    )
