"""Issue 14: ARRS maxima per WTE cite the primary Network Contract DES where one was found; the rest still
rest on the facts sheet and are listed here, so that the list only shrinks deliberately."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.reference.arrs_roles import load_catalogue

FACTS = "network-contract-facts.md"

# (role, from, amount, the document named in its source, the site it was read through)
VERIFIED = [
    ("nursing_associate", dt.date(2020, 10, 1), 29_135, "Contract Specification 2020/21, amended", "bma.org.uk"),
    ("trainee_nursing_associate", dt.date(2020, 10, 1), 25_671, "Contract Specification 2020/21, amended", "bma.org.uk"),
    ("care_coordinator", dt.date(2021, 4, 1), 29_726, "Contract Specification 2021/22", "bma.org.uk"),
    ("advanced_practitioner", dt.date(2021, 4, 1), 62_705, "Contract Specification 2021/22", "bma.org.uk"),
    ("gp", dt.date(2024, 10, 1), 92_462, "updated 26 September 2024", "pulsetoday.co.uk"),
    ("gp", dt.date(2025, 4, 1), 105_882, "Contract Specification 2025/26", "humbersidelmc.org.uk"),
    ("healthcare_support_worker", dt.date(2025, 4, 1), 32_159, "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("new_to_gp_nurse", dt.date(2025, 4, 1), 43_352, "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("experienced_practice_nurse", dt.date(2025, 4, 1), 53_319, "Contract Specification 2025/26", "pulsetoday.co.uk"),
    ("consultant_nurse", dt.date(2025, 4, 1), 102_683, "Contract Specification 2025/26", "pulsetoday.co.uk"),
]

# Published maxima still cited to the facts sheet only: no primary document giving them was found.
STILL_ON_THE_FACTS_SHEET = {
    ("clinical_pharmacist", dt.date(2019, 7, 1)), ("clinical_pharmacist", dt.date(2020, 4, 1)),
    ("clinical_pharmacist", dt.date(2022, 4, 1)), ("clinical_pharmacist", dt.date(2022, 10, 1)),
    ("clinical_pharmacist", dt.date(2023, 4, 1)), ("clinical_pharmacist", dt.date(2024, 10, 1)),
    ("clinical_pharmacist", dt.date(2025, 4, 1)),
    ("social_prescribing_link_worker", dt.date(2019, 7, 1)), ("social_prescribing_link_worker", dt.date(2020, 4, 1)),
    ("social_prescribing_link_worker", dt.date(2022, 4, 1)), ("social_prescribing_link_worker", dt.date(2023, 4, 1)),
    ("first_contact_physiotherapist", dt.date(2023, 4, 1)),
    ("pharmacy_technician", dt.date(2020, 4, 1)), ("pharmacy_technician", dt.date(2023, 4, 1)),
    ("pharmacy_technician", dt.date(2024, 4, 1)), ("pharmacy_technician", dt.date(2025, 4, 1)),
    ("care_coordinator", dt.date(2023, 4, 1)),
    ("advanced_practitioner", dt.date(2024, 4, 1)),
}


def amounts():
    return {(role.key, entry.start): entry for role in load_catalogue().roles for entry in role.max_per_wte}


@pytest.mark.parametrize("role, start, amount, document, site", VERIFIED, ids=[f"{v[0]}-{v[1]}" for v in VERIFIED])
def test_maximum_cites_the_des_and_the_site_it_was_read_through(role, start, amount, document, site):
    entry = amounts()[(role, start)]
    assert entry.amount == amount
    assert document in entry.source and site in entry.source and "not read" in entry.source, entry.source
    assert FACTS not in entry.source


def test_only_the_listed_maxima_still_rest_on_the_facts_sheet():
    published = {key: entry for key, entry in amounts().items() if entry.carried_from is None and entry.amount is not None}
    assert {key for key, entry in published.items() if entry.source.startswith(FACTS)} == STILL_ON_THE_FACTS_SHEET
