"""The configuration designer's pages: who may use them, the maps and tables, the numbers they show,
bad parameters, and the downloads (the proposal's configuration CSV round-trips through the reader)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from pcnhub.domain import rules
from pcnhub.domain.access import access_requirement
from pcnhub.ingest.configuration import read_configuration_csv
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.entitlements import Member, Population, entitlement
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance.views_money import gbp
from pcnhub.reference.rates import year_rates
from tests.builders import LATEST, NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.designer.conftest import ALPHA_LOCATED, UNPLACED
from tests.helpers_web import read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

AREA = "/design/QAA/"
DATE = f"?date={LATEST.isoformat()}"


def rows_of(response, side: str) -> list[dict]:
    """The network rows of one side's table, from their data attributes."""
    html = response.content.decode()
    table = re.search(rf'<table[^>]*id="{side}-networks".*?</table>', html, re.DOTALL).group(0)
    rows = []
    for match in re.finditer(r'<tr class="nhsuk-table__row" data-network="([^"]*)" data-list-size="(\d+)" '
                             r'data-access-minutes="(\d*)" data-practice-sizes="([^"]*)">(.*?)</tr>', table, re.DOTALL):
        rows.append({"label": match[1], "list_size": int(match[2]),
                     "access": int(match[3]) if match[3] else None,
                     "sizes": [int(s) for s in match[4].split()], "html": match[5]})
    return rows


# --- Who may use it ----------------------------------------------------------------------------


@pytest.mark.parametrize("role, url", [
    ("icb", AREA), ("icb", "/design/01A/"), ("analyst", AREA), ("admin", AREA), ("admin", "/design/QBB/"),
    ("icb-beta", "/design/QBB/"), ("icb", "/design/"), ("analyst", "/design/"),
])
def test_commissioners_analysts_and_admins_may_use_it(placed, client_for, role, url):
    assert client_for(role).get(url + DATE).status_code == 200


@pytest.mark.parametrize("role, url", [
    ("pcn", AREA), ("practice", AREA), ("pcn", "/design/"), ("practice", "/design/"),
    ("icb", "/design/QBB/"), ("icb-beta", AREA), ("icb", "/design/02B/"),
])
def test_refused_for_pcn_and_practice_users_and_other_icbs(placed, client_for, role, url):
    response = client_for(role).get(url + DATE)
    assert response.status_code == 403
    assert client_for(role).get(url + DATE + "&format=csv").status_code == 403


def test_login_required(placed, client):
    response = client.get(AREA)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/design/NOPE/", "/design/Y99/", "/design/U00001/", "/design/A81001/"])
def test_unknown_or_unsuitable_areas_are_404_with_a_message(placed, client_for, url):
    response = client_for("admin").get(url)
    assert response.status_code == 404
    assert "no ICB or sub-ICB location with the code" in text(response)


@pytest.mark.parametrize("query, message", [
    ("date=2025-13-01", "Enter a real date"),
    ("lower=60000&upper=50000", "lower limit (60,000) is above its upper limit (50,000)"),
    ("lower=lots", "Enter the lower limit as a whole number"),
    ("networks=0", "The number of networks must be 1 or more"),
    ("networks=99", "must be between 1 and 5"),
    ("networks=two", "Enter the number of networks as a whole number"),
])
def test_bad_parameters_are_shown_on_the_page(placed, client_for, query, message):
    response = client_for("icb").get(f"{AREA}?{query}")
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and message in page
    assert "PCN configurations of Alpha ICB" in page  # the page and its form, not an error page


def test_nav_link_only_for_those_who_may_use_it(placed, client_for):
    assert 'href="/design/QAA/"' in client_for("icb").get("/").content.decode()
    assert 'href="/design/"' in client_for("analyst").get("/").content.decode()
    assert "/design/" not in client_for("pcn").get("/").content.decode()


# --- The index ---------------------------------------------------------------------------------


def test_index_offers_the_areas_and_goes_to_the_chosen_one(placed, client_for):
    client = client_for("icb")
    page = text(client.get("/design/"))
    assert "Alpha ICB (QAA)" in page and "Alpha Sub-ICB (01A)" in page and "Beta ICB" not in page
    response = client.get("/design/?area=01a&date=2025-01-01")
    assert response.status_code == 302 and response["Location"] == "/design/01A/?date=2025-01-01"
    refused = client.get("/design/?area=QBB&date=2025-01-01")
    assert refused.status_code == 400 and "no ICB or sub-ICB location you may design with the code QBB" in text(refused)


# --- The page ----------------------------------------------------------------------------------


def test_two_maps_side_by_side(placed, client_for):
    response = client_for("icb").get(AREA + DATE)
    html = response.content.decode()
    for side in ("current", "proposal"):
        assert f'data-design-map="design-map-{side}"' in html
        figure = json.loads(re.search(rf'<script id="design-map-{side}" type="application/json">(.*?)</script>',
                                      html, re.DOTALL).group(1))
        regions = [t for t in figure["traces"] if t.get("fill") == "toself"]
        assert regions and all(t["x"] for t in regions)
        markers = next(t for t in figure["traces"] if t["mode"] == "markers")
        assert len(markers["x"]) == len(ALPHA_LOCATED)  # A81006 is not on the map
        assert any("Dr Khan & Partners (A81001)" in t and "List size: 12,980" in t for t in markers["text"])
    assert "vendor/plotly.min.js" in html and "pcnhub/designer-map.js" in html and "cdn" not in html.lower()
    current = json.loads(re.search(r'<script id="design-map-current" type="application/json">(.*?)</script>',
                                   html, re.DOTALL).group(1))
    names = [t["name"] for t in current["traces"] if t.get("fill") == "toself"]
    assert names == ["1: Alpha North PCN", "2: Alpha South PCN"]  # A81006, in no PCN, has no location


def test_current_configuration_numbers(placed, client_for):
    response = client_for("icb").get(AREA + DATE)
    rows = rows_of(response, "current")
    assert [r["list_size"] for r in rows] == [NORTH_TOTAL, SOUTH_TOTAL]
    year = FinancialYear.containing(LATEST)
    for r in rows:
        assert r["list_size"] == sum(r["sizes"])
        assert r["access"] == access_requirement(LATEST, r["list_size"]).required_minutes_per_week
    # Alpha North's entitlement from its members' list sizes, with the money pages' rates and calculation.
    codes = ["A81001", "A81002", "A81003"]
    weighted = {code: round(SIZES[code][1] * 1.05) for code in codes}
    members = [Member(code, "", Population(SIZES[code][1], weighted[code], None)) for code in codes]
    expected = entitlement(year_rates(year), Population(NORTH_TOTAL, sum(weighted.values()), None), members=members)
    assert expected.total > Decimal(0)
    assert gbp(expected.total) in rows[0]["html"]
    assert gbp(expected.total_to(c.TO_PCN)) in rows[0]["html"]
    page = text(response)
    assert "Above by 5,000" in page and "In band" in page
    assert f"Entitlement {year}" in page
    assert "No adjusted population is recorded: the registered list stands in for it." in page


def test_proposal_covers_every_located_practice_once_and_is_measured(placed, client_for):
    response = client_for("icb").get(AREA + DATE)
    rows = rows_of(response, "proposal")
    placed_codes = sorted(re.findall(r'data-practice="(\w+)"', "".join(r["html"] for r in rows)))
    assert placed_codes == ALPHA_LOCATED
    for r in rows:
        assert r["list_size"] == sum(r["sizes"])
        assert r["access"] == access_requirement(LATEST, r["list_size"]).required_minutes_per_week
    total = sum(SIZES[code][1] for code in ALPHA_LOCATED)
    assert sum(r["list_size"] for r in rows) == total
    page = text(response)
    for label in ("Networks in the band", "Largest deviation", "Population-weighted mean distance", "Cut edges",
                  "Compactness", "Networks that are not contiguous"):
        assert label in page
    assert 'id="metrics-table"' in response.content.decode()


def test_unplaced_practices_are_listed_with_the_reason(placed, client_for):
    page = text(client_for("icb").get(AREA + DATE))
    assert f"{UNPLACED} Island Surgery: no postcode or coordinates recorded" in page
    assert "left out of the maps and the proposal" in page
    assert "OS Code-Point Open" in page


def test_number_of_networks_is_respected(placed, client_for):
    rows = rows_of(client_for("icb").get(AREA + DATE + "&networks=3"), "proposal")
    assert len(rows) == 3


def test_stray_practice_is_named_in_the_findings(placed, client_for):
    from pcnhub.register.models import Organisation

    # Move A81002 (Alpha North) far east, beyond Alpha South: North is no longer contiguous.
    Organisation.objects.filter(code="A81002").update(latitude=51.56, longitude=0.80)
    response = client_for("icb").get(AREA + DATE)
    page = text(response)
    assert "Alpha North PCN is not contiguous" in page and "stray practices: A81002" in page
    assert page.count("Alpha North PCN is not contiguous") == 1  # once, not once per check
    html = response.content.decode()
    row = re.search(r'data-metric="Networks that are not contiguous">.*?data-current>(.*?)</td>', html, re.DOTALL)
    assert row[1].strip() == "1"


def test_band_changes_what_is_in_band(placed, client_for):
    rows = rows_of(client_for("icb").get(AREA + DATE + "&lower=30000&upper=60000"), "current")
    assert all("In band" in r["html"] for r in rows)


# --- Downloads ---------------------------------------------------------------------------------


def test_proposal_csv_round_trips_through_the_configuration_reader(placed, client_for, tmp_path):
    response = client_for("icb").get(AREA + DATE + "&format=csv&table=configuration")
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == ["pcn", "practice_code", "practice_name", "list_size"]
    path = tmp_path / "proposal.csv"
    path.write_bytes(response.content)
    networks, practices = read_configuration_csv(path)
    assert sorted(practices) == ALPHA_LOCATED
    assert {p.code: p.list_size for n in networks for p in n.practices} == {
        code: SIZES[code][1] for code in ALPHA_LOCATED}
    page_rows = rows_of(client_for("icb").get(AREA + DATE), "proposal")
    assert sorted(sum(p.list_size for p in n.practices) for n in networks) == sorted(r["list_size"] for r in page_rows)
    result = rules.check_configuration(networks, practices)
    assert not any(f.rule == rules.FULL_COVERAGE for f in result.findings)


def test_json_download(placed, client_for):
    response = client_for("icb").get(AREA + DATE + "&format=json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["area"]["code"] == "QAA" and data["date"] == LATEST.isoformat()
    assert [u["code"] for u in data["unplaced"]] == [UNPLACED]
    proposed = sorted(p["code"] for n in data["proposal"]["networks"] for p in n["practices"])
    assert proposed == ALPHA_LOCATED
    assert data["proposal"]["metrics"]["networks"] == len(data["proposal"]["networks"])
    north = data["current"]["networks"][0]
    assert north["list_size"] == NORTH_TOTAL and north["in_band"] is True
    assert north["access_minutes_per_week"] == access_requirement(LATEST, NORTH_TOTAL).required_minutes_per_week


@pytest.mark.parametrize("table", ["current", "proposal", "metrics"])
def test_tables_download_as_csv_and_excel(placed, client_for, table):
    client = client_for("icb")
    rows = read_csv(client.get(f"{AREA}{DATE}&format=csv&table={table}"))
    assert len(rows) >= 2
    sheet = read_xlsx(client.get(f"{AREA}{DATE}&format=xlsx&table={table}"))
    assert sheet[0] == rows[0]
    if table == "current":
        assert rows[1][1] == "Alpha North PCN" and int(rows[1][5]) == NORTH_TOTAL
        assert int(rows[1][rows[0].index("Required access (minutes a week)")]) == access_requirement(LATEST, NORTH_TOTAL).required_minutes_per_week


def test_unknown_table_is_400(placed, client_for):
    assert client_for("icb").get(f"{AREA}{DATE}&format=csv&table=nope").status_code == 400


def test_year_outside_the_catalogue_says_entitlements_are_not_known(placed, client_for):
    page = text(client_for("icb").get(f"{AREA}?date=2030-06-01"))
    assert "The rates catalogue has no 2030/31" in page and "Not known" in page


def test_before_the_des_there_is_no_access_requirement(placed, client_for):
    response = client_for("icb").get(f"{AREA}?date=2019-05-01")
    assert response.status_code == 200
    assert "There was no network access requirement before the Network Contract DES" in text(response)


def test_area_without_located_practices_has_no_map_but_a_page(placed, client_for):
    from pcnhub.register.models import Organisation

    Organisation.objects.filter(kind="practice").update(postcode="", latitude=None, longitude=None)
    response = client_for("icb").get(AREA + DATE)
    assert response.status_code == 200
    assert "No proposal" in text(response)


def test_metrics_compare_the_money_and_access_of_all_networks(placed, client_for):
    response = client_for("icb").get(AREA + DATE)
    html = response.content.decode()

    def metric(key: str) -> tuple[str, str]:
        row = re.search(rf'data-metric="{key}">.*?data-current>(.*?)</td>.*?data-proposal>(.*?)</td>', html, re.DOTALL)
        return row[1].strip(), row[2].strip()

    year = FinancialYear.containing(LATEST)
    # The current side's total is the sum of its networks' entitlements (each checked above against the domain).
    totals = []
    for r in rows_of(response, "current"):
        amount = re.search(r"data-money-total>(£[\d,]+\.\d\d)", r["html"])[1]
        totals.append(Decimal(amount[1:].replace(",", "")))
    assert metric("money_total")[0] == gbp(sum(totals))
    assert f"Network entitlements {year}, all networks" in text(response)
    minutes = sum(r["access"] for r in rows_of(response, "proposal"))
    hours, rest = divmod(minutes, 60)
    assert metric("access_minutes")[1] == f"{hours:,} h {rest:02d} min"


def test_proposal_says_which_pcn_each_network_continues_and_who_moves(placed, client_for):
    response = client_for("icb").get(AREA + DATE)
    html = response.content.decode()
    continues = re.findall(r"data-continues>(.*?)</span>", html)
    assert continues and all(c.startswith("Continues ") or c == "A new network" for c in continues)
    row = re.search(r'data-metric="practices_moved">.*?data-proposal>(.*?)</td>', html, re.DOTALL)
    data = client_for("icb").get(AREA + DATE + "&format=json").json()
    moved = data["proposal"]["change"]
    assert row[1].strip() == f"{moved['practices_moved']:,}"
    current = {n["name"]: {p["code"] for p in n["practices"]} for n in data["current"]["networks"]}
    expected = 0
    for n in data["proposal"]["networks"]:
        kept = current.get(moved["continues"][n["name"]], set()) if moved["continues"][n["name"]] else set()
        expected += sum(1 for p in n["practices"] if p["code"] not in kept)
    assert moved["practices_moved"] == expected


def test_keeping_pcns_that_meet_the_rules_pins_their_practices(placed, client_for):
    data = client_for("icb").get(AREA + DATE + "&keep=on&format=json").json()
    assert data["keep"] is True
    kept = [n for n in data["current"]["networks"]
            if n["in_band"] and not any(f["rule"] == "contiguity" and f["severity"] != "info"
                                        for f in data["current"]["findings"] if f["network"] == n["name"])]
    proposed = [{p["code"] for p in n["practices"]} for n in data["proposal"]["networks"]]
    assert kept, "the test register has a PCN that meets the rules"
    for n in kept:
        codes = {p["code"] for p in n["practices"]} & set(ALPHA_LOCATED)
        assert any(codes <= members for members in proposed), n["name"]
    page = text(client_for("icb").get(AREA + DATE + "&keep=on"))
    assert "kept together; the proposal reworks the rest" in page


def test_network_download_says_where_the_registered_list_stands_in(placed, client_for):
    header, *rows = read_csv(client_for("icb").get(AREA + DATE + "&format=csv&table=current"))
    column = header.index("Populations not recorded")
    # the test register records weighted lists for every practice, adjusted populations for none
    assert {row[column] for row in rows} == {"no adjusted population recorded: the registered list stands in"}


def test_the_map_text_names_the_networks_too_crowded_to_number(placed, client_for, monkeypatch):
    from pcnhub.designer import maps

    def first_only(wanted, scale):  # as on a crowded map: every label after the first overlaps it
        return [(maps.territory.Box(x, y, 1, 1), [number]) if k == 0 else None
                for k, (number, _name, x, y) in enumerate(wanted)]

    monkeypatch.setattr(maps, "network_labels", first_only)
    html = client_for("icb").get(AREA + DATE).content.decode()
    current = json.loads(re.search(r'<script id="design-map-current" type="application/json">(.*?)</script>',
                                   html, re.DOTALL).group(1))
    assert current["unlabelled"] == ["2"]
    caption = re.search(r'<figcaption[^>]*id="current-map-text">(.*?)</figcaption>', html, re.DOTALL).group(1)
    assert "unlabelled there: network <span data-unlabelled>2</span>" in caption
