"""A scenario's changes from CSV, one change per row (see :mod:`pcnhub.domain.scenario` for the actions).

Columns: ``action``, ``practice_code``, ``from_pcn``, ``to_pcn``, ``list_change`` (required in the header; cells
may be blank where the action does not use them), and optionally ``name`` (a merged network's new name),
``practice_name`` (an opened practice's), ``role``, ``wte``, ``annual_cost`` (ARRS posts added; a negative ``wte``
ends posts) and ``minutes`` (access minutes a week).  Headers are case-insensitive; other columns are ignored.  Networks are named by ODS
code or name.

All or nothing: every problem (an unknown action, a number that is not one, a field the action needs left
blank) is collected and raised as one :class:`~pcnhub.domain.errors.InputError` naming the file, row (the header
is row 1) and field.  Whether the changes apply to the register is checked afterwards, against the configuration
of the date (:func:`pcnhub.domain.scenario.apply`, whose errors name the row too).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from pcnhub.domain import scenario as d
from pcnhub.domain.errors import Problems
from pcnhub.ingest.tabular import read_csv_text, text_cells, text_columns, text_records

ACTION: Final = "action"
PRACTICE_CODE: Final = "practice_code"
FROM_PCN: Final = "from_pcn"
TO_PCN: Final = "to_pcn"
LIST_CHANGE: Final = "list_change"
REQUIRED_COLUMNS: Final = (ACTION, PRACTICE_CODE, FROM_PCN, TO_PCN, LIST_CHANGE)
COLUMNS: Final = (*REQUIRED_COLUMNS, "name", "practice_name", "role", "wte", "annual_cost", "minutes")
#: The fields each action needs filled in.
NEEDS: Final = {
    d.MOVE: (PRACTICE_CODE, TO_PCN), d.SPLIT: (PRACTICE_CODE, TO_PCN), d.MERGE: (FROM_PCN, TO_PCN),
    d.ADD: (PRACTICE_CODE, TO_PCN, LIST_CHANGE), d.CLOSE: (PRACTICE_CODE,), d.GROW: (PRACTICE_CODE, LIST_CHANGE),
    d.ARRS: (TO_PCN, "role", "wte"), d.ACCESS: (TO_PCN, "minutes"),
}
#: The most rows a file may have (a scenario is a handful of changes; a whole configuration is a CSV import).
MAX_ROWS: Final = 5_000


def read_changes(path: str | os.PathLike[str]) -> list[d.Change]:
    """The changes of a CSV file, in order (see the module docs); InputError for anything wrong."""
    source = Path(path)
    problems = Problems(source.name)
    text = read_csv_text(source)
    changes: list[d.Change] = []
    try:
        records = text_records(text)
        first = next(records, None)
        if first is None:
            problems.fail(None, None, "the file is empty; expected a header row with columns "
                          + ", ".join(REQUIRED_COLUMNS))
        header_line, header = first
        columns = text_columns(header_line, header, COLUMNS, REQUIRED_COLUMNS, problems)
        problems.raise_if_any()
        for line, record in records:
            if len(changes) >= MAX_ROWS:
                problems.fail(line, None, f"the file has more than {MAX_ROWS:,} changes")
            change = _row(line, record, header, columns, problems)
            if change is not None:
                changes.append(change)
    except csv.Error as err:
        problems.add(None, None, f"the file is not valid CSV ({err})")
    if not changes and not problems.found:
        problems.add(None, None, "the file has a header but no changes")
    problems.raise_if_any()
    return changes


def _row(line: int, record: Sequence[str], header: Sequence[str], columns: dict[str, int],
         problems: Problems) -> d.Change | None:
    cell = text_cells(line, record, header, columns, problems)
    if cell is None:
        return None
    if not any(cell(name) for name in columns):
        return None  # a blank line
    action = cell(ACTION).casefold()
    if action not in d.ACTIONS:
        problems.add(line, ACTION, f"{cell(ACTION)!r} is not an action: use one of {', '.join(d.ACTIONS)}")
        return None
    ok = True
    for name in NEEDS[action]:
        if not cell(name):
            problems.add(line, name, f"is blank, and a {action} needs it")
            ok = False

    def whole(name: str) -> int:
        nonlocal ok
        raw = cell(name).replace(",", "")
        if not raw:
            return 0
        try:
            return int(raw)
        except ValueError:
            problems.add(line, name, f"{cell(name)!r} is not a whole number")
            ok = False
            return 0

    def amount(name: str) -> Decimal:
        nonlocal ok
        raw = cell(name).replace(",", "").lstrip("£")
        if not raw:
            return Decimal(0)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            problems.add(line, name, f"{cell(name)!r} is not a number")
            ok = False
            return Decimal(0)
        return value

    if action == d.ARRS and ok and not cell("annual_cost") and not cell("wte").lstrip().startswith("-"):
        problems.add(line, "annual_cost", "is blank, and posts added need it (a negative wte ends posts instead)")
        ok = False
    change = dict(action=action, practice=cell(PRACTICE_CODE).upper(), from_pcn=cell(FROM_PCN), to_pcn=cell(TO_PCN),
                  list_change=whole(LIST_CHANGE), name=cell("name"), practice_name=cell("practice_name"),
                  role=cell("role"), wte=amount("wte"), annual_cost=amount("annual_cost"), minutes=whole("minutes"))
    if not ok:
        return None
    return d.Change(**change, row=line)
