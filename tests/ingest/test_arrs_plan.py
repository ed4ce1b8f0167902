"""The ARRS workforce plan CSV reader (columns role, fte, start, end, annual_cost, optional employment and label)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pcnhub.domain.errors import InputError
from pcnhub.domain.money.arrs import Post
from pcnhub.ingest.arrs_plan import read_plan_csv
from pcnhub.reference.arrs_roles import load_catalogue
from tests.cli.test_arrs import HEADER, PLAN, write


def test_read_plan_csv_raises_one_input_error(tmp_path):
    path = write(tmp_path, HEADER + "SPLW,1,2021-02-30,,1,,\nFCP,1,2021-04-01,,40000,,\n")
    with pytest.raises(InputError) as caught:
        read_plan_csv(path, load_catalogue())
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "start")]
    assert caught.value.file == "plan.csv"


def test_read_plan_csv_reads_posts(tmp_path):
    posts = read_plan_csv(write(tmp_path, PLAN), load_catalogue())
    assert posts[1] == Post(
        "social_prescribing_link_worker", Decimal(1), dt.date(2021, 4, 1), None, Decimal(30000), "sub-contract", ""
    )
    assert posts[2].fte == Decimal("0.5") and posts[2].role == "paramedic"


@pytest.mark.parametrize(("cell", "field"), [("1e30", "annual_cost"), ("99999999999", "annual_cost")])
def test_an_annual_cost_beyond_any_post_is_a_problem(tmp_path, cell, field):
    path = write(tmp_path, HEADER + f"SPLW,1,2021-04-01,,{cell},,\n")
    with pytest.raises(InputError) as caught:
        read_plan_csv(path, load_catalogue())
    assert (caught.value.row, caught.value.field) == (2, field)
    assert "is more than £10,000,000" in caught.value.message


def test_an_fte_beyond_any_post_is_a_problem(tmp_path):
    with pytest.raises(InputError) as caught:
        read_plan_csv(write(tmp_path, HEADER + "SPLW,1e30,2021-04-01,,30000,,\n"), load_catalogue())
    assert (caught.value.row, caught.value.field, caught.value.message) == (2, "fte", "'1e30' is more than 100")
