"""Every page with Plotly charts in a real browser (money, maturity, population health, measures, the register's PCN
page): axe-core finds no serious or critical problem (Plotly's mode bar made nested-interactive one), each chart is
an image with a name, no chart has more than eight series colours, the funnel plots label outliers by practice name
with labels that do not overlap, and the maturity heatmap's scale names the steps with readable text on each."""

from __future__ import annotations

import json
import re

import pytest

from pcnhub.domain import maturity as m
from pcnhub.maturity import services as maturity_services
from pcnhub.pages import charts as chart_colours
from pcnhub.reference.maturity import load_matrix
from tests.browser.test_browser import only_local_requests
from tests.measures.fixtures import write_measures
from tests.phm.fixtures import write_output

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The distinct colours each chart on the page draws its series in (heatmaps excepted: their scale is one hue).
CHART_COLOURS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
  const colours = new Set();
  (el.data || []).forEach(t => {
    if (t.type === 'heatmap') return;
    [t.marker && t.marker.color, t.line && t.line.color].forEach(c => {
      if (typeof c === 'string') colours.add(c.toLowerCase());
      else if (Array.isArray(c)) c.forEach(x => colours.add(String(x).toLowerCase()));
    });
  });
  return {id: el.id || el.getAttribute('aria-label'), colours: Array.from(colours),
          legend: Array.from(el.querySelectorAll('.legendtext')).map(t => t.textContent)};
})"""

# The boxes of the funnel's labels (annotations), as the browser drew them.
LABEL_BOXES = """el => Array.from(el.querySelectorAll('.annotation')).map(a => {
  const r = a.querySelector('.annotation-text-g, .bg').getBoundingClientRect();
  return {text: a.textContent, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom};
})"""


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: selectors"."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found if v["impact"] in ("serious", "critical")]


def drawn(page, selector: str, count: int | None = None) -> list[dict]:
    """Wait for the charts ``selector`` to be drawn; their colours and legends."""
    page.wait_for_selector(f"{selector} .main-svg", timeout=15_000)
    page.wait_for_load_state("networkidle")
    charts = page.evaluate(CHART_COLOURS)
    if count is not None:
        assert len(charts) == count
    return charts


def assert_readable_charts(page) -> list[dict]:
    """No serious accessibility problem; each chart an image with a name and no mode bar; at most 8 colours."""
    assert serious_violations(page) == []
    for chart in page.locator(".js-plotly-plot").all():
        assert chart.get_attribute("role") == "img"
        assert chart.get_attribute("aria-label").strip()
        assert chart.locator(".modebar-btn").count() == 0
    charts = page.evaluate(CHART_COLOURS)
    assert charts
    for chart in charts:
        assert len(chart["colours"]) <= 8, chart
    return charts


def boxes_overlap(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


@pytest.fixture
def phm_output(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_output(tmp_path / "phm" / "output")


@pytest.fixture
def measures_output(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures(tmp_path / "phm" / "measures")


def test_the_money_chart_groups_the_smallest_payments_as_other(sign_in):
    page = sign_in("pcn")
    page.goto("/finance/pcn/U00001/")
    drawn(page, "[data-money-chart='money-by-year-data']")
    (chart,) = assert_readable_charts(page)
    # the payments table has more payments than a chart may show: the smallest are one "Other payments" series
    payments = page.locator("#payments tbody tr").count()
    assert payments > 8
    assert len(chart["legend"]) == 8 == len(chart["colours"])
    others = [t for t in chart["legend"] if t.startswith("Other payments (")]
    assert len(others) == 1
    grouped = int(re.search(r"\((\d+)\)", others[0]).group(1))
    assert grouped >= 2
    # its hover names the payments it holds: payments of the table, none of them drawn on its own
    names = set(page.locator("#payments tbody th").all_inner_texts())
    kept = [t for t in chart["legend"] if t not in others]
    assert set(kept) <= names
    hover = page.locator("[data-money-chart='money-by-year-data']").evaluate(
        "el => el.data.find(t => t.name.startsWith('Other payments')).hovertemplate")
    members = json.loads(page.locator("#money-by-year-data").text_content())["series"][-1]["members"]
    assert len(members) == grouped and set(members) <= names and not set(members) & set(kept)
    assert all(name in hover for name in members)


def test_the_register_pcn_page_list_size_chart(sign_in, live_server):
    page = sign_in("pcn")
    page.goto("/pcn/U00001/")
    drawn(page, "[data-chart]", count=1)
    assert_readable_charts(page)
    # one line, drawn with the site's own copy of Plotly: nothing loaded from outside the server
    page.wait_for_selector(".pcnhub-chart .main-svg", timeout=15_000)
    assert page.locator(".pcnhub-chart .scatterlayer .trace").count() == 1
    only_local_requests(page, live_server)


def steps_achieved(register, steps: dict[str, int]) -> None:
    """Alpha North's assessment: every statement of the first ``steps[domain]`` steps of each domain achieved."""
    matrix = load_matrix()
    statements = [s.id for domain, count in steps.items() for step in matrix.domain(domain).steps[:count]
                  for s in step.statements(m.PCN)]
    posted = [maturity_services.Posted(s, m.ACHIEVED, "", "", 0, maturity_services.fingerprint("", "", ""))
              for s in statements]
    maturity_services.save_answers(register.north, m.PCN, matrix, posted, register.users["pcn"])


def foundation_achieved(register) -> None:
    steps_achieved(register, {"lpp": 1})


def luminance(colour: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3]) if colour.startswith("rgb") else \
        (int(colour[i:i + 2], 16) for i in (1, 3, 5))

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_maturity_heatmap_has_an_ordinal_scale_naming_the_steps(sign_in, register):
    # every step of one domain, two of another, Foundation of a third: light and dark bands both drawn
    matrix = load_matrix()
    domains = [d.key for d in matrix.domains]
    steps_achieved(register, {domains[0]: len(matrix.domain(domains[0]).steps), domains[1]: 2, domains[2]: 1})
    page = sign_in("icb")
    page.goto("/maturity/area/QAA/")
    drawn(page, "[data-maturity-chart='maturity-heatmap-data']")
    assert_readable_charts(page)
    heat = page.locator("[data-maturity-chart='maturity-heatmap-data']")
    trace = heat.evaluate("el => el.data[0]")
    levels = [tick for tick in trace["colorbar"]["ticktext"]]
    assert levels[0] == m.BELOW_FOUNDATION and "Foundation" in levels and len(levels) >= 4
    # the colour bar names every step
    bar = heat.locator(".colorbar").text_content()
    assert all(level in bar for level in levels)
    # one band per step, getting darker step by step
    fills = [stop[1] for stop in trace["colorscale"][::2]]
    assert len(fills) == len(levels) == len(set(fills))
    assert [luminance(f) for f in fills] == sorted((luminance(f) for f in fills), reverse=True)
    # each cell's step written in a colour readable on its band
    notes = heat.evaluate("el => el.layout.annotations.map(a => ({text: a.text, colour: a.font.color, y: a.y}))")
    assert {n["text"] for n in notes if n["y"] == "Alpha North PCN"} >= {"Foundation", levels[-1]}
    z = trace["z"]
    flat = [v for row in z for v in row if v is not None]
    assert len(notes) == len(flat)
    assert max(flat) == len(levels) - 1 and min(flat) == 0  # the darkest band and the lightest
    for note, value in zip(notes, flat):
        assert contrast(note["colour"], fills[value]) >= 4.5, note


def test_the_maturity_progress_lines_stay_apart_and_visible(sign_in, register):
    """Two assessments, most domains at the same step in both: every domain's line still shows."""
    import datetime as dt

    from pcnhub.maturity.models import Assessment

    foundation_achieved(register)
    first = Assessment.objects.get(organisation=register.north, audience=m.PCN)
    first.as_of = dt.date(2025, 1, 1)
    first.save(update_fields=["as_of"])
    maturity_services.start_assessment(register.north, m.PCN, first.matrix, register.users["pcn"])
    steps_achieved(register, {"lpp": 2})
    page = sign_in("pcn")
    page.goto("/maturity/pcn/U00001/")
    drawn(page, "[data-maturity-chart='maturity-progress-data']")
    assert_readable_charts(page)
    traces = page.locator("[data-maturity-chart='maturity-progress-data']").evaluate(
        "el => el.data.map(t => ({colour: t.line.color, width: t.line.width, symbol: t.marker.symbol, mode: t.mode,"
        " y: t.y, text: t.text}))")
    assert len(traces) == len(load_matrix().domains) >= 4
    # thick lines with markers, each domain its own colour and marker shape
    assert all(t["width"] >= 3 and "markers" in t["mode"] for t in traces)
    assert len({t["colour"] for t in traces}) == len(traces) == len({t["symbol"] for t in traces})
    # domains at the same step are drawn apart (none hidden behind another), yet nearer their step than any other
    for i in range(2):
        ys = [t["y"][i] for t in traces]
        assert len(set(ys)) == len(ys)
        assert all(abs(y - round(y)) < 0.25 for y in ys)
    texts = [t["text"] for t in traces]
    assert ["Foundation", "Step 1"] in texts and texts.count([m.BELOW_FOUNDATION] * 2) == len(traces) - 1


def test_the_population_health_funnel_labels_outliers_by_name(phm_output, register, sign_in):
    page = sign_in("pcn")
    page.goto("/phm/pcn/U00001/")
    drawn(page, "[data-phm-chart='phm-funnel-data']")
    drawn(page, "[data-phm-chart]")
    assert_readable_charts(page)
    funnel = page.locator("[data-phm-chart='phm-funnel-data']")
    labels = funnel.evaluate(LABEL_BOXES)
    assert [label["text"] for label in labels] == ["Dr Khan & Partners (high)"]  # the outlier, by name
    assert "A81001" not in funnel.inner_text()


def test_the_risk_and_frailty_pyramids_are_drawn_in_shades_of_one_scale(phm_output, register, sign_in):
    """Ordered categories in the sequential scale, light to dark, outlined; not the red-to-green traffic lights."""
    page = sign_in("pcn")
    page.goto("/phm/pcn/U00001/")
    drawn(page, "[data-phm-chart='phm-risk-data']")
    drawn(page, "[data-phm-chart='phm-pyramid-data']")
    risk = page.locator("[data-phm-chart='phm-risk-data']").evaluate("el => el.data[0].marker")
    assert risk["color"] == list(reversed(chart_colours.STEPS))  # highest need at the top, darkest
    assert set(risk["line"]["color"]) == {chart_colours.STEP_EDGE}
    frailty = page.locator("[data-phm-chart='phm-pyramid-data']").evaluate(
        "el => el.data.filter(t => t.showlegend !== false).map(t => [t.name, t.marker.color])")
    expected = chart_colours.step_colours(4)
    assert [c for _, c in frailty] == [e["fill"] for e in expected]  # fit lightest to severe darkest
    assert [n for n, _ in frailty][0] == "Fit" and "Severe" in frailty[-1][0]


def test_the_measures_page_charts(measures_output, register, sign_in):
    page = sign_in("pcn")
    page.goto("/measures/pcn/U00001/")
    drawn(page, "[data-measures-chart='measures-funnel-data']")
    drawn(page, "[data-measures-chart]")
    assert_readable_charts(page)
    funnel = page.locator("[data-measures-chart='measures-funnel-data']")
    labels = [label["text"] for label in funnel.evaluate(LABEL_BOXES)]
    assert labels and all(re.fullmatch(r"[A-Z][A-Za-z&' ]+ \((high|low)\)", t) for t in labels), labels
    assert not re.search(r"\b[A-Z]\d{5}\b", funnel.inner_text())  # no practice codes on the plot


# Twelve practices, eight of them outliers in two tight clusters, with long names: their labels must not overlap.
CROWDED = """async () => {
  const names = ['The Long Name Medical Centre', 'St Example Surgery', 'Riverside Health Practice', 'Dr Khan & Partners',
                 'Oak Tree Family Doctors', 'The Hollies Surgery', 'Castle Street Practice', 'Meadowbank Group Practice',
                 'Within One', 'Within Two', 'Within Three', 'Within Four'];
  const points = names.map((name, i) => {
    const outlier = i < 4 ? 'high' : (i < 8 ? 'low' : '');
    const n = i < 4 ? 2000 + 60 * i : (i < 8 ? 5200 + 50 * i : 1000 + 900 * i);
    const value = i < 4 ? 30 + 0.3 * i : (i < 8 ? 5 - 0.2 * i : 15);
    return {code: 'X' + i, name: name, n: n, value: value, outlier: outlier,
            label: outlier ? name + ' (' + outlier + ')' : ''};
  });
  const ns = [500, 2000, 5000, 12000];
  const limits = {n: ns, england: ns.map(() => 15), lower95: ns.map(n => 15 - 200 / Math.sqrt(n)),
    upper95: ns.map(n => 15 + 200 / Math.sqrt(n)), lower998: ns.map(n => 15 - 300 / Math.sqrt(n)),
    upper998: ns.map(n => 15 + 300 / Math.sqrt(n))};
  const div = document.createElement('div');
  div.id = 'crowded-funnel';
  document.querySelector('main').appendChild(div);
  const fig = window.pcnhubCharts.funnel({points: points, limits: limits}, {
    value: p => p.value, hover: p => p.name, hovertemplate: '%{customdata}<extra></extra>', centre: 'england',
    centreName: 'England', xTitle: 'Number', yaxis: {title: {text: 'Per cent'}, rangemode: 'tozero'}}, div);
  await window.Plotly.newPlot(div, fig.traces, fig.layout, {displayModeBar: false});
}"""


def test_crowded_funnel_labels_do_not_overlap(measures_output, register, sign_in):
    page = sign_in("pcn")
    for width in (1280, 640, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/measures/pcn/U00001/")
        drawn(page, "[data-measures-chart='measures-funnel-data']")
        page.evaluate(CROWDED)
        crowded = page.locator("#crowded-funnel")
        labels = crowded.evaluate(LABEL_BOXES)
        assert len(labels) == 8, f"at {width} px"
        assert all(label["text"].endswith(("(high)", "(low)")) for label in labels), f"at {width} px"
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                assert not boxes_overlap(a, b), (width, a, b)
        # nor does a label cover a practice's point
        points = crowded.evaluate("el => Array.from(el.querySelectorAll('.scatterlayer .point')).map(p => {"
                                  " const r = p.getBoundingClientRect(); return {x0: r.left, x1: r.right, y0: r.top,"
                                  " y1: r.bottom}; })")
        assert len(points) == 12, f"at {width} px"
        for label in labels:
            assert not any(boxes_overlap(label, p) for p in points), (width, label)
