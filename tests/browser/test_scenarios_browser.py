"""Scenarios in a real browser: the commissioner opens a practice's page, moves it to another network with "Move this
practice", saves, and reads both networks' list sizes before and after on the comparison page; axe-core finds no
serious or critical problem there, and at 390 pixels the page does not scroll sideways (its tables scroll inside
named, focusable regions); the board paper then prints to a PDF."""

from __future__ import annotations

import re

import pytest

from tests.builders import NORTH_TOTAL, SIZES, SOUTH_TOTAL
from tests.designer.conftest import place_practices
from tests.helpers_web import only_local_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOVED = SIZES["A81003"][1]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: selectors"."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


def list_size(page, network: str, side: str) -> str:
    return page.locator(f"section[data-network='{network}'] tr[data-measure='list-size'] [data-{side}]").inner_text()


def test_moving_a_practice_from_its_page_and_reading_the_comparison(sign_in, live_server, tmp_path):
    place_practices()
    page = sign_in("icb")
    page.goto("/practice/A81003/?date=2025-01-01")
    page.get_by_role("button", name="Move this practice").click()
    page.wait_for_url(re.compile(r"/scenarios/new/\?practice=A81003"))
    assert "Essex Way Surgery is in Alpha North PCN" in page.locator("main").inner_text()
    page.get_by_label("Move it to").select_option(label="Alpha South PCN")
    assert page.get_by_label("Name", exact=True).input_value() == "Move Essex Way Surgery"
    page.get_by_role("button", name="Save the scenario").click()
    page.wait_for_url(re.compile(r"/scenarios/\d+/$"))
    assert "Scenario saved with 1 change." in page.locator(".nhsuk-notification-banner").inner_text()
    assert page.locator("#change-list").inner_text().startswith("Move Essex Way Surgery to Alpha South PCN")
    assert list_size(page, "U00001", "before") == f"{NORTH_TOTAL:,}"
    assert list_size(page, "U00001", "after") == f"{NORTH_TOTAL - MOVED:,}"
    assert list_size(page, "U00002", "before") == f"{SOUTH_TOTAL:,}"
    assert list_size(page, "U00002", "after") == f"{SOUTH_TOTAL + MOVED:,}"
    # the tables scroll inside named, focusable regions
    region = page.get_by_role("region", name="Alpha South PCN: before and after (scrolls sideways)")
    region.focus()
    assert region.evaluate("e => document.activeElement === e")
    assert serious_violations(page) == []
    only_local_requests(page, live_server)
    page.screenshot(path=str(tmp_path / "scenario-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 900})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "scenario-390.png"), full_page=True)

    # ... and prints the board paper: the proposal in words, the networks' sizes, a PDF
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Board paper").click()
    page.wait_for_url(re.compile(r"/scenarios/\d+/paper/$"))
    assert "Move Essex Way Surgery to Alpha South PCN" in page.locator("#paper-purpose").inner_text()
    assert f"{SOUTH_TOTAL + MOVED:,}" in page.locator("#paper-networks").inner_text()
    page.emulate_media(media="print")
    assert page.locator("#paper-recommendation").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3


def test_the_list_and_the_new_scenario_form_have_no_serious_accessibility_problem(sign_in):
    page = sign_in("icb")
    page.get_by_role("link", name="Scenarios", exact=True).first.click()
    page.wait_for_url(re.compile(r"/scenarios/"))
    assert serious_violations(page) == []
    page.get_by_role("button", name="New scenario").click()
    page.wait_for_url(re.compile(r"/scenarios/new/"))
    page.get_by_role("button", name="Save the scenario").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter a name for the scenario" in summary.inner_text()
    assert serious_violations(page) == []
