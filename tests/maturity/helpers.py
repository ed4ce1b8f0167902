"""Helpers of the maturity tests: page text, downloads, and a domain page's form as a browser posts it."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

import openpyxl

from pcnhub.domain import maturity as m
from pcnhub.reference.maturity import load_matrix

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MATRIX = load_matrix()
LPP = MATRIX.domain("lpp")
FOUNDATION = [s.id for s in LPP.steps[0].statements(m.PCN)]
SYSTEM_FOUNDATION = [s.id for s in LPP.steps[0].statements(m.SYSTEM)]


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def form_of(response) -> dict[str, str]:
    """The fields of the assessment form as the page rendered them (checked radios, textareas, hidden inputs)."""
    html = response.content.decode()
    start = html.index('id="assessment-form"')
    html = html[start:html.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        kind = attrs.get("type")
        if kind == "radio" and " checked" not in tag:
            continue
        if kind == "checkbox":
            continue
        if "name" in attrs:
            data[attrs["name"]] = htmllib.unescape(attrs.get("value", ""))
    for name, value in re.findall(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, flags=re.DOTALL):
        data[name] = htmllib.unescape(value)
    return data
