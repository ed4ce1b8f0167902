"""Aggregates by practice, PCN and ICB with disclosure control (suppress 1-6, round to 5, complements)."""

import ibis
import pyarrow as pa
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.pipeline.aggregates import MEASURES, SCHEMA, disclosure_control
from pcnhub.analytics.run import STEPS


def test_the_table_has_the_contract_columns(outputs):
    assert outputs.aggregates.schema.names == list(SCHEMA.names)
    assert [str(t) for t in outputs.aggregates.schema.types] == [
        "string", "string", "string", "string", "int64", "int64", "double", "bool"]
    assert set(outputs.aggregates["level"].to_pylist()) == {"practice", "pcn", "icb"}
    assert set(outputs.aggregates["measure"].to_pylist()) == set(MEASURES)


@pytest.mark.parametrize(("practice", "shown"), [("S00006", None), ("S00007", 5), ("S00012", 10), ("S00013", 15)])
def test_list_sizes_6_suppressed_7_kept_12_and_13_rounded(outputs, practice, shown):
    row = outputs.aggregate("practice", practice, "patients")
    assert row["suppressed"] is (shown is None)
    assert (row["numerator"], row["denominator"]) == (shown, shown)
    assert row["value"] == (None if shown is None else 1.0)


def test_a_numerator_of_6_is_suppressed_and_0_is_not(outputs):
    row = outputs.aggregate("practice", "S00013", "cohort_care_home")
    assert row == {"level": "practice", "org_code": "S00013", "measure": "cohort_care_home", "breakdown": "",
                   "numerator": None, "denominator": None, "value": None, "suppressed": True}
    row = outputs.aggregate("practice", "S00012", "cohort_care_home")
    assert (row["numerator"], row["denominator"], row["value"], row["suppressed"]) == (0, 10, 0.0, False)


def test_the_complementary_cell_is_suppressed(outputs):
    men = outputs.aggregate("practice", "S00013", "patients", "sex=M")  # 6 men: suppressed
    women = outputs.aggregate("practice", "S00013", "patients", "sex=F")  # 7 women: total 13 minus them gives 6
    assert men["suppressed"] and women["suppressed"] and women["numerator"] is None
    alone = outputs.aggregate("practice", "S00012", "patients", "sex=F")  # 12 women, no men
    assert (alone["numerator"], alone["denominator"], alone["suppressed"]) == (10, 10, False)


def test_breakdowns_and_levels(outputs):
    assert outputs.aggregate("practice", "S00012", "patients", "imd_decile=3")["numerator"] == 10
    assert outputs.aggregate("practice", "S00012", "patients", "ethnicity=white")["numerator"] == 10
    band = outputs.aggregate("practice", "S00012", "patients", "age_band=35-39")  # ages 35-39: 5 patients
    assert band["suppressed"]
    assert outputs.aggregate("pcn", "U00001", "patients")["numerator"] == 15  # 6 + 7 = 13
    assert outputs.aggregate("pcn", "U00002", "patients")["numerator"] == 25  # 12 + 13
    assert outputs.aggregate("icb", "QAA", "patients")["numerator"] == 40  # 38
    # U00002 by sex: 6 men (suppressed) and 19 women (their complement)
    assert outputs.aggregate("pcn", "U00002", "patients", "sex=F")["suppressed"]
    # by age band: 30-34 has 10, 35-39 10, 40-44 5 (suppressed); the complement is the smallest other
    # cell, ties broken by name: 30-34
    assert outputs.aggregate("pcn", "U00002", "patients", "age_band=40-44")["suppressed"]
    assert outputs.aggregate("pcn", "U00002", "patients", "age_band=30-34")["suppressed"]
    share = outputs.aggregate("pcn", "U00002", "patients", "age_band=35-39")
    assert (share["numerator"], share["denominator"], share["value"], share["suppressed"]) == (10, 25, 0.4, False)


def test_efi_denominator_is_65_and_over(outputs):
    row = outputs.aggregate("practice", "C00001", "efi_moderate_severe")
    features = outputs.features[outputs.features.practice_code == "C00001"]
    older = int((features.age >= 65).sum())
    frail = int(features.efi_category.isin(["moderate", "severe"]).sum())
    assert row["denominator"] == (older + 2) // 5 * 5 and row["numerator"] == (frail + 2) // 5 * 5


def test_summary_measures_are_rounded_dataset_totals(outputs):
    summary = outputs.summary
    assert set(summary) == {"engine", "as_of", "patients", "seconds", "steps", "measures", "notes", "synthetic"}
    assert summary["engine"] == outputs.engine and summary["as_of"] == "2024-04-01"
    patients = summary["measures"]["patients"]
    assert patients["numerator"] == patients["denominator"] == (summary["patients"] + 2) // 5 * 5
    assert set(summary["measures"]) == set(MEASURES)
    assert list(summary["steps"]) == list(STEPS)  # events and medications are read by the two flags steps only


def test_disclosure_control_on_hand_made_counts(backend):
    cells = [  # (breakdown, numerator, denominator)
        ("", 13, 40), ("sex=F", 7, 20), ("sex=M", 6, 20),  # 6 suppressed; 7 suppressed as its complement
        ("imd_decile=1", 12, 12), ("imd_decile=2", 0, 13), ("imd_decile=3", 1, 15),  # 1 suppressed; then 0
        ("age_band=0-4", 8, 3), ("age_band=5-9", 5, 37),  # a denominator of 3 and a numerator of 5: both alone
        ("ethnicity=white", 0, 0),  # a denominator of 0: no row
    ]
    counts = pa.table({
        "level": ["practice"] * len(cells), "org_code": ["P1"] * len(cells), "measure": ["m"] * len(cells),
        "dimension": [b.split("=")[0] for b, _, _ in cells], "breakdown": [b for b, _, _ in cells],
        "numerator": pa.array([n for _, n, _ in cells], pa.int64()),
        "denominator": pa.array([d for _, _, d in cells], pa.int64()),
    })
    result = engines.to_arrow(backend, disclosure_control(ibis.memtable(counts))).to_pylist()
    got = {r["breakdown"]: (r["numerator"], r["denominator"], r["value"], r["suppressed"]) for r in result}
    assert got == {
        "": (15, 40, 0.375, False),
        "sex=F": (None, None, None, True),
        "sex=M": (None, None, None, True),
        "imd_decile=1": (10, 10, 1.0, False),
        "imd_decile=2": (None, None, None, True),
        "imd_decile=3": (None, None, None, True),
        "age_band=0-4": (None, None, None, True),
        "age_band=5-9": (None, None, None, True),
    }
