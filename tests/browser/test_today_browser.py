"""Today's England in a real browser: the one date set in the header and carried by the menu, a network's life
across its codes on its page, and what changed in an area; axe-core finding no serious or critical problem."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pcnhub.register import lineage
from pcnhub.register.models import Membership, Organisation, OrgKind, Parentage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


@pytest.fixture
def earlier_code(register):
    """Alpha North's practices under a 2018 local code until the day before their memberships began."""
    old = Organisation.objects.create(code="L-NORTH-2018", name="Alpha North (2018)", kind=OrgKind.PCN)
    Parentage.objects.create(child=old, parent=register.sub_a)
    for m in Membership.objects.filter(pcn=register.north).order_by("start")[:2]:
        Membership.objects.create(practice=m.practice, pcn=old, start=dt.date(2018, 4, 1),
                                  end=m.start - dt.timedelta(days=1))
    lineage.refresh()
    return old


def test_the_date_set_in_the_header_is_carried_by_the_menu(sign_in):
    page = sign_in("icb")
    page.get_by_label("Data as of").fill("2024-06-01")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(r"date=2024-06-01"))
    assert "as it stood on 1 June 2024" in page.locator("main").inner_text()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Landscape").click()
    page.wait_for_url(re.compile(r"/landscape/\?date=2024-06-01"))
    assert page.get_by_label("Data as of").input_value() == "2024-06-01"
    page.get_by_role("link", name=re.compile(r"Back to the latest data")).click()
    assert page.get_by_label("Data as of").input_value() != "2024-06-01"
    assert serious_violations(page) == []


def test_a_networks_page_reads_across_its_codes(sign_in, earlier_code, tmp_path):
    page = sign_in("icb")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/pcn/U00001/")
        identity = page.get_by_test_id("identity")
        assert "Alpha North (2018)" in identity.inner_text() and "L-NORTH-2018" in identity.inner_text(), width
        history = page.locator("#history").inner_text()
        assert "L-NORTH-2018" in history and "U00001" in history, f"at {width} px"
        assert serious_violations(page) == [], f"at {width} px"
        # wide tables scroll in their box
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"at {width} px"
        page.screenshot(path=str(tmp_path / f"pcn-{width}.png"), full_page=True)


def test_what_changed_in_an_area(sign_in, earlier_code, tmp_path):
    page = sign_in("icb")
    start = Membership.objects.filter(pcn__code="U00001").order_by("start").first().start
    page.goto(f"/changes/?area=QAA&since=2018-06-01&date={start.isoformat()}")
    assert page.locator('[data-count="ended"]').inner_text() == "1"
    assert "Continues as" in page.locator("#links").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "changes.png"), full_page=True)
