"""CSV and Excel downloads hold the numbers the pages show, and cannot smuggle in formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict

import openpyxl
import pytest
from django.urls import reverse

from pcnhub.register.models import ListSize, Membership, Organisation, OrgKind, Parentage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def xlsx_cells(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def page_totals(html: str) -> tuple[dict[str, int], int]:
    """The PCN totals and the area total as the landscape page shows them."""
    pcns = {code: number(n) for code, n in re.findall(r'data-pcn-total="(\w+)">([\d,]+)<', html)}
    area = number(re.search(r"data-area-total>([\d,]+)<", html).group(1))
    return pcns, area


def attachment(response) -> str:
    match = re.fullmatch(r'attachment; filename="([^"]+)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match.group(1)


# --- Landscape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_landscape_download_matches_the_page(client_for, fmt):
    client = client_for("icb")
    query = {"area": "QAA", "date": "2025-01-01"}
    pcn_totals, area_total = page_totals(client.get(reverse("landscape"), query).content.decode())
    assert pcn_totals == {"U00001": 38_147, "U00002": 55_000} and area_total == 93_147

    response = client.get(reverse("landscape"), {**query, "format": fmt})
    assert response.status_code == 200
    assert attachment(response) == f"landscape-QAA-2025-01-01.{fmt}"
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    header, body = rows[0], rows[1:]
    assert header == ["PCN code", "PCN name", "Practice code", "Practice name", "Registered list size",
                      "List size date", "PCN list size", "Findings"]
    as_int = (lambda v: int(v)) if fmt == "csv" else (lambda v: v)
    sums: dict[str, int] = defaultdict(int)
    for row in body:
        if row[0]:
            sums[row[0]] += as_int(row[4])
            assert as_int(row[6]) == pcn_totals[row[0]]
    assert dict(sums) == pcn_totals
    assert sum(sums.values()) == area_total
    uncovered = [row for row in body if not row[0]]
    assert [(r[2], as_int(r[4]), r[7]) for r in uncovered] == [("A81006", 4_000, "In no PCN")]
    south = [row for row in body if row[0] == "U00002"]
    assert "5,000 above the suggested upper level of 50,000" in south[0][7]
    if fmt == "xlsx":
        assert isinstance(body[0][4], int) and isinstance(body[0][5], dt.datetime)


def test_landscape_download_follows_date_and_band(client_for):
    response = client_for("icb").get(reverse("landscape"), {"area": "QAA", "date": "2024-01-01", "upper": "70000",
                                                             "format": "csv"})
    rows = read_csv(response)[1:]
    assert attachment(response) == "landscape-QAA-2024-01-01.csv"
    totals = {row[0]: int(row[6]) for row in rows if row[0]}
    assert totals == {"U00001": 25_500, "U00002": 64_500}
    assert not any("upper limit" in row[7] for row in rows)
    assert any("below the lower limit" in row[7] for row in rows if row[0] == "U00001")


def test_landscape_download_links_are_on_the_page(client_for):
    html = client_for("icb").get(reverse("landscape"), {"area": "QAA"}).content.decode()
    assert 'href="?area=QAA&amp;date=2025-01-01&amp;format=csv&amp;table=landscape"' in html
    assert 'href="?area=QAA&amp;date=2025-01-01&amp;format=xlsx&amp;table=landscape"' in html


# --- PCN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pcn_members_download_matches_the_page(client_for, fmt):
    client = client_for("pcn")
    html = client.get(reverse("pcn", args=["U00001"])).content.decode()
    page_total = number(re.search(r"data-pcn-total>([\d,]+)<", html).group(1))
    response = client.get(reverse("pcn", args=["U00001"]), {"format": fmt, "table": "members"})
    assert attachment(response) == f"pcn-U00001-members-2025-01-01.{fmt}"
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == ["Practice code", "Practice name", "Registered list size", "List size date", "Member from",
                       "DES signed"]
    assert [r[0] for r in rows[1:]] == ["A81001", "A81002", "A81003"]
    assert sum(int(r[2]) for r in rows[1:]) == page_total == 38_147
    assert rows[1][5] == "yes"


def test_pcn_membership_history_download(client_for):
    response = client_for("icb").get(reverse("pcn", args=["U00002"]), {"format": "csv", "table": "history"})
    assert attachment(response) == "pcn-U00002-membership-history.csv"
    rows = read_csv(response)
    assert rows[1:] == [
        ["A81003", "Essex Way Surgery", "U00002", "2019-07-01", "2024-03-31", "yes", ""],
        ["A81005", "North Avenue Surgery", "U00002", "2019-07-01", "", "yes", ""],
        ["A81004", "Queensway Medical Centre", "U00002", "2019-07-01", "", "yes", ""],
    ]


def test_pcn_list_size_history_download_matches_the_chart_table(client_for):
    client = client_for("pcn")
    page = client.get(reverse("pcn", args=["U00001"])).content.decode()
    # 2024-04-01: A81003 joins, counted with its 2024-01-01 list size (25,500 + 11,500).
    assert '"values": [25500, 37000, 38147]' in page
    rows = read_xlsx(client.get(reverse("pcn", args=["U00001"]), {"format": "xlsx", "table": "list-sizes"}))
    assert rows == [
        ["Date", "Network code then", "Member practices counted", "Registered list size", "List sizes of",
         "Members with no list size"],
        [dt.datetime(2024, 1, 1), "U00001", 2, 25_500, dt.datetime(2024, 1, 1), 0],
        [dt.datetime(2024, 4, 1), "U00001", 3, 37_000, dt.datetime(2024, 1, 1), 0],
        [dt.datetime(2025, 1, 1), "U00001", 3, 38_147, dt.datetime(2025, 1, 1), 0],
    ]


def test_pcn_download_is_on_the_date_asked_for(client_for):
    rows = read_csv(client_for("icb").get(reverse("pcn", args=["U00002"]),
                                          {"date": "2024-01-01", "format": "csv"}))
    assert sum(int(r[2]) for r in rows[1:]) == 64_500


# --- Practice ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_practice_list_size_download(client_for, fmt):
    response = client_for("practice").get(reverse("practice", args=["A81001"]), {"format": fmt})
    assert attachment(response) == f"practice-A81001-list-sizes.{fmt}"
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == ["Date", "Registered", "Weighted", "Adjusted", "Source"]
    assert [int(r[1]) for r in rows[1:]] == [12_500, 12_980]


def test_practice_membership_and_age_sex_downloads(client_for):
    client = client_for("icb")
    rows = read_csv(client.get(reverse("practice", args=["A81003"]), {"format": "csv", "table": "memberships"}))
    assert rows[1:] == [
        ["U00002", "Alpha South PCN", "2019-07-01", "2024-03-31", "yes"],
        ["U00001", "Alpha North PCN", "2024-04-01", "", "yes"],
    ]
    response = client.get(reverse("practice", args=["A81001"]), {"format": "xlsx", "table": "age-sex"})
    assert attachment(response) == "practice-A81001-age-sex-2025-01-01.xlsx"
    assert read_xlsx(response) == [["Age band", "Female", "Male"], ["0 to 4", 3_100, 2_900], ["95+", 31, 29]]


# --- Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_search_download_holds_every_result_not_just_the_page(client_for, register, fmt):
    Organisation.objects.bulk_create(
        Organisation(code=f"X{i:05d}", name=f"Paged Surgery {i:03d}", kind="practice") for i in range(120)
    )
    response = client_for("admin").get(reverse("search"), {"q": "paged", "page": "2", "format": fmt})
    assert attachment(response) == f"search-paged.{fmt}"
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert rows[0] == ["ODS code", "Name", "Kind", "Postcode", "Status"]
    assert len(rows) == 121 and rows[1][:3] == ["X00000", "Paged Surgery 000", "GP practice"]


def test_search_download_filename_is_safe(client_for):
    response = client_for("admin").get(reverse("search"), {"q": 'a"/\\;\r\nb', "format": "csv"})
    assert attachment(response) == "search-a-b.csv"


# --- Formula injection -------------------------------------------------------------------------

NASTY = ['=HYPERLINK("http://evil.example","x")', "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)"]


@pytest.fixture
def nasty_practices(register):
    """Practices in Alpha North PCN whose names a spreadsheet would run as formulas."""
    for i, name in enumerate(NASTY):
        practice = Organisation.objects.create(code=f"N{i:05d}", name=name, kind=OrgKind.PRACTICE)
        Parentage.objects.create(child=practice, parent=register.sub_a)
        Membership.objects.create(practice=practice, pcn=register.north, start=dt.date(2019, 7, 1))
        ListSize.objects.create(organisation=practice, date=dt.date(2025, 1, 1), registered=10)
    return NASTY


def test_csv_cells_that_look_like_formulas_get_an_apostrophe(client_for, nasty_practices):
    client = client_for("icb")
    searches = [client.get(reverse("search"), {"q": f"N{i:05d}", "format": "csv"}) for i in range(len(NASTY))]
    for response in (
        client.get(reverse("landscape"), {"area": "QAA", "format": "csv"}),
        client.get(reverse("pcn", args=["U00001"]), {"format": "csv", "table": "members"}),
    ):
        cells = [cell for row in read_csv(response) for cell in row]
        for name in nasty_practices:
            assert "'" + name in cells
            assert name not in cells
        assert not any(c.startswith(("=", "+", "@")) or (c.startswith("-") and not c[1:].isdigit()) for c in cells)
    for name, response in zip(nasty_practices, searches, strict=True):
        assert read_csv(response)[1][1] == "'" + name


def test_negative_numbers_are_not_quoted():
    from pcnhub.pages.exports import csv_cell

    assert csv_cell(-3) == -3 and csv_cell("-3") == "'-3" and csv_cell(12.5) == 12.5


def test_xlsx_cells_that_look_like_formulas_are_text(client_for, nasty_practices):
    response = client_for("icb").get(reverse("landscape"), {"area": "QAA", "format": "xlsx"})
    cells = xlsx_cells(response)
    assert not any(cell.data_type == "f" for cell in cells)
    names = {cell.value for cell in cells if cell.data_type == "s"}
    assert set(nasty_practices) <= names


# --- Bad requests ------------------------------------------------------------------------------


def test_unknown_format_or_table_is_a_400(client_for):
    client = client_for("admin")
    response = client.get(reverse("landscape"), {"area": "QAA", "format": "pdf"})
    assert response.status_code == 400 and "format=csv" in response.content.decode()
    response = client.get(reverse("pcn", args=["U00001"]), {"format": "csv", "table": "secrets"})
    assert response.status_code == 400 and "no table called secrets" in response.content.decode()
