"""What every pcnhub chart shares on the server side: the colour-blind-safe palette, the ordinal scale of the
maturity steps, and grouping a chart's smallest series into "Other" so no chart has more than eight.

The browser side is ``static/pcnhub/charts-common.js``; its ``PALETTE``, ``OTHER`` and ``STEPS`` lists are the
same colours as here (tests/pages/test_charts.py checks that they stay so).

* :data:`PALETTE` is Okabe and Ito's eight colours ("Color Universal Design", 2002), distinguishable with the
  common colour-vision deficiencies; a chart takes them in order and never repeats one.
* :data:`OTHER` is the neutral grey of the "Other" series (not in the palette, so it is never confused with one).
* :data:`STEPS` is one hue, light to dark (ColorBrewer "Blues"), for ordered levels such as the maturity steps,
  the risk tiers and the eFI categories (:func:`ordinal_colours`: lowest lightest, never a red-to-green pair);
  :data:`STEP_TEXT` gives each level's text colour, with a contrast of at least 4.5:1 on it, and :data:`STEP_EDGE`
  outlines the bars of a chart so that the lightest level stands out from the white background.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Number

MAX_SERIES = 8

# Okabe-Ito: blue, orange, bluish green, reddish purple, sky blue, vermilion, black, yellow (yellow last: it is
# the faintest against white, so only a chart with eight series uses it).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")
OTHER = "#8c979e"

# ColorBrewer Blues, light to dark, and the text colour readable on each.
STEPS = ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b")
STEP_TEXT = ("#212b32", "#212b32", "#212b32", "#ffffff", "#ffffff")
STEP_EDGE = "#425563"


def colours(count: int) -> list[str]:
    """The first ``count`` palette colours: a chart never has more series than the palette has colours."""
    if count > len(PALETTE):
        raise ValueError(f"{count} series but only {len(PALETTE)} colours: group the smallest first (group_series)")
    return list(PALETTE[:count])


def _total(series: dict) -> float:
    return sum(abs(v) for v in series["values"] if isinstance(v, Number))


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def group_series(series: Sequence[dict], limit: int = MAX_SERIES, other: str = "Other",
                 size: Callable[[dict], float] = _total, additive: bool = True) -> list[dict]:
    """``series`` (``{"name", "values", ...}``) with a colour each, at most ``limit`` of them.

    When ``additive``, series with no value but 0 or None are dropped: they would draw nothing. When more than ``limit``
    are left, the largest ``limit - 1`` by ``size`` (by default the sum of their absolute values) are kept, in
    their order, and the rest become one last series named "``other`` (n): their names" in grey, with
    ``"members"`` naming them. Its values are the members' sums when ``additive`` (stacked amounts); otherwise
    (rates, which do not add up) it is ``None`` throughout and ``"lines"`` holds each member's values, drawn
    alike in grey under the one legend entry.
    """
    if limit < 2:
        raise ValueError("a chart needs room for at least one series and Other")
    # a stacked series of nothing but 0 or None draws nothing; a line is kept whatever (its hover says why it
    # has no points, e.g. suppressed)
    shown = [s for s in series if not additive or any(isinstance(v, Number) and v for v in s["values"])]
    if len(shown) > limit:
        ranked = sorted(range(len(shown)), key=lambda i: (-size(shown[i]), i))
        keep = set(ranked[:limit - 1])
        rest = [s for i, s in enumerate(shown) if i not in keep]
        shown = [s for i, s in enumerate(shown) if i in keep]
    else:
        rest = []
    out = [{**s, "colour": c} for s, c in zip(shown, colours(len(shown)))]
    if rest:
        names = [s["name"] for s in rest]
        grouped = {"name": f"{other} ({len(rest)}): {', '.join(names)}", "legend": f"{other} ({len(rest)})",
                   "members": names, "colour": OTHER, "other": True}
        if additive:
            values = list(rest[0]["values"])
            for s in rest[1:]:
                values = [_add(a, b) for a, b in zip(values, s["values"])]
            grouped["values"] = values
        else:
            grouped["values"] = [None] * len(rest[0]["values"])
            grouped["lines"] = [{k: v for k, v in s.items() if k != "colour"} for s in rest]
        out.append(grouped)
    return out


def step_colours(levels: int) -> list[dict]:
    """The ordinal scale of ``levels`` ordered levels (lowest first): ``{"fill", "text"}`` each, from light to dark."""
    if not 1 <= levels <= len(STEPS):
        raise ValueError(f"{levels} levels but the scale has {len(STEPS)}")
    # spread over the scale, keeping its lightest and darkest ends
    picks = [round(i * (len(STEPS) - 1) / (levels - 1)) for i in range(levels)] if levels > 1 else [len(STEPS) - 1]
    return [{"fill": STEPS[i], "text": STEP_TEXT[i]} for i in picks]


def ordinal_colours(keys: Sequence[str]) -> dict[str, dict]:
    """``{key: {"fill", "text", "edge"}}`` for ordered categories given lowest first (eFI fit to severe, risk tiers
    low to highest): shades of the one sequential scale, lightest to darkest, whatever order a chart draws them in."""
    return {key: {**step, "edge": STEP_EDGE} for key, step in zip(keys, step_colours(len(keys)))}
