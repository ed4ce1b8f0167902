"""The packaged ARRS roles catalogue and typical 50k plan: every figure sourced, published values pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources

import pytest

from pcnhub.domain.errors import InputError
from pcnhub.domain.money.arrs import (
    CAPS_LISTED,
    CAPS_NONE,
    CAPS_UNKNOWN,
    STATUSES,
    UNCERTAIN,
    VERIFIED,
)
from pcnhub.domain.money.years import FinancialYear, catalogue_years
from pcnhub.reference.arrs_roles import data_text, load_catalogue, load_typical_plan, parse_catalogue
from tests.paths import SHARED_DATA

SEED_PLAN = SHARED_DATA / "seed-tables" / "arrs-typical-50k-pcn-fte-plan.csv"
D = Decimal

# Published maxima per WTE (network-contract-facts.md, ARRS).
PUBLISHED = {
    "clinical_pharmacist": {
        "2019-07-01": 37810, "2020-04-01": 55670, "2022-04-01": 57318, "2022-10-01": 59312,
        "2023-04-01": 62340, "2024-10-01": 65838, "2025-04-01": 66972,
    },
    "social_prescribing_link_worker": {
        "2019-07-01": 34113, "2020-04-01": 35389, "2022-04-01": 36428, "2023-04-01": 40159,
    },
    "pharmacy_technician": {"2020-04-01": 35389, "2023-04-01": 40159, "2024-04-01": 42437, "2025-04-01": 43352},
    "care_coordinator": {"2021-04-01": 29726, "2023-04-01": 33396},
    "first_contact_physiotherapist": {"2023-04-01": 62340},
    "advanced_practitioner": {"2021-04-01": 62705, "2024-04-01": 72141},
    "nursing_associate": {"2020-10-01": 29135},
    "trainee_nursing_associate": {"2020-10-01": 25671},
    "gp": {"2024-10-01": 92462, "2025-04-01": 105882},
    "consultant_nurse": {"2025-04-01": 102683},
    "healthcare_support_worker": {"2025-04-01": 32159},
    "new_to_gp_nurse": {"2025-04-01": 43352},
    "experienced_practice_nurse": {"2025-04-01": 53319},
}

ELIGIBLE_FROM = {
    "clinical_pharmacist": "2019-07-01",
    "social_prescribing_link_worker": "2019-07-01",
    "first_contact_physiotherapist": "2020-04-01",
    "physician_associate": "2020-04-01",
    "pharmacy_technician": "2020-04-01",
    "health_and_wellbeing_coach": "2020-04-01",
    "care_coordinator": "2020-04-01",
    "occupational_therapist": "2020-04-01",
    "dietitian": "2020-04-01",
    "podiatrist": "2020-04-01",
    "nursing_associate": "2020-10-01",
    "trainee_nursing_associate": "2020-10-01",
    "paramedic": "2021-04-01",
    "advanced_practitioner": "2021-04-01",
    "mental_health_practitioner": "2021-04-01",
    "gp_assistant": "2022-04-01",
    "digital_and_transformation_lead": "2022-10-01",
    "apprentice_physician_associate": "2023-04-01",
    "enhanced_practice_nurse": "2024-04-01",
    "gp": "2024-10-01",
    "healthcare_support_worker": "2025-04-01",
    "new_to_gp_nurse": "2025-04-01",
    "experienced_practice_nurse": "2025-04-01",
    "consultant_nurse": "2025-04-01",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_the_catalogue_loads_every_role_with_its_eligibility_date(catalogue):
    assert {role.key: role.eligible_from.isoformat() for role in catalogue.roles} == ELIGIBLE_FROM
    assert load_catalogue() is catalogue  # cached


def test_every_value_has_a_source_and_a_status(catalogue):
    for role in catalogue.roles:
        assert role.eligible_source.strip() and role.eligible_status in STATUSES, role.key
        assert role.band.strip() and role.band_source.strip() and role.band_status in STATUSES, role.key
        assert role.max_per_wte, role.key
        for entry in role.max_per_wte:
            assert entry.source.strip() and entry.status in STATUSES, (role.key, entry)
            if entry.status == UNCERTAIN:
                assert entry.note.strip(), (role.key, entry)
    for rate in catalogue.rates:
        assert rate.source.strip() and rate.status in STATUSES
    for policy in catalogue.caps:
        assert policy.source.strip() and policy.status in STATUSES and policy.note.strip()


def test_the_published_maxima_are_pinned_and_verified(catalogue):
    for key, figures in PUBLISHED.items():
        verified = {
            entry.start.isoformat(): int(entry.amount)
            for entry in catalogue.role(key).max_per_wte
            if entry.status == VERIFIED and entry.amount is not None
        }
        assert verified == figures, key


def test_every_year_from_eligibility_has_a_maximum_entry_from_its_start(catalogue):
    for role in catalogue.roles:
        starts = {entry.start for entry in role.max_per_wte}
        for year in catalogue_years():
            if year.end >= role.eligible_from:
                assert max(year.start, role.eligible_from) in starts, (role.key, year)


def test_years_without_a_figure_carry_the_last_one_forward_as_uncertain(catalogue):
    amount = catalogue.max_per_wte("clinical_pharmacist", dt.date(2021, 6, 1))
    assert (amount.value, amount.status, amount.note) == (D(55670), UNCERTAIN, "carried forward from 2020/21")
    before_october = catalogue.max_per_wte("clinical_pharmacist", dt.date(2024, 9, 30))
    assert (before_october.value, before_october.note) == (D(62340), "carried forward from 2023/24")
    assert catalogue.max_per_wte("clinical_pharmacist", dt.date(2024, 10, 1)).value == D(65838)
    splw = catalogue.max_per_wte("SPLW", dt.date(2025, 12, 1))
    assert (splw.value, splw.status, splw.note) == (D(40159), UNCERTAIN, "carried forward from 2023/24")
    later = catalogue.max_per_wte("clinical_pharmacist", dt.date(2027, 1, 1))
    assert (later.value, later.status, later.note) == (D(66972), UNCERTAIN, "carried forward from 2025/26")


def test_roles_without_a_figure_are_unknown_with_their_band(catalogue):
    amount = catalogue.max_per_wte("physician_associate", dt.date(2023, 5, 1))
    assert amount.value is None and amount.status == UNCERTAIN and "band 7" in amount.note
    care = catalogue.max_per_wte("care_coordinator", dt.date(2020, 5, 1))  # first figure is 2021/22
    assert care.value is None and "band 4" in care.note
    assert catalogue.max_per_wte("paramedic", dt.date(2020, 5, 1)).value is None  # not yet eligible


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Clinical Pharmacist", "clinical_pharmacist"),
        ("clinical_pharmacist", "clinical_pharmacist"),
        ("SPLW", "social_prescribing_link_worker"),
        ("Social Prescriber", "social_prescribing_link_worker"),
        ("Physiotherapist", "first_contact_physiotherapist"),
        ("Community Paramedic", "paramedic"),
        ("Digital & Transformation Lead", "digital_and_transformation_lead"),
        ("health-and-wellbeing coach", "health_and_wellbeing_coach"),
        ("  gp  ", "gp"),
        ("astronaut", None),
    ],
)
def test_roles_are_found_by_key_name_or_alias(catalogue, name, key):
    assert catalogue.resolve(name) == key


def test_an_unknown_role_lists_the_known_keys(catalogue):
    with pytest.raises(KeyError, match="clinical_pharmacist"):
        catalogue.role("astronaut")


def test_reimbursement_rates(catalogue):
    july_2019 = dt.date(2019, 7, 1)
    assert catalogue.reimbursement_rate("clinical_pharmacist", july_2019) == D("0.7")
    assert catalogue.reimbursement_rate("social_prescribing_link_worker", july_2019) == D(1)
    assert catalogue.reimbursement_rate("clinical_pharmacist", dt.date(2019, 6, 30)) is None
    for role in catalogue.roles:
        assert catalogue.reimbursement_rate(role.key, dt.date(2025, 4, 1)) == D(1), role.key
    assert catalogue.eligible("nursing_associate", dt.date(2020, 10, 1))
    assert not catalogue.eligible("nursing_associate", dt.date(2020, 9, 30))


def test_caps(catalogue):
    y2019 = FinancialYear(2019)
    assert catalogue.cap("clinical_pharmacist", y2019, 40_000) == 1
    assert catalogue.cap("social_prescribing_link_worker", y2019, 100_000) == 1
    assert catalogue.cap("social_prescribing_link_worker", y2019, 100_001) == 2
    assert catalogue.cap("clinical_pharmacist", y2019, None) == 1
    assert [catalogue.cap_policy(year).policy for year in catalogue_years()] == [
        CAPS_LISTED, *[CAPS_UNKNOWN] * 5, CAPS_NONE,
    ]
    assert all(catalogue.cap("clinical_pharmacist", year, 40_000) is None for year in catalogue_years()[1:])


def test_gps_had_a_separate_pot_in_2024_25(catalogue):
    gp = catalogue.role("gp")
    assert gp.in_separate_pot(dt.date(2025, 3, 31)) and not gp.in_separate_pot(dt.date(2025, 4, 1))
    assert not catalogue.role("clinical_pharmacist").in_separate_pot(dt.date(2024, 10, 1))


def test_the_data_files_are_package_data():
    folder = resources.files("pcnhub.reference").joinpath("arrs")
    assert {"roles.toml", "typical_50k_plan.csv", "typical_50k_plan.toml"} <= {f.name for f in folder.iterdir()}


def broken(old: str, new: str) -> str:
    text = data_text("roles.toml")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("amount = 55670, ", "", "role clinical_pharmacist.max_per_wte[1].amount", "is missing"),
        ("amount = 55670", "amount = -1", "role clinical_pharmacist.max_per_wte[1].amount", "not an amount"),
        ('amount = 55670, status = "verified"', 'amount = 55670, status = "sure"',
         "role clinical_pharmacist.max_per_wte[1].status", "'sure' is not one of"),
        ('amount = 55670, status = "verified", source = "facts-max"',
         'amount = 55670, status = "verified", source = "gossip"',
         "role clinical_pharmacist.max_per_wte[1].source", "not in [sources]"),
        ("{ from = 2020-04-01, amount = 55670", "{ from = 2019-04-01, amount = 55670",
         "role clinical_pharmacist.max_per_wte[1].from", "before the role is eligible"),
        ('key = "dietitian"', 'key = "Dietitian!"', "role[8].key", "not a role key"),
        ('aliases = ["OT"]', 'aliases = ["PA"]',
         "role occupational_therapist", "also used by role physician_associate"),
        ('year = "2021/22"\npolicy = "unknown"', 'year = "2021/22"\npolicy = "maybe"',
         "caps 2021/22.policy", "not one of"),
    ],
)
def test_a_bad_entry_is_named(old, new, field, message):
    with pytest.raises(InputError) as caught:
        parse_catalogue(broken(old, new), "roles.toml")
    assert caught.value.file == "roles.toml"
    assert any(p.field == field and message in p.message for p in caught.value.problems), str(caught.value)


def test_invalid_toml_is_an_input_error():
    with pytest.raises(InputError, match="not valid TOML"):
        parse_catalogue("role = [", "roles.toml")


def test_the_typical_plan_maps_roles_and_carries_the_seed_003_funding():
    plan = load_typical_plan()
    assert plan.list_size == 50_000
    assert plan.years() == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]
    assert [(f.year, int(f.amount)) for f in plan.funding] == [
        ("2019/20", 92_000), ("2020/21", 213_000), ("2021/22", 342_000), ("2022/23", 519_000), ("2023/24", 726_000),
    ]
    assert "Seed 003" in plan.source and "28 November 2019" in plan.source
    assert dict(plan.names)["Social Prescriber"] == "social_prescribing_link_worker"
    assert dict(plan.names)["Physiotherapist"] == "first_contact_physiotherapist"
    assert dict(plan.names)["Community Paramedic"] == "paramedic"
    totals = [sum(plan.fte_for(role, year) for role in plan.roles()) for year in plan.years()]
    assert totals == [2, 6, 9, 10, 13]  # the seed's "Total Headcount" row


def test_the_typical_plan_matches_the_shared_seed_table():
    if not SEED_PLAN.is_file():
        pytest.skip(f"shared seed table missing: {SEED_PLAN}")
    assert data_text("typical_50k_plan.csv").splitlines() == SEED_PLAN.read_text(encoding="utf-8").splitlines()
