"""Several scenarios side by side: each scenario's figures from its own comparison, for those the user may see."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from pcnhub.domain import scenario as d
from pcnhub.register.models import Organisation
from pcnhub.scenarios import services, summary
from pcnhub.scenarios.compare import compare
from tests.builders import NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.helpers_web import read_csv

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)


@pytest.fixture
def two(placed):
    area = Organisation.objects.get(code="QAA")
    icb = placed.users["icb"]
    move = services.create(area, "Essex Way to South", DAY, "", icb, [d.Change(d.MOVE, practice="A81003",
                                                                                to_pcn="U00002")])
    merge = services.create(area, "One Alpha network", DAY, "", icb, [d.Change(d.MERGE, from_pcn="U00002",
                                                                                to_pcn="U00001")])
    return move, merge


def figures_of(scenario) -> dict:
    found = compare(scenario.area, scenario.effective_date, services.changes_of(scenario))
    return {f.key: f for f in summary.figures(found)}


def test_the_figures_add_up_the_networks_touched(two):
    move, merge = two
    moved = figures_of(move)
    assert moved["moved"].value == 1 and moved["networks"].value == 2 and moved["ended"].value == 0
    assert moved["smallest"].value == NORTH_TOTAL - SIZES["A81003"][1]
    assert moved["largest"].value == SOUTH_TOTAL + SIZES["A81003"][1]
    # the longest estimated drive in any network after: Alpha South with Essex Way, 5.8 km across
    assert (moved["spread"].value, moved["drive"].value, moved["drive"].text) == (5.8, 12, "About 12 min")
    merged = figures_of(merge)
    assert merged["ended"].value == 1 and merged["moved"].value == 2
    assert merged["largest"].value == merged["smallest"].value == NORTH_TOTAL + SOUTH_TOTAL
    assert merged["outside_band"].value == 1
    found = compare(merge.area, DAY, services.changes_of(merge))
    before = sum(r.before.total for r in found.rows)
    after = sum(r.after.total for r in found.rows if r.after)
    assert merged["money"].value == after - before and isinstance(merged["money"].value, Decimal)
    assert merged["money"].text.startswith(("−£", "+£", "£"))


def test_the_page_shows_them_side_by_side_and_downloads(two, client_for):
    move, merge = two
    client = client_for("icb")
    page = client.get("/scenarios/compare/", {"ids": [move.pk, merge.pk]}).content.decode()
    assert "Essex Way to South" in page and "One Alpha network" in page
    row = re.search(r'data-figure="ended">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == ["0", "1"]
    header, *rows = read_csv(client.get("/scenarios/compare/", {"ids": [move.pk, merge.pk], "format": "csv",
                                                                  "table": "scenarios"}))
    assert header == ["Figure", "Essex Way to South", "One Alpha network"]
    assert ["Networks that end", "0", "1"] in rows
    listing = client.get("/scenarios/").content.decode()
    assert 'name="ids"' in listing and "Compare the chosen scenarios side by side" in listing


@pytest.mark.parametrize(("role", "status"), [("icb", 200), ("admin", 200), ("pcn", 403), ("icb-beta", 403),
                                              ("analyst", 403)])
def test_only_scenarios_the_user_may_see(two, client_for, role, status):
    move, merge = two
    assert client_for(role).get("/scenarios/compare/", {"ids": [move.pk, merge.pk]}).status_code == status


@pytest.mark.parametrize("ids", [["1"], ["x", "y"], [str(n) for n in range(1, 9)]])
def test_bad_choices_are_400(two, client_for, ids):
    assert client_for("icb").get("/scenarios/compare/", {"ids": ids}).status_code == 400


def test_an_unknown_scenario_is_404(two, client_for):
    assert client_for("icb").get("/scenarios/compare/", {"ids": [two[0].pk, 99999]}).status_code == 404
