"""epraccur.csv: the ODS register of GP practices and prescribing cost centres.

The file ODS publishes has no header and 27 columns (see shared/reference/data-formats.md); some
re-publications add a header row ("Organisation Code", "Name", ...), which is recognised (its first cell is
a title, not an ODS code) and skipped: the columns are read by position either way.  Only GP practices in
England are kept: prescribing setting 4 (or role RO76 in newer files), not in Wales: national grouping W00 in
older files; newer files (ODS Data Search and Export, 2026) leave a Welsh row's national grouping blank, or give an
English one, so a code beginning with W (ODS's codes for Wales) is Welsh too.  Status codes of older (A/C/D/P) and
newer (ACTIVE/INACTIVE/DORMANT) files are both read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pcnhub.ingest.tabular import ORG_CODE, PRACTICE_CODE, Cells, Column, Header, Problems, csv_records, normalise_title

EPRACCUR_COLUMNS: Final = 27
GP_PRACTICE_SETTINGS: Final = frozenset({"4", "RO76"})
WALES: Final = "W00"
#: The first letter of ODS codes in Wales (every W00 row of the 2019 file has one; newer files give no grouping).
WELSH_CODE: Final = "W"

#: Status codes of older (A/C/D/P) and newer (ACTIVE/INACTIVE/DORMANT) files.
STATUSES: Final = {
    "A": "active",
    "ACTIVE": "active",
    "C": "closed",
    "CLOSED": "closed",
    "INACTIVE": "closed",
    "D": "dormant",
    "DORMANT": "dormant",
    "P": "proposed",
    "PROPOSED": "proposed",
}

# Names given to the columns (in problems), in file order; None for columns not read.
_COLUMN_NAMES: Final = (
    "code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "postcode",
    "open_date",
    "close_date",
    "status",
    None,
    "commissioner",
    "join_commissioner_date",
    "left_commissioner_date",
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    "prescribing_setting",
    None,
)
#: First-column titles of the header row some re-publications add (compared by :func:`normalise_title`).
HEADER_TITLES: Final = frozenset(
    {"code", "organisation code", "organisation_code", "org code", "org_code", "practice code", "practice_code",
     "ods code", "ods_code"}
)
_OTHER_TITLES: Final = frozenset({"name", "postcode", "open date", "close date", "status code", "prescribing setting"})
_HEADER: Final = [name or f"column_{i + 1}" for i, name in enumerate(_COLUMN_NAMES)]
_COLUMNS: Final = [Column.of(name) for name in _COLUMN_NAMES if name]


@dataclass(frozen=True, slots=True)
class EpraccurPractice:
    """A GP practice as ODS records it; ``commissioner`` is its CCG / sub-ICB location (column 15)."""

    code: str
    name: str
    address: str
    postcode: str
    open_date: dt.date | None
    close_date: dt.date | None
    status: str
    commissioner: str
    joined_commissioner: dt.date | None
    left_commissioner: dt.date | None
    national_grouping: str
    high_level_health_geography: str
    row: int = field(default=0, compare=False)


def read_epraccur(path: str | os.PathLike[str]) -> Iterator[EpraccurPractice]:
    """Yield the English GP practices of an epraccur file, checking each as it goes.

    Raises :class:`~pcnhub.domain.errors.InputError` (file, row, field) after the last row if any row
    was bad, or as soon as there are too many problems.
    """
    source = Path(path)
    problems = Problems(source.name)
    header = Header(_HEADER, _COLUMNS, problems, 0)
    seen: dict[str, EpraccurPractice] = {}
    empty = True
    for line, record in csv_records(source):
        if is_header(record):
            if empty:
                continue
            problems.add(line, None, "a header row (column titles) may only be the file's first row")
            continue
        empty = False
        if len(record) != EPRACCUR_COLUMNS:
            problems.add(line, None, f"the row has {len(record)} values; epraccur rows have {EPRACCUR_COLUMNS}")
            continue
        cells = Cells(header, record, line, problems)
        setting = cells.text("prescribing_setting").upper()
        if setting not in GP_PRACTICE_SETTINGS or _in_wales(cells):
            continue
        practice = _practice(cells)
        if practice is None:
            continue
        earlier = seen.setdefault(practice.code, practice)
        if earlier is practice:
            yield practice
        elif earlier != practice:
            problems.add(line, "code", f"{practice.code} is also on row {earlier.row} with different details")
    if not seen and not problems.found:
        what = "no rows" if empty else "no GP practices in England (prescribing setting 4 or role RO76)"
        problems.add(None, None, f"the file has {what}")
    problems.raise_if_any()


def is_header(record: list[str]) -> bool:
    """Whether an epraccur record is a header row: its first cell is a column title, not an ODS code."""
    first = record[0] if record else ""
    if normalise_title(first) in HEADER_TITLES:
        return True
    titles = {normalise_title(cell) for cell in record}
    return not ORG_CODE.fullmatch(first.strip().upper()) and len(titles & _OTHER_TITLES) >= 2


def _in_wales(cells: Cells) -> bool:
    """Whether a row is an organisation in Wales: national grouping W00, or an ODS code beginning with W."""
    return cells.text("national_grouping").upper() == WALES or cells.text("code").upper().startswith(WELSH_CODE)


def _practice(cells: Cells) -> EpraccurPractice | None:
    code = cells.code("code", PRACTICE_CODE, what="an ODS practice code (a letter then five letters or digits)")
    name = cells.text("name", required=True)
    status_text = cells.text("status", required=True)
    status = STATUSES.get(status_text.upper(), "")
    if status_text and not status:
        cells.problem("status", f"{status_text!r} is not a status ({', '.join(STATUSES)})")
    practice = EpraccurPractice(
        code=code,
        name=name,
        address=", ".join(filter(None, (cells.text(f"address_line_{i}") for i in range(1, 6)))),
        postcode=cells.text("postcode").upper(),
        open_date=cells.date("open_date"),
        close_date=cells.date("close_date"),
        status=status,
        commissioner=cells.code("commissioner", required=False),
        joined_commissioner=cells.date("join_commissioner_date"),
        left_commissioner=cells.date("left_commissioner_date"),
        national_grouping=cells.code("national_grouping", required=False),
        high_level_health_geography=cells.code("high_level_health_geography", required=False),
        row=cells.row,
    )
    return practice if cells.ok else None
