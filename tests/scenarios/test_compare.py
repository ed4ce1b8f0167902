"""A scenario's comparison, on the hand-made register (tests/builders.py): Alpha North (A81001-A81003, 38,147
patients on 1 January 2025) and Alpha South (A81004-A81005, 55,000)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain import rules
from pcnhub.domain import scenario as d
from pcnhub.domain.access import access_requirement
from pcnhub.domain.money.entitlements import entitlement
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.rates import year_rates
from pcnhub.register.models import Organisation
from pcnhub.scenarios.compare import compare
from tests.builders import LATEST, NORTH_TOTAL, SIZES, SOUTH_TOTAL

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)


def sides(found, key):
    row = next(r for r in found.rows if r.key == key)
    return row, row.before, row.after


def test_moving_a_practice_changes_both_networks_lists_money_and_access(placed):
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.MOVE, practice="A81003", to_pcn="Alpha South PCN")])
    moved = SIZES["A81003"][1]
    row, before, after = sides(found, "U00001")
    assert row.fate == "Continues" and (before.list_size, after.list_size) == (NORTH_TOTAL, NORTH_TOTAL - moved)
    _, south_before, south_after = sides(found, "U00002")
    assert (south_before.list_size, south_after.list_size) == (SOUTH_TOTAL, SOUTH_TOTAL + moved)
    # the money is the entitlement of the year on the lists after, weighted lists as recorded (x 1.05)
    year = FinancialYear.containing(DAY)
    members = [p.member for p in after.practices]
    expected = entitlement(year_rates(year), members=members)
    assert after.total == expected.total and after.total < before.total
    # access: 60 minutes a week per 1,000 (no adjusted population recorded: the registered list stands in)
    assert after.access.required == access_requirement(DAY, NORTH_TOTAL - moved).required_minutes_per_week
    # the rules: South is now above the DES's suggested upper level
    assert south_after.placing == rules.ABOVE and any(f.rule == rules.LIST_SIZE_BAND for f in south_after.findings)
    assert found.changes == ["Move Essex Way Surgery to Alpha South PCN"]
    # A81006 is in no network either way
    assert [(f.rule, f.practices) for f in found.area_after] == [(f.rule, f.practices) for f in found.area_before] \
        == [(rules.FULL_COVERAGE, ("A81006",))]


def test_a_merge_carries_the_lowest_step_and_every_post(placed):
    from pcnhub.finance.models import ArrsPost

    ArrsPost.objects.create(pcn=placed.south, role="clinical_pharmacist", fte=Decimal(1), start=dt.date(2024, 4, 1),
                            annual_cost=Decimal(50_000))
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.MERGE, from_pcn="U00002", to_pcn="U00001", name="Alpha PCN")])
    row, before, after = sides(found, "U00001")
    assert row.fate == "Continues, renamed Alpha PCN" and after.list_size == NORTH_TOTAL + SOUTH_TOTAL
    gone, _, nothing = sides(found, "U00002")
    assert gone.fate == "Ends: merged into Alpha PCN" and nothing is None
    assert after.arrs.claims == gone.before.arrs.claims + before.arrs.claims > 0
    assert after.development.carried_from == ["Alpha North PCN", "Alpha South PCN"]
    # the merged network keeps North's Clinical Director and payee: no governance finding is added
    governance = {rules.CLINICAL_DIRECTOR, rules.NOMINATED_PAYEE, rules.NETWORK_AGREEMENT}
    assert {f.rule for f in after.findings} & governance == {f.rule for f in before.findings} & governance
    assert any(f.rule == rules.LIST_SIZE_BAND for f in after.findings)  # 93,147 patients


def test_a_new_network_has_no_governance_and_posts_added_are_projected(placed):
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [
        d.Change(d.SPLIT, practice="A81004", to_pcn="Alpha East"),
        d.Change(d.ARRS, to_pcn="U00001", role="Paramedic", wte=Decimal(2), annual_cost=Decimal(60_000)),
    ])
    row, before, after = sides(found, "Alpha East")
    assert row.fate == "New network" and before is None and after.code is None
    assert {f.rule for f in after.findings} >= {rules.CLINICAL_DIRECTOR, rules.NOMINATED_PAYEE}
    assert after.placing == rules.WITHIN  # A81004's 30,000 patients: the band's lower limit
    _, north_before, north_after = sides(found, "U00001")
    assert north_after.arrs.claims > north_before.arrs.claims
    assert any(label.startswith("Added by the scenario: 2 WTE") for label, *_ in north_after.arrs.posts)
    assert any("no Clinical Director" in note for note in found.notes)


def test_a_list_that_grows_keeps_its_weighting(placed):
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.GROW, practice="A81001", list_change=2_000)])
    _, before, after = sides(found, "U00001")
    assert after.people.registered == before.people.registered + 2_000
    assert after.people.weighted == before.people.weighted + 2_100  # x 1.05, as recorded
    assert found.rows[0].after.people.ages_from == ""  # ages are recorded for A81001 alone: not the network's


def test_a_change_that_cannot_apply_names_itself(placed):
    area = Organisation.objects.get(code="QAA")
    with pytest.raises(d.ScenarioError, match="there is no practice B82001 in the area"):
        compare(area, DAY, [d.Change(d.MOVE, practice="B82001", to_pcn="U00001")])


def test_a_year_the_catalogue_does_not_have_uses_the_nearest_and_says_so(placed):
    area = Organisation.objects.get(code="QAA")
    found = compare(area, dt.date(2031, 1, 1), [d.Change(d.GROW, practice="A81001", list_change=10)])
    assert found.year_known and any("The rates catalogue has no 2030/31" in note for note in found.notes)
    assert LATEST < dt.date(2031, 1, 1)


def test_ages_tiers_and_cohorts_only_from_every_practice_of_a_network(placed):
    # the test register records ages (list sizes by age) for A81001 alone, and has no patient data
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.GROW, practice="A81001", list_change=10)])
    _, before, after = sides(found, "U00001")
    assert before.people.ages == {} and before.people.ages_from == "" and before.people.tiers == {}
    from pcnhub.register.models import ListSizeBand

    for code in ("A81002", "A81003"):
        ListSizeBand.objects.create(organisation=Organisation.objects.get(code=code), date=LATEST,
                                    scheme="quinary", sex="F", age_band="80_84", age_from=80, patients=1_000)
    found = compare(area, DAY, [d.Change(d.GROW, practice="A81001", list_change=10)])
    _, before, _ = sides(found, "U00001")
    assert before.people.ages_from == "list sizes"
    # A81001: 6,000 aged 0 to 4 and 31 + 29 aged 95 and over; A81002 and A81003: 1,000 aged 80 to 84 each
    assert before.people.ages["80 and over"] == pytest.approx((2 * 1_000 + 60) / (6_000 + 60 + 2_000))


def test_the_main_measures_from_the_practices_counts_placed_among_all_pcns(placed, settings, tmp_path):
    from tests.measures.fixtures import LAST, write_measures

    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(tmp_path / "phm" / "measures")
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.SPLIT, practice="A81004", to_pcn="Alpha East")])
    assert found.measures_month == LAST
    _, _, east = sides(found, "Alpha East")
    # emergency admissions (derived, lower is better) only: smr_done_for_cohort is "uncertain"
    [measure] = east.measures
    assert measure.id == "emergency_admissions" and measure.value == pytest.approx(40 / 30_000 * 1_000)
    # among U00001 0.655, U00002 1.333 and U00003 1.0 per 1,000: above two of three
    assert measure.percentile == pytest.approx(200 / 3) and measure.text == "1.3 per 1,000"
    _, south_before, _ = sides(found, "U00002")
    assert south_before.measures[0].value is None and south_before.measures[0].text == "Not known"  # A81005: no count
    assert any("The main measures are of January 2025" in note for note in found.notes)


def test_distance_and_estimated_drives_between_the_practices(placed):
    """Alpha North's A81001 and A81002 are 2.4 km apart: 3.4 km by road (x 1.4) at 25.4 mph is 5 minutes; Alpha
    South with Essex Way is 5.8 km across, a 12-minute drive (reference/travel/travel.toml)."""
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.MOVE, practice="A81003", to_pcn="Alpha South PCN")])
    _, north_before, north_after = sides(found, "U00001")
    _, south_before, south_after = sides(found, "U00002")

    def figures(side):
        s = side.spread
        return (s.located, s.farthest_km, s.mean_between_km, s.farthest_drive_minutes, s.mean_between_drive_minutes)

    assert figures(north_before) == (3, 3.0, 2.8, 6, 6)
    assert figures(north_after) == (2, 2.4, 2.4, 5, 5)
    assert figures(south_before) == (2, 2.6, 2.6, 5, 5)
    assert figures(south_after) == (3, 5.8, 4.2, 12, 9)
    assert found.travel_basis.startswith("a road route 1.4 times the straight line") and "25.4 mph" in found.travel_basis


def test_ending_posts_cuts_the_latest_to_start_first(placed):
    from pcnhub.finance.models import ArrsPost

    ArrsPost.objects.create(pcn=placed.south, role="clinical_pharmacist", fte=Decimal(1), start=dt.date(2024, 4, 1),
                            annual_cost=Decimal(48_000), label="Pharmacist A")
    ArrsPost.objects.create(pcn=placed.south, role="clinical_pharmacist", fte=Decimal(1), start=dt.date(2024, 10, 1),
                            annual_cost=Decimal(48_000), label="Pharmacist B")
    area = Organisation.objects.get(code="QAA")
    found = compare(area, DAY, [d.Change(d.ARRS, to_pcn="U00002", role="clinical_pharmacist", wte=Decimal("-1.5"))])
    _, before, after = sides(found, "U00002")
    assert [label for label, _start, _claims in after.arrs.posts] == [
        "Pharmacist A (last day 31 December 2024)", "Pharmacist B (last day 31 December 2024)",
        "Pharmacist A (0.5 WTE continues)"]
    # B's last three months go, and half of A's: 1.5 WTE for January to March, at B's and A's monthly claims
    claims = dict((label, c) for label, _s, c in before.arrs.posts)
    quarter = (claims["Pharmacist B"] / 6) * 3 + (claims["Pharmacist A"] / 12) * 3 / 2
    assert after.arrs.claims == pytest.approx(before.arrs.claims - quarter, abs=Decimal("0.02"))
    assert found.changes == ["Alpha South PCN: 1.5 WTE fewer clinical_pharmacist, the latest posts to start ending "
                             "first"]
