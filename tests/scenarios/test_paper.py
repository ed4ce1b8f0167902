"""A scenario's board paper (HTML and Word) on the hand-made register (tests/builders.py): Alpha North (U00001:
A81001-A81003, 38,147 patients on 1 January 2025, in the band) and Alpha South (U00002: A81004 30,000 + A81005 25,000,
above it); A81006 is in no network and cannot be placed on a map."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from docx import Document

from pcnhub.domain import scenario as d
from pcnhub.domain.money.rounding import gbp_whole, round_pound, whole
from pcnhub.finance.models import ArrsPost
from pcnhub.maturity import services as maturity
from pcnhub.register.models import Organisation
from pcnhub.scenarios import risks, services
from pcnhub.scenarios.models import EventKind
from pcnhub.scenarios.views_paper import file_name
from tests.designer.conftest import LOCATIONS

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)
SECTIONS = ["purpose", "reasons", "networks", "finance", "workforce", "access", "development", "population", "map",
            "risks", "recommendation", "appendix"]


class Tables(HTMLParser):
    """Every table of a page by id: its rows, each a list of its cells' text (white space collapsed)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = attrs.get("id", "")
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def section(html: str, key: str) -> str:
    found = re.search(rf'<section[^>]*id="paper-{key}".*?</section>', html, re.DOTALL)
    assert found, f"no section {key}"
    return found.group(0)


def paper_url(scenario) -> str:
    return f"/scenarios/{scenario.pk}/paper/"


@pytest.fixture
def alpha():
    return Organisation.objects.get(code="QAA")


@pytest.fixture
def move(placed, alpha):
    """Essex Way (A81003, 12,000) moves from Alpha North to Alpha South."""
    return services.create(alpha, "Essex Way to Alpha South", DAY,
                           "The practice shares a site with Alpha South's hub.\n\nIts patients already use it.",
                           placed.users["icb"], [d.Change(d.MOVE, practice="A81003", to_pcn="U00002")])


# --- Who may read it --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["paper/", "paper.docx"])
def test_a_draft_paper_is_the_commissioners_and_a_shared_one_the_networks_concerned(move, client_for, placed, suffix):
    url = f"/scenarios/{move.pk}/{suffix}"
    draft = {"icb": 200, "admin": 200, "pcn": 403, "practice": 403, "analyst": 403, "icb-beta": 403}
    for role, status in draft.items():
        assert client_for(role).get(url).status_code == status, role
    services.take_step(move, EventKind.SHARED, placed.users["icb"])
    shared = {"icb": 200, "admin": 200, "pcn": 200, "practice": 200, "analyst": 200, "icb-beta": 403}
    for role, status in shared.items():
        assert client_for(role).get(url).status_code == status, role
    assert client_for("icb").get(f"/scenarios/{move.pk + 1000}/{suffix}").status_code == 404


# --- What it says ------------------------------------------------------------------------------------


def test_every_section_is_there_with_the_comparisons_figures(move, client_for):
    html = client_for("icb").get(paper_url(move)).content.decode()
    found = services.comparison(move)
    for key in SECTIONS:
        section(html, key)
    title = re.search(r'<header class="paper-title".*?</header>', html, re.DOTALL).group(0)
    assert "Alpha ICB: paper for the board" in title and "<h1>Essex Way to Alpha South</h1>" in title
    assert "Isla Carter" in title and "Draft" in title and "1 January 2025" in title
    assert "Move Essex Way Surgery to Alpha South PCN" in section(html, "purpose")
    assert "shares a site with Alpha South" in section(html, "reasons")
    tables = Tables(html).tables

    # 3: each network's practices with ODS codes and list sizes, before and after
    landscape = {row[0]: row for row in tables["paper-table-landscape"][1:]}
    for row in found.rows:
        cells = landscape[row.before.name]
        for side, cell in ((row.before, cells[1]), (row.after, cells[2])):
            assert cell.endswith(f"Total {side.list_size:,}")
            for p in side.practices:
                assert f"{p.code} {p.name}" in cell and f"{p.list_size:,}" in cell
    assert "A81003 Essex Way Surgery (leaves for Alpha South PCN) 12,000" in landscape["Alpha North PCN"][1]
    assert "A81003 Essex Way Surgery (joins from Alpha North PCN) 12,000" in landscape["Alpha South PCN"][2]
    assert landscape["Alpha South PCN"][3] == f"Above the band by {55_000 + 12_000 - 50_000:,}"

    # 4: every entitlement line, whole pounds adding up to the totals
    for i, row in enumerate(found.rows, 1):
        lines = {r[0]: r for r in tables[f"paper-table-money-{i}"][1:]}
        wb, wa = whole(row.before.money), whole(row.after.money)
        for line in row.after.money.counted:
            key = line.payment.key
            assert lines[line.payment.name][1:] == [gbp_whole(wb.lines[key]), gbp_whole(wa.lines[key]),
                                                    _signed(wa.lines[key] - wb.lines[key])]
        assert lines["Total"][1:3] == [gbp_whole(wb.total), gbp_whole(wa.total)]
    summary = {r[0]: r for r in tables["paper-table-money-summary"][1:]}
    north = found.rows[0]
    assert summary["Alpha North PCN"][3] == _signed(whole(north.after.money).total - whole(north.before.money).total)

    # 5 and 6: ARRS and access, before and after
    workforce = tables["paper-table-workforce"]
    access = tables["paper-table-access"]
    for k, row in enumerate(found.rows):
        for j, side in enumerate((row.before, row.after)):
            cells = workforce[1 + 2 * k + j][-5:]
            total, claims = round_pound(side.arrs.sum), round_pound(side.arrs.claims)
            assert cells[1:4] == [gbp_whole(total), gbp_whole(claims), gbp_whole(total - claims)]
            assert access[1 + 2 * k + j][-3:] == [f"{side.access.required:,}", f"{side.access.planned:,}",
                                                  f"{side.access.shortfall:,}"]

    # 7 and 8: development steps and the population, from the sides
    development = {r[0]: r for r in tables["paper-table-development-1"][1:]}
    for domain, label in north.after.development.labels.items():
        assert development[domain] == [domain, north.before.development.labels[domain], label]
    population = {r[0]: r for r in tables["paper-table-population-1"][1:]}
    assert population["Registered patients"] == ["Registered patients", f"{north.before.people.registered:,}",
                                                 f"{north.after.people.registered:,}"]
    # ages only from every practice of a network: the test register has ages for A81001 alone
    assert north.before.people.ages == {} and population["Aged 0 to 17"][1] == "Not recorded"

    # 9: straight lines and estimated drives, before and after, and how the drives are estimated
    spread = tables["paper-table-spread"]
    assert spread[0][2:] == ["Farthest apart (km)", "Mean between two (km)", "Longest drive (min)", "Mean drive (min)"]
    for k, row in enumerate(found.rows):
        for j, side in enumerate((row.before, row.after)):
            s = side.spread
            assert spread[1 + 2 * k + j][-4:] == [f"{s.farthest_km:.1f}", f"{s.mean_between_km:.1f}",
                                                  str(s.farthest_drive_minutes), str(s.mean_between_drive_minutes)]
    assert spread[4][-4:] == ["5.8", "4.2", "12", "9"]  # Alpha South with Essex Way
    assert "The drives are estimates: the straight line between two practices with a road route 1.4 times" \
        in section(html, "map")
    assert "reference/travel/travel.toml" in section(html, "appendix")

    # 11: the box for the board, and the appendix's notes on the rates
    box = section(html, "recommendation")
    assert "The board is asked to:" in box and all(f"</span>{w}</li>" in box for w in ("approve", "reject", "defer"))
    assert "2019/20 to 2025/26" in section(html, "appendix")
    assert "follows the patients" in section(html, "appendix")


def _signed(amount: int) -> str:
    return f"+£{amount:,}" if amount > 0 else gbp_whole(amount)


# --- Risks -----------------------------------------------------------------------------------------------


def kinds(found) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in risks.risks(found):
        out.setdefault(r.kind, []).append(r.network)
    return out


def test_a_move_that_pushes_a_network_above_the_band_and_leaves_another_below_it(placed, alpha, client_for):
    scenario = services.create(alpha, "Queensway to North", DAY, "", placed.users["icb"],
                               [d.Change(d.MOVE, practice="A81004", to_pcn="U00001")])
    found = services.comparison(scenario)
    found_risks = risks.risks(found)
    by_kind = kinds(found)
    # North was in the band and is now above it (a new warning); South falls below it (a rule broken) and loses money
    assert "Alpha North PCN" in by_kind[risks.WARNING]
    assert "Alpha South PCN" in by_kind[risks.RULE] and by_kind[risks.MONEY_LOST] == ["Alpha South PCN"]
    assert by_kind[risks.MONEY_GAINED] == ["Alpha North PCN"]
    south = next(r for r in found.rows if r.key == "U00002")
    lost = whole(south.before.money).total - whole(south.after.money).total
    assert any(r.kind == risks.MONEY_LOST and gbp_whole(lost) in r.text for r in found_risks)
    # the area's missing practice (A81006) is a rule broken before the changes too
    area = [r for r in found_risks if r.network == risks.WHOLE_AREA]
    assert [r.kind for r in area] == [risks.RULE] and area[0].text.endswith(risks.AS_BEFORE)
    # the paper lists the same risks, in the same order
    html = client_for("icb").get(paper_url(scenario)).content.decode()
    shown = re.findall(r'<tr class="nhsuk-table__row" data-risk="([\w-]+)">', section(html, "risks"))
    assert shown == [r.kind for r in found_risks]
    assert [row[2] for row in Tables(html).tables["paper-table-risks"][1:]] == [r.text for r in found_risks]


def test_a_merge_under_a_new_name_carries_the_lower_step_and_is_above_the_band(placed, alpha):
    from pcnhub.domain import maturity as m
    from pcnhub.reference.maturity import load_matrix

    matrix = load_matrix()
    statements = [s.id for s in matrix.domain("lpp").steps[0].statements(m.PCN)]
    posted = [maturity.Posted(s, m.ACHIEVED, "", "", 0, maturity.fingerprint("", "", "")) for s in statements]
    maturity.save_answers(placed.north, m.PCN, matrix, posted, placed.users["pcn"])
    scenario = services.create(alpha, "One Alpha", DAY, "", placed.users["icb"],
                               [d.Change(d.MERGE, from_pcn="U00002", to_pcn="U00001", name="Alpha PCN")])
    found = services.comparison(scenario)
    found_risks = risks.risks(found)
    merged = [r for r in found_risks if r.network == "Alpha PCN"]
    assert {r.kind for r in merged} >= {risks.WARNING, risks.DEVELOPMENT}
    development = next(r for r in merged if r.kind == risks.DEVELOPMENT)
    assert "Leadership, planning and partnerships at Not assessed, where Alpha North PCN had reached Foundation" in \
        development.text
    # South ends merged whole: nothing is left behind, so no "network ends" risk
    assert risks.ENDS not in {r.kind for r in found_risks}


def test_a_split_into_a_new_network_with_posts_above_the_sum(placed, alpha):
    before = services.comparison(services.create(alpha, "Probe", DAY, "", placed.users["icb"], [
        d.Change(d.SPLIT, practice="A81004", to_pcn="Alpha East")]))
    south = next(r for r in before.rows if r.key == "U00002")
    after_sum = south.after.arrs.sum
    # posts whose claims fit the sum before the split (55,000 patients) but not after it (25,000)
    for start, fte in ((dt.date(2024, 4, 1), 10), (dt.date(2024, 10, 1), 6)):
        ArrsPost.objects.create(pcn=placed.south, role="clinical_pharmacist", fte=Decimal(fte), start=start,
                                annual_cost=Decimal(55_000) * fte, label=f"Pharmacists from {start:%B %Y}")
    scenario = services.create(alpha, "Alpha East", DAY, "", placed.users["icb"],
                               [d.Change(d.SPLIT, practice="A81004", to_pcn="Alpha East")])
    found = services.comparison(scenario)
    south = next(r for r in found.rows if r.key == "U00002")
    assert south.before.arrs.headroom >= 0 > south.after.arrs.headroom and south.after.arrs.sum == after_sum
    found_risks = risks.risks(found)
    staff = [r for r in found_risks if r.kind == risks.WORKFORCE]
    assert [r.network for r in staff] == ["Alpha South PCN"]
    assert "Posts outside the sum: Pharmacists from October 2024." in staff[0].text
    governance = [r for r in found_risks if r.kind == risks.GOVERNANCE]
    assert [r.network for r in governance] == ["Alpha East"]
    assert "no Clinical Director, nominated payee or network agreement recorded" in governance[0].text
    # the governance warnings of the new network are not counted again as new warnings
    assert not [r for r in found_risks if r.kind == risks.WARNING and r.network == "Alpha East"
                and "recorded" in r.text]


# --- The map -------------------------------------------------------------------------------------------------


def test_the_map_has_a_point_per_located_practice_and_lists_the_others(move, client_for):
    hollies = Organisation.objects.get(code="A81002")
    hollies.latitude = hollies.longitude = None
    hollies.postcode = ""
    hollies.save()  # saved one at a time: the cached landscape is made afresh
    html = client_for("icb").get(paper_url(move)).content.decode()
    block = section(html, "map")
    points = re.findall(r'<g class="paper-map__practice" data-practice="(\w+)" data-network="(\d+)" '
                        r'data-change="(\w*)">', block)
    located = sorted(c for c in LOCATIONS if c.startswith("A") and c != "A81002")
    assert sorted(code for code, *_ in points) == located
    assert dict((code, change) for code, _n, change in points)["A81003"] == "moved"
    # each network its colour and its shape; a legend, a north arrow and a scale bar
    networks = {n for _c, n, _ch in points}
    assert networks == {"1", "2"} and block.count('class="paper-map__legend"') == 1
    assert 'class="paper-map__north"' in block and re.search(r'class="paper-map__scale" data-km="[\d.]+"', block)
    assert "A81002 The Hollies Surgery (Alpha North PCN)" in block  # listed under the map
    assert 'role="img"' in block and "<title id=\"paper-map-title\">" in block


# --- Word --------------------------------------------------------------------------------------------------


def test_the_word_document_opens_and_holds_the_same_tables(move, client_for):
    response = client_for("icb").get(f"/scenarios/{move.pk}/paper.docx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert response["Content-Disposition"] == \
        'attachment; filename="board-paper-essex-way-to-alpha-south-2025-01-01.docx"'
    doc = Document(io.BytesIO(response.content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings[:11] == ["1. Purpose and proposal", "2. Background and reasons", "3. The networks before and after",
                             "4. Finance", "5. Workforce", "6. Access", "7. Development", "8. Population and needs",
                             "9. Map, distance and travel", "10. Risks", "11. Recommendation"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    html = client_for("icb").get(paper_url(move)).content.decode()
    landscape = next(t for t in tables if t[0][0] == "Network" and t[0][1].startswith("Member practices before"))
    north = next(row for row in landscape if row[0] == "Alpha North PCN")
    assert "A81003 Essex Way Surgery 12,000 (leaves for Alpha South PCN)" in north[1]
    money = next(t for t in tables if t[0] == ["Network", "Before", "After", "Difference", "What becomes of it"])
    html_money = Tables(html).tables["paper-table-money-summary"]
    assert money == html_money
    assert any("The board is asked to:" in t[0][0] and "☐ approve" in t[0][0] for t in tables)
    assert any(p.text.startswith("The map is in the HTML paper (http") for p in doc.paragraphs)


def test_a_scenario_without_changes_has_a_paper_that_says_so(placed, alpha, client_for):
    empty = services.create(alpha, "Nothing yet", DAY, "", placed.users["icb"])
    html = client_for("icb").get(paper_url(empty)).content.decode()
    assert "has no changes yet: there is nothing for the board to decide" in section(html, "purpose")
    assert "No reasons have been recorded" in section(html, "reasons")
    # the one risk is the area's practice in no network (A81006), as it was before
    assert re.findall(r'data-risk="([\w-]+)"', section(html, "risks")) == [risks.RULE]
    assert "(broken before the changes too)" in section(html, "risks")
    assert "no map" in section(html, "map") and 'id="paper-recommendation-box"' in html
    assert client_for("icb").get(f"/scenarios/{empty.pk}/paper.docx").status_code == 200


def test_a_safe_file_name_for_any_name(placed, alpha):
    scenario = services.create(alpha, 'North "merger" / phase 2: Ü', DAY, "", placed.users["icb"])
    assert file_name(scenario) == "board-paper-north-merger-phase-2-u-2025-01-01.docx"
    scenario.name = "///"
    assert file_name(scenario) == "board-paper-scenario-2025-01-01.docx"


def test_once_applied_the_changes_no_longer_apply_and_the_page_says_so(move, client_for, placed):
    services.take_step(move, EventKind.SUBMITTED, placed.users["icb"])
    services.take_step(move, EventKind.APPROVED, placed.users["icb"], "Agreed", today=DAY)
    response = client_for("icb").get(paper_url(move))
    assert response.status_code == 409
    assert "no longer apply to the register on 1 January 2025" in response.content.decode()
    assert client_for("icb").get(f"/scenarios/{move.pk}/paper.docx").status_code == 409


def test_the_population_section_places_the_main_measures_among_all_pcns(placed, alpha, client_for, settings,
                                                                         tmp_path):
    from tests.measures.fixtures import write_measures

    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(tmp_path / "phm" / "measures")
    split = services.create(alpha, "Alpha East", DAY, "", placed.users["icb"],
                            [d.Change(d.SPLIT, practice="A81004", to_pcn="Alpha East")])
    html = client_for("icb").get(paper_url(split)).content.decode()
    tables = Tables(section(html, "population")).tables
    rows = [r for t in tables.values() for r in t if r and r[0].startswith("Emergency admissions")]
    # Alpha East (A81004: 40 of 30,000) is above two of the three PCNs' values
    assert any(r[-1] == "1.3 per 1,000 (higher than 67% of PCNs)" for r in rows), rows
