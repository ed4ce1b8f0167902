"""Tables as CSV or Excel downloads, for every table a page shows.

:func:`table_response` is the one way pages turn a table (headers and rows) into a download.
CSV cells that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading apostrophe; Excel cells holding such text are written as text,
never as formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Table:
    """A table ready to download: file name without extension, column headings and rows."""

    stem: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def safe_filename(stem: str) -> str:
    """``stem`` reduced to letters, digits, dots, dashes and underscores."""
    return _UNSAFE_FILENAME.sub("-", stem).strip("-.") or "table"


def csv_cell(value: Any) -> Any:
    """A value as it should go into CSV: text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx_cell(sheet, value: Any, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def table_response(filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> HttpResponse:
    """The table as an attachment: ``fmt`` is ``csv`` or ``xlsx``."""
    if fmt not in FORMATS:
        raise ValueError(f"downloads come as {' or '.join(FORMATS)}, not {fmt!r}")
    filename = f"{safe_filename(filename_stem)}.{fmt}"
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if fmt == "csv":
        response.write("\ufeff")  # byte order mark: Excel then reads the file as UTF-8
        writer = csv.writer(response)
        writer.writerow([csv_cell(h) for h in headers])
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=safe_filename(filename_stem)[:31])
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response.write(buffer.getvalue())
    return response
