"""The charts' shared palette and grouping (pcnhub.pages.charts): at most eight series, each its own colour, the
smallest grouped into "Other" by the data; the ordinal scale of the maturity steps readable; and the browser's
copy of the colours (charts-common.js, maturity.css) the same as the server's."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

from pcnhub.pages import charts

STATIC = Path(charts.__file__).resolve().parents[1] / "static" / "pcnhub"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def series(*totals: float, years: int = 3) -> list[dict]:
    """One series per total, its amount spread evenly over ``years``, named S1, S2, ..."""
    return [{"name": f"S{i + 1}", "values": [t / years] * years} for i, t in enumerate(totals)]


def test_the_palette_has_eight_distinct_colours_and_other_is_not_one_of_them():
    assert len(charts.PALETTE) == 8 == len(set(charts.PALETTE)) == charts.MAX_SERIES
    assert charts.OTHER not in charts.PALETTE
    # Okabe-Ito: the colour-blind-safe set, whatever the order
    assert set(charts.PALETTE) == {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                                   "#000000"}


def test_colours_refuses_more_series_than_the_palette_has():
    assert charts.colours(3) == list(charts.PALETTE[:3])
    with pytest.raises(ValueError):
        charts.colours(9)


def test_a_few_series_are_kept_in_order_each_with_its_own_colour():
    out = charts.group_series(series(5, 50, 1))
    assert [s["name"] for s in out] == ["S1", "S2", "S3"]
    assert [s["colour"] for s in out] == list(charts.PALETTE[:3])
    assert not any(s.get("other") for s in out)


def test_eight_series_fit_without_grouping():
    out = charts.group_series(series(*range(1, 9)))
    assert len(out) == 8 and len({s["colour"] for s in out}) == 8


def test_fifteen_series_become_seven_largest_and_the_smallest_summed_as_other():
    totals = [30, 2, 90, 1, 45, 60, 3, 75, 15, 4, 120, 5, 9, 6, 100]
    out = charts.group_series(series(*totals), other="Other payments")
    assert len(out) == charts.MAX_SERIES
    kept, other = out[:-1], out[-1]
    largest = sorted(totals, reverse=True)[:7]
    # the seven largest, in their original order
    assert [s["name"] for s in kept] == [f"S{i + 1}" for i, t in enumerate(totals) if t in largest]
    assert other["other"] is True and other["colour"] == charts.OTHER
    smallest = [f"S{i + 1}" for i, t in enumerate(totals) if t not in largest]
    assert other["members"] == smallest
    assert other["legend"] == "Other payments (8)"
    assert other["name"] == "Other payments (8): " + ", ".join(smallest)
    assert sum(other["values"]) == pytest.approx(sum(t for t in totals if t not in largest))
    colours = [s["colour"] for s in out]
    assert len(set(colours)) == len(colours)


def test_other_adds_year_by_year_and_keeps_none_where_no_member_has_a_value():
    data = [{"name": f"Big{i}", "values": [100, 100, 100]} for i in range(7)]
    data += [{"name": "A", "values": [None, 2, 3]}, {"name": "B", "values": [None, None, 4]}]
    other = charts.group_series(data)[-1]
    assert other["values"] == [None, 2, 7]


def test_series_that_draw_nothing_are_dropped_before_counting():
    data = series(*range(1, 9)) + [{"name": "zero", "values": [0, 0, 0]}, {"name": "none", "values": [None] * 3}]
    out = charts.group_series(data)
    assert [s["name"] for s in out] == [f"S{i}" for i in range(1, 9)]


def test_lines_that_do_not_add_up_are_kept_apart_under_other_and_ranked_by_size():
    data = [{"name": f"PCN {i}", "values": [0.5, 0.6], "weight": w} for i, w in enumerate([5, 80, 10, 70, 20, 60, 30, 50, 40])]
    data.append({"name": "rate of 0", "values": [0.0, 0.0], "weight": 1})  # a rate of 0 is drawn
    data.append({"name": "suppressed", "values": [None, None], "weight": 0})  # a line is kept, for its hover
    out = charts.group_series(data, limit=7, additive=False, size=lambda s: s["weight"])
    assert len(out) == 7
    assert [s["name"] for s in out[:-1]] == ["PCN 1", "PCN 3", "PCN 5", "PCN 6", "PCN 7", "PCN 8"]
    other = out[-1]
    assert other["members"] == ["PCN 0", "PCN 2", "PCN 4", "rate of 0", "suppressed"]
    assert other["values"] == [None, None]
    assert [line["values"] for line in other["lines"]] == [[0.5, 0.6]] * 3 + [[0.0, 0.0], [None, None]]


def test_a_single_line_is_kept_even_with_no_value():
    out = charts.group_series([{"name": "PCN", "values": [None, None]}], limit=7, additive=False)
    assert [(s["name"], s["colour"]) for s in out] == [("PCN", charts.PALETTE[0])]


def test_a_limit_below_two_is_refused():
    with pytest.raises(ValueError):
        charts.group_series(series(1, 2, 3), limit=1)


def test_the_step_scale_is_one_hue_getting_darker_with_text_readable_on_every_step():
    steps = charts.step_colours(5)
    fills = [s["fill"] for s in steps]
    assert fills == list(charts.STEPS)
    assert [luminance(f) for f in fills] == sorted((luminance(f) for f in fills), reverse=True)
    assert len(set(fills)) == 5
    for step in steps:
        assert contrast(step["fill"], step["text"]) >= 4.5, step
    # fewer levels keep both ends of the scale
    three = charts.step_colours(3)
    assert three[0]["fill"] == charts.STEPS[0] and three[-1]["fill"] == charts.STEPS[-1]
    with pytest.raises(ValueError):
        charts.step_colours(6)


def hue(colour: str) -> float:
    """The hue of ``#rrggbb`` in degrees (HLS)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


#: The traffic-light colours the population health charts used for the risk tiers and eFI categories.
TRAFFIC_LIGHTS = {"#8a1538", "#ed8b00", "#ffb81c", "#41b6e6", "#007f3b", "#d5ecd4"}


@pytest.mark.parametrize("keys", [
    ["fit", "mild", "moderate", "severe"],
    ["low", "moderate", "rising", "high", "highest"],
    ["lower", "higher"],
])
def test_ordered_categories_get_ordered_shades_of_one_hue_not_red_to_green(keys):
    shades = charts.ordinal_colours(keys)
    assert list(shades) == keys
    fills = [shades[k]["fill"] for k in keys]
    assert len(set(fills)) == len(keys)
    lightness = [luminance(f) for f in fills]
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == len(keys)  # lowest lightest
    assert fills[0] == charts.STEPS[0] and fills[-1] == charts.STEPS[-1]  # the whole scale's range
    assert not set(fills) & TRAFFIC_LIGHTS
    # one hue (blue) throughout: no red (about 0 degrees) and no green (about 120 degrees) among them
    assert all(180 <= hue(f) <= 260 for f in fills), [(f, round(hue(f))) for f in fills]
    for k in keys:
        assert contrast(shades[k]["fill"], shades[k]["text"]) >= 4.5
        # the outline keeps the lightest shade visible on the chart's white background
        assert contrast(shades[k]["edge"], "#ffffff") >= 3


def test_more_ordered_categories_than_the_scale_has_are_refused():
    with pytest.raises(ValueError):
        charts.ordinal_colours([f"level {i}" for i in range(len(charts.STEPS) + 1)])


def js_list(source: str, name: str) -> list[str]:
    found = re.search(rf"var {name} = \[([^\]]*)\];", source)
    assert found, f"{name} not in charts-common.js"
    return [c.lower() for c in re.findall(r'"(#[0-9a-fA-F]{6})"', found.group(1))]


def test_the_browser_uses_the_same_colours_as_the_server():
    source = (STATIC / "charts-common.js").read_text()
    assert js_list(source, "PALETTE") == list(charts.PALETTE)
    assert js_list(source, "STEPS") == list(charts.STEPS)
    assert js_list(source, "STEP_TEXT") == list(charts.STEP_TEXT)
    assert re.search(r'var OTHER = "([^"]+)";', source).group(1) == charts.OTHER


def test_the_maturity_tables_cells_use_the_charts_step_scale():
    css = (STATIC / "maturity.css").read_text()
    for i, step in enumerate(charts.step_colours(5)):
        rule = re.search(rf"\.pcnhub-heat--{i} \{{ background: (#[0-9a-f]{{6}}); color: (#[0-9a-f]{{6}}); \}}", css)
        assert rule, f"pcnhub-heat--{i}"
        assert (rule.group(1), rule.group(2)) == (step["fill"], step["text"])


def test_no_chart_script_picks_colours_outside_the_shared_palette():
    """The qualitative colours of every chart script come from charts-common.js: none cycles its own list."""
    for script in ("money-chart.js", "arrs-chart.js", "measures-charts.js", "funnel-chart.js", "maturity-chart.js",
                   "list-size-chart.js", "phm-charts.js"):
        source = (STATIC / script).read_text()
        assert "% COLOURS.length" not in source, script
        assert not re.search(r"var COLOURS = \[", source), script
