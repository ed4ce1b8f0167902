"""Variation between practices: indirect standardisation and funnel limits against hand-computed numbers."""

import math

import ibis
import pyarrow as pa
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.pipeline.features import SCHEMA as FEATURES
from pcnhub.analytics.pipeline.variation import MEASURES, SCHEMA, variation

# practice: {(age band, sex): (patients, of whom in cohort_care_home)}
PRACTICES = {
    "V1": {("70-74", "F"): (22, 10), ("30-34", "M"): (20, 0)},
    "V2": {("70-74", "F"): (30, 7), ("30-34", "M"): (50, 0)},
    "V3": {("70-74", "F"): (50, 35), ("30-34", "M"): (50, 0)},
    "V4": {("70-74", "F"): (20, 20), ("30-34", "M"): (180, 60)},
    "V5": {("70-74", "F"): (5, 0)},  # denominator 5: left out
    "V6": {("70-74", "F"): (10, 3)},  # observed 3: left out
}


def features_table() -> pa.Table:
    rows = []
    for practice, strata in PRACTICES.items():
        for (band, sex), (patients, cases) in strata.items():
            for i in range(patients):
                rows.append({
                    "patient_id": len(rows) + 1, "practice_code": practice, "pcn_code": "U1", "icb_code": "Q1",
                    "age": int(band[:2]), "age_band": band, "sex": sex, "ethnicity": "white", "imd_decile": 5,
                    "care_home": i < cases, "repeat_medicines": 0, "polypharmacy_10plus": False, "cms_score": 0.0,
                    "condition_count": 0, "segment": "healthy", "cohort_care_home": i < cases,
                    **{c: False for c in ("cohort_smr", "cohort_anticipatory_care", "cohort_cvd_statin",
                                          "cohort_cvd_bp", "cohort_cancer_screening")},
                })
    return pa.Table.from_pylist(rows, schema=FEATURES.to_pyarrow())


@pytest.fixture(scope="module")
def rows(backend):
    table = engines.to_arrow(backend, variation(ibis.memtable(features_table())))
    assert table.schema.names == list(SCHEMA.names)
    return {(r["measure"], r["practice_code"]): r for r in table.to_pylist()}


def test_against_hand_computed_numbers(rows):
    # stratum rates over all practices: women 70-74 75/137, men 30-34 60/300; overall 135/437
    women, men, overall = 75 / 137, 60 / 300, 135 / 437
    assert sorted(p for m, p in rows if m == "cohort_care_home") == ["V1", "V2", "V3", "V4"]
    for practice, observed, denominator in (("V1", 10, 40), ("V2", 5, 80), ("V3", 35, 100), ("V4", 80, 200)):
        strata = PRACTICES[practice]
        expected = strata[("70-74", "F")][0] * women + strata[("30-34", "M")][0] * men
        row = rows[("cohort_care_home", practice)]
        assert (row["observed"], row["denominator"]) == (observed, denominator)  # rounded: V1 42 -> 40, V2 7 -> 5
        assert row["expected"] == pytest.approx(expected, abs=1e-9)
        assert row["ratio"] == pytest.approx(observed / expected, abs=1e-9)
        assert row["rate"] == pytest.approx(observed / denominator, abs=1e-12)
        assert row["standardised_rate"] == pytest.approx(observed / expected * overall, abs=1e-9)
        spread = math.sqrt(overall * (1 - overall) / denominator)
        assert row["lower95"] == pytest.approx(max(0.0, overall - 1.959964 * spread), abs=1e-6)
        assert row["upper95"] == pytest.approx(min(1.0, overall + 1.959964 * spread), abs=1e-6)
        assert row["lower998"] == pytest.approx(max(0.0, overall - 3.090232 * spread), abs=1e-6)
        assert row["upper998"] == pytest.approx(min(1.0, overall + 3.090232 * spread), abs=1e-6)
        assert row["pcn_code"] == "U1"
    assert rows[("cohort_care_home", "V1")]["expected"] == pytest.approx(22 * 75 / 137 + 20 * 0.2)  # 16.0438
    # V4: 135/437 - 1.959964 * sqrt(135/437 * 302/437 / 200) = 0.308924 - 0.064036
    assert rows[("cohort_care_home", "V4")]["lower95"] == pytest.approx(0.244889, abs=1e-6)


def test_outliers_are_flagged_by_the_standardised_rate_outside_99_8(rows):
    flags = {p: rows[("cohort_care_home", p)]["outlier"] for p in ("V1", "V2", "V3", "V4")}
    assert flags == {"V1": "", "V2": "low", "V3": "", "V4": "high"}


def test_a_measure_nobody_has_is_zero_with_no_outliers(rows):
    row = rows[("cohort_smr", "V1")]
    assert (row["observed"], row["denominator"], row["expected"], row["outlier"]) == (0, 40, 0.0, "")
    assert row["ratio"] is None
    assert {m for m, _ in rows} <= set(MEASURES)
