"""The Electronic Frailty Index: counting deficits, polypharmacy, categories at the boundaries, age."""

import math

import pytest


@pytest.mark.parametrize(("name", "deficits", "category"), [
    ("efi_0", 0, "fit"),
    ("efi_4", 4, "fit"),  # 0.111
    ("efi_5", 5, "mild"),  # 0.139, just over 0.12
    ("efi_8", 8, "mild"),  # 0.222
    ("efi_9", 9, "moderate"),  # 0.25, just over 0.24
    ("efi_12", 12, "moderate"),  # 0.333
    ("efi_13", 13, "severe"),  # 0.361, just over 0.36
    ("efi_age_65", 13, "severe"),
])
def test_deficits_score_and_category(outputs, name, deficits, category):
    patient = outputs.patient(name)
    assert patient.efi_deficits == deficits
    assert patient.efi_score == pytest.approx(deficits / 36, abs=1e-12)
    assert patient.efi_category == category


def test_a_group_counts_once_and_records_after_as_of_do_not_count(outputs):
    assert outputs.patient("efi_repeats").efi_deficits == 1


def test_five_drug_classes_in_the_last_year_are_the_polypharmacy_deficit(outputs):
    assert outputs.patient("efi_poly").efi_deficits == 5  # 4 coded + polypharmacy (bisoprolol twice is one class)
    assert outputs.patient("efi_poly").efi_category == "mild"
    assert outputs.patient("efi_poly_4").efi_deficits == 4  # the fifth class was issued 13 months ago


@pytest.mark.parametrize("name", ["efi_age_64", "efi_age_40", "poly_10", "age_0"])
def test_under_65_has_no_efi(outputs, name):
    patient = outputs.patient(name)
    assert patient.efi_category is None
    assert math.isnan(patient.efi_deficits) and math.isnan(patient.efi_score)


def test_everyone_65_and_over_has_an_efi(outputs):
    features = outputs.all_features.to_pandas()
    older = features[features.age >= 65]
    assert older.efi_category.notna().all() and features[features.age < 65].efi_category.isna().all()
    assert set(older.efi_category) <= {"fit", "mild", "moderate", "severe"}
