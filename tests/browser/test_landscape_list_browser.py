"""The landscape's list of PCNs in a real browser: from the home page's "to review" to those PCNs, the filter form
and the sortable headers, axe-core finding no serious or critical problem, and the page at 390 pixels wide."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: selectors"."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


def listed(page) -> list[str]:
    return page.locator("#pcn-table tbody tr[data-pcn]").evaluate_all("rows => rows.map(r => r.dataset.pcn)")


def test_home_to_review_leads_to_those_pcns_and_filters_sort_in_the_url(sign_in, tmp_path):
    page = sign_in("icb")
    assert serious_violations(page) == [], "the home page"  # signing in lands there
    link = page.get_by_role("link", name=re.compile(r"PCNs? to review"))
    to_review = int(link.get_attribute("data-to-review"))
    link.click()
    page.wait_for_url(re.compile(r"/landscape/\?.*findings=on"))
    assert len(listed(page)) == to_review == 1
    assert page.locator('[data-listed="pcns"]').inner_text() == "1"
    assert page.get_by_label("With findings only").is_checked()

    # A filter chosen in the form is carried by the URL; the sort header keeps it.
    page.get_by_label("With findings only").uncheck()
    page.get_by_label("List size").select_option("within")
    page.get_by_role("button", name="Show landscape").click()
    page.wait_for_url(re.compile(r"size=within"))
    assert listed(page) == ["U00001"]
    page.get_by_label("List size").select_option("")
    page.get_by_role("button", name="Show landscape").click()
    page.wait_for_url(re.compile(r"size=&"))
    page.locator('#pcn-table th[data-sort="size"] a').click()
    page.wait_for_url(re.compile(r"sort=-size"))
    assert listed(page) == ["U00002", "U00001"]
    assert page.locator('#pcn-table th[data-sort="size"]').get_attribute("aria-sort") == "descending"
    assert page.locator('#pcn-table th[data-sort="name"]').get_attribute("aria-sort") == "none"

    # The member practices fold away under each PCN.
    practices = page.locator('tr[data-pcn="U00001"] details')
    assert not practices.locator("text=The Hollies Surgery").is_visible()
    practices.locator("summary").click()
    assert practices.locator("text=The Hollies Surgery").is_visible()
    page.screenshot(path=str(tmp_path / "landscape-list.png"), full_page=True)


def test_the_list_has_no_serious_accessibility_problem_at_either_width(sign_in, tmp_path):
    page = sign_in("icb")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/landscape/?area=QAA&q=surgery")
        assert listed(page) == ["U00001", "U00002"], f"at {width} px"
        assert serious_violations(page) == [], f"at {width} px"
        # Nothing wider than the screen: no sideways scrolling at 390 pixels.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"at {width} px"
        assert page.locator("#totals").is_visible() and page.locator("#pcn-table").is_visible(), f"at {width} px"
        page.screenshot(path=str(tmp_path / f"landscape-{width}.png"), full_page=True)
