"""The Content-Security-Policy breaks nothing: every page with charts, in a real browser, draws its Plotly
chart (a .main-svg inside the chart) and raises no CSP violation (no ``securitypolicyviolation`` event, no
console error), nor does the landscape, the login page or the API docs."""

from __future__ import annotations

import pytest

from tests.designer.conftest import place_practices
from tests.phm.fixtures import write_output

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Listen for violations from the first moment of every document (an init script runs before the page's own).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber}:${e.columnNumber})`);
});
"""

#: (role, URL, the chart's selector or None for a page without a chart)
PAGES = [
    ("pcn", "/finance/pcn/U00001/?year=2023-24", "[data-money-chart] .main-svg"),
    ("icb", "/finance/area/QAA/?year=2023-24", "[data-money-chart] .main-svg"),
    ("analyst", "/finance/", "[data-money-chart] .main-svg"),
    ("admin", "/pcn/U00001/", ".pcnhub-chart .main-svg"),
    ("icb", "/landscape/?area=QAA", None),
    ("pcn", "/phm/pcn/U00001/", "[data-phm-chart] .main-svg"),
    ("icb", "/phm/area/QAA/", "[data-phm-chart] .main-svg"),
    ("icb", "/design/QAA/?date=2025-01-01", "[data-design-map] .main-svg"),
    ("pcn", "/maturity/pcn/U00001/", "[data-maturity-chart] .main-svg"),
    ("icb", "/maturity/area/QAA/", "[data-maturity-chart] .main-svg"),
    ("admin", "/api/docs", "#swagger-ui .info"),
]


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    return page


@pytest.fixture
def charts_data(settings, tmp_path, register):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_output(tmp_path / "phm" / "output")
    settings.PCNHUB_DESIGN_SECONDS = 1.0
    place_practices()
    from pcnhub.domain import maturity as m
    from pcnhub.maturity import services
    from pcnhub.reference.maturity import load_matrix

    matrix = load_matrix()
    foundation = [s.id for s in matrix.domain("lpp").steps[0].statements(m.PCN)]
    services.save_answers(register.north, m.PCN, matrix,
                          [services.Posted(s, m.ACHIEVED, "", "", 0, services.fingerprint("", "", "")) for s in foundation],
                          register.users["pcn"])


def violations(page, url: str) -> list[str]:
    """The page's CSP violations and console errors since it was loaded, each prefixed with ``url``."""
    found = [f"{url}: CSP violation {v}" for v in page.evaluate("window.__cspViolations")]
    found += [f"{url}: console error {e}" for e in page.console_errors]
    page.console_errors.clear()
    return found


def assert_no_violation(page, url: str) -> None:
    assert violations(page, url) == []


#: One sign-in per role; its pages are loaded one after another, each checked on its own.
ROLES = sorted({role for role, _, _ in PAGES})


@pytest.mark.parametrize("role", ROLES)
def test_pages_draw_their_charts_without_csp_violations(charts_data, watched, sign_in, role):
    page = sign_in(role)
    problems = violations(page, "signing in, to the home page")
    for url, chart in [(url, chart) for who, url, chart in PAGES if who == role]:
        response = page.goto(url)
        headers = {k.title(): v for k, v in response.headers.items()}
        if response.status != 200 or "Content-Security-Policy" not in headers:
            problems.append(f"{url}: status {response.status}, CSP header {'Content-Security-Policy' in headers}")
        page.wait_for_load_state("networkidle")
        if chart:
            try:
                page.wait_for_selector(chart, timeout=15_000)
            except Exception as exc:  # every page of the role is checked; the test names each failure
                problems.append(f"{url}: {chart} not drawn ({type(exc).__name__})")
        problems += violations(page, url)
    assert problems == []


def test_the_login_page_has_none_either(watched, register):
    watched.goto("/accounts/login/")
    watched.wait_for_load_state("networkidle")
    assert "js-enabled" in watched.evaluate("document.body.className")  # the static js-enabled.js ran
    assert_no_violation(watched, "/accounts/login/")
