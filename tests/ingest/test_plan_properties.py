"""Properties of the two plan importers (ARRS workforce plan, access session plan).

A plan written out as CSV reads back as the same plan; one corrupted cell gives an
InputError naming that row and field, and nothing else is returned.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain import access
from pcnhub.domain.errors import InputError
from pcnhub.domain.money import arrs
from pcnhub.ingest import access_plan, arrs_plan
from pcnhub.reference.arrs_roles import load_catalogue

CATALOGUE = load_catalogue()
ROLES = list(CATALOGUE.keys())
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

posts = st.builds(
    lambda role, fte, start, length, cost: arrs.Post(
        role, Decimal(fte) / 100, start, None if length is None else start + dt.timedelta(days=length), Decimal(cost)
    ),
    st.sampled_from(ROLES),
    st.integers(1, 150),
    st.dates(dt.date(2019, 4, 1), dt.date(2026, 3, 31)),
    st.none() | st.integers(0, 2_000),
    st.integers(1, 120_000),
)
sessions = st.builds(
    lambda day, start, length, agreed: access.Session(
        day, dt.time(start // 60, start % 60), dt.time((start + length) // 60, (start + length) % 60),
        "Site", "GP", agreed,
    ),
    st.integers(0, 6),
    st.integers(0, 20 * 60),
    st.integers(1, 3 * 60),
    st.booleans(),
)


def write(rows: list[dict], name: str, folder: str) -> Path:
    path = Path(folder) / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def post_row(post: arrs.Post) -> dict:
    return {"role": post.role, "fte": str(post.fte), "start": post.start.isoformat(),
            "end": post.end.isoformat() if post.end else "", "annual_cost": str(post.annual_cost)}


def session_row(session: access.Session) -> dict:
    return {"day": DAYS[session.day], "start": session.start.strftime("%H:%M"), "end": session.end.strftime("%H:%M"),
            "site": session.site, "staff_type": session.staff_type, "agreed": "yes" if session.agreed else "no"}


@given(st.lists(posts, min_size=1, max_size=8))
def test_a_workforce_plan_reads_back_as_written(plan):
    with TemporaryDirectory() as folder:
        assert arrs_plan.read_plan_csv(write([post_row(p) for p in plan], "plan.csv", folder), CATALOGUE) == plan


@given(st.lists(posts, min_size=1, max_size=8), st.data(), st.sampled_from(["fte", "start", "annual_cost"]),
       st.sampled_from(["-1", "lots", "2021-13-01", "0"]))
def test_one_bad_cell_in_a_workforce_plan_is_named(plan, data, field, bad):
    rows = [post_row(p) for p in plan]
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index][field] = bad
    with TemporaryDirectory() as folder:
        try:
            arrs_plan.read_plan_csv(write(rows, "plan.csv", folder), CATALOGUE)
        except InputError as err:
            assert (err.file, err.row, err.field) == ("plan.csv", index + 2, field)
        else:
            raise AssertionError(f"{field}={bad!r} was accepted")


@given(st.lists(sessions, min_size=1, max_size=10))
def test_an_access_plan_reads_back_as_written(plan):
    with TemporaryDirectory() as folder:
        assert access_plan.read_plan_csv(write([session_row(s) for s in plan], "access.csv", folder)) == plan


@given(st.lists(sessions, min_size=1, max_size=10), st.data(), st.sampled_from(["day", "start", "end"]))
def test_one_bad_cell_in_an_access_plan_is_named(plan, data, field):
    rows = [session_row(s) for s in plan]
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index][field] = {"day": "Someday", "start": "25:00", "end": "nine"}[field]
    with TemporaryDirectory() as folder:
        try:
            access_plan.read_plan_csv(write(rows, "access.csv", folder))
        except InputError as err:
            assert (err.file, err.row, err.field) == ("access.csv", index + 2, field)
        else:
            raise AssertionError(f"{field} was accepted")
