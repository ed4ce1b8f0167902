"""An ARRS workforce plan from CSV: columns role, fte, start, end, annual_cost (optional employment, label).

Read by ``pcnhub arrs plan``; the posts are projected by :func:`pcnhub.domain.money.arrs.project`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from pcnhub.domain.errors import Problems
from pcnhub.domain.money.arrs import EMPLOYED, SUB_CONTRACT, Post, RolesCatalogue
from pcnhub.ingest.tabular import Cells, Column, csv_table


def read_plan_csv(path: Path, catalogue: RolesCatalogue) -> list[Post]:
    """Read a workforce plan: columns role, fte, start, end, annual_cost (optional employment, label).

    Dates are YYYY-MM-DD (``end`` may be blank: open-ended).  Every problem is
    collected and raised at once as an :class:`~pcnhub.domain.errors.InputError`
    naming the file, row (the header is row 1) and field.  Roles are matched by
    key, name or alias in ``catalogue`` (see :class:`RolesCatalogue`).
    """
    columns = (
        Column.of("role"),
        Column.of("fte", "wte"),
        Column.of("start", "start_date"),
        Column.of("end", "end_date"),
        Column.of("annual_cost", "annual cost", "cost"),
        Column.of("employment", required=False),
        Column.of("label", required=False),
    )
    problems = Problems(path.name)
    header, records = csv_table(path, columns, problems)
    posts: list[Post] = []
    for row, values in records:
        cells = Cells(header, values, row, problems)
        role_text = cells.text("role", required=True)
        key = catalogue.resolve(role_text) if role_text else None
        if role_text and key is None:
            cells.problem("role", f"{role_text!r} is not an ARRS role; known roles: {', '.join(catalogue.keys())}")
        fte = _positive(cells, "fte", "an FTE", MAX_FTE)
        start = _iso_date(cells, "start", required=True)
        end = _iso_date(cells, "end", required=False)
        cost = _positive(cells, "annual_cost", "an amount in pounds", MAX_ANNUAL_COST, money_text=True)
        if start is not None and end is not None and end < start:
            cells.problem("end", f"the post ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        employment = _employment(cells)
        label = cells.text("label")
        if cells.ok and key is not None and fte is not None and start is not None and cost is not None:
            posts.append(Post(key, fte, start, end, cost, employment, label))
    problems.raise_if_any()
    if not posts:
        problems.fail(None, None, "the file has no posts (only a header)")
    return posts


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(cells: Cells, name: str, *, required: bool) -> dt.date | None:
    text = cells.text(name, required=required)
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        cells.problem(name, f"{text!r} is not a date written YYYY-MM-DD (e.g. 2021-04-01)")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        cells.problem(name, f"{text!r} is not a real date")
        return None


#: More than any one post costs a year, and more whole-time equivalents than any one row of a plan holds: larger
#: numbers are mistakes to name at their row and field, not values to project.
MAX_ANNUAL_COST: Final = Decimal(10_000_000)
MAX_FTE: Final = Decimal(100)


def _positive(cells: Cells, name: str, what: str, maximum: Decimal, *, money_text: bool = False) -> Decimal | None:
    text = cells.text(name, required=True)
    if not text:
        return None
    cleaned = text.replace(",", "")
    if money_text:
        cleaned = cleaned.removeprefix("£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        cells.problem(name, f"{text!r} is not {what}")
        return None
    if not value.is_finite():
        cells.problem(name, f"{text!r} is not {what}")
        return None
    if value <= 0:
        cells.problem(name, f"{text!r} must be more than 0")
        return None
    if value > maximum:
        cells.problem(name, f"{text!r} is more than {'£' if money_text else ''}{maximum:,}")
        return None
    return value


_EMPLOYMENT_WORDS: Final[Mapping[str, str]] = {
    "": EMPLOYED,
    "employed": EMPLOYED,
    "employ": EMPLOYED,
    "sub contract": SUB_CONTRACT,
    "subcontract": SUB_CONTRACT,
    "sub contracted": SUB_CONTRACT,
    "subcontracted": SUB_CONTRACT,
}


def _employment(cells: Cells) -> str:
    text = cells.text("employment")
    found = _EMPLOYMENT_WORDS.get(" ".join(text.casefold().replace("-", " ").split()))
    if found is None:
        cells.problem("employment", f"{text!r} is not employed or sub-contract")
        return EMPLOYED
    return found
