"""A small pipeline output of the shape `pcnhub phm run` writes, for the register of tests/builders.py.

Patients (patient_features.parquet), by group:

* A81001 (Alpha North): 200 healthy women of 40; 12 women of 65-69 with moderate frailty (anticipatory care).
* A81002 (Alpha North): 3 men of 70-74 with severe frailty in a care home (care home and SMR cohorts,
  8 repeat medicines); 23 fit men of 75-79 with QRISK3 22% (statin cohort).
* A81003 (Alpha North): 60 men of 55 on 12 repeat medicines (SMR cohort, QRISK3 12%); 8 women of 50
  with QRISK3 15% (blood pressure cohort).
* A81004 (Alpha South): 30 patients in the SMR cohort; B82001 (Beta): 10 patients in the SMR cohort.

So Alpha North's SMR worklist has 63 patients (two pages), its frailty pyramid 10 women 65-69
moderate (12 rounded), men 70-74 severe suppressed (3), 25 men 75-79 fit (23 rounded); its risk
tiers: highest suppressed (3), high 10 (12), rising 85 (23 + 60), moderate 10 (8), low 200.

The aggregates and variation are the pipeline's own (hand-written here, not derived from the patients).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

COHORT_COLUMNS = ("cohort_smr", "cohort_care_home", "cohort_anticipatory_care", "cohort_cvd_statin", "cohort_cvd_bp",
                  "cohort_cancer_screening")

FEATURES_SCHEMA = pa.schema([
    ("patient_id", pa.int64()), ("practice_code", pa.string()), ("pcn_code", pa.string()),
    ("icb_code", pa.string()), ("age", pa.int32()), ("age_band", pa.string()), ("sex", pa.string()),
    ("ethnicity", pa.string()), ("imd_decile", pa.int8()), ("care_home", pa.bool_()), ("efi_deficits", pa.int32()),
    ("efi_score", pa.float64()), ("efi_category", pa.string()), ("repeat_medicines", pa.int32()),
    ("polypharmacy_10plus", pa.bool_()), ("cms_score", pa.float64()), ("condition_count", pa.int32()),
    ("qrisk3", pa.float64()), ("segment", pa.string()), *((c, pa.bool_()) for c in COHORT_COLUMNS),
])
AGGREGATES_SCHEMA = pa.schema([
    ("level", pa.string()), ("org_code", pa.string()), ("measure", pa.string()), ("breakdown", pa.string()),
    ("numerator", pa.int64()), ("denominator", pa.int64()), ("value", pa.float64()), ("suppressed", pa.bool_()),
])
VARIATION_SCHEMA = pa.schema([
    ("measure", pa.string()), ("practice_code", pa.string()), ("pcn_code", pa.string()), ("denominator", pa.int64()),
    ("observed", pa.int64()), ("expected", pa.float64()), ("ratio", pa.float64()), ("rate", pa.float64()),
    ("standardised_rate", pa.float64()), ("lower95", pa.float64()), ("upper95", pa.float64()),
    ("lower998", pa.float64()), ("upper998", pa.float64()), ("outlier", pa.string()),
])

PCN_OF = {"A81001": "U00001", "A81002": "U00001", "A81003": "U00001", "A81004": "U00002", "B82001": "U00003"}
ICB_OF = {"U00001": "QAA", "U00002": "QAA", "U00003": "QBB"}


def _band(age: int) -> str:
    return "90+" if age >= 90 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"


def _patient(pid: int, practice: str, **extra) -> dict:
    age = extra.pop("age", 40)
    row = {
        "patient_id": pid, "practice_code": practice, "pcn_code": PCN_OF[practice],
        "icb_code": ICB_OF[PCN_OF[practice]], "age": age, "age_band": _band(age), "sex": "F", "ethnicity": "white",
        "imd_decile": 5, "care_home": False, "efi_deficits": None, "efi_score": None, "efi_category": None,
        "repeat_medicines": 1, "polypharmacy_10plus": False, "cms_score": 0.5, "condition_count": 0, "qrisk3": 3.0,
        "segment": "healthy", **dict.fromkeys(COHORT_COLUMNS, False),
    }
    if age >= 65:
        row.update(efi_deficits=2, efi_score=0.06, efi_category="fit")
    row.update(extra)
    return row


GROUPS = [  # practice, how many, attributes
    ("A81001", 200, {}),
    ("A81001", 12, {"age": 67, "efi_deficits": 9, "efi_score": 0.25, "efi_category": "moderate", "condition_count": 3,
                    "segment": "chronic_normal_function", "cohort_anticipatory_care": True}),
    ("A81002", 3, {"age": 72, "sex": "M", "care_home": True, "efi_deficits": 14, "efi_score": 0.39,
                   "efi_category": "severe", "repeat_medicines": 8, "segment": "frailty_dementia",
                   "cohort_care_home": True, "cohort_smr": True, "imd_decile": None, "qrisk3": None}),
    ("A81002", 23, {"age": 77, "sex": "M", "qrisk3": 22.0, "cohort_cvd_statin": True}),
    ("A81003", 60, {"age": 55, "sex": "M", "repeat_medicines": 12, "polypharmacy_10plus": True, "qrisk3": 12.0,
                    "condition_count": 1, "segment": "chronic_normal_function", "cohort_smr": True}),
    ("A81003", 8, {"age": 50, "qrisk3": 15.0, "cohort_cvd_bp": True}),
    ("A81004", 30, {"cohort_smr": True, "repeat_medicines": 11, "polypharmacy_10plus": True}),
    ("B82001", 10, {"cohort_smr": True, "repeat_medicines": 11, "polypharmacy_10plus": True}),
]
NORTH_SMR = 63


def features() -> list[dict]:
    rows, pid = [], 1000
    for practice, count, extra in GROUPS:
        for i in range(count):
            pid += 1
            attrs = dict(extra)
            if "repeat_medicines" in attrs and practice == "A81003":
                attrs["repeat_medicines"] = 10 + i % 5  # 10 to 14: something to sort
            rows.append(_patient(pid, practice, **attrs))
    return rows


def _agg(level, org, measure, numerator, denominator, breakdown="", suppressed=False):
    value = None if suppressed or numerator is None or not denominator else numerator / denominator
    return {"level": level, "org_code": org, "measure": measure, "breakdown": breakdown, "numerator": numerator,
            "denominator": denominator, "value": value, "suppressed": suppressed}


NORTH_TOTALS = {  # measure: (numerator, denominator, suppressed)
    "patients": (38145, 38145, False),
    "segment_healthy": (24000, 38145, False),
    "segment_maternal_infant": (1500, 38145, False),
    "segment_acutely_ill": (800, 38145, False),
    "segment_chronic_normal_function": (9000, 38145, False),
    "segment_stable_disability": (1200, 38145, False),
    "segment_organ_failure": (900, 38145, False),
    "segment_frailty_dementia": (740, 38145, False),
    "segment_end_of_life": (None, None, True),  # as the pipeline writes a suppressed cell
    "efi_moderate_severe": (1235, 6180, False),
    "polypharmacy_10plus": (2105, 38145, False),
    "qrisk3_10plus": (4520, 21000, False),
    "cohort_smr": (1450, 38145, False),
    "cohort_care_home": (215, 38145, False),
    "cohort_anticipatory_care": (640, 38145, False),
    "cohort_cvd_statin": (1890, 38145, False),
    "cohort_cvd_bp": (4, 38145, True),  # a stray count under a suppressed flag: never to be shown
    "cohort_cancer_screening": (2310, 38145, False),
}
NORTH_EFI_IMD = {"1": (120, 400, False), "2": (None, 35, True), "3": (155, 610, False), "10": (95, 820, False)}
NORTH_EFI_ETHNICITY = {"white": (1100, 5400, False), "indian": (None, 60, True), "unknown": (40, 210, False)}


def aggregates() -> list[dict]:
    rows = [_agg("pcn", "U00001", m, n, d, suppressed=s) for m, (n, d, s) in NORTH_TOTALS.items()]
    rows += [_agg("pcn", "U00001", "efi_moderate_severe", n, d, f"imd_decile={k}", s)
             for k, (n, d, s) in NORTH_EFI_IMD.items()]
    rows += [_agg("pcn", "U00001", "efi_moderate_severe", n, d, f"ethnicity={k}", s)
             for k, (n, d, s) in NORTH_EFI_ETHNICITY.items()]
    rows += [_agg("pcn", "U00001", "efi_moderate_severe", 700, 3500, "sex=F"),
             _agg("pcn", "U00001", "efi_moderate_severe", 535, 2680, "sex=M")]
    rows += [_agg("practice", "A81001", "patients", 12980, 12980), _agg("practice", "A81001", "cohort_smr", 480, 12980),
             _agg("practice", "A81001", "efi_moderate_severe", 520, 2100),
             _agg("practice", "A81001", "cohort_cvd_bp", None, 12980, suppressed=True),
             _agg("practice", "A81002", "patients", 13165, 13165), _agg("practice", "A81002", "cohort_smr", 505, 13165)]
    rows += [_agg("pcn", "U00002", "patients", 55000, 55000), _agg("pcn", "U00002", "efi_moderate_severe", 1320, 8800),
             _agg("pcn", "U00002", "cohort_smr", 2200, 55000),
             _agg("pcn", "U00003", "patients", 35000, 35000), _agg("pcn", "U00003", "efi_moderate_severe", 900, 6000),
             _agg("icb", "QAA", "patients", 93145, 93145), _agg("icb", "QAA", "efi_moderate_severe", 2555, 14980),
             _agg("icb", "QAA", "cohort_smr", 3650, 93145),
             _agg("icb", "QBB", "patients", 35000, 35000)]
    return rows


#: The overall rate of each measure across the dataset: the funnel's centre.
OVERALL = {"efi_moderate_severe": 0.2, "polypharmacy_10plus": 0.055}


def _variation(measure, practice, n, observed, expected, outlier=""):
    p = OVERALL[measure]
    spread = (p * (1 - p) / n) ** 0.5
    ratio = observed / expected
    return {"measure": measure, "practice_code": practice, "pcn_code": PCN_OF.get(practice), "denominator": n,
            "observed": observed, "expected": expected, "ratio": ratio, "rate": observed / n,
            "standardised_rate": ratio * p, "lower95": p - 1.959964 * spread, "upper95": p + 1.959964 * spread,
            "lower998": p - 3.090232 * spread, "upper998": p + 3.090232 * spread, "outlier": outlier}


def variation() -> list[dict]:
    return [
        _variation("efi_moderate_severe", "A81001", 2100, 520, 420.0, "high"),
        _variation("efi_moderate_severe", "A81002", 2050, 395, 410.0),
        _variation("efi_moderate_severe", "A81003", 2030, 4, 406.0, "low"),  # 4: never shown
        _variation("efi_moderate_severe", "A81004", 4400, 660, 880.0, "low"),
        _variation("polypharmacy_10plus", "A81001", 12980, 700, 715.0),
    ]


SUMMARY = {"engine": "duckdb", "as_of": "2025-01-01", "patients": 346, "seconds": 1.5, "steps": {},
           "measures": sorted(NORTH_TOTALS)}


def write_output(folder: Path) -> Path:
    """Write the four output files to ``folder`` (made if missing); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(features(), schema=FEATURES_SCHEMA), folder / "patient_features.parquet")
    pq.write_table(pa.Table.from_pylist(aggregates(), schema=AGGREGATES_SCHEMA), folder / "aggregates.parquet")
    pq.write_table(pa.Table.from_pylist(variation(), schema=VARIATION_SCHEMA), folder / "variation.parquet")
    (folder / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    return folder
