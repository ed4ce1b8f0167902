"""A scenario's board paper in a real browser: the commissioner opens it, the print button shows (it needs the page's
script), printed the site's header, navigation and footer are left out while the recommendation box stays, each
section starts a new page and no link prints its address; Chromium saves it as a PDF of a plausible number of A4
pages; axe-core finds no serious or critical problem on screen. Nothing is loaded from outside the server.

Screenshots (screen and print) and the PDF go to ``$PCNHUB_SHOTS`` when it is set, else to the test's own folder."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from pcnhub.domain import scenario as d
from pcnhub.register.models import Organisation
from pcnhub.scenarios import services
from tests.designer.conftest import place_practices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4 = (595, 842)  # points


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: selectors"."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size (points) of each page of a PDF Chromium wrote (its page objects are not compressed)."""
    return [(float(w), float(h)) for w, h in
            re.findall(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf, re.DOTALL)]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PCNHUB_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def scenario(register):
    place_practices()
    area = Organisation.objects.get(code="QAA")
    return services.create(area, "Alpha networks reshaped", dt.date(2025, 1, 1),
                           "Queensway Medical Centre's patients look to Alpha North for their hub, and Alpha South is "
                           "above the band.\n\nThe practices have agreed the move in principle.",
                           register.users["icb"],
                           [d.Change(d.MOVE, practice="A81004", to_pcn="U00001"),
                            d.Change(d.SPLIT, practice="A81005", to_pcn="Alpha East")])


def test_the_paper_prints_without_the_site_and_saves_as_a_pdf(sign_in, scenario, live_server, shots):
    page = sign_in("icb")
    page.goto(f"/scenarios/{scenario.pk}/paper/")
    assert page.locator("h1").inner_text() == "Alpha networks reshaped"
    assert page.get_by_role("button", name="Print / save as PDF").is_visible()
    assert page.get_by_role("link", name="Download Word document").get_attribute("href") == \
        f"/scenarios/{scenario.pk}/paper.docx"
    assert page.locator("#paper-map svg .paper-map__practice").count() == 5
    page.screenshot(path=str(shots / "paper-screen.png"), full_page=True)
    page.screenshot(path=str(shots / "paper-screen-top.png"))
    page.locator("#paper-map").screenshot(path=str(shots / "paper-screen-map.png"))
    assert serious_violations(page) == []

    page.emulate_media(media="print")
    for hidden in ("header.nhsuk-header", "footer.nhsuk-footer", "nav.nhsuk-header__navigation", ".nhsuk-breadcrumb",
                   "#paper-actions"):
        assert not page.locator(hidden).first.is_visible(), hidden
    box = page.locator("#paper-recommendation-box")
    assert box.is_visible() and "The board is asked to:" in box.inner_text()
    assert page.locator("#paper-finance").evaluate("e => getComputedStyle(e).breakBefore") == "page"
    assert page.locator("#paper-table-landscape tr").first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    assert page.locator(".paper-contents a").first.evaluate("e => getComputedStyle(e, '::after').content") == "none"
    page.screenshot(path=str(shots / "paper-print.png"), full_page=True)

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (shots / "paper.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert 8 <= len(pages) <= 30, len(pages)
    assert all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in pages)
    outside = [url for url in page.requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not outside
