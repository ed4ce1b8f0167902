"""Tables that scroll sideways on the plan, money, maturity and population health pages: every element that
scrolls is a focusable region named after its table (keyboard users can scroll it, screen readers announce
it), and axe-core finds no serious or critical problem, its scrollable-region-focusable among them, at
390 pixels wide (where the tables overflow) and on a desktop screen."""

from __future__ import annotations

import pytest

from pcnhub.phm.models import PatientDataGrant
from tests.finance.iif_dataset import write_measures_output
from tests.phm.fixtures import write_output

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The elements that scroll sideways, outside the Plotly charts and form fields: the nearest scrolling container
# (overflow-x auto or scroll) of every table, whether or not it overflows at this width, and any other such
# element whose content overflows now; with what a keyboard and a screen reader need of each.
SCROLLERS = """() => {
  const scrolling = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const found = new Set();
  document.querySelectorAll('table').forEach(table => {
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      if (scrolling(el)) { found.add(el); break; }
    }
  });
  document.querySelectorAll('body *').forEach(el => {
    if (scrolling(el) && el.scrollWidth > el.clientWidth + 1) found.add(el);
  });
  return Array.from(found).filter(el => !el.closest('.js-plotly-plot') && !el.matches('textarea, select')).map(el => ({
    html: el.outerHTML.slice(0, 120),
    tabindex: el.getAttribute('tabindex'),
    role: el.getAttribute('role'),
    name: (el.getAttribute('aria-label')
           || (el.getAttribute('aria-labelledby') || '').split(' ').map(id => {
                const t = id && document.getElementById(id); return t ? t.textContent : '';
              }).join(' ')).trim(),
    scrolls: el.scrollWidth > el.clientWidth,
    table: el.querySelector('table') !== null,
  }));
}"""


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations outside the Plotly charts (their own findings belong to the
    charts' work)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context={"exclude": [[".js-plotly-plot"], [".pcnhub-chart"]]}).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


@pytest.fixture
def phm_output(settings, tmp_path):
    """The population health test output and the IIF's hand-made measures output (PC-01 of U00001, 2022/23)."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures_output(tmp_path / "phm" / "measures")
    return write_output(tmp_path / "phm" / "output")


PAGES = [
    ("pcn", "/finance/pcn/U00001/arrs/?year=2024-25"),
    ("pcn", "/finance/pcn/U00001/access/?date=2024-06-01"),
    ("pcn", "/finance/pcn/U00001/iif/?year=2022/23"),
    ("icb", "/finance/area/QAA/overrides/"),
    ("pcn", "/phm/pcn/U00001/"),
    ("pcn", "/phm/pcn/U00001/cohort/smr/"),
    ("icb", "/phm/area/QAA/"),
    ("pcn", "/maturity/pcn/U00001/plan/"),
]


def assert_named_focusable_scrollers(page) -> None:
    scrollers = page.evaluate(SCROLLERS)
    bad = [s for s in scrollers if not (s["tabindex"] == "0" and s["role"] == "region" and s["name"])]
    assert bad == [], bad


@pytest.mark.parametrize(("role", "url"), PAGES)
def test_every_scrolling_table_is_a_named_focusable_region(phm_output, register, sign_in, role, url):
    PatientDataGrant.objects.create(user=register.users["pcn"], organisation=register.north,
                                    granted_by=register.users["admin"], reason="Care coordinator")
    page = sign_in(role)
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    scrollers = page.evaluate(SCROLLERS)
    assert any(s["scrolls"] and s["table"] for s in scrollers)  # at this width some table does scroll
    assert_named_focusable_scrollers(page)
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    assert serious_violations(page) == []


def test_the_arrs_plans_tables_scroll_under_the_keyboard(register, sign_in):
    page = sign_in("pcn")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/finance/pcn/U00001/arrs/?year=2024-25")
    region = page.locator('[role="region"]:has(#headcount-table)')
    assert "Headcount" in region.get_attribute("aria-label") or "WTE" in region.get_attribute("aria-label")
    region.focus()
    assert page.evaluate("document.activeElement.querySelector('#headcount-table') !== null")
    before = region.evaluate("el => el.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    assert region.evaluate("el => el.scrollLeft") > before


def test_the_iif_page_without_measures_fits_390_pixels(settings, tmp_path, register, sign_in):
    """The page names the folder it reads (a long path in running text): it wraps rather than widen the page."""
    settings.PCNHUB_PHM_DIR = tmp_path / ("a-long-folder-name-" * 4) / "phm"
    page = sign_in("pcn")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/finance/pcn/U00001/iif/")
    assert str(settings.PCNHUB_PHM_DIR) in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_page_with_a_command_to_copy_fits_a_phone(register, sign_in, settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "long-folder-name" / ("x" * 60) / "phm"  # no measures output: the command
    page = sign_in("pcn")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.goto("/measures/pcn/U00001/").status == 200
    assert page.locator("#run-command").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(("role", "url"), [("pcn", "/measures/pcn/U00001/"), ("icb", "/measures/area/QAA/"),
                                           ("analyst", "/measures/england/")])
def test_the_measures_tables_scroll_in_named_regions(register, sign_in, settings, tmp_path, role, url):
    from tests.measures.fixtures import write_measures

    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_measures(tmp_path / "phm" / "measures")
    page = sign_in(role)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.goto(url).status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_named_focusable_scrollers(page)
