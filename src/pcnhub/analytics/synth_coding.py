"""What the synthetic population (:mod:`pcnhub.analytics.synth`) has coded beyond its conditions: the primary
diagnosis (ICD-10) of hospital activity (coded frailty categories are written by :mod:`.synth_delivery`).

**Diagnoses.**  An emergency admission's primary diagnosis is a chronic ambulatory care sensitive (ACS)
condition (:data:`ACS`, the conditions of NHS Outcomes Framework indicator 2.3.i) with a probability that is
high for a person with the matching GP-recorded condition (an exacerbation of their COPD, asthma or heart
failure) and low otherwise (a first presentation); otherwise it is one of the common causes of admission for
the person's age (:data:`EMERGENCY`).  The probabilities are set so that about 8% of emergency admissions are
for a chronic ACS condition, the share NHS Digital gives for England in 2015/16 (8.1%, indicator IAP00068),
more among older and multimorbid people, who have more of the conditions.  An A&E attendance has a diagnosis
mapped to ICD-10 (:data:`AE`, mostly injuries; ACS conditions less often than admissions), an elective
admission a planned procedure's diagnosis (:data:`ELECTIVE`); outpatient appointments have none.  A few
rows of each kind have no diagnosis (:data:`MISSING`).  The weights are made up for synthetic data; the
codes are real ICD-10 codes (HES's form: no dot, X filling a three-character code), checked by
:func:`check_codes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from pcnhub.reference import codelists as cl

# --- hospital diagnoses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcsCondition:
    """A chronic ACS condition as a primary diagnosis: its codelist, the GP-recorded condition (or eFI deficit)
    that makes it likely, the chance per emergency admission with that condition and without it (from
    ``min_age``), and its codes with their weights."""

    codelist: str
    condition: str
    with_condition: float
    without: float
    min_age: int
    codes: tuple[tuple[str, float], ...]


ACS: Final[tuple[AcsCondition, ...]] = (
    AcsCondition("acsc-asthma", "asthma", 0.06, 0.001, 0, (("J459", .85), ("J46X", .15))),
    AcsCondition("acsc-copd", "copd", 0.12, 0.0015, 40, (("J441", .6), ("J440", .3), ("J449", .1))),
    AcsCondition("acsc-congestive-heart-failure", "heart_failure", 0.10, 0.002, 60,
                 (("I500", .5), ("I509", .3), ("I110", .1), ("J81X", .1))),
    AcsCondition("acsc-angina", "chd", 0.055, 0.0015, 40, (("I200", .5), ("I209", .3), ("I259", .2))),
    AcsCondition("acsc-atrial-fibrillation", "af", 0.045, 0.002, 50, (("I480", .4), ("I489", .6))),
    AcsCondition("acsc-diabetes", "diabetes_t1", 0.07, 0.0, 0, (("E101", .6), ("E109", .4))),
    AcsCondition("acsc-diabetes", "diabetes_t2", 0.017, 0.0005, 30, (("E119", .5), ("E116", .3), ("E112", .2))),
    AcsCondition("acsc-epilepsy", "epilepsy", 0.08, 0.0005, 0, (("G409", .7), ("G419", .3))),
    AcsCondition("acsc-dementia", "dementia", 0.022, 0.0, 0, (("F03X", .5), ("F009", .3), ("F019", .2))),
    AcsCondition("acsc-hypertension", "hypertension", 0.0035, 0.0003, 30, (("I10X", 1.0),)),
    AcsCondition("acsc-iron-deficiency-anaemia", "efi-anaemia", 0.011, 0.0003, 50, (("D509", .7), ("D519", .3))),
)
#: An A&E attendance is an ACS condition this much less often than an emergency admission.
AE_ACS: Final = 0.4

#: Other diagnoses: (code, term, weight, from age, to age (exclusive; None: no limit), sex (None: both)).
Other = tuple[str, str, float, int, int | None, str | None]
EMERGENCY: Final[tuple[Other, ...]] = (
    ("J069", "Acute upper respiratory infection, unspecified", 6, 0, 16, None),
    ("R509", "Fever, unspecified", 5, 0, 16, None),
    ("A099", "Gastroenteritis and colitis of unspecified origin", 5, 0, None, None),
    ("J22X", "Unspecified acute lower respiratory infection", 5, 0, None, None),
    ("R104", "Other and unspecified abdominal pain", 7, 5, None, None),
    ("K358", "Acute appendicitis, other and unspecified", 3, 5, 60, None),
    ("T391", "Poisoning: 4-Aminophenol derivatives", 2, 12, 50, None),
    ("R074", "Chest pain, unspecified", 8, 18, None, None),
    ("R55X", "Syncope and collapse", 4, 18, None, None),
    ("L031", "Cellulitis of other parts of limb", 3, 18, None, None),
    ("N390", "Urinary tract infection, site not specified", 5, 18, None, None),
    ("J189", "Pneumonia, unspecified", 6, 18, None, None),
    ("A419", "Sepsis, unspecified", 3, 18, None, None),
    ("I219", "Acute myocardial infarction, unspecified", 3, 40, None, None),
    ("I639", "Cerebral infarction, unspecified", 3, 50, None, None),
    ("N179", "Acute renal failure, unspecified", 3, 60, None, None),
    ("S720", "Fracture of neck of femur", 4, 65, None, None),
    ("R296", "Tendency to fall, not elsewhere classified", 3, 65, None, None),
    ("E86X", "Volume depletion", 2, 75, None, None),
)
AE: Final[tuple[Other, ...]] = (
    ("S099", "Unspecified injury of head", 8, 0, None, None),
    ("T140", "Superficial injury of unspecified body region", 5, 0, None, None),
    ("S934", "Sprain and strain of ankle", 8, 5, None, None),
    ("S525", "Fracture of lower end of radius", 4, 5, None, None),
    ("S610", "Open wound of finger(s) without damage to nail", 5, 5, None, None),
    ("J069", "Acute upper respiratory infection, unspecified", 6, 0, 16, None),
    ("R509", "Fever, unspecified", 4, 0, 16, None),
    ("A099", "Gastroenteritis and colitis of unspecified origin", 3, 0, None, None),
    ("R104", "Other and unspecified abdominal pain", 7, 5, None, None),
    ("T391", "Poisoning: 4-Aminophenol derivatives", 2, 12, 50, None),
    ("F100", "Mental and behavioural disorders due to use of alcohol: acute intoxication", 3, 16, 70, None),
    ("R074", "Chest pain, unspecified", 7, 18, None, None),
    ("R55X", "Syncope and collapse", 3, 18, None, None),
    ("N390", "Urinary tract infection, site not specified", 3, 18, None, None),
    ("R296", "Tendency to fall, not elsewhere classified", 2, 65, None, None),
    ("S720", "Fracture of neck of femur", 2, 65, None, None),
)
ELECTIVE: Final[tuple[Other, ...]] = (
    ("J350", "Chronic tonsillitis", 2, 3, 30, None),
    ("K409", "Unilateral or unspecified inguinal hernia, without obstruction or gangrene", 3, 0, None, None),
    ("K802", "Calculus of gallbladder without cholecystitis", 4, 20, None, None),
    ("Z511", "Chemotherapy session for neoplasm", 5, 20, None, None),
    ("D259", "Leiomyoma of uterus, unspecified", 2, 30, 56, "F"),
    ("K635", "Polyp of colon", 4, 40, None, None),
    ("M179", "Gonarthrosis, unspecified", 5, 50, None, None),
    ("M169", "Coxarthrosis, unspecified", 4, 50, None, None),
    ("N40X", "Hyperplasia of prostate", 3, 50, None, "M"),
    ("H251", "Senile nuclear cataract", 6, 60, None, None),
)
#: The share of rows of each kind without a diagnosis (outpatient appointments: all).
MISSING: Final = {"emergency_admission": 0.01, "ae": 0.08, "elective_admission": 0.03}


def _vocabulary() -> tuple[str, ...]:
    codes = {code for acs in ACS for code, _ in acs.codes}
    codes |= {row[0] for table in (EMERGENCY, AE, ELECTIVE) for row in table}
    return tuple(sorted(codes))


VOCABULARY: Final = _vocabulary()
_INDEX: Final = {code: i for i, code in enumerate(VOCABULARY)}


def _pick(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """For each row of ``weights`` (rows sum above 0), a column drawn in proportion to its weights."""
    cumulative = np.cumsum(weights, axis=1, dtype=np.float64)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return np.minimum((cumulative <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _others(rng: np.random.Generator, table: tuple[Other, ...], age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """A diagnosis of ``table`` for each row (vocabulary index), among those that fit the row's age and sex."""
    weights = np.zeros((len(age), len(table)), dtype=np.float32)
    for j, (_, _, weight, lo, hi, sex) in enumerate(table):
        fits = (age >= lo) & ((age < hi) if hi is not None else True)
        if sex is not None:
            fits = fits & (female if sex == "F" else ~female)
        weights[:, j] = np.where(fits, weight, 0.0)
    weights[weights.sum(axis=1) == 0, 0] = 1.0  # no row is left without a choice
    codes = np.array([_INDEX[row[0]] for row in table])
    return codes[_pick(rng, weights)]


def _acs(rng: np.random.Generator, age: np.ndarray, flags: Mapping[str, np.ndarray], scale: float) -> np.ndarray:
    """For each row an ACS diagnosis (vocabulary index) or -1 (not an ACS condition)."""
    chance = np.zeros((len(age), len(ACS)), dtype=np.float64)
    for j, acs in enumerate(ACS):
        chance[:, j] = np.where(flags[acs.condition], acs.with_condition, acs.without * (age >= acs.min_age)) * scale
    total = np.minimum(chance.sum(axis=1), 0.9)
    found = np.full(len(age), -1, dtype=np.int64)
    rows = np.flatnonzero(rng.random(len(age)) < total)
    if len(rows):
        which = _pick(rng, chance[rows])
        for j, acs in enumerate(ACS):
            mine = rows[which == j]
            codes = np.array([_INDEX[code] for code, _ in acs.codes])
            found[mine] = codes[_pick(rng, np.tile([w for _, w in acs.codes], (len(mine), 1)))] if len(mine) else -1
    return found


def diagnoses(rng: np.random.Generator, kinds: Mapping[str, np.ndarray], age: np.ndarray, female: np.ndarray,
              flags: Mapping[str, np.ndarray]) -> pa.Array:
    """The ``diagnosis`` column of a chunk's hospital rows: ``kinds`` (kind -> which rows), the rows' patients'
    ``age``, ``female`` and condition ``flags`` (condition or eFI deficit key -> a bool per row)."""
    found = np.full(len(age), -1, dtype=np.int64)
    for kind, table, scale in (("emergency_admission", EMERGENCY, 1.0), ("ae", AE, AE_ACS),
                               ("elective_admission", ELECTIVE, 0.0)):
        rows = np.flatnonzero(kinds[kind])
        if not len(rows):
            continue
        picked = _others(rng, table, age[rows], female[rows])
        if scale:
            acs = _acs(rng, age[rows], {key: flag[rows] for key, flag in flags.items()}, scale)
            picked = np.where(acs >= 0, acs, picked)
        picked = np.where(rng.random(len(rows)) < MISSING[kind], -1, picked)
        found[rows] = picked
    vocabulary = pa.array(VOCABULARY, type=pa.string())
    return vocabulary.take(pa.array(np.maximum(found, 0), mask=found < 0))


def check_codes() -> None:
    """Every diagnosis is an ICD-10 code in pcnhub's form; an ACS diagnosis is in its codelist and no other
    diagnosis in any ACS codelist."""
    pattern = cl.icd10_pattern()
    acs_lists = [c for c in cl.all_codelists() if c.key.startswith("acsc-")]
    for acs in ACS:
        for code, _ in acs.codes:
            if not cl.codelist(acs.codelist).matches(code):
                raise AssertionError(f"synthetic diagnosis {code} is not in codelist {acs.codelist}")
    for table in (EMERGENCY, AE, ELECTIVE):
        for code, *_ in table:
            if any(c.matches(code) for c in acs_lists):
                raise AssertionError(f"synthetic diagnosis {code} would count as an ACS condition")
    for code in VOCABULARY:
        if not pattern.fullmatch(code):
            raise AssertionError(f"synthetic diagnosis {code} is not an ICD-10 code in pcnhub's form")
