"""Who is counted, and their age on as_of."""

import pytest


def test_only_patients_registered_on_as_of_are_counted(outputs):
    assert "left" not in outputs.features.index
    assert "registers_later" not in outputs.features.index
    assert outputs.patient("efi_0").practice_code == "C00001"


@pytest.mark.parametrize(("name", "age", "band"), [
    ("age_0", 0, "0-4"), ("seg_infant", 0, "0-4"), ("age_89", 89, "85-89"), ("age_90", 90, "90+"),
    ("efi_age_64", 64, "60-64"), ("efi_age_65", 65, "65-69"), ("q_age_84", 84, "80-84"),
])
def test_age_is_in_completed_years_with_five_year_bands(outputs, name, age, band):
    patient = outputs.patient(name)
    assert (patient.age, patient.age_band) == (age, band)


def test_practice_map_gives_pcn_and_icb(outputs):
    patient = outputs.patient("S00006_0")
    assert (patient.pcn_code, patient.icb_code) == ("U00001", "QAA")
    features = outputs.all_features.select(["practice_code", "pcn_code", "icb_code"]).to_pylist()
    unmapped = [row for row in features if row["practice_code"] == "Y00000"]
    assert unmapped and all(row["pcn_code"] is None and row["icb_code"] is None for row in unmapped)
