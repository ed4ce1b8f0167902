"""Navigation without dead ends, in a real browser, per role: the menu's items (no Landscape for PCN and practice
users, users and grants for the administrator), the guidance of the population health pages, the grouped area
pickers, the ARRS banner with the new headroom in view, and axe-core finding no serious or critical problem on the
pages changed."""

from __future__ import annotations

import json
import re

import pytest

from pcnhub.phm.models import PatientDataGrant
from tests.browser.test_landscape_list_browser import serious_violations
from tests.finance.test_plans_arrs import post_data
from tests.phm.fixtures import write_output

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phm_output(settings, tmp_path):
    """The test output, marked as made from synthetic patients."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    folder = write_output(tmp_path / "phm" / "output")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    (folder / "summary.json").write_text(json.dumps({**summary, "synthetic": True}), encoding="utf-8")
    return folder


def serious_in(page, context: dict) -> list[str]:
    """axe-core's serious and critical violations within ``context`` (axe's include / exclude selectors): for pages
    where a part this work did not change (the Plotly charts, kept by others) has findings of its own."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context=context).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


#: The charts (drawn by Plotly; their nested-interactive finding is the charts' own, not this page's).
CHARTS = {"exclude": [["[data-phm-chart]"]]}


def menu(page) -> list[str]:
    return [t.strip() for t in page.locator(".nhsuk-header__navigation-list a").all_inner_texts()]


@pytest.mark.parametrize("role, present, absent", [
    ("pcn", ["Home", "Search", "Money", "Maturity", "Population", "Measures"], ["Landscape", "Users", "Designer"]),
    ("practice", ["Home", "Search", "Population", "Measures"], ["Landscape", "Money", "Maturity", "Users"]),
    ("icb", ["Landscape", "Money", "Maturity", "Population", "Designer"], ["Users", "Patient data grants"]),
    ("analyst", ["Landscape", "Designer"], ["Users", "Patient data grants"]),
    ("admin", ["Landscape", "Users", "Patient data grants"], []),
])
def test_the_menu_of_each_role(register, sign_in, role, present, absent):
    admin = register.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    page = sign_in(role)
    items = menu(page)
    assert [p for p in present if p not in items] == []
    assert [a for a in absent if a in items] == []
    assert serious_violations(page) == []
    if role == "admin":  # the links lead to the pages, not to a sign-in or a refusal (Django's own admin pages)
        page.goto(page.locator(".nhsuk-header__navigation-list a", has_text="Patient data grants").get_attribute("href"))
        assert "patient-level data grant" in page.title().lower()


def test_a_practice_user_without_a_grant_is_told_how_to_ask(phm_output, register, sign_in):
    page = sign_in("practice")
    page.get_by_role("link", name="Population", exact=True).first.click()
    page.wait_for_url(re.compile(r"/phm/practice/A81001/$"))
    assert page.locator("#synthetic-notice").is_visible()
    ask = page.locator("#ask-for-access")
    assert ask.is_visible() and "practice-user" in ask.inner_text()
    assert "computed with" not in page.locator("#about").inner_text()
    assert serious_in(page, CHARTS) == []


def test_the_worklist_says_how_to_find_the_patients(phm_output, register, sign_in):
    PatientDataGrant.objects.create(user=register.users["pcn"], organisation=register.north,
                                    granted_by=register.users["admin"], reason="Care coordinator")
    page = sign_in("pcn")
    page.goto("/phm/pcn/U00001/cohort/smr/")
    help_text = page.locator("#find-patients")
    assert not help_text.locator("ol").is_visible()  # synthetic: folded away, the warning says they are not real
    help_text.locator("summary").click()
    assert "re-identification key" in help_text.inner_text()
    assert page.locator("#synthetic-notice").is_visible()
    assert serious_violations(page) == []


def test_the_analyst_picks_an_icb_grouped_by_region(phm_output, register, sign_in):
    page = sign_in("analyst")
    for start, landing in (("/phm/", "/phm/area/QAA/"), ("/maturity/", "/maturity/area/QAA/")):
        page.goto(start)
        assert page.locator('#area-picker optgroup[label="Test Region"] option').count() >= 1
        assert serious_violations(page) == []
        page.locator("#area-picker select").select_option("QAA")
        page.locator("#area-picker button").click()
        page.wait_for_url(re.compile(re.escape(landing) + "$"))
    assert "computed with DuckDB" in page.goto("/phm/area/QAA/").text()  # the analyst sees the engine
    page.goto("/design/")
    assert page.locator('select[name="area"] optgroup[label="Test Region"] option').count() == 4
    assert serious_violations(page) == []


def test_after_adding_a_post_the_banner_and_headroom_are_in_view(register, sign_in):
    page = sign_in("pcn")
    page.goto("/finance/pcn/U00001/arrs/?year=2024-25")
    page.locator("#add-post summary").click()
    for name, value in post_data().items():
        field = page.locator(f'[name="{name}"]')
        if field.count() and field.first.get_attribute("type") not in ("radio", "hidden"):
            if field.first.evaluate("e => e.tagName") == "SELECT":
                field.first.select_option(value)
            else:
                field.first.fill(value)
    page.locator("#add-post button[type=submit]").click()
    page.wait_for_url(re.compile(r"/arrs/\?year=2024-25$"))
    banner = page.locator(".nhsuk-notification-banner--success")
    assert banner.is_visible() and "Headroom in 2024/25" in banner.inner_text()
    box = banner.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"]  # in view without scrolling
    # What this work changed on the plan: the banner and the summary with the headroom.
    assert serious_in(page, {"include": [[".nhsuk-notification-banner"], ["#summary"]]}) == []


def test_the_maturity_pages_name_statements_not_ids(register, sign_in):
    page = sign_in("pcn")
    page.goto("/maturity/pcn/U00001/assess/lpp/")
    hint = page.locator('[id^="status-lpp-0-pcn-1"]').first
    assert hint.count() == 1
    text = page.locator("main").inner_text()
    assert not re.search(r"\blpp-\d-pcn-\d\b", text)
    assert "Leadership, planning and partnerships, Foundation, statement 1" in text
    assert serious_violations(page) == []
