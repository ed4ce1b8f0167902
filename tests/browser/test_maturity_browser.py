"""The maturity pages in a real browser: a PCN user answers the Foundation statements of a domain with
the radios and sees Foundation reached; a commissioner views the heatmap of the ICB's PCNs; the
report prints without the header. Nothing is loaded from outside the server."""

from __future__ import annotations

import re

import pytest

from pcnhub.domain import maturity as m
from pcnhub.maturity import services
from pcnhub.reference.maturity import load_matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATRIX = load_matrix()
FOUNDATION = [s.id for s in MATRIX.domain("lpp").steps[0].statements(m.PCN)]


def only_local_requests(page, live_server) -> None:
    outside = [url for url in page.requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not outside, f"the page loaded from outside the server: {outside}"


def foundation_achieved(register) -> None:
    posted = [services.Posted(s, m.ACHIEVED, "", "", 0, services.fingerprint("", "", "")) for s in FOUNDATION]
    services.save_answers(register.north, m.PCN, MATRIX, posted, register.users["pcn"])


def test_a_pcn_user_completes_the_foundation_of_a_domain(sign_in, live_server):
    page = sign_in("pcn")
    page.get_by_role("link", name="Maturity", exact=True).first.click()
    page.wait_for_url(re.compile(r"/maturity/pcn/U00001/$"))
    assert page.locator('tr[data-domain="lpp"] [data-step]').inner_text() == m.BELOW_FOUNDATION
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/maturity/pcn/U00001/assess/lpp/$"))
    assert "domain 1 of 5" in page.locator("h1").inner_text()
    for statement in FOUNDATION:
        page.locator(f'[data-statement="{statement}"]').get_by_label("Achieved", exact=True).check()
    block = page.locator(f'[data-statement="{FOUNDATION[0]}"]')
    block.get_by_text("Evidence and comment").click()
    block.get_by_label("Evidence", exact=True).fill("Vision agreed at the network board")
    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_url(re.compile(r"/maturity/pcn/U00001/$"))
    assert "Your answers are kept" in page.locator(".nhsuk-notification-banner").inner_text()
    assert page.locator('tr[data-domain="lpp"] [data-step]').inner_text() == "Foundation"
    assert page.locator('tr[data-domain="phm"] [data-step]').inner_text() == m.BELOW_FOUNDATION
    page.wait_for_selector("[data-maturity-chart='maturity-bar-data'] .main-svg", timeout=10_000)
    # Resume: the answers and the evidence are there.
    page.get_by_role("button", name="Continue the assessment").click()
    page.wait_for_url(re.compile(r"/assess/"))
    page.goto("/maturity/pcn/U00001/assess/lpp/")
    assert page.locator(f'[data-statement="{FOUNDATION[0]}"]').get_by_label("Achieved", exact=True).is_checked()
    assert page.locator(f"#evidence-{FOUNDATION[0]}").input_value() == "Vision agreed at the network board"
    only_local_requests(page, live_server)


def test_an_icb_user_views_the_heatmap_with_the_pcns_step(sign_in, register, live_server):
    foundation_achieved(register)
    page = sign_in("icb")
    page.get_by_role("link", name="Maturity", exact=True).first.click()
    page.wait_for_url(re.compile(r"/maturity/area/QAA/$"))
    north = page.locator('#heatmap-table tr[data-pcn="U00001"]')
    assert north.locator('[data-domain="lpp"]').inner_text() == "Foundation"
    assert north.locator('[data-domain="phm"]').inner_text() == m.BELOW_FOUNDATION
    assert page.locator('#heatmap-table tr[data-pcn="U00002"] [data-domain="lpp"]').inner_text() == "Not assessed"
    page.wait_for_selector("[data-maturity-chart='maturity-heatmap-data'] .main-svg", timeout=10_000)
    assert "Foundation" in page.locator("[data-maturity-chart='maturity-heatmap-data']").inner_text()
    # The commissioner may open the PCN's summary but only read its answers.
    north.get_by_role("link", name="Alpha North PCN").click()
    page.wait_for_url(re.compile(r"/maturity/pcn/U00001/$"))
    assert page.get_by_role("button", name="Continue the assessment").count() == 0
    only_local_requests(page, live_server)


def test_the_report_prints_without_the_header(sign_in, register, live_server):
    foundation_achieved(register)
    page = sign_in("pcn")
    page.goto("/maturity/pcn/U00001/report/")
    assert page.locator("header.nhsuk-header").is_visible()
    assert page.get_by_role("button", name="Print this report").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.nhsuk-header").is_visible()
    assert not page.locator("footer.nhsuk-footer").is_visible()
    assert not page.locator(".pcnhub-downloads").first.is_visible()
    assert page.locator("#domain-lpp").is_visible() and page.locator("#sources").is_visible()
    assert page.locator("#domain-lpp").evaluate("e => getComputedStyle(e).breakBefore") == "page"
    page.emulate_media(media="screen")
    assert page.locator("header.nhsuk-header").is_visible()
    only_local_requests(page, live_server)
