"""Reading pcnhub's pages in tests: their visible text, their CSV and Excel downloads, and (in a browser)
where they loaded from."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response) -> str:
    """The page's text as a reader sees it: no tags, scripts or styles, entities decoded, white space folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download."""
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    """The first worksheet of an Excel download."""
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def read_xlsx(response) -> list[list]:
    """The cell values of an Excel download, row by row."""
    return [[cell.value for cell in row] for row in xlsx_sheet(response).iter_rows()]


def only_local_requests(page, live_server) -> None:
    """Assert the browser page loaded nothing from outside the test server."""
    outside = [url for url in page.requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not outside, f"the page loaded from outside the server: {outside}"
