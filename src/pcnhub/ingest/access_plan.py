"""A plan of access sessions from CSV, one session per row: columns day, start, end, site, staff_type
(optional agreed).

Read by ``pcnhub access --plan``; the sessions are checked by :func:`pcnhub.domain.access.check_plan`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from pcnhub.domain.access import Session, parse_day, parse_time
from pcnhub.domain.errors import Problems
from pcnhub.ingest.tabular import read_csv_text, text_cells, text_columns, text_records

DAY: Final = "day"
START: Final = "start"
END: Final = "end"
SITE: Final = "site"
STAFF_TYPE: Final = "staff_type"
AGREED: Final = "agreed"
REQUIRED_PLAN_COLUMNS: Final = (DAY, START, END, SITE, STAFF_TYPE)
PLAN_COLUMNS: Final = (*REQUIRED_PLAN_COLUMNS, AGREED)

_AGREED_ANSWERS: Final = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "": False,
}


def read_plan_csv(path: str | os.PathLike[str]) -> list[Session]:
    """Read a plan of access sessions from a CSV file, one session per row.

    Columns ``day``, ``start``, ``end``, ``site``, ``staff_type`` (case-insensitive headers, others
    ignored) and optionally ``agreed`` (yes/no, true/false, 1/0 or blank for no).  Times are 24-hour
    HH:MM.  All or nothing: every problem is collected (up to
    :data:`~pcnhub.domain.errors.MAX_PROBLEMS`) and raised as one :class:`InputError` naming the
    file, row (the header is row 1) and field.
    """
    source = Path(path)
    problems = Problems(source.name)
    text = read_csv_text(source)
    sessions: list[Session] = []
    try:
        records = text_records(text)
        first = next(records, None)
        if first is None:
            problems.fail(
                None, None, "the file is empty; expected a header row with columns " + ", ".join(PLAN_COLUMNS)
            )
        header_line, header = first
        columns = text_columns(header_line, header, PLAN_COLUMNS, REQUIRED_PLAN_COLUMNS, problems)
        problems.raise_if_any()
        for line, record in records:
            session = _plan_row(line, record, header, columns, problems)
            if session is not None:
                sessions.append(session)
    except csv.Error as err:
        problems.add(None, None, f"the file is not valid CSV ({err})")
    if not sessions and not problems.found:
        problems.add(None, None, "the file has a header but no sessions")
    problems.raise_if_any()
    return sessions


def _plan_row(
    line: int, record: Sequence[str], header: Sequence[str], columns: dict[str, int], problems: Problems
) -> Session | None:
    cell = text_cells(line, record, header, columns, problems)
    if cell is None:
        return None
    ok = True

    def parsed(name: str, parse: Any) -> Any:
        nonlocal ok
        raw = cell(name)
        if not raw:
            problems.add(line, name, "is blank")
            ok = False
            return None
        try:
            return parse(raw)
        except ValueError as err:
            problems.add(line, name, str(err))
            ok = False
            return None

    day = parsed(DAY, parse_day)
    start = parsed(START, parse_time)
    end = parsed(END, parse_time)
    agreed_text = cell(AGREED)
    agreed = _AGREED_ANSWERS.get(agreed_text.casefold())
    if agreed is None:
        problems.add(line, AGREED, f"{agreed_text!r} is not one of yes, no, true, false, 1, 0 (or blank)")
        ok = False
    if not ok:
        return None
    return Session(day, start, end, cell(SITE), cell(STAFF_TYPE), bool(agreed))
