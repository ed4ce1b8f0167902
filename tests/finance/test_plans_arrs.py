"""The ARRS plan editor: who sees and changes it, posts and claims round trips, and numbers that are
the domain's projection of the same posts."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pcnhub.domain.money import arrs
from pcnhub.domain.money.entitlements import arrs_sum
from pcnhub.reference.rates import year_rates
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import plans, services
from pcnhub.finance.models import ArrsClaim, ArrsPost
from pcnhub.reference.arrs_roles import load_catalogue
from pcnhub.register.services import latest_data_date
from tests.helpers_web import read_csv, read_xlsx, text, xlsx_sheet

pytestmark = pytest.mark.django_db

YEAR = FinancialYear(2024)
URL = "/finance/pcn/U00001/arrs/"
# Alpha North on 1 January 2024 (the list date of 2024/25): 12,500 + 13,000 registered, weighted x 1.05.
REGISTERED_2024 = 25_500
WEIGHTED_2024 = 26_775


def post_data(**changes) -> dict:
    data = {
        "post-role": "clinical_pharmacist", "post-label": "North pharmacist", "post-fte": "1",
        "post-start": "2024-04-01", "post-end": "", "post-annual_cost": "55000", "post-employment": "employed",
    }
    data.update({f"post-{k}": v for k, v in changes.items()})
    return data


def make_post(pcn, **fields) -> ArrsPost:
    values = {"role": "clinical_pharmacist", "fte": Decimal(1), "start": dt.date(2024, 4, 1),
              "annual_cost": Decimal(55000)}
    values.update(fields)
    return ArrsPost.objects.create(pcn=pcn, **values)


def gbp(value: Decimal) -> str:
    return f"£{value:,.2f}"


# --- Who may see and change the plan -------------------------------------------------------------


@pytest.mark.parametrize("role", ["pcn", "icb", "analyst", "admin"])
def test_roles_that_see_the_pcns_money_see_the_plan(client_for, role):
    response = client_for(role).get(URL, {"year": "2024-25"})
    assert response.status_code == 200
    assert "ARRS workforce plan" in text(response)


@pytest.mark.parametrize("role, code", [("practice", "U00001"), ("icb-beta", "U00001"), ("pcn", "U00002"),
                                        ("pcn", "U00003"), ("icb", "U00003")])
@pytest.mark.parametrize("fmt", [None, "xlsx"])
def test_others_are_refused(client_for, role, code, fmt):
    query = {"format": fmt, "table": "posts"} if fmt else {}
    response = client_for(role).get(f"/finance/pcn/{code}/arrs/", query)
    assert response.status_code == 403
    assert "Content-Disposition" not in response


def test_unknown_code_is_404(client_for):
    assert client_for("admin").get("/finance/pcn/U99999/arrs/").status_code == 404


def test_a_year_outside_the_catalogue_is_a_bad_request(client_for):
    response = client_for("pcn").get(URL, {"year": "2030-31"})
    assert response.status_code == 400
    assert client_for("pcn").get(URL, {"year": "soon"}).status_code == 400


def test_the_default_year_contains_the_one_date_of_every_page(client_for):
    # the latest date the register holds data for (or the nearest year the catalogue covers), until the user sets
    # another date in the header
    client = client_for("pcn")
    assert f"{services.default_year(latest_data_date())} at a glance" in text(client.get(URL))
    client.get("/", {"date": "2021-06-01"})
    assert "2021/22 at a glance" in text(client.get(URL))


@pytest.mark.parametrize("role", ["practice", "analyst", "icb-beta"])
def test_changes_by_users_who_may_not_edit_are_refused_and_save_nothing(client_for, register, role):
    post = make_post(register.north)
    client = client_for(role)
    assert client.post(reverse("finance:arrs_post_add", args=["U00001"]), post_data()).status_code == 403
    assert client.post(reverse("finance:arrs_post_edit", args=["U00001", post.pk]), post_data(fte="2")).status_code == 403
    assert client.post(reverse("finance:arrs_post_delete", args=["U00001", post.pk])).status_code == 403
    claim = {"claim-post": post.pk, "claim-month": "2024-04-01", "claim-amount": "100"}
    assert client.post(reverse("finance:arrs_claim", args=["U00001"]), claim).status_code == 403
    assert list(ArrsPost.objects.values_list("pk", "fte")) == [(post.pk, Decimal("1.00"))]
    assert not ArrsClaim.objects.exists()


def test_viewers_see_no_edit_forms(client_for, register):
    make_post(register.north)
    html = client_for("analyst").get(URL, {"year": "2024-25"}).content.decode()
    assert "Add a post" not in html and "Record a month" not in html and "/posts/" not in html


def test_a_post_of_another_pcn_cannot_be_changed_through_this_one(client_for, register):
    other = make_post(register.south)
    client = client_for("icb")  # may edit both PCNs, but not one's post through the other's URL
    assert client.post(reverse("finance:arrs_post_edit", args=["U00001", other.pk]), post_data()).status_code == 404
    assert client.post(reverse("finance:arrs_post_delete", args=["U00001", other.pk])).status_code == 404


def test_forms_need_the_csrf_token(register):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(register.users["pcn"])
    response = client.post(reverse("finance:arrs_post_add", args=["U00001"]), post_data())
    assert response.status_code == 403
    assert not ArrsPost.objects.exists()


# --- Posts ---------------------------------------------------------------------------------------


def test_add_change_and_delete_a_post(client_for, register):
    client = client_for("pcn")
    add = f"{reverse('finance:arrs_post_add', args=['U00001'])}?year=2024-25"
    response = client.post(add, post_data())
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year=2024-25"  # the top: the banner and the new headroom in view
    post = ArrsPost.objects.get()
    assert (post.pcn, post.role, post.label, post.fte, post.start, post.end, post.annual_cost, post.updated_by) == (
        register.north, "clinical_pharmacist", "North pharmacist", Decimal("1.00"), dt.date(2024, 4, 1), None,
        Decimal("55000.00"), register.users["pcn"])
    page = text(client.get(response["Location"]))
    assert "North pharmacist (Clinical pharmacist), 1 WTE from 1 April 2024, added" in page
    assert "North pharmacist" in page and "£55,000.00" in page

    edit = reverse("finance:arrs_post_edit", args=["U00001", post.pk])
    form = client.get(edit, {"year": "2024-25"})
    assert form.status_code == 200 and 'value="North pharmacist"' in form.content.decode()
    response = client.post(f"{edit}?year=2024-25", post_data(fte="0.6", end="2025-01-31", employment="sub-contract"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.fte, post.end, post.employment) == (Decimal("0.60"), dt.date(2025, 1, 31), "sub-contract")
    assert "changed" in text(client.get(response["Location"]))

    ArrsClaim.objects.create(post=post, month=dt.date(2024, 4, 1), amount=Decimal(2000))
    delete = reverse("finance:arrs_post_delete", args=["U00001", post.pk])
    confirm = text(client.get(delete, {"year": "2024-25"}))
    assert "Delete this post?" in confirm and "The 1 claim recorded for this post will be deleted too" in confirm
    response = client.post(f"{delete}?year=2024-25")
    assert response.status_code == 302
    assert not ArrsPost.objects.exists() and not ArrsClaim.objects.exists()
    assert "deleted, with its 1 recorded claim" in text(client.get(response["Location"]))


@pytest.mark.parametrize("changes, message", [
    ({"fte": "0"}, "The whole-time equivalent must be more than 0"),
    ({"fte": "-1"}, "The whole-time equivalent must be more than 0"),
    ({"fte": "lots"}, "Enter the whole-time equivalent as a number"),
    ({"end": "2024-03-31"}, "The end date must be the same as or after the start date"),
    ({"annual_cost": "-5"}, "The annual cost cannot be negative"),
    ({"role": ""}, "Choose the role"),
    ({"role": "wizard"}, "Choose a role from the list"),
    ({"start": ""}, "Enter the date the post starts"),
    ({"start": "31/01/2025"}, "Enter a real date in the form YYYY-MM-DD"),
])
def test_an_invalid_post_shows_the_errors_and_saves_nothing(client_for, changes, message):
    client = client_for("pcn")
    response = client.post(f"{reverse('finance:arrs_post_add', args=['U00001'])}?year=2024-25", post_data(**changes))
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, re.DOTALL).group(0)
    assert message in html_lib.unescape(summary)
    assert "<title>Error: " in html
    assert 'id="add-post" open' in html
    assert not ArrsPost.objects.exists()


def test_a_post_costing_nothing_is_kept_but_has_nothing_to_claim(client_for, register):
    client = client_for("pcn")
    response = client.post(f"{reverse('finance:arrs_post_add', args=['U00001'])}?year=2024-25",
                           post_data(annual_cost="0"))
    assert response.status_code == 302
    page = text(client.get(URL, {"year": "2024-25"}))
    assert "the annual cost is £0.00, so the post has nothing to claim" in page
    assert "Projected claims £0.00" in page


# --- Projection ------------------------------------------------------------------------------------


def plan_posts(pcn) -> list[ArrsPost]:
    return [
        make_post(pcn, label="Pharmacist", fte=Decimal(1), start=dt.date(2023, 10, 15), annual_cost=Decimal(70000)),
        make_post(pcn, role="social_prescribing_link_worker", fte=Decimal("0.5"), start=dt.date(2019, 7, 1),
                  end=dt.date(2024, 12, 20), annual_cost=Decimal(18000), employment="sub-contract"),
        make_post(pcn, role="gp", fte=Decimal("0.8"), start=dt.date(2024, 4, 1), annual_cost=Decimal(80000)),
        make_post(pcn, role="physician_associate", fte=Decimal(1), start=dt.date(2024, 6, 1), annual_cost=Decimal(52000)),
    ]


def domain_projection(rows: list[ArrsPost], year: FinancialYear) -> arrs.Projection:
    posts = [arrs.Post(r.role, r.fte, r.start, r.end, r.annual_cost, r.employment, r.label) for r in rows]
    return arrs.project(year, posts, arrs_sum(year_rates(year), WEIGHTED_2024), load_catalogue(), REGISTERED_2024)


def test_the_projection_is_the_domains_on_the_same_posts(client_for, register):
    rows = plan_posts(register.north)
    expected = domain_projection(rows, YEAR)
    client = client_for("pcn")
    page = text(client.get(URL, {"year": "2024-25"}))
    assert f"ARRS sum {gbp(expected.arrs_sum)}" in page
    assert f"Projected claims {gbp(expected.claims)}" in page
    assert f"Headroom {gbp(expected.headroom)} left in the ARRS sum" in page
    assert f"Reimbursed {gbp(expected.reimbursed)}" in page
    assert f"weighted list of {WEIGHTED_2024:,}" in page
    for finding in expected.warnings:
        assert finding.message in page
    rules = {f.rule for f in expected.warnings}
    assert {arrs.SALARY_ABOVE_MAXIMUM, arrs.MAXIMUM_UNKNOWN, arrs.ROLE_NOT_ELIGIBLE} <= rules
    for note in expected.notes:
        assert note in page

    monthly = read_csv(client.get(URL, {"year": "2024-25", "format": "csv", "table": "monthly"}))
    header = monthly[0]
    column = header.index("Projected claims (GBP)")
    assert [Decimal(r[column]) for r in monthly[1:13]] == [m.claims for m in expected.monthly]
    assert Decimal(monthly[13][column]) == expected.claims
    by_role = {h: i for i, h in enumerate(header) if h.startswith("Projected: ")}
    assert sum(Decimal(monthly[13][i]) for i in by_role.values()) == expected.claims

    posts = read_csv(client.get(URL, {"year": "2024-25", "format": "csv", "table": "posts"}))
    claims_column = posts[0].index("Projected claims in the year (GBP)")
    got = {(r[0], r[4]): Decimal(r[claims_column]) for r in posts[1:-1]}
    want = {(p.post.role, p.post.start.isoformat()): p.claims for p in expected.posts}
    assert got == want


def test_overspend_is_shown_in_red(client_for, register):
    make_post(register.north, fte=Decimal(20), annual_cost=Decimal(1200000))
    expected = domain_projection(list(ArrsPost.objects.all()), YEAR)
    assert expected.headroom < 0
    html = client_for("pcn").get(URL, {"year": "2024-25"}).content.decode()
    block = re.search(r"data-headroom>(.*?)</dd>", html, re.DOTALL).group(1)
    assert "nhsuk-tag--red" in block and f"{gbp(-expected.headroom)}" in html_lib.unescape(block)
    assert "exceed the ARRS sum" in html


def test_every_year_of_the_catalogue_can_be_shown(client_for, register):
    plan_posts(register.north)
    client = client_for("icb")
    for year in ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26"):
        response = client.get(URL, {"year": year})
        assert response.status_code == 200, year
        label = FinancialYear.parse(year)
        assert f"{label} at a glance" in text(response)


# --- Claims and the year end ---------------------------------------------------------------------


def test_claims_are_recorded_updated_and_give_the_year_end_position(client_for, register):
    rows = plan_posts(register.north)
    pharmacist = rows[0]
    client = client_for("pcn")
    record = f"{reverse('finance:arrs_claim', args=['U00001'])}?year=2024-25"
    response = client.post(record, {"claim-post": pharmacist.pk, "claim-month": "2024-04-01", "claim-amount": "4000"})
    assert response.status_code == 302 and response["Location"].endswith("#claims")
    assert "recorded" in text(client.get(response["Location"]))
    response = client.post(record, {"claim-post": pharmacist.pk, "claim-month": "2024-04-01", "claim-amount": "4100.50"})
    assert response.status_code == 302
    assert "updated" in text(client.get(response["Location"]))
    client.post(record, {"claim-post": rows[2].pk, "claim-month": "2024-10-01", "claim-amount": "5000"})
    assert ArrsClaim.objects.count() == 2
    claim = ArrsClaim.objects.get(post=pharmacist)
    assert (claim.month, claim.amount, claim.submitted_by) == (dt.date(2024, 4, 1), Decimal("4100.50"), register.users["pcn"])

    expected = domain_projection(rows, YEAR)
    claimed = Decimal("9100.50")
    page = text(client.get(URL, {"year": "2024-25"}))
    assert f"Claimed {gbp(claimed)} in 2 months of 12 with claims recorded" in page
    assert f"Unclaimed {gbp(expected.arrs_sum - claimed)}" in page
    projected_then = expected.monthly[0].claims + expected.monthly[6].claims
    assert f"{gbp(claimed)} claimed against {gbp(projected_then)} projected for the same months" in page
    april, october = expected.posts[0].monthly[0], expected.posts[2].monthly[6]
    expected_year_end = expected.claims - april - october + claimed
    assert f"Expected at the year end {gbp(expected_year_end)}" in page

    monthly = read_csv(client.get(URL, {"year": "2024-25", "format": "csv", "table": "monthly"}))
    claimed_column = monthly[0].index("Claimed (GBP)")
    assert monthly[1][claimed_column] == "4100.5" and monthly[2][claimed_column] == ""
    assert Decimal(monthly[13][claimed_column]) == claimed
    claims = read_csv(client.get(URL, {"year": "2024-25", "format": "csv", "table": "claims"}))
    assert [r[0] for r in claims[1:]] == ["April 2024", "October 2024"]

    delete = reverse("finance:arrs_claim_delete", args=["U00001", claim.pk])
    assert client.post(f"{delete}?year=2024-25").status_code == 302
    assert ArrsClaim.objects.count() == 1


@pytest.mark.parametrize("changes, message", [
    ({"claim-amount": "-1"}, "The amount claimed cannot be negative"),
    ({"claim-amount": ""}, "Enter the amount claimed in pounds"),
    ({"claim-month": "2023-04-01"}, "Choose a month of the year"),
    ({"claim-month": "2024-04-01", "late": True}, "The post was not in post in April 2024"),
])
def test_an_invalid_claim_shows_the_errors_and_saves_nothing(client_for, register, changes, message):
    post = make_post(register.north, start=dt.date(2024, 6, 1) if changes.pop("late", False) else dt.date(2024, 4, 1))
    data = {"claim-post": post.pk, "claim-month": "2024-05-01", "claim-amount": "100", **changes}
    response = client_for("pcn").post(f"{reverse('finance:arrs_claim', args=['U00001'])}?year=2024-25", data)
    assert response.status_code == 200
    assert message in html_lib.unescape(response.content.decode())
    assert 'id="record-claim" open' in response.content.decode()
    assert not ArrsClaim.objects.exists()


# --- Headcount and downloads ---------------------------------------------------------------------


def test_headcount_against_the_typical_plan(client_for, register):
    rows = plan_posts(register.north)
    client = client_for("pcn")
    table = read_xlsx(client.get(URL, {"year": "2024-25", "format": "xlsx", "table": "headcount"}))
    header = table[0]
    assert header[:4] == ["Year", "Role key", "Role", "Planned average WTE"]
    got = {(r[0], r[1]): r for r in table[1:]}
    years = [FinancialYear(y) for y in range(2019, 2026)]
    posts = [arrs.Post(r.role, r.fte, r.start, r.end, r.annual_cost) for r in rows]
    planned = arrs.headcount_by_year(posts, years)
    for year in years:
        for role, fte in planned[year.label].items():
            assert Decimal(str(got[(year.label, role)][3])) == fte
    # 2023/24: the typical plan scaled by that year's weighted list (1 January 2023: earliest sizes after it).
    used = plans.population_used(register.north, FinancialYear(2023))
    from pcnhub.reference.arrs_roles import load_typical_plan

    scaled = load_typical_plan().scaled("2023/24", used.weighted)
    for role, fte in scaled.items():
        assert Decimal(str(got[("2023/24", role)][4])) == fte
    assert got[("2023/24", "clinical_pharmacist")][6] == used.weighted
    assert got[("2024/25", "clinical_pharmacist")][4] is None  # the typical plan ends in 2023/24
    page = text(client.get(URL, {"year": "2024-25"}))
    assert "Headcount by year" in page and "typical" in page


def test_downloads_parse_and_cannot_carry_formulas(client_for, register):
    make_post(register.north, label="=HYPERLINK(\"http://evil\")")
    client = client_for("pcn")
    names = {"posts": "arrs-U00001-posts-2024-25", "monthly": "arrs-U00001-monthly-2024-25",
             "claims": "arrs-U00001-claims-2024-25", "headcount": "arrs-U00001-headcount"}
    for table, name in names.items():
        response = client.get(URL, {"year": "2024-25", "format": "xlsx", "table": table})
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
        rows = read_xlsx(response)
        assert rows and all(isinstance(h, str) for h in rows[0])
    sheet = xlsx_sheet(client.get(URL, {"year": "2024-25", "format": "xlsx", "table": "posts"}))
    label = sheet.cell(row=2, column=3)
    assert label.value.startswith("=HYPERLINK") and label.data_type == "s"
    rows = read_csv(client.get(URL, {"year": "2024-25", "format": "csv", "table": "posts"}))
    assert rows[1][2].startswith("'=HYPERLINK")
    assert client.get(URL, {"year": "2024-25", "format": "pdf"}).status_code == 400
    assert client.get(URL, {"year": "2024-25", "format": "csv", "table": "nope"}).status_code == 400


def test_a_london_pcn_is_told_that_london_weightings_are_not_known(register):
    pcn = register.north
    assert plans.LONDON_NOTE not in plans.arrs_plan(pcn, YEAR).notes
    register.region.code = plans.LONDON_REGION
    register.region.save()
    assert plans.LONDON_NOTE in plans.arrs_plan(pcn, YEAR).notes


def test_the_headcount_download_says_when_the_registered_list_stands_in_for_the_weighted(client_for, register):
    from pcnhub.register.models import ListSize
    from pcnhub.register.services import note_change

    client = client_for("pcn")
    header, *rows = read_xlsx(client.get(URL, {"year": "2024-25", "format": "xlsx", "table": "headcount"}))
    note = header.index("Weighted list note")
    assert {row[note] for row in rows} <= {"", None}  # the test register records weighted lists
    ListSize.objects.update(weighted=None)
    note_change()  # a bulk update, as an import would make
    header, *rows = read_xlsx(client.get(URL, {"year": "2024-25", "format": "xlsx", "table": "headcount"}))
    assert {row[note] for row in rows if row[0] == "2023/24"} == {  # a year of the typical plan
        "no weighted list recorded: the registered list stands in"}
