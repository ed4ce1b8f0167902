"""A synthetic registered population for population health analytics, written as Parquet.

:func:`generate` makes the five tables of :mod:`pcnhub.analytics.schema` for a set of practices and
their list sizes: patients with age and sex from the registered population of England (or of each
practice, from a quinary-age list-size file), ethnicity (Census 2021 shares, varying between
practices), deprivation (an IMD decile per practice with spread inside it), conditions at QOF
prevalence that rise with age and co-occur, measurements for QRISK3 (systolic blood pressure
readings, cholesterol/HDL ratio, BMI, smoking status with amount), the deficits of the Electronic
Frailty Index for older people (and the frailty category their practice codes), prescriptions consistent
with the conditions (repeat issues over the last year), hospital activity with its primary diagnosis
(:mod:`pcnhub.analytics.synth_coding`) and GP appointments.  Every clinical code comes from a pcnhub codelist
(``pcnhub/reference/codelists``) and every product from ``medicines.csv``.

How it works: each patient has a latent health score (standard normal, shifted by deprivation); every
condition's probability is a base curve by age and sex (scaled so that the national prevalence hits
its target) times ``exp(beta * score)`` (normalised so the marginal prevalence is kept), times
ethnicity and deprivation risk ratios, times links to conditions drawn earlier (diabetes -> CKD,
hypertension -> CHD and stroke, AF -> stroke and heart failure, smoking -> COPD ...; these are
rescaled within each chunk so they shift who has a condition, not how many).  The frailty deficits
share the score with a stronger loading, which gives the skewed eFI distribution of people aged 65+.

The output is a pure function of (practices, patients, seed, as_of, chunk_size): the same arguments
write the same data.  Patients are made in chunks of ``chunk_size`` (200,000) with vectorised numpy,
each chunk written as one row group of every table, so memory stays bounded.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pcnhub.analytics import synth_delivery
from pcnhub.analytics import synth_coding
from pcnhub.analytics.schema import (
    APPOINTMENT_STATUSES,
    ETHNICITIES,
    HOSPITAL_KINDS,
    STAFF_TYPES,
    TABLES,
    mark_synthetic,
)
from pcnhub.analytics.synth_model import (
    ANTICOAGULANTS,
    ANTIPLATELETS,
    BANDS,
    CODES,
    CONDITIONS,
    DEFICIT_BETA,
    DEFICIT_CENTRE,
    DEFICIT_WIDTH,
    DEFICITS,
    ELECTIVE_RATE,
    FEMALE,
    FOLLOW_UP_RATIO,
    HISTORY_MONTHS,
    LATENT_DEPRIVATION,
    MALE,
    NSAIDS,
    PPIS,
    PRACTICE_SPREAD,
    PRACTICE_TREND,
    REGIMENS,
    SMR_COHORT_MEDICINES,
    SMR_RATE,
    SOCIAL_PRESCRIBING_NEED,
    SOCIAL_PRESCRIBING_RATE,
    STATINS,
    UNKNOWN_ETHNICITY_SHARE,
    age_curve,
    base_scales,
    check_model,
    Condition,
    ethnicity_shares,
    logistic,
    national_pyramid,
    synthetic_prices,
    z_normaliser,
)
from pcnhub.reference import codelists as cl

#: The default "today" of the data: the extract date.
AS_OF: Final = dt.date(2024, 4, 1)
CHUNK_SIZE: Final = 200_000
_EPOCH: Final = dt.date(1970, 1, 1)
_YEAR: Final = 365.25
ODS_PRACTICE: Final = re.compile(r"[A-Z][0-9A-Z]{5}")


# --- practices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeSize:
    """A practice and its registered list; ``pyramid`` (2 x 20: F, M by five-year band) when known."""

    code: str
    list_size: int
    pyramid: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    row: int = field(default=0, compare=False)
    #: False when the source gave no list size (a practice map): every such practice counts as 1.
    size_known: bool = True


def practices_from_pairs(pairs: Iterable[tuple[str, int]]) -> list[PracticeSize]:
    """Practices from ``(practice_code, list_size)`` pairs, e.g. from the register (see :mod:`pcnhub.cli.phm.synth`)."""
    found: dict[str, PracticeSize] = {}
    for number, (code, size) in enumerate(pairs, 1):
        code = str(code).strip().upper()
        if not ODS_PRACTICE.fullmatch(code):
            raise ValueError(f"practice {number}: {code!r} is not an ODS practice code")
        if isinstance(size, bool) or int(size) != size or size < 0:
            raise ValueError(f"practice {code}: list size {size!r} is not a whole number of 0 or more")
        if code in found:
            raise ValueError(f"practice {code} is listed twice")
        found[code] = PracticeSize(code, int(size), row=number)
    return list(found.values())


def allocate(practices: Sequence[PracticeSize], patients: int) -> np.ndarray:
    """Patients per practice, proportional to list size, summing to ``patients`` (largest remainders)."""
    sizes = np.array([p.list_size for p in practices], dtype=float)
    total = sizes.sum()
    if total <= 0:
        raise ValueError("the practices have no registered patients")
    exact = sizes * patients / total
    counts = np.floor(exact).astype(np.int64)
    short = patients - int(counts.sum())
    if short:
        order = np.lexsort((np.arange(len(sizes)), -(exact - counts)))
        counts[order[:short]] += 1
    return counts


# --- the generator -----------------------------------------------------------------------------------


@dataclass
class SynthResult:
    folder: Path
    patients: int
    practices: int
    rows: dict[str, int]
    seconds: float
    seed: int
    as_of: dt.date

    def to_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "patients": self.patients, "practices": self.practices,
                "rows": self.rows, "seconds": round(self.seconds, 3), "seed": self.seed,
                "as_of": self.as_of.isoformat()}


class _Vocab:
    """Strings written as indices while generating, turned into a string column at the end."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = sorted(set(values))
        self.index = {value: i for i, value in enumerate(self.values)}
        self.array = pa.array(self.values, type=pa.string())

    def ids(self, values: Sequence[str]) -> np.ndarray:
        return np.array([self.index[v] for v in values], dtype=np.int32)

    def column(self, ids: np.ndarray) -> pa.Array:
        return self.array.take(pa.array(ids, type=pa.int32()))


def _all_event_codes() -> list[str]:
    codes = [code for c in CONDITIONS for code, _ in c.codes]
    codes += [code for _, _, choices in DEFICITS for code, _ in choices]
    codes += [code for code, _ in CODES.values()]
    codes += synth_delivery.codes()
    return codes


@functools.cache
def _code_vocab() -> _Vocab:
    return _Vocab(_all_event_codes())


@functools.cache
def _medicines() -> tuple[_Vocab, list[str], list[str]]:
    catalogue = cl.medicines()
    vocab = _Vocab(m.key for m in catalogue)
    by_key = {m.key: m for m in catalogue}
    return vocab, [by_key[k].dmd_code for k in vocab.values], [by_key[k].bnf_code for k in vocab.values]


def _days(date: dt.date) -> int:
    return (date - _EPOCH).days


def _months_to_days(months: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of the first day of month number ``months`` (months since January 1970)."""
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64).astype(np.int32)


def _linear_quantile(u: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """The quantile at ``u`` of the density ``1 + trend * (x - 1/2)`` on [0, 1] (vectorised; |trend| < 2)."""
    a = np.asarray(trend, dtype=float)
    flat = np.abs(a) < 1e-9
    safe = np.where(flat, 1.0, a)
    b = 1 - safe / 2
    x = (-b + np.sqrt(b * b + 2 * safe * u)) / safe
    return np.clip(np.where(flat, u, x), 0.0, 1.0 - 1e-12)


def _choice(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _sample_rows(rng: np.random.Generator, cdf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each i, a category drawn from the cumulative distribution ``cdf[rows[i]]`` (vectorised)."""
    k = cdf.shape[1]
    shifted = (cdf + np.arange(len(cdf))[:, None]).ravel()
    u = rng.random(len(rows)) * (1 - 1e-12) + rows
    found = np.searchsorted(shifted, u, side="right") - rows * k
    return np.minimum(found, k - 1)


class _Tables:
    """The rows of one chunk, as column arrays, table by table."""

    def __init__(self) -> None:
        self.events: dict[str, list[np.ndarray]] = {"patient_id": [], "code": [], "date": [], "value": []}
        self.meds: dict[str, list[np.ndarray]] = {"patient_id": [], "med": [], "date": [], "repeat": []}

    def event(self, pid: np.ndarray, code: int | np.ndarray, date: np.ndarray, value: np.ndarray | None = None) -> None:
        n = len(pid)
        if n == 0:
            return
        self.events["patient_id"].append(pid.astype(np.int64, copy=False))
        self.events["code"].append(np.broadcast_to(np.asarray(code, dtype=np.int32), (n,)).copy())
        self.events["date"].append(date.astype(np.int32, copy=False))
        self.events["value"].append(np.full(n, np.nan) if value is None else value.astype(float, copy=False))


class Generator:
    """Generates the tables chunk by chunk; see :func:`generate`."""

    def __init__(self, practices: Sequence[PracticeSize], patients: int, seed: int, as_of: dt.date,
                 chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be 1 or more")
        self.practices = list(practices)
        self.counts = allocate(self.practices, patients)
        self.patients = patients
        self.seed = seed
        self.as_of = as_of
        self.today = _days(as_of)
        self.chunk_size = chunk_size
        self.starts = np.concatenate([[0], np.cumsum(self.counts)])
        self.scales = base_scales()
        self.codes = _code_vocab()
        self.med_vocab, self.med_dmd, self.med_bnf = _medicines()
        prices = synthetic_prices()
        self.med_price = np.array([prices[key] for key in self.med_vocab.values])
        self.history = int(HISTORY_MONTHS * _YEAR / 12)
        self.practice_vocab = pa.array([p.code for p in self.practices], type=pa.string())
        self._practice_attributes()
        self.delivery = synth_delivery.Delivery(
            synth_delivery.practices(seed, len(self.practices), PRACTICE_TREND), self.codes.index, self.today,
            self.history)

    # practice level ------------------------------------------------------------------------------

    def _practice_attributes(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0x50524143]))
        n = len(self.practices)
        national = national_pyramid()
        mids = np.array([band * 5 + 2.5 for band in range(BANDS)])
        tilt = rng.normal(0, 0.25, n)
        cells = np.empty((n, 2 * BANDS))
        for i, practice in enumerate(self.practices):
            if practice.pyramid is not None and sum(map(sum, practice.pyramid)) > 0:
                cells[i] = np.asarray(practice.pyramid, dtype=float).ravel()
            else:
                weights = national * np.exp(tilt[i] * (mids - 40) / 30)[None, :]
                cells[i] = weights.ravel()
        cells /= cells.sum(axis=1, keepdims=True)
        self.age_cdf = np.cumsum(cells, axis=1)
        self.age_cdf[:, -1] = 1.0
        self.deprivation_centre = rng.uniform(0.5, 10.5, n)
        deprived = (5.5 - self.deprivation_centre) / 4.5
        diversity = np.exp(rng.normal(0, 0.9, n) + 0.6 * deprived)
        eth = np.tile(ethnicity_shares(), (n, 1))
        eth[:, 1:] *= diversity[:, None]
        eth /= eth.sum(axis=1, keepdims=True)
        eth = np.concatenate([eth * (1 - UNKNOWN_ETHNICITY_SHARE), np.full((n, 1), UNKNOWN_ETHNICITY_SHARE)], axis=1)
        self.ethnicity_cdf = np.cumsum(eth, axis=1)
        self.ethnicity_cdf[:, -1] = 1.0
        self.care_home_practice = np.exp(rng.normal(0, 0.6, n))
        # activity: a rate multiplier (mean 1) and a trend over the history window per practice, from a
        # stream of their own so that the rest of the population does not change with them
        activity = np.random.default_rng(np.random.SeedSequence([self.seed, 0x41435456]))
        self.multiplier = {key: np.exp(activity.normal(-spread * spread / 2, spread, n))
                           for key, spread in PRACTICE_SPREAD.items()}
        self.trend = {key: activity.uniform(*PRACTICE_TREND, n) for key in PRACTICE_SPREAD}
        self.first_share = 1.0 / (1.0 + activity.uniform(*FOLLOW_UP_RATIO, n))

    # chunks ---------------------------------------------------------------------------------------

    def chunks(self) -> Iterable[tuple[int, int]]:
        for start in range(0, self.patients, self.chunk_size):
            yield start, min(self.patients, start + self.chunk_size)

    def chunk(self, start: int, stop: int) -> dict[str, pa.Table]:
        """The rows of patients ``start`` to ``stop - 1`` (0-based), as one Arrow table per schema table."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, start // self.chunk_size, 0x43484E4B]))
        activity = np.random.default_rng(np.random.SeedSequence([self.seed, start // self.chunk_size, 0x41435456]))
        n = stop - start
        pid = np.arange(start + 1, stop + 1, dtype=np.int64)
        practice = (np.searchsorted(self.starts, np.arange(start, stop), side="right") - 1).astype(np.int64)
        out = _Tables()
        people = self._people(rng, n, practice)
        conditions = self._conditions(rng, people)
        deficits = self._deficits(rng, people)
        people["care_home"] = self._care_home(rng, people, practice, conditions, deficits)
        self._condition_events(rng, out, pid, people, conditions)
        self._deficit_events(rng, out, pid, people, deficits)
        self._measurements(rng, out, pid, people, conditions)
        self._screening_and_more(rng, out, pid, people, conditions)
        repeat_counts = self._medications(rng, out, pid, people, conditions, deficits)
        referred = self._reviews_and_referrals(activity, out, pid, practice, people, conditions, repeat_counts)
        # care plans, frailty, anticipatory care, cancer referrals and FIT: a stream of their own (synth_delivery.py)
        delivery = np.random.default_rng(np.random.SeedSequence([self.seed, start // self.chunk_size, 0x44454C56]))
        efi = synth_delivery.efi_counts(conditions, deficits, people["care_home"], repeat_counts,
                                        {c.key: c.codelists for c in CONDITIONS})
        self.delivery.events(delivery, out, self._repeat_rows, pid, practice, people, efi, referred)
        burden = sum(conditions[c.key] for c in CONDITIONS).astype(float) + 0.3 * repeat_counts
        hospital = self._hospital(rng, activity, pid, practice, people, burden)
        appointments = self._appointments(rng, pid, people, burden)
        coding = np.random.default_rng(np.random.SeedSequence([self.seed, start // self.chunk_size, 0x434F4445]))
        hospital = self._diagnosed(coding, hospital, start, people, conditions, deficits)
        return {
            "patients": self._patients_table(pid, practice, people),
            "events": self._events_table(out),
            "medications": self._medications_table(out, practice, start),
            "hospital": hospital,
            "appointments": appointments,
        }

    # patients --------------------------------------------------------------------------------------

    def _people(self, rng: np.random.Generator, n: int, practice: np.ndarray) -> dict[str, np.ndarray]:
        cell = _sample_rows(rng, self.age_cdf, practice)
        sex = (cell // BANDS).astype(np.int8)
        band = cell % BANDS
        years = band * 5 + rng.integers(0, 5, n)
        oldest = band == BANDS - 1
        years[oldest] = 95 + np.minimum(rng.exponential(2.5, int(oldest.sum())).astype(np.int64), 9)
        age_months = years * 12 + rng.integers(0, 12, n)
        today_month = (self.as_of.year - 1970) * 12 + self.as_of.month - 1
        birth = _months_to_days(today_month - age_months)
        age = age_months / 12.0
        ethnicity = _sample_rows(rng, self.ethnicity_cdf, practice).astype(np.int8)
        decile = np.clip(np.rint(self.deprivation_centre[practice] + rng.normal(0, 1.3, n)), 1, 10).astype(np.int8)
        deprivation = (5.5 - decile) / 4.5
        score = rng.standard_normal(n) + LATENT_DEPRIVATION * deprivation
        adult = age >= 16
        # smoking: current, ex, never (adults); amount for current smokers
        current_p = np.clip(0.16 * np.exp(0.55 * deprivation) * logistic((age - 17) / 2) * np.where(age > 70, 0.5, 1.0), 0, 0.6)
        ex_p = np.clip(0.05 + 0.45 * logistic((age - 55) / 12), 0, 0.6)
        u = rng.random(n)
        smoking = np.where(~adult, 0, np.where(u < current_p, 1, np.where(u < current_p + ex_p, 2, 3))).astype(np.int8)
        bmi_mean = np.where(age < 18, 16 + 0.35 * np.minimum(age, 18), 24 + 4 * logistic((age - 40) / 10) - 1.5 * logistic((age - 80) / 5))
        bmi = np.clip(bmi_mean * np.exp(rng.normal(0, 0.17, n) + 0.025 * deprivation + 0.03 * score), 13, 70)
        registered_years = rng.exponential(12.0, n)
        registered_from = np.maximum(birth, (self.today - registered_years * _YEAR).astype(np.int32))
        left = rng.random(n) < 0.015
        registered_to = np.where(left, self.today - rng.integers(1, 366, n), -1).astype(np.int32)
        registered_to = np.where(left & (registered_to < registered_from), registered_from, registered_to)
        return {
            "sex": sex, "age": age, "birth": birth, "ethnicity": ethnicity, "decile": decile,
            "deprivation": deprivation, "score": score, "smoking": smoking, "bmi": bmi,
            "registered_from": registered_from, "registered_to": registered_to,
            "townsend": np.round(5.0 - (decile - 1) * 1.1 + rng.normal(0, 0.7, n), 2),
            "lsoa": practice * 10 + (decile - 1),
        }

    def _patients_table(self, pid: np.ndarray, practice: np.ndarray, people: dict[str, np.ndarray]) -> pa.Table:
        lsoa_ids, lsoa_index = np.unique(people["lsoa"], return_inverse=True)
        lsoa_vocab = pa.array([f"X01{v:06d}" for v in lsoa_ids.tolist()], type=pa.string())
        to = people["registered_to"]
        columns = {
            "patient_id": pa.array(pid, type=pa.int64()),
            "birth_month": pa.array(people["birth"], type=pa.date32()),
            "sex": pa.array(["F", "M"], type=pa.string()).take(pa.array(people["sex"], type=pa.int8())),
            "ethnicity": pa.array(list(ETHNICITIES), type=pa.string()).take(pa.array(people["ethnicity"])),
            "practice_code": self.practice_vocab.take(pa.array(practice)),
            "registered_from": pa.array(people["registered_from"], type=pa.date32()),
            "registered_to": pa.array(to, type=pa.date32(), mask=to < 0),
            "lsoa": lsoa_vocab.take(pa.array(lsoa_index.astype(np.int64))),
            "imd_decile": pa.array(people["decile"], type=pa.int8()),
            "townsend": pa.array(people["townsend"], type=pa.float64()),
            "care_home": pa.array(people["care_home"], type=pa.bool_()),
        }
        return pa.table(columns, schema=TABLES["patients"].schema)

    # conditions ------------------------------------------------------------------------------------

    def _probability(self, c: Condition, people: dict[str, np.ndarray], drawn: dict[str, np.ndarray]) -> np.ndarray:
        age, sex = people["age"], people["sex"]
        p = self.scales[c.key] * age_curve(age, c.centre, c.width, c.min_age, c.fade_after)
        if c.sex_only is not None:
            p = p * (sex == c.sex_only)
        elif c.male != 1.0:
            p = p * np.where(sex == MALE, c.male, 1.0)
        if c.ethnicity:
            rr = np.ones(len(ETHNICITIES))
            for name, value in c.ethnicity:
                rr[ETHNICITIES.index(name)] = value
            p = p * rr[people["ethnicity"]]
        if c.deprivation:
            p = p * np.exp(c.deprivation * people["deprivation"])
        if c.beta:
            p = p * np.exp(c.beta * people["score"]) / z_normaliser(c.beta)
        if c.links:
            factor = np.ones(len(age))
            for key, rr_value in c.links:
                factor *= np.where(drawn[key], rr_value, 1.0)
            weight = p.sum()
            if weight > 0:  # keep the expected number of cases: rescale by the p-weighted mean factor
                factor = factor * (weight / (p * factor).sum())
            p = p * factor
        return np.clip(p, 0, 0.95)

    def _conditions(self, rng: np.random.Generator, people: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        drawn: dict[str, np.ndarray] = {
            "smoker": people["smoking"] == 1, "ex_smoker": people["smoking"] == 2, "bmi30": people["bmi"] >= 30,
        }
        for c in CONDITIONS:
            drawn[c.key] = rng.random(len(people["age"])) < self._probability(c, people, drawn)
        drawn["diabetes_t2"] &= ~drawn["diabetes_t1"]
        return drawn

    def _deficits(self, rng: np.random.Generator, people: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        age = people["age"]
        curve = age_curve(age, DEFICIT_CENTRE, DEFICIT_WIDTH, 40, None)
        load = np.exp(DEFICIT_BETA * people["score"]) / z_normaliser(DEFICIT_BETA)
        return {key: rng.random(len(age)) < np.clip(self.scales[key] * curve * load, 0, 0.95) for key, _, _ in DEFICITS}

    def _care_home(self, rng: np.random.Generator, people: dict[str, np.ndarray], practice: np.ndarray,
                   conditions: dict[str, np.ndarray], deficits: dict[str, np.ndarray]) -> np.ndarray:
        age = people["age"]
        base = np.select([age >= 85, age >= 75, age >= 65, age >= 18], [0.105, 0.022, 0.004, 0.0004], 0.0)
        frail = deficits["efi-mobility-problems"] | deficits["efi-falls"] | deficits["efi-urinary-incontinence"]
        factor = np.where(conditions["dementia"], 5.0, 1.0) * np.where(frail, 2.0, 1.0) * np.where(
            conditions["learning_disability"] & (age >= 18), 40.0, 1.0)
        p = base * factor / 1.15 * self.care_home_practice[practice] / 1.2
        return rng.random(len(age)) < np.clip(p, 0, 0.9)

    def _onset(self, rng: np.random.Generator, people: dict[str, np.ndarray], mask: np.ndarray,
               min_age: float, years: float) -> np.ndarray:
        """A diagnosis date for each patient in ``mask``: after ``min_age``, at most ``years`` ago."""
        age = people["age"][mask]
        span = np.clip(np.minimum(age - min_age, years), 0.05, None)
        back = span * rng.random(len(age)) ** 1.4
        return np.maximum((self.today - back * _YEAR).astype(np.int32), people["birth"][mask])

    def _condition_events(self, rng, out: _Tables, pid, people, conditions) -> None:
        for c in CONDITIONS:
            mask = conditions[c.key]
            if not mask.any():
                continue
            codes = self.codes.ids([code for code, _ in c.codes])
            pick = codes[_choice(rng, int(mask.sum()), [w for _, w in c.codes])]
            if c.key == "cancer":  # site by sex: breast for women, prostate for men
                sex = people["sex"][mask]
                breast, prostate = self.codes.index["254837009"], self.codes.index["399068003"]
                pick = np.where((pick == breast) & (sex == MALE), prostate, pick)
                pick = np.where((pick == prostate) & (sex == FEMALE), breast, pick)
            out.event(pid[mask], pick, self._onset(rng, people, mask, c.min_age, c.history_years))

    def _deficit_events(self, rng, out: _Tables, pid, people, deficits) -> None:
        for key, _, choices in DEFICITS:
            mask = deficits[key]
            if not mask.any():
                continue
            codes = self.codes.ids([code for code, _ in choices])
            pick = codes[_choice(rng, int(mask.sum()), [w for _, w in choices])]
            if key == "efi-urinary-system-disease":  # benign prostatic hyperplasia only for men
                bph, uti = self.codes.index["266569009"], self.codes.index["68566005"]
                pick = np.where((pick == bph) & (people["sex"][mask] == FEMALE), uti, pick)
            out.event(pid[mask], pick, self._onset(rng, people, mask, 40, 10))
        home = people["care_home"]
        if home.any():
            codes = self.codes.ids([CODES["care_home"][0], CODES["nursing_home"][0]])
            out.event(pid[home], codes[_choice(rng, int(home.sum()), [.7, .3])],
                      (self.today - rng.integers(30, 5 * 365, int(home.sum()))).astype(np.int32))

    # measurements ----------------------------------------------------------------------------------

    def _repeat_rows(self, rng, pid: np.ndarray, counts: np.ndarray, first: np.ndarray, last: np.ndarray,
                     trend: np.ndarray | None = None):
        """``counts[i]`` dates for patient i between first[i] and last[i]; returns (pids, dates, owner).

        Uniform, or with ``trend[i]`` (the relative change of the rate from first to last, -1 to 1 exclusive)
        a density rising or falling linearly: 1 - trend/2 at first[i], 1 + trend/2 at last[i]."""
        owner = np.repeat(np.arange(len(pid)), counts)
        lo, hi = first[owner], last[owner]
        u = rng.random(len(owner))
        if trend is not None:
            u = _linear_quantile(u, trend[owner])
        dates = lo + (u * np.maximum(hi - lo, 1)).astype(np.int32)
        return pid[owner], dates.astype(np.int32), owner

    def _measurements(self, rng, out: _Tables, pid, people, conditions) -> None:
        n = len(pid)
        age, sex, score = people["age"], people["sex"], people["score"]
        adult = age >= 18
        cvd = conditions["chd"] | conditions["stroke_tia"] | conditions["pvd"] | conditions["heart_failure"]
        chronic = (conditions["hypertension"] | conditions["diabetes_t2"] | conditions["diabetes_t1"] | cvd
                   | conditions["ckd"] | conditions["af"])
        five_years = np.full(n, self.today - int(5 * _YEAR), dtype=np.int32)
        today = np.full(n, self.today - 1, dtype=np.int32)
        start = np.maximum(five_years, people["birth"] + int(18 * _YEAR))
        # systolic blood pressure: a patient mean and several readings
        true_sbp = (112 + 0.42 * np.clip(age - 20, 0, None) + np.where(sex == MALE, 4, 0) + 3 * people["deprivation"]
                    + 2.5 * score + rng.normal(0, 11, n))
        true_sbp += np.where(conditions["hypertension"], 14, 0)
        rate = 0.5 + 0.035 * np.clip(age - 40, 0, None) + 2.5 * conditions["hypertension"] + 1.5 * chronic
        count = np.where(adult, rng.poisson(rate), 0)
        rows_pid, dates, owner = self._repeat_rows(rng, pid, count, start, today)
        values = np.rint(true_sbp[owner] + rng.normal(0, 9, len(owner)))
        code = np.where(rng.random(len(owner)) < 0.9, self.codes.index[CODES["sbp"][0]], self.codes.index[CODES["sbp_oe"][0]])
        out.event(rows_pid, code, dates, np.clip(values, 70, 250))
        # cholesterol / HDL ratio
        tested = (age >= 40) & (rng.random(n) < np.where(chronic, 0.9, 0.45))
        count = np.where(tested, 1 + (rng.random(n) < np.where(chronic, 0.6, 0.2)), 0)
        rows_pid, dates, owner = self._repeat_rows(rng, pid, count, start, today)
        ratio = np.exp(rng.normal(np.log(3.9), 0.25, n) + 0.03 * people["deprivation"] + 0.04 * (sex == MALE))
        ratio = np.where(cvd | conditions["diabetes_t2"], ratio * 0.8, ratio)
        out.event(rows_pid, self.codes.index[CODES["ratio"][0]], dates,
                  np.round(np.clip(ratio[owner] * np.exp(rng.normal(0, 0.06, len(owner))), 1.2, 12), 1))
        # body mass index: in the last year for some, earlier for others
        recent = adult & (rng.random(n) < np.where(chronic | (people["bmi"] >= 35), 0.55, 0.24))
        older = adult & ~recent & (rng.random(n) < 0.5)
        last_year = np.full(n, self.today - 365, dtype=np.int32)
        for mask, lo, hi in ((recent, last_year, today), (older, start, last_year)):
            rows_pid, dates, owner = self._repeat_rows(rng, pid, mask.astype(np.int64), lo, hi)
            bmi = people["bmi"][owner] * np.exp(rng.normal(0, 0.02, len(owner)))
            out.event(rows_pid, self.codes.index[CODES["bmi"][0]], dates, np.round(bmi, 1))
        # smoking status: the latest code within three years for 90% of adults
        smoking = people["smoking"]
        recorded = (age >= 16) & (rng.random(n) < 0.9)
        three_years = np.full(n, self.today - 3 * 365, dtype=np.int32)
        smoke_start = np.maximum(three_years, people["birth"] + int(16 * _YEAR))
        one = recorded.astype(np.int64)
        rows_pid, dates, owner = self._repeat_rows(rng, pid, one, smoke_start, today)
        status = smoking[owner]
        amount = _choice(rng, len(owner), [0.35, 0.40, 0.20, 0.05])
        amount_codes = self.codes.ids([CODES[k][0] for k in ("light", "moderate", "heavy", "very_heavy")])
        current_code = np.where(rng.random(len(owner)) < 0.8, amount_codes[amount], self.codes.index[CODES["smoker"][0]])
        ex_code = np.where(rng.random(len(owner)) < 0.6, self.codes.index[CODES["ex_smoker"][0]],
                           self.codes.index[CODES["ex_cigarette"][0]])
        code = np.select([status == 1, status == 2], [current_code, ex_code], self.codes.index[CODES["never"][0]])
        out.event(rows_pid, code, dates)
        smokers = status == 1
        with_count = smokers & (rng.random(len(owner)) < 0.5)
        cigarettes = np.array([5.0, 15.0, 25.0, 40.0])[amount] + rng.integers(-3, 4, len(owner))
        out.event(rows_pid[with_count], self.codes.index[CODES["cigarettes"][0]], dates[with_count],
                  np.clip(cigarettes[with_count], 1, 60))
        past = (status == 2) & (rng.random(len(owner)) < 0.3)
        out.event(rows_pid[past], self.codes.index[CODES["smoker"][0]], (dates[past] - rng.integers(3 * 365, 15 * 365, int(past.sum()))).astype(np.int32))

    def _screening_and_more(self, rng, out: _Tables, pid, people, conditions) -> None:
        n = len(pid)
        age, sex = people["age"], people["sex"]
        woman = sex == FEMALE

        def screened(mask: np.ndarray, interval_years: float, coverage: float, codes: Sequence[str],
                     weights: Sequence[float]) -> None:
            up_to_date = mask & (rng.random(n) < coverage)
            lapsed = mask & ~up_to_date & (rng.random(n) < 0.5)
            ids = self.codes.ids(codes)
            for chosen, lo_years, hi_years in ((up_to_date, 0, interval_years), (lapsed, interval_years, interval_years + 4)):
                count = int(chosen.sum())
                if not count:
                    continue
                back = (lo_years + (hi_years - lo_years) * rng.random(count)) * _YEAR
                dates = np.maximum((self.today - back).astype(np.int32), people["birth"][chosen] + int(24 * _YEAR))
                out.event(pid[chosen], ids[_choice(rng, count, weights)], dates)

        screened(woman & (age >= 25) & (age < 50), 3.0, 0.68, [CODES["cervical"][0]], [1])
        screened(woman & (age >= 50) & (age < 65), 5.0, 0.74, [CODES["cervical"][0]], [1])
        screened(woman & (age >= 50) & (age < 71), 3.0, 0.64, [CODES["breast"][0], CODES["mammography"][0]], [.6, .4])
        screened((age >= 60) & (age < 75), 2.5, 0.66, [CODES["bowel"][0]], [1])
        pregnant = woman & (age >= 16) & (age < 46) & (rng.random(n) < 0.045 * logistic((age - 20) / 3) * logistic((40 - age) / 3) * 1.6)
        count = int(pregnant.sum())
        if count:
            booked = (self.today - rng.integers(30, 270, count)).astype(np.int32)
            out.event(pid[pregnant], self.codes.index[CODES["pregnant"][0]], booked)
            out.event(pid[pregnant], self.codes.index[CODES["antenatal"][0]], (booked + rng.integers(0, 29, count)).astype(np.int32))

    # medications -----------------------------------------------------------------------------------

    def _medications(self, rng, out: _Tables, pid, people, conditions, deficits) -> np.ndarray:
        n = len(pid)
        age = people["age"]
        index = self.med_vocab.index
        pairs_p: list[np.ndarray] = []
        pairs_m: list[np.ndarray] = []

        def prescribe(mask: np.ndarray, probability: float, choices: Sequence[tuple[str, float]]) -> None:
            chosen = np.flatnonzero(mask & (rng.random(n) < probability))
            if len(chosen):
                meds = np.array([index[k] for k, _ in choices], dtype=np.int32)
                pairs_p.append(chosen)
                pairs_m.append(meds[_choice(rng, len(chosen), [w for _, w in choices])])

        flags = dict(conditions)
        flags.update(deficits)
        for key, regimen in REGIMENS.items():
            for probability, choices in regimen:
                prescribe(flags[key] & (age >= 12), probability, choices)
        cvd = conditions["chd"] | conditions["stroke_tia"] | conditions["pvd"]
        primary = (age >= 45) & (age < 85) & ~cvd & ~conditions["diabetes_t2"]
        statin_p = np.clip(0.04 + 0.012 * (age - 45) + 0.05 * people["score"], 0, 0.45)
        prescribe(primary & (rng.random(n) < statin_p / 0.45), 0.45, STATINS)
        patients_ = np.concatenate(pairs_p) if pairs_p else np.zeros(0, np.int64)
        meds = np.concatenate(pairs_m) if pairs_m else np.zeros(0, np.int32)
        k = len(self.med_vocab.values)
        unique = np.unique(patients_.astype(np.int64) * k + meds)
        patients_, meds = (unique // k).astype(np.int64), (unique % k).astype(np.int32)
        # most people anticoagulated stop their antiplatelet; some stay on both (an SMR cohort)
        anticoagulated = np.zeros(n, bool)
        anticoagulated[patients_[np.isin(meds, [index[m] for m in ANTICOAGULANTS])]] = True
        antiplatelet = np.isin(meds, [index[m] for m in ANTIPLATELETS])
        drop = antiplatelet & anticoagulated[patients_] & (rng.random(len(meds)) < 0.8)
        patients_, meds = patients_[~drop], meds[~drop]
        # gastro-protection for NSAIDs, older people on antiplatelets, and anticoagulant + antiplatelet
        on = np.zeros((3, n), bool)
        on[0, patients_[np.isin(meds, [index[m] for m in NSAIDS])]] = True
        on[1, patients_[np.isin(meds, [index[m] for m in ANTIPLATELETS])]] = True
        on[2, patients_[np.isin(meds, [index[m] for m, _ in PPIS])]] = True
        needs = (on[0] | (on[1] & (age >= 65)) | (on[1] & anticoagulated)) & ~on[2] & (rng.random(n) < 0.55)
        extra = np.flatnonzero(needs)
        ppi = np.array([index[m] for m, _ in PPIS], dtype=np.int32)[_choice(rng, len(extra), [w for _, w in PPIS])]
        patients_ = np.concatenate([patients_, extra])
        meds = np.concatenate([meds, ppi])
        repeat_counts = np.bincount(patients_, minlength=n)
        # repeat issues over the last year: every 28 or 56 days from a start date
        started_years = rng.exponential(3.0, len(meds))
        started = np.maximum(self.today - (started_years * _YEAR).astype(np.int64), people["birth"][patients_] + 365)
        started = np.minimum(started, self.today - 1)
        interval = np.where(rng.random(len(meds)) < 0.5, 28, 56)
        window = self.today - self.history
        first = np.where(started > window, started, window + rng.integers(0, interval))
        issues = np.maximum((self.today - 1 - first) // interval + 1, 1)
        owner = np.repeat(np.arange(len(meds)), issues)
        step = np.arange(len(owner)) - np.repeat(np.cumsum(issues) - issues, issues)
        dates = (first[owner] + step * interval[owner]).astype(np.int32)
        out.meds["patient_id"].append(pid[patients_[owner]])
        out.meds["med"].append(meds[owner])
        out.meds["date"].append(dates)
        out.meds["repeat"].append(np.ones(len(owner), bool))
        initial = started < window  # the first issue, before the window
        out.meds["patient_id"].append(pid[patients_[initial]])
        out.meds["med"].append(meds[initial])
        out.meds["date"].append(started[initial].astype(np.int32))
        out.meds["repeat"].append(np.ones(int(initial.sum()), bool))
        # acute courses: NSAIDs for adults, prednisolone for COPD and asthma exacerbations
        acute = []
        acute.append((np.flatnonzero((age >= 18) & (age < 75) & (rng.random(n) < 0.05)), NSAIDS))
        acute.append((np.flatnonzero((conditions["copd"] | conditions["asthma"]) & (rng.random(n) < 0.25)), ("prednisolone-5",)))
        for who, choices in acute:
            if len(who):
                med = np.array([index[m] for m in choices], dtype=np.int32)[rng.integers(0, len(choices), len(who))]
                out.meds["patient_id"].append(pid[who])
                out.meds["med"].append(med)
                out.meds["date"].append((self.today - rng.integers(1, 730, len(who))).astype(np.int32))
                out.meds["repeat"].append(np.zeros(len(who), bool))
        return repeat_counts

    def _reviews_and_referrals(self, rng, out: _Tables, pid, practice, people, conditions, repeat_counts):
        """Structured medication reviews and social prescribing referrals over the history window, at each
        practice's own rate and trend; returns the referrals (patient ids, days)."""
        n = len(pid)
        age = people["age"]
        start = np.maximum(np.full(n, self.today - self.history, dtype=np.int32), people["birth"])
        today = np.full(n, self.today - 1, dtype=np.int32)
        years = HISTORY_MONTHS / 12
        cohort = people["care_home"] | (repeat_counts >= SMR_COHORT_MEDICINES) | ((age >= 75) & (repeat_counts >= 5))
        rate = np.where(cohort, SMR_RATE["cohort"], np.where(repeat_counts > 0, SMR_RATE["other"], 0.0))
        rate = rate * self.multiplier["smr"][practice]
        rows_pid, dates, _ = self._repeat_rows(rng, pid, rng.poisson(rate * years), start, today,
                                               self.trend["smr"][practice])
        out.event(rows_pid, self.codes.index[CODES["smr"][0]], dates)
        need = conditions["depression"] | conditions["anxiety"] | (sum(conditions[c.key] for c in CONDITIONS) >= 3)
        rate = np.where(age >= 18, SOCIAL_PRESCRIBING_RATE, 0.0) * np.where(need, SOCIAL_PRESCRIBING_NEED, 1.0)
        rate = rate * (1 + 0.3 * people["deprivation"]) * self.multiplier["social_prescribing"][practice]
        rows_pid, dates, _ = self._repeat_rows(rng, pid, rng.poisson(rate * years), start, today,
                                               self.trend["social_prescribing"][practice])
        out.event(rows_pid, self.codes.index[CODES["social_prescribing"][0]], dates)
        return rows_pid, dates

    # hospital and appointments ---------------------------------------------------------------------

    def _hospital(self, rng, activity, pid, practice, people, burden) -> pa.Table:
        n = len(pid)
        age, score = people["age"], people["score"]
        home = people["care_home"]
        health = np.exp(0.35 * score + 0.12 * burden)
        ae = 0.38 * np.interp(age, [0, 5, 18, 30, 60, 80, 95], [0.9, 0.55, 0.8, 0.75, 0.6, 0.9, 1.3]) * health * (1 + 0.25 * people["deprivation"])
        admission = 0.045 * np.interp(age, [0, 5, 20, 50, 70, 85, 95], [0.9, 0.3, 0.35, 0.6, 1.6, 3.5, 4.5]) * np.exp(0.3 * score + 0.18 * burden) * np.where(home, 1.8, 1.0)
        outpatient = 1.5 * np.interp(age, [0, 20, 50, 70, 90], [0.6, 0.6, 1.0, 1.6, 1.2]) * (1 + 0.25 * burden)
        years = HISTORY_MONTHS / 12
        columns = {"patient_id": [], "kind": [], "start": [], "end": []}
        start_window = np.full(n, self.today - self.history, dtype=np.int32)
        start_window = np.maximum(start_window, people["birth"])
        today = np.full(n, self.today, dtype=np.int32)
        for kind, rate in (("ae", ae), ("emergency_admission", admission), ("outpatient", outpatient)):
            count = rng.poisson(rate * years * self.multiplier[kind][practice])
            rows_pid, dates, owner = self._repeat_rows(rng, pid, count, start_window, today, self.trend[kind][practice])
            if kind == "ae":
                end = dates.copy()
                mask = np.zeros(len(dates), bool)
                kinds = np.full(len(dates), HOSPITAL_KINDS.index(kind), np.int8)
            elif kind == "emergency_admission":
                stay = rng.geometric(1.0 / (1.5 + age[owner] / 25.0)) - 1
                end = (dates + stay).astype(np.int32)
                mask = end >= self.today
                kinds = np.full(len(dates), HOSPITAL_KINDS.index(kind), np.int8)
            else:  # first or follow-up, at the practice's follow-up to first ratio
                end = np.zeros(len(dates), np.int32)
                mask = np.ones(len(dates), bool)
                first = activity.random(len(dates)) < self.first_share[practice[owner]]
                kinds = np.where(first, HOSPITAL_KINDS.index("outpatient_first"),
                                 HOSPITAL_KINDS.index("outpatient_follow_up")).astype(np.int8)
            columns["patient_id"].append(rows_pid)
            columns["kind"].append(kinds)
            columns["start"].append(dates)
            columns["end"].append(np.where(mask, -1, end).astype(np.int32))
        elective = np.interp(age, *ELECTIVE_RATE) * np.exp(0.15 * burden) * self.multiplier["elective_admission"][practice]
        rows_pid, dates, owner = self._repeat_rows(activity, pid, activity.poisson(elective * years), start_window, today,
                                                   self.trend["elective_admission"][practice])
        end = (dates + activity.geometric(0.5, len(dates)) - 1).astype(np.int32)
        columns["patient_id"].append(rows_pid)
        columns["kind"].append(np.full(len(dates), HOSPITAL_KINDS.index("elective_admission"), np.int8))
        columns["start"].append(dates)
        columns["end"].append(np.where(end >= self.today, -1, end).astype(np.int32))
        ids = np.concatenate(columns["patient_id"])
        order = np.argsort(ids, kind="stable")
        end = np.concatenate(columns["end"])[order]
        return pa.table({
            "patient_id": pa.array(ids[order], type=pa.int64()),
            "kind": pa.array(list(HOSPITAL_KINDS), type=pa.string()).take(pa.array(np.concatenate(columns["kind"])[order])),
            "start": pa.array(np.concatenate(columns["start"])[order], type=pa.date32()),
            "end": pa.array(end, type=pa.date32(), mask=end < 0),
            "diagnosis": pa.nulls(len(ids), type=pa.string()),  # see _diagnosed
        }, schema=TABLES["hospital"].schema)

    # coded by the hospital (synth_coding) ------------------------------------------

    def _diagnosed(self, rng, hospital: pa.Table, start: int, people, conditions, deficits) -> pa.Table:
        """``hospital`` with the primary diagnosis of each row."""
        owner = hospital.column("patient_id").to_numpy() - start - 1
        kind = hospital.column("kind").to_numpy(zero_copy_only=False)
        kinds = {k: kind == k for k in HOSPITAL_KINDS}
        flags = {key: value[owner] for key, value in {**conditions, **deficits}.items()}
        diagnosis = synth_coding.diagnoses(rng, kinds, people["age"][owner], people["sex"][owner] == FEMALE, flags)
        return hospital.set_column(hospital.schema.get_field_index("diagnosis"), TABLES["hospital"].schema.field(
            "diagnosis"), diagnosis)

    def _appointments(self, rng, pid, people, burden) -> pa.Table:
        n = len(pid)
        age = people["age"]
        rate = np.clip(2.2 + 0.045 * age + 1.1 * burden + 0.6 * (people["sex"] == FEMALE) * (age > 16), 0.5, 40)
        count = rng.poisson(rate)
        start = np.maximum(np.full(n, self.today - 365, dtype=np.int32), people["birth"])
        rows_pid, dates, owner = self._repeat_rows(rng, pid, count, start, np.full(n, self.today, np.int32))
        young_adult = (age[owner] >= 18) & (age[owner] < 40)
        u = rng.random(len(owner))
        dna = np.where(young_adult, 0.065, 0.035) * (1 + 0.3 * people["deprivation"][owner])
        status = np.where(u < dna, 1, np.where(u < dna + 0.035, 2, 0)).astype(np.int8)
        staff = _choice(rng, len(owner), [0.5, 0.3, 0.05, 0.15]).astype(np.int8)
        return pa.table({
            "patient_id": pa.array(rows_pid, type=pa.int64()),
            "date": pa.array(dates, type=pa.date32()),
            "status": pa.array(list(APPOINTMENT_STATUSES), type=pa.string()).take(pa.array(status)),
            "staff_type": pa.array(list(STAFF_TYPES), type=pa.string()).take(pa.array(staff)),
        }, schema=TABLES["appointments"].schema)

    # tables ----------------------------------------------------------------------------------------

    def _events_table(self, out: _Tables) -> pa.Table:
        ids = np.concatenate(out.events["patient_id"]) if out.events["patient_id"] else np.zeros(0, np.int64)
        order = np.argsort(ids, kind="stable")
        code = np.concatenate(out.events["code"])[order] if len(ids) else np.zeros(0, np.int32)
        date = np.concatenate(out.events["date"])[order] if len(ids) else np.zeros(0, np.int32)
        value = np.concatenate(out.events["value"])[order] if len(ids) else np.zeros(0)
        return pa.table({
            "patient_id": pa.array(ids[order], type=pa.int64()),
            "code": self.codes.column(code),
            "date": pa.array(date, type=pa.date32()),
            "value": pa.array(value, type=pa.float64(), mask=np.isnan(value)),
        }, schema=TABLES["events"].schema)

    def _medications_table(self, out: _Tables, practice: np.ndarray, start: int) -> pa.Table:
        ids = np.concatenate(out.meds["patient_id"]) if out.meds["patient_id"] else np.zeros(0, np.int64)
        order = np.argsort(ids, kind="stable")
        meds = np.concatenate(out.meds["med"])[order] if len(ids) else np.zeros(0, np.int32)
        med = pa.array(meds, type=pa.int32())
        # synthetic cost: the made-up price of the product times the practice's multiplier (pack sizes, brands)
        cost = self.med_price[meds] * self.multiplier["cost"][practice[ids[order] - start - 1]]
        return pa.table({
            "patient_id": pa.array(ids[order], type=pa.int64()),
            "code": pa.array(self.med_dmd, type=pa.string()).take(med),
            "bnf_code": pa.array(self.med_bnf, type=pa.string()).take(med),
            "date": pa.array(np.concatenate(out.meds["date"])[order] if len(ids) else np.zeros(0, np.int32), type=pa.date32()),
            "repeat": pa.array(np.concatenate(out.meds["repeat"])[order] if len(ids) else np.zeros(0, bool), type=pa.bool_()),
            "cost": pa.array(np.round(cost, 2), type=pa.float64()),
        }, schema=TABLES["medications"].schema)


def generate(
    practices: Sequence[PracticeSize],
    out: str | os.PathLike[str],
    *,
    patients: int | None = None,
    seed: int = 0,
    as_of: dt.date = AS_OF,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> SynthResult:
    """Write a synthetic dataset for ``practices`` to the folder ``out`` and return what was written.

    ``patients`` defaults to the sum of the list sizes; practices get patients in proportion to their
    list size.  ``progress`` is called with the number of patients done after each chunk.
    """
    if not practices:
        raise ValueError("no practices to generate patients for")
    total = sum(p.list_size for p in practices) if patients is None else patients
    if total < 1:
        raise ValueError("the number of patients must be 1 or more")
    started = time.perf_counter()
    check_model()
    synth_delivery.check_delivery()
    synth_coding.check_codes()
    generator = Generator(practices, total, seed, as_of, chunk_size)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    # Each table is written beside its final name and renamed only when every table is complete, so an
    # interrupted run leaves no half-written table behind.
    partial = {name: folder / f".{table.file}.partial" for name, table in TABLES.items()}
    writers = {
        # Every table says in its Parquet metadata that it is synthetic (schema.is_synthetic reads it).
        name: pq.ParquetWriter(partial[name], mark_synthetic(table.schema), compression="zstd")
        for name, table in TABLES.items()
    }
    rows = dict.fromkeys(TABLES, 0)
    complete = False
    try:
        for start, stop in generator.chunks():
            for name, table in generator.chunk(start, stop).items():
                writers[name].write_table(table, row_group_size=max(len(table), 1))
                rows[name] += len(table)
            if progress is not None:
                progress(stop - start)
        complete = True
    finally:
        for writer in writers.values():
            writer.close()
        for name, path in partial.items():
            if complete:
                path.replace(folder / TABLES[name].file)
            else:
                path.unlink(missing_ok=True)
    return SynthResult(folder, total, int((generator.counts > 0).sum()), rows, time.perf_counter() - started, seed, as_of)
