"""The landscape's list of PCNs: filters in the query string (area, list size against the band, findings only,
severity, text), sortable columns, pages, the totals and downloads at the top, and the home page's "to review"
leading to exactly those PCNs.

The register is tests/builders.py's: in Alpha ICB on 2025-01-01, Alpha North (U00001, 3 practices, 38,147, in band,
governance recorded: no findings) and Alpha South (U00002, 2 practices, 55,000, above the band: warnings); A81006
(Island Surgery) is in no PCN.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from pcnhub.register import views
from pcnhub.register.models import AgreementStatus, Governance, ListSize, Membership, Organisation, OrgKind, Parentage
from tests.builders import LATEST
from tests.register.test_pages import text

pytestmark = pytest.mark.django_db

URL = reverse("landscape")


def listed(response) -> list[str]:
    """The ODS codes of the PCNs in the page's table, in order."""
    table = response.content.decode().split('id="pcn-table"', 1)
    return re.findall(r'<tr class="nhsuk-table__row" data-pcn="(\w+)"', table[1]) if len(table) > 1 else []


def totals(response, which: str) -> dict[str, int]:
    """The totals table at the top: ``which`` is "listed" (the PCNs the filters keep) or "all" (the area's)."""
    found = re.findall(rf'data-{which}="([\w-]+)"[^>]*>([\d,]+)<', response.content.decode())
    return {name: int(n.replace(",", "")) for name, n in found}


def get(client, **query):
    return client.get(URL, {"area": "QAA", **query})


def add_pcns(register, count: int) -> list[str]:
    """``count`` more PCNs in Alpha Sub-ICB, each with one practice of 31,000 + i patients, named to sort after
    Alpha South; returns their codes."""
    codes = []
    for i in range(count):
        pcn = Organisation.objects.create(code=f"U9{i:04d}", name=f"Zeta {i} PCN", kind=OrgKind.PCN)
        practice = Organisation.objects.create(code=f"Z9{i:04d}", name=f"Zeta Practice {i}", kind=OrgKind.PRACTICE,
                                               postcode="SS1 1AA", status="active", open_date=dt.date(1990, 4, 1))
        for child in (pcn, practice):
            Parentage.objects.create(child=child, parent=register.sub_a)
        Membership.objects.create(practice=practice, pcn=pcn, start=dt.date(2019, 7, 1))
        ListSize.objects.create(organisation=practice, date=LATEST, registered=31_000 + i)
        codes.append(pcn.code)
    return codes


# --- Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ({}, ["U00001", "U00002"]),
    ({"findings": "on"}, ["U00002"]),
    ({"severity": "warning"}, ["U00002"]),
    ({"severity": "error"}, []),
    ({"size": "within"}, ["U00001"]),
    ({"size": "above"}, ["U00002"]),
    ({"size": "below"}, []),
    ({"q": "alpha NORTH"}, ["U00001"]),  # PCN name, any case
    ({"q": "north"}, ["U00001", "U00002"]),  # and North Avenue Surgery, a member of Alpha South
    ({"q": "u00002"}, ["U00002"]),  # PCN code
    ({"q": "Hollies"}, ["U00001"]),  # a member practice's name
    ({"q": "A81005"}, ["U00002"]),  # a member practice's code
    ({"q": "surgery", "size": "within"}, ["U00001"]),  # filters combine
    ({"q": "nowhere at all"}, []),
])
def test_filters_keep_the_pcns_that_meet_them(client_for, query, expected):
    response = get(client_for("icb"), **query)
    assert response.status_code == 200
    assert listed(response) == expected
    if not expected:
        assert "No PCN of Alpha ICB matches the filters on 1 January 2025" in text(response)


def test_totals_at_the_top_for_the_pcns_listed_and_the_whole_area(client_for):
    response = get(client_for("icb"), findings="on")
    assert totals(response, "listed") == {"pcns": 1, "practices": 2, "patients": 55_000, "with-findings": 1,
                                          "uncovered": 0}
    assert totals(response, "all") == {"pcns": 2, "practices": 5, "patients": 93_147, "with-findings": 1,
                                       "uncovered": 1}
    page = text(response)
    assert "Showing 1 PCN matching the filters (2 in Alpha ICB)" in page
    assert "Total for the PCNs listed: 1 PCN, 2 member practices 55,000" in page
    unfiltered = get(client_for("icb"))
    assert totals(unfiltered, "listed") == {}  # one column when nothing is filtered
    assert totals(unfiltered, "all") == totals(response, "all")


def test_totals_downloads_and_how_the_rules_are_checked_come_before_the_table(client_for):
    html = get(client_for("icb")).content.decode()
    order = [html.index(mark) for mark in ('id="totals"', "format=csv", "How the rules are checked", 'id="pcn-table"')]
    assert order == sorted(order)
    rules = html[html.index('id="how-rules-are-checked"'):html.index('id="pcn-table"')]
    assert 'href="#band-policy"' in rules and "Each PCN must serve at least 30,000" in rules


def test_a_search_shows_the_practices_in_no_pcn_it_matches(client_for):
    response = get(client_for("icb"), q="island")
    assert listed(response) == []
    uncovered = response.content.decode().split('id="uncovered"')[1]
    assert "A81006" in uncovered and "Total in no PCN 4,000" in text(response)
    # A filter only a PCN can meet leaves the practices in no PCN out.
    assert 'id="uncovered"' not in get(client_for("icb"), findings="on").content.decode()


def test_a_search_opens_the_member_practices_it_matched(client_for):
    html = get(client_for("icb"), q="hollies").content.decode()
    assert re.search(r'<details class="nhsuk-details pcnhub-members" open>', html)
    assert "<details class=\"nhsuk-details pcnhub-members\" open>" not in get(client_for("icb")).content.decode()


def test_the_filter_form_shows_what_was_asked_and_offers_every_severity(client_for):
    html = get(client_for("icb"), q="north", size="within", severity="warning", findings="on").content.decode()
    assert 'name="q" value="north"' in html
    assert re.search(r'<option value="within" selected>Within the band</option>', html)
    assert re.search(r'<option value="warning" selected>Warning</option>', html)
    assert re.search(r'name="findings"[^>]* checked', html)
    for severity in ("error", "warning", "info", "exception"):
        assert f'<option value="{severity}"' in html


@pytest.mark.parametrize("query, message", [
    ({"size": "huge"}, "Select a valid choice"),
    ({"severity": "fatal"}, "Select a valid choice"),
    ({"sort": "colour"}, "Select a valid choice"),
    ({"page": "two"}, "Enter the page as a whole number"),
    ({"page": "0"}, "Pages are numbered from 1"),
    ({"q": "x" * 101}, "Enter at most 100 characters"),
])
def test_bad_filters_sorts_and_pages_are_400(client_for, query, message):
    response = get(client_for("icb"), **query)
    assert response.status_code == 400
    assert message in text(response)


# --- Sort --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort, expected", [
    ("name", ["U00001", "U00002"]),
    ("-name", ["U00002", "U00001"]),
    ("size", ["U00001", "U00002"]),
    ("-size", ["U00002", "U00001"]),
    ("practices", ["U00002", "U00001"]),
    ("-practices", ["U00001", "U00002"]),
    ("findings", ["U00001", "U00002"]),
    ("-findings", ["U00002", "U00001"]),
])
def test_sort_by_each_column(client_for, sort, expected):
    assert listed(get(client_for("icb"), sort=sort)) == expected


def test_column_headers_link_to_their_sort_and_say_which_is_sorted(client_for):
    html = get(client_for("icb"), sort="-size", findings="on").content.decode()
    headers = {key: aria for aria, key in re.findall(r'aria-sort="(\w+)" data-sort="(\w+)"', html)}
    assert headers == {"name": "none", "practices": "none", "size": "descending", "findings": "none"}
    links = dict(re.findall(r'data-sort="(\w+)"><a class="nhsuk-link" href="([^"]+)"', html))
    assert "sort=size" in links["size"]  # the sorted column links to the other direction
    assert "sort=-practices" in links["practices"] and "sort=name" in links["name"]
    assert all("findings=on" in link and "area=QAA" in link for link in links.values())  # filters are kept


# --- Pages -------------------------------------------------------------------------------------


def pagination(page) -> str:
    html = page if isinstance(page, str) else page.content.decode()
    return html.split('<nav class="nhsuk-pagination', 1)[1].split("</nav>", 1)[0]


def test_pages_of_pcns_with_the_nhs_pagination(client_for, register, monkeypatch):
    monkeypatch.setattr(views, "LANDSCAPE_PAGE_SIZE", 2)
    extra = add_pcns(register, 3)
    client = client_for("icb")
    first = get(client)
    assert listed(first) == ["U00001", "U00002"]
    assert "Showing PCNs 1 to 2 of 5" in text(first)
    nav = pagination(first)
    assert 'aria-current="page"' in nav and "page=3" in nav and 'rel="next"' in nav
    assert listed(get(client, page="2")) == extra[:2]
    assert listed(get(client, page="3")) == extra[2:]
    assert listed(get(client, page="99")) == extra[2:]  # past the end: the last page
    # The totals count every page; sorting and filtering apply before paging.
    assert totals(first, "all")["pcns"] == 5
    assert listed(get(client, sort="-size")) == ["U00002", "U00001"]
    assert listed(get(client, sort="-size", page="2")) == [extra[2], extra[1]]
    assert listed(get(client, size="within", page="2")) == extra[1:3]


def test_pagination_links_keep_the_filters(client_for, register, monkeypatch):
    monkeypatch.setattr(views, "LANDSCAPE_PAGE_SIZE", 1)
    add_pcns(register, 2)
    html = get(client_for("icb"), size="within", sort="-size").content.decode()
    nav = pagination(html)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all("size=within" in link and "sort=-size" in link for link in links)


# --- Downloads ---------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_download_holds_what_is_filtered_on_every_page(client_for, register, monkeypatch):
    monkeypatch.setattr(views, "LANDSCAPE_PAGE_SIZE", 1)
    client = client_for("icb")
    rows = csv_rows(get(client, findings="on", format="csv"))[1:]
    assert {r[0] for r in rows} == {"U00002"} and {r[2] for r in rows} == {"A81004", "A81005"}
    everything = csv_rows(get(client, format="csv"))[1:]
    assert {r[0] for r in everything} == {"U00001", "U00002", ""}  # "" : A81006, in no PCN
    assert len(everything) == 6  # every page of PCNs, not the one shown
    html = get(client, findings="on", sort="-size").content.decode()
    links = re.findall(r'href="([^"]*format=(?:csv|xlsx)[^"]*)"', html)
    assert len(links) == 2 and all("findings=on" in link and "page=" not in link for link in links)


# --- Home --------------------------------------------------------------------------------------


def follow(client, html: str, attribute: str) -> tuple[int, list[str]]:
    """The number a link of the home page shows in ``attribute``, and the PCNs the page it leads to lists."""
    href, number = re.search(rf'<a href="([^"]+)" {attribute}="(\d+)"', html).groups()
    return int(number), listed(client.get(href.replace("&amp;", "&")))


def test_home_to_review_leads_to_exactly_those_pcns(client_for, register):
    client = client_for("icb")
    html = client.get(reverse("home")).content.decode()
    number, pcns = follow(client, html, "data-to-review")
    assert number == len(pcns) == 1 and pcns == ["U00002"]
    assert "1 PCN to review" in text(client.get(reverse("home")))
    assert "data-with-errors" not in html  # no PCN has an error


def test_home_pcns_with_errors_lead_to_exactly_those_pcns(client_for, register):
    # Alpha South's governance recorded with nothing in it: errors (no Clinical Director, payee or agreement).
    Governance.objects.create(pcn=register.south, start=dt.date(2019, 7, 1),
                              network_agreement=AgreementStatus.NOT_STARTED)
    add_pcns(register, 2)  # in the band, governance not recorded: warnings only
    client = client_for("icb")
    html = client.get(reverse("home")).content.decode()
    to_review, reviewed = follow(client, html, "data-to-review")
    with_errors, errored = follow(client, html, "data-with-errors")
    assert to_review == len(reviewed) == 3 and set(reviewed) == {"U00002", "U90000", "U90001"}
    assert with_errors == len(errored) == 1 and errored == ["U00002"]


# --- Scope -------------------------------------------------------------------------------------


def test_filters_never_reach_outside_the_users_scope(client_for):
    client = client_for("icb")
    assert listed(get(client, q="beta")) == []  # Beta PCN is another ICB's
    assert get(client, q="beta", area="QBB").status_code == 403
    assert client.get(URL, {"area": "QBB", "findings": "on", "format": "csv"}).status_code == 403
    assert listed(get(client_for("analyst"), q="beta", area="QBB")) == ["U00003"]


# --- The area chooser ----------------------------------------------------------------------------


def chooser(response) -> list[tuple[str, list[str]]]:
    """The area select's groups: each optgroup's label and its options' text."""
    html = response.content.decode().split('name="area"', 1)[1].split("</select>", 1)[0]
    return [(label, [o.replace("\xa0", "_") for o in re.findall(r"<option [^>]*>([^<]*)</option>", body)])
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', html, flags=re.S)]


def test_the_area_chooser_is_grouped_region_icb_sub_icb(client_for, register):
    Organisation.objects.create(code="09Z", name="Orphan Sub-ICB", kind=OrgKind.SUB_ICB)  # no ICB recorded
    assert chooser(client_for("analyst").get(URL)) == [
        ("Test Region", ["Test Region (Y99)", "____Alpha ICB (QAA)", "________Alpha Sub-ICB (01A)",
                         "____Beta ICB (QBB)", "________Beta Sub-ICB (02B)"]),
        ("Other areas", ["Orphan Sub-ICB (09Z)"]),
    ]
    # The ICB user's chooser has only the areas of its role, under its region's heading (as every page's picker).
    assert chooser(client_for("icb").get(URL)) == [("Test Region", ["Alpha ICB (QAA)", "____Alpha Sub-ICB (01A)"])]
