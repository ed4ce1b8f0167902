"""The money pages: who sees what, the numbers they show, sorting, downloads and the forms."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pcnhub.finance.models import CareHomeBeds, RateOverride
from tests.helpers_web import read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

PCN = "/finance/pcn/U00001/"
AREA = "/finance/area/QAA/"
OVERRIDES = "/finance/area/QAA/overrides/"


# --- Who may see what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["icb", "pcn", "analyst", "admin"])
def test_pcn_page_for_roles_that_may_see_money(client_for, role):
    response = client_for(role).get(PCN)
    assert response.status_code == 200
    assert "Alpha North PCN" in text(response)


@pytest.mark.parametrize("role, url", [
    ("practice", PCN), ("icb-beta", PCN), ("pcn", "/finance/pcn/U00002/"), ("practice", AREA),
    ("pcn", AREA), ("icb-beta", AREA), ("icb", "/finance/area/QBB/"), ("icb", "/finance/area/Y99/"),
    ("pcn", OVERRIDES), ("practice", "/finance/"),
])
def test_refused_outside_the_role(client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == 403, url
    assert client_for(role).get(url + "?format=csv").status_code == 403


@pytest.mark.parametrize("url", ["/finance/pcn/NOPE/", "/finance/area/NOPE/", "/finance/area/U00001/",
                                 "/finance/pcn/QAA/", "/finance/area/01A/overrides/"])
def test_unknown_codes_are_404(client_for, url):
    assert client_for("admin").get(url).status_code == 404


@pytest.mark.parametrize("query", ["year=2018/19", "year=soon", "format=pdf", "table=nope&format=csv"])
def test_bad_query_is_400(client_for, query):
    response = client_for("admin").get(f"{PCN}?{query}")
    assert response.status_code == 400


def test_bad_sort_is_400(client_for):
    assert client_for("icb").get(f"{AREA}?sort=colour").status_code == 400


def test_england_for_analysts_others_go_to_their_own(client_for):
    response = client_for("analyst").get("/finance/?year=2025/26")
    assert response.status_code == 200
    page = text(response)
    assert "Alpha ICB" in page and "Beta ICB" in page and "England" in page
    assert client_for("icb").get("/finance/?year=2023/24")["Location"] == "/finance/area/QAA/?year=2023/24"
    assert client_for("pcn").get("/finance/")["Location"] == "/finance/pcn/U00001/"


def test_anonymous_users_are_sent_to_sign_in(client, register):
    response = client.get(PCN)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- PCN page ----------------------------------------------------------------------------------


def test_pcn_page_shows_population_total_and_the_published_rate(client_for):
    response = client_for("pcn").get(f"{PCN}?year=2023/24")
    page = text(response)
    assert "25,500 registered patients" in page
    assert "list sizes as at 1 January 2024" in page and "earliest one after it" in page
    # 2023/24 core funding: GBP 1.50 x 25,500 registered patients.
    html = response.content.decode()
    assert re.search(r'data-amount="core">\s*£38,250<', html)
    total = re.search(r"<strong data-total>([^<]+)</strong>", html).group(1)
    # The ARRS sum is the DES 2023/24's GBP 22.671 x 26,775 weighted = 607,016.03 (it was the GBP 1,412m pot's
    # share, 615,218.31): the total falls by 8,202.28 from 1,030,603.88 to 1,022,401.60, shown in whole pounds.
    assert total == "£1,022,402"
    assert "The exact total is £1,022,401.60" in html


def test_pcn_page_tags_uncertain_and_derived_figures_with_sources_on_hover_and_visibly(client_for):
    response = client_for("analyst").get(f"{PCN}?year=2023/24")
    html = response.content.decode()
    assert '<strong class="nhsuk-tag nhsuk-tag--orange">Uncertain</strong>' in html
    assert '<strong class="nhsuk-tag nhsuk-tag--blue">Derived</strong>' in html
    assert re.search(r'title="[^"]*Source: pcnhub facts sheet', html)
    assert 'id="sources"' in html and "<details" in html
    sources = html[html.index('id="sources"'):]
    assert "2019/20" in sources and ".toml" not in html
    assert "Document: Network Contract DES Contract Specification 2023/24 - PCN Requirements and Entitlements" in sources


def test_pcn_page_payments_by_year_table_and_chart_data(client_for):
    html = client_for("pcn").get(f"{PCN}?year=2025/26").content.decode()
    table = html[html.index('id="payments"'):html.index("</table>", html.index('id="payments"'))]
    assert len(re.findall(r'scope="col"', table)) == 8  # payment + seven years
    chart = json.loads(re.search(r'<script id="money-by-year-data" type="application/json">(.*?)</script>',
                                 html, re.DOTALL).group(1))
    assert chart["years"] == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
    core = next(s for s in chart["series"] if s["name"] == "Core PCN funding")
    assert core["values"][4] == 38_250.0 and core["values"][6] is None
    assert "/static/pcnhub/money-chart.js" in html and "/static/vendor/plotly.min.js" in html


def test_pcn_page_monthly_schedule_and_practice_split(client_for):
    response = client_for("pcn").get(f"{PCN}?year=2025/26")
    html = response.content.decode()
    schedule = html[html.index('id="schedule"'):]
    assert len(re.findall(r'data-month="\d{4}-\d{2}"', schedule)) == 12 and "After the year end" in schedule
    practices = html[html.index('id="practices"'):]
    assert re.search(r'data-practice="A81001">.*?£24,000.67', practices, re.DOTALL)  # 1.761 x 13,629 weighted


def test_pcn_page_excel_downloads_hold_payments_by_year_and_the_schedule(client_for):
    client = client_for("pcn")
    rows = read_xlsx(client.get(f"{PCN}?year=2023/24&format=xlsx&table=payments"))
    assert rows[0][:4] == ["Payment key", "Payment", "2019/20 amount (GBP)", "2019/20 status"]
    core = next(r for r in rows if r[0] == "core")
    assert core[rows[0].index("2023/24 amount (GBP)")] == 38_250
    schedule = read_xlsx(client.get(f"{PCN}?year=2023/24&format=xlsx&table=schedule"))
    assert [r[0] for r in schedule[1:13]] == [f"{m} {y}" for m, y in zip(
        ["April", "May", "June", "July", "August", "September", "October", "November", "December",
         "January", "February", "March"], [2023] * 9 + [2024] * 3)]
    assert schedule[13][0] == "After the year end"
    # ARRS at the DES 2023/24's GBP 22.671 x 26,775 weighted (see the total on the PCN page)
    assert schedule[-1][0] == "Total" and schedule[-1][3] == pytest.approx(1_022_401.60)
    assert sum(r[3] for r in schedule[1:14]) == pytest.approx(1_022_401.60)
    for table in ("lines", "practices", "sources"):
        assert read_csv(client.get(f"{PCN}?year=2023/24&format=csv&table={table}"))[0]


def test_money_nav_and_the_link_from_the_pcn_page(client_for):
    html = client_for("icb").get(reverse("home")).content.decode()
    assert re.search(r'href="/finance/area/QAA/"[^>]*>\s*Money', html)
    html = client_for("pcn").get(reverse("pcn", args=["U00001"])).content.decode()
    assert re.search(r'href="/finance/pcn/U00001/"[^>]*>\s*Money', html)
    assert 'href="/finance/pcn/U00001/" data-testid="network-money-link"' in html
    html = client_for("analyst").get(reverse("home")).content.decode()
    assert re.search(r'href="/finance/"[^>]*>\s*Money', html)
    html = client_for("practice").get(reverse("pcn", args=["U00001"])).content.decode()
    assert "/finance/" not in html


# --- Area and England ---------------------------------------------------------------------------


def area_order(response) -> list[str]:
    return re.findall(r'<tr class="nhsuk-table__row" data-pcn="(\w+)"', response.content.decode())


def test_area_page_totals_and_sorting(client_for):
    client = client_for("icb")
    response = client.get(f"{AREA}?year=2025/26")
    html = response.content.decode()
    totals = dict(re.findall(r'data-pcn-total="(\w+)">£([\d,.]+)<', html))
    area_total = re.search(r"<strong data-area-total>£([\d,.]+)<", html).group(1)
    as_number = lambda s: Decimal(s.replace(",", ""))
    assert sum(as_number(v) for v in totals.values()) == as_number(area_total)
    assert area_order(response) == ["U00001", "U00002"]  # by name
    assert area_order(client.get(f"{AREA}?sort=-total")) == ["U00002", "U00001"]
    assert area_order(client.get(f"{AREA}?sort=total")) == ["U00001", "U00002"]
    assert area_order(client.get(f"{AREA}?sort=-registered")) == ["U00002", "U00001"]
    assert area_order(client.get(f"{AREA}?sort=arrs")) == ["U00001", "U00002"]
    html = client.get(f"{AREA}?sort=-per_head&year=2025/26").content.decode()
    assert re.search(r'aria-sort="descending"><a class="nhsuk-link" href="\?[^"]*sort=per_head', html)
    assert re.search(r'aria-sort="none"><a class="nhsuk-link" href="\?[^"]*sort=name', html)
    assert 'href="/finance/pcn/U00001/?year=2025/26"' in html
    chart = json.loads(re.search(r'<script id="money-per-head-data" type="application/json">(.*?)</script>',
                                 html, re.DOTALL).group(1))
    assert chart["kind"] == "hbar" and len(chart["values"]) == 2


def test_area_downloads(client_for):
    client = client_for("icb")
    rows = read_csv(client.get(f"{AREA}?year=2025/26&format=csv"))
    assert rows[0][:3] == ["PCN code", "PCN name", "ICB"]
    assert [r[0] for r in rows[1:3]] == ["U00001", "U00002"] and rows[-1][1] == "Total for Alpha ICB"
    sheet = read_xlsx(client.get(f"{AREA}?year=2025/26&format=xlsx&sort=-total"))
    assert [r[0] for r in sheet[1:3]] == ["U00002", "U00001"]
    total = sheet[-1][sheet[0].index("Total (GBP)")]
    assert total == pytest.approx(sum(r[sheet[0].index("Total (GBP)")] for r in sheet[1:3]))


def test_england_downloads_add_up(client_for):
    client = client_for("admin")
    icbs = read_xlsx(client.get("/finance/?year=2024/25&format=xlsx&table=icbs"))
    column = icbs[0].index("Total (GBP)")
    assert [r[0] for r in icbs[1:3]] == ["QAA", "QBB"] and icbs[-1][1] == "England"
    assert icbs[-1][column] == pytest.approx(icbs[1][column] + icbs[2][column])
    pcns = read_csv(client.get("/finance/?year=2024/25&format=csv&table=pcns"))
    assert sorted(r[1] for r in pcns[1:]) == ["U00001", "U00002", "U00003"]


# --- Rate overrides -----------------------------------------------------------------------------


def test_override_is_recorded_with_who_and_when_and_changes_the_amount(client_for, register):
    client = client_for("icb")
    response = client.post(f"{OVERRIDES}?year=2025/26", {
        "action": "override", "payment": "core_registered", "rate": "3.00", "reason": "Local top-up",
    })
    assert response.status_code == 302 and response["Location"] == f"{OVERRIDES}?year=2025/26"
    row = RateOverride.objects.get()
    assert (row.icb, row.year, row.payment, row.rate, row.created_by) == (
        register.icb_a, "2025/26", "core_registered", Decimal(3), register.users["icb"])
    when = f"{row.created_at.astimezone().day} {row.created_at.astimezone():%B %Y}"

    page = text(client.get(f"{OVERRIDES}?year=2025/26"))
    assert "Isla Carter" in page and "Local top-up" in page and "£2.266 per registered patient" in page

    html = client_for("pcn").get(f"{PCN}?year=2025/26").content.decode()
    assert re.search(r'data-amount="core_registered">\s*£114,441<', html)  # GBP 3 x 38,147
    assert re.search(r"ICB override by Isla Carter on 0?" + when, text(client_for("pcn").get(f"{PCN}?year=2025/26")))

    client = client_for("icb")  # the test client was signed in as the PCN user above
    response = client.post(f"{OVERRIDES}?year=2025/26", {"action": "withdraw", "payment": "core_registered"})
    assert response.status_code == 302
    assert RateOverride.objects.latest("id").rate is None
    html = client_for("pcn").get(f"{PCN}?year=2025/26").content.decode()
    assert re.search(r'data-amount="core_registered">\s*£86,441<', html)  # GBP 2.266 x 38,147


def test_invalid_override_shows_the_error_summary(client_for):
    response = client_for("icb").post(f"{OVERRIDES}?year=2025/26", {
        "action": "override", "payment": "", "rate": "-1", "reason": " ",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html and "<title>Error:" in html
    page = text(response)
    assert "Choose the payment to override" in page and "The rate cannot be negative" in page
    assert "Enter the reason for the override" in page
    assert not RateOverride.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "icb-beta", "pcn", "practice"])
def test_only_the_icb_and_admins_override(client_for, role):
    response = client_for(role).post(f"{OVERRIDES}?year=2025/26", {
        "action": "override", "payment": "core_registered", "rate": "3", "reason": "x",
    })
    assert response.status_code == 403
    assert not RateOverride.objects.exists()


def test_analyst_sees_the_history_but_no_form(client_for):
    response = client_for("analyst").get(OVERRIDES)
    assert response.status_code == 200
    assert 'name="rate"' not in response.content.decode()


def test_admin_may_override(client_for, register):
    response = client_for("admin").post(f"{OVERRIDES}?year=2024/25", {
        "action": "override", "payment": "arrs", "rate": "25", "reason": "Agreed locally",
    })
    assert response.status_code == 302
    assert RateOverride.objects.get().created_by == register.users["admin"]


def test_overrides_need_csrf(client_for, register):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(register.users["icb"])
    response = client.post(OVERRIDES, {"action": "override", "payment": "arrs", "rate": "25", "reason": "x"})
    assert response.status_code == 403 and not RateOverride.objects.exists()


def test_override_history_downloads(client_for):
    client = client_for("icb")
    client.post(f"{OVERRIDES}?year=2023/24", {"action": "override", "payment": "arrs", "rate": "14.52",
                                              "reason": "Local budget"})
    rows = read_xlsx(client.get(f"{OVERRIDES}?format=xlsx&table=history"))
    assert rows[0] == ["When", "Who", "Year", "Payment", "Catalogue rate (GBP)", "New rate (GBP)", "Reason"]
    assert rows[1][1:4] == ["Isla Carter", "2023/24", "Additional Roles Reimbursement Scheme (ARRS) sum"]
    assert rows[1][5] == 14.52 and rows[1][6] == "Local budget"


# --- Care home beds -----------------------------------------------------------------------------


def test_pcn_user_records_care_home_beds(client_for, register):
    client = client_for("pcn")
    url = reverse("finance:pcn_beds", args=["U00001"]) + "?year=2025/26"
    response = client.post(url, {"beds-beds": "100", "beds-homes": "3"})
    assert response.status_code == 302
    row = CareHomeBeds.objects.get()
    assert (row.pcn, row.year, row.beds, row.homes, row.updated_by) == (
        register.north, "2025/26", 100, 3, register.users["pcn"])
    html = client.get(f"{PCN}?year=2025/26").content.decode()
    assert re.search(r'data-amount="care_home_premium">\s*£13,025<', html)  # GBP 130.253 x 100


def test_invalid_beds_show_errors_and_others_may_not_record(client_for):
    url = reverse("finance:pcn_beds", args=["U00001"]) + "?year=2025/26"
    response = client_for("pcn").post(url, {"beds-beds": "-4"})
    assert response.status_code == 200 and "nhsuk-error-summary" in response.content.decode()
    assert "The number of beds cannot be negative" in text(response)
    for role in ("analyst", "practice", "icb-beta"):
        assert client_for(role).post(url, {"beds-beds": "4"}).status_code == 403
    assert client_for("icb").post(url, {"beds-beds": "4"}).status_code == 302
    assert not CareHomeBeds.objects.exclude(beds=4).exists()


def test_no_money_page_loads_anything_from_the_internet(client_for):
    client = client_for("admin")
    for url in (PCN, AREA, OVERRIDES, "/finance/"):
        html = client.get(url).content.decode()
        for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not attr.startswith(("http:", "https:", "//")), (url, attr)
    assert client.get("/static/pcnhub/money-chart.js").status_code == 200


def test_sources_show_the_other_published_figure_beside_the_rate_used(client_for):
    html = client_for("analyst").get(f"{PCN}?year=2023/24").content.decode()
    sources = html[html.index('id="sources"'):]
    also = re.search(r'data-also="clinical_director">([^<]+)<', sources).group(1)
    assert also.startswith("Also published: £0.729 per registered patient (BMA")
    assert "Contract Specification 2023/24" in sources


def test_sources_show_another_published_start_date(client_for):
    html = client_for("analyst").get(f"{PCN}?year=2020/21").content.decode()
    sources = html[html.index('id="sources"'):]
    also = re.search(r'data-also="care_home_premium">([^<]+)<', sources).group(1)
    assert also.startswith("Also published: from 1 October 2020 (pcnhub facts sheet")


def test_the_lines_download_says_where_the_registered_list_stands_in(client_for):
    header, *rows = read_csv(client_for("pcn").get(PCN, {"year": "2024/25", "format": "csv", "table": "lines"}))
    lines = [dict(zip(header, row, strict=True)) for row in rows]
    notes = {line["Basis"]: line["Quantity note"] for line in lines}
    # the test register records weighted lists, not adjusted populations
    assert notes["weighted list"] == ""
    assert notes["adjusted population"] == "no adjusted population recorded: the registered list stands in"
