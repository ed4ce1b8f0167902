"""ARRS workforce-plan projection: published maxima, rates, eligibility, pro rata, caps and the ARRS sum."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from pcnhub.domain.money.arrs import (
    CAP_EXCEEDED,
    ERROR,
    MAXIMUM_UNKNOWN,
    ROLE_NOT_ELIGIBLE,
    SALARY_ABOVE_MAXIMUM,
    SUB_CONTRACT,
    SUM_EXCEEDED,
    UNCERTAIN,
    UNKNOWN_ROLE,
    WARNING,
    Post,
    Projection,
    compare_with_typical,
    headcount_by_year,
    project,
)
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.arrs_roles import load_catalogue, load_typical_plan

Y2019, Y2020, Y2021, Y2022, Y2023, Y2024 = (FinancialYear(y) for y in range(2019, 2025))
D = Decimal


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def post(role: str, cost: int | str, start: dt.date, end: dt.date | None = None, fte: str = "1", **kw) -> Post:
    return Post(role, D(fte), start, end, D(cost), **kw)


def rules(projection: Projection) -> list[str]:
    return [finding.rule for finding in projection.warnings]


# --- pinned published figures ------------------------------------------------


def test_a_pharmacist_costing_less_than_the_2023_24_maximum_claims_the_cost(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 60_000, dt.date(2023, 4, 1))], None, catalogue)
    assert result.claims == D("60000.00")
    assert SALARY_ABOVE_MAXIMUM not in rules(result)
    assert [month.claims for month in result.monthly] == [D("5000.00")] * 12


def test_a_pharmacist_costing_more_claims_the_62_340_maximum_and_is_warned(catalogue):
    result = project(Y2023, [post("Clinical Pharmacist", 70_000, dt.date(2023, 4, 1))], None, catalogue)
    assert result.claims == D("62340.00")
    [finding] = result.warnings
    assert (finding.rule, finding.severity, finding.post) == (SALARY_ABOVE_MAXIMUM, WARNING, 0)
    assert "£62,340.00" in finding.message and "excess is not reimbursed" in finding.message
    assert result.posts[0].unreimbursed == D("7660.00")


def test_the_maximum_scales_with_fte(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 40_000, dt.date(2023, 4, 1), fte="0.5")], None, catalogue)
    assert result.claims == D("31170.00")  # 0.5 x 62,340
    assert rules(result) == [SALARY_ABOVE_MAXIMUM]


def test_2019_20_pharmacists_are_reimbursed_at_70_percent_from_july(catalogue):
    result = project(Y2019, [post("clinical_pharmacist", 37_810, dt.date(2019, 7, 1))], None, catalogue)
    assert result.claims == D("19850.25")  # 70% x 37,810 x 9/12
    assert [month.claims for month in result.monthly[:3]] == [D("0.00")] * 3
    assert all(month.claims in (D("2205.58"), D("2205.59")) for month in result.monthly[3:])
    assert rules(result) == []


def test_2019_20_link_workers_are_reimbursed_at_100_percent(catalogue):
    cheap = project(Y2019, [post("SPLW", 30_000, dt.date(2019, 7, 1))], None, catalogue)
    assert cheap.claims == D("22500.00")
    dear = project(Y2019, [post("Social Prescriber", 40_000, dt.date(2019, 7, 1))], None, catalogue)
    assert dear.claims == D("25584.75")  # 34,113 x 9/12
    assert rules(dear) == [SALARY_ABOVE_MAXIMUM]


def test_everyone_is_reimbursed_at_100_percent_from_april_2020(catalogue):
    result = project(Y2020, [post("clinical_pharmacist", 50_000, dt.date(2020, 4, 1))], None, catalogue)
    assert result.claims == D("50000.00")


def test_the_october_2022_uplift_applies_from_october(catalogue):
    result = project(Y2022, [post("clinical_pharmacist", 70_000, dt.date(2022, 4, 1))], None, catalogue)
    assert result.claims == D("58315.00")  # 57,318 x 6/12 + 59,312 x 6/12
    assert result.monthly[5].claims == D("4776.50") and result.monthly[6].claims == D("4942.67")


def test_a_carried_forward_maximum_is_used_and_noted(catalogue):
    result = project(Y2021, [post("clinical_pharmacist", 70_000, dt.date(2021, 4, 1))], None, catalogue)
    assert result.claims == D("55670.00")
    assert any("carried forward from 2020/21" in note for note in result.notes)
    assert result.posts[0].maxima[0].status == UNCERTAIN


# --- eligibility and pro rata ---------------------------------------------------


def test_a_nursing_associate_is_not_claimable_before_october_2020(catalogue):
    result = project(Y2020, [post("nursing associate", 29_135, dt.date(2020, 6, 1))], None, catalogue)
    assert [month.claims for month in result.monthly[:6]] == [D("0.00")] * 6
    assert result.claims == D("14567.50")  # 29,135 x 6/12
    [finding] = result.warnings
    assert (finding.rule, finding.post) == (ROLE_NOT_ELIGIBLE, 0)
    assert "1 October 2020" in finding.message and "4 months" in finding.message
    assert result.posts[0].months_in_post == D("10.00") and result.posts[0].claimable_months == D("6.00")


def test_a_role_that_becomes_eligible_in_october_is_not_claimable_before(catalogue):
    result = project(Y2022, [post("DTL", 60_000, dt.date(2022, 4, 1))], None, catalogue)
    assert result.claims == D("30000.00")
    assert sorted(rules(result)) == [MAXIMUM_UNKNOWN, ROLE_NOT_ELIGIBLE]


def test_a_mid_month_start_is_pro_rata_by_days(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 60_000, dt.date(2023, 6, 16))], None, catalogue)
    assert result.monthly[2].claims == D("2500.00")  # 15 of June's 30 days
    assert result.claims == D("47500.00")
    assert result.posts[0].months_in_post == D("9.50")


def test_a_mid_month_end_is_pro_rata_by_days(catalogue):
    plan = [post("clinical_pharmacist", 60_000, dt.date(2023, 4, 1), dt.date(2023, 9, 10))]
    result = project(Y2023, plan, None, catalogue)
    assert result.monthly[5].claims == D("1666.67")  # 10 of September's 30 days
    assert result.monthly[6].claims == D("0.00")
    assert result.claims == D("26666.67")


def test_a_post_outside_the_year_claims_nothing(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 60_000, dt.date(2024, 4, 1))], None, catalogue)
    assert result.claims == D("0.00") and result.warnings == ()


def test_a_role_with_no_published_maximum_is_claimed_at_cost_with_a_warning(catalogue):
    result = project(Y2021, [post("Physician Associate", 45_000, dt.date(2021, 4, 1))], None, catalogue)
    assert result.claims == D("45000.00")
    [finding] = result.warnings
    assert finding.rule == MAXIMUM_UNKNOWN and "band 7" in finding.message
    assert result.posts[0].maxima[0].value is None


def test_an_unknown_role_is_an_error_finding_and_claims_nothing(catalogue):
    result = project(Y2023, [post("astronaut", 60_000, dt.date(2023, 4, 1))], None, catalogue)
    assert result.claims == D("0.00")
    [finding] = result.warnings
    assert (finding.rule, finding.severity) == (UNKNOWN_ROLE, ERROR)
    assert "clinical_pharmacist" in finding.message


# --- caps ----------------------------------------------------------------------------


def two_pharmacists() -> list[Post]:
    return [post("clinical_pharmacist", 37_810, dt.date(2019, 7, 1)), post("CP", 37_810, dt.date(2019, 9, 1))]


def test_two_pharmacists_exceed_the_2019_20_cap_in_a_40k_pcn(catalogue):
    result = project(Y2019, two_pharmacists(), None, catalogue, registered_list=40_000)
    [finding] = [f for f in result.warnings if f.rule == CAP_EXCEEDED]
    assert (finding.role, finding.post) == ("clinical_pharmacist", None)
    assert "2 WTE" in finding.message and "cap of 1 WTE" in finding.message


def test_two_pharmacists_are_within_the_cap_of_a_120k_pcn(catalogue):
    result = project(Y2019, two_pharmacists(), None, catalogue, registered_list=120_000)
    assert CAP_EXCEEDED not in rules(result)


def test_posts_that_do_not_overlap_do_not_exceed_the_cap(catalogue):
    posts = [
        post("clinical_pharmacist", 37_810, dt.date(2019, 7, 1), dt.date(2019, 9, 30)),
        post("clinical_pharmacist", 37_810, dt.date(2019, 10, 1)),
    ]
    assert CAP_EXCEEDED not in rules(project(Y2019, posts, None, catalogue, registered_list=40_000))


def test_without_a_registered_list_the_smaller_cap_applies_and_is_noted(catalogue):
    result = project(Y2019, two_pharmacists(), None, catalogue)
    assert CAP_EXCEEDED in rules(result)
    assert any("registered list not given" in note for note in result.notes)


def test_years_with_unknown_caps_are_not_checked_and_say_so(catalogue):
    posts = [post("clinical_pharmacist", 50_000, dt.date(2021, 4, 1)) for _ in range(5)]
    result = project(Y2021, posts, None, catalogue, registered_list=40_000)
    assert CAP_EXCEEDED not in rules(result)
    assert any("caps on numbers in 2021/22 are not known" in note for note in result.notes)


def test_2025_26_has_no_caps(catalogue):
    posts = [post("clinical_pharmacist", 50_000, dt.date(2025, 4, 1)) for _ in range(5)]
    result = project(FinancialYear(2025), posts, None, catalogue)
    assert CAP_EXCEEDED not in rules(result)
    assert any("no caps on numbers in 2025/26" in note for note in result.notes)


# --- the ARRS sum ---------------------------------------------------------------------


def test_headroom_is_the_sum_less_the_claims(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 60_000, dt.date(2023, 4, 1))], D("100000"), catalogue)
    assert (result.headroom, result.reimbursed) == (D("40000.00"), D("60000.00"))
    assert SUM_EXCEEDED not in rules(result)


def test_claims_over_the_sum_are_warned_and_reimbursement_stops_at_the_sum(catalogue):
    posts = [post("clinical_pharmacist", 60_000, dt.date(2023, 4, 1), label=f"CP {n}") for n in range(3)]
    result = project(Y2023, posts, D("150000"), catalogue)
    assert result.claims == D("180000.00")
    assert result.headroom == D("-30000.00")
    assert result.reimbursed == D("150000")
    [finding] = [f for f in result.warnings if f.rule == SUM_EXCEEDED]
    assert finding.post is None and "£30,000.00" in finding.message


def test_no_sum_means_no_headroom_and_a_note(catalogue):
    result = project(Y2023, [post("clinical_pharmacist", 60_000, dt.date(2023, 4, 1))], None, catalogue)
    assert result.headroom is None
    assert any("ARRS sum not known" in note for note in result.notes)


def test_gp_claims_in_2024_25_are_reported_as_the_separate_gp_pot(catalogue):
    result = project(Y2024, [post("GP", 92_462, dt.date(2024, 10, 1))], None, catalogue)
    assert result.claims == D("46231.00")
    assert result.separate_pot_claims == D("46231.00")
    assert any("separate GP pot" in note for note in result.notes)
    in_2025 = project(FinancialYear(2025), [post("GP", 92_462, dt.date(2024, 10, 1))], None, catalogue)
    assert in_2025.separate_pot_claims == D("0.00")


# --- JSON, posts, headcount ---------------------------------------------------------


def test_to_dict_is_json_with_money_as_numbers(catalogue):
    posts = [
        post("clinical_pharmacist", 70_000, dt.date(2021, 4, 1), label="CP"),
        post("SPLW", "30000.5", dt.date(2021, 6, 16), employment=SUB_CONTRACT),
    ]
    data = json.loads(json.dumps(project(Y2021, posts, D("342000"), catalogue).to_dict()))
    assert {"year", "arrs_sum", "claims", "headroom", "monthly", "posts", "warnings"} <= data.keys()
    assert data["year"] == "2021/22" and data["arrs_sum"] == 342000.0
    assert [m["month"] for m in data["monthly"]][:2] == ["2021-04", "2021-05"]
    assert data["monthly"][-1]["month"] == "2022-03"
    assert round(sum(m["claims"] for m in data["monthly"]), 2) == data["claims"]
    assert round(sum(p["claims"] for p in data["posts"]), 2) == data["claims"]
    assert data["headroom"] == round(342000 - data["claims"], 2)
    assert data["posts"][1]["employment"] == "sub-contract"
    assert data["warnings"][0] == {
        "severity": "warning",
        "rule": SALARY_ABOVE_MAXIMUM,
        "message": data["warnings"][0]["message"],
        "post": 0,
        "role": "clinical_pharmacist",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fte": D(0)}, "fte must be more than 0"),
        ({"fte": D("-1")}, "fte must be more than 0"),
        ({"annual_cost": D(0)}, "annual_cost must be more than 0"),
        ({"end": dt.date(2021, 3, 31)}, "ends"),
        ({"employment": "volunteer"}, "employment"),
    ],
)
def test_a_bad_post_is_refused(kwargs, message):
    fields = {"role": "clinical_pharmacist", "fte": D(1), "start": dt.date(2021, 4, 1), "end": None}
    fields["annual_cost"] = D(50_000)
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Post(**fields)


def test_a_float_fte_is_refused():
    with pytest.raises(TypeError):
        Post("clinical_pharmacist", 0.5, dt.date(2021, 4, 1), None, D(1))  # type: ignore[arg-type]


def test_headcount_is_the_average_wte_over_the_year():
    posts = [
        post("clinical_pharmacist", 60_000, dt.date(2021, 4, 1)),
        post("clinical_pharmacist", 30_000, dt.date(2021, 10, 1), fte="0.5"),
        post("paramedic", 60_000, dt.date(2022, 4, 1)),
    ]
    counts = headcount_by_year(posts, [Y2021, Y2022])
    assert counts["2021/22"] == {"clinical_pharmacist": D("1.25")}  # 1 + 0.5 x 182/365
    assert counts["2022/23"] == {"clinical_pharmacist": D("1.50"), "paramedic": D("1.00")}


def test_the_typical_plan_is_scaled_by_weighted_list_over_50k():
    plan = load_typical_plan()
    posts = [post("Clinical Pharmacist", 60_000, dt.date(2021, 4, 1))]
    rows = compare_with_typical(posts, [Y2021, FinancialYear(2025)], 100_000, plan, load_catalogue())
    by_role = {row.role: row for row in rows}
    assert {row.year for row in rows} == {"2021/22"}  # the typical plan stops at 2023/24
    assert by_role["clinical_pharmacist"].typical_fte == D("6.00")
    assert by_role["clinical_pharmacist"].planned_fte == D("1.00")
    assert by_role["clinical_pharmacist"].difference == D("-5.00")
    assert by_role["paramedic"].typical_fte == D("2.00") and by_role["paramedic"].planned_fte == D("0")
