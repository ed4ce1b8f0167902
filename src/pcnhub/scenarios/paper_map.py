"""The board paper's map: the practices of the networks a scenario touches, after the changes, as an SVG drawn here.

No tiles and no script: the practices are points on plain axes in kilometres (the equirectangular projection of
:func:`pcnhub.domain.geography.project`, equal aspect), each network's practices in its own colour (the Okabe-Ito
palette of the designer's maps) *and* its own shape, so that colour is never the only cue; the legend names each
network with its number, colour and shape, and the practices that change network are ringed and labelled with their
ODS code. A practice that closes is drawn as a grey cross. A north arrow and a scale bar stand in the corner. Every
practice that cannot be placed (no recorded location, or a practice that opens) is listed under the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from pcnhub.designer import maps
from pcnhub.designer.maps import PALETTE
from pcnhub.domain.geography import Point, project
from pcnhub.scenarios.compare import Comparison

#: The drawing's size in SVG units (pixels on screen): the plot on the left, the legend on the right.
WIDTH, HEIGHT = 760, 500
PLOT = (16, 16, 480, 468)  # x, y, width, height
LEGEND_X = 512
MARKER = 6.5
INK = "#212b32"
GREY = "#768692"
#: Shapes in turn with the colours (six shapes, seven colours: no two of the first 42 networks look alike).
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "hexagon")
SCALE_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
LEGEND_CHARS = 30


@dataclass(frozen=True)
class Style:
    number: int
    colour: str
    shape: str


@dataclass
class MapPractice:
    code: str
    name: str
    network: str
    style: Style | None
    #: "moved" (changes network), "opened", "closed" or ""
    change: str = ""
    point: Point | None = None


@dataclass
class PaperMap:
    svg: str
    #: the networks after, in the legend's order: (number, name, list size, colour, shape)
    legend: list[tuple[int, str, int, str, str]]
    located: list[MapPractice] = field(default_factory=list)
    unlocated: list[MapPractice] = field(default_factory=list)


def style(i: int) -> Style:
    """The colour and shape of the ``i``-th network (0-based)."""
    return Style(i + 1, PALETTE[i % len(PALETTE)], SHAPES[i % len(SHAPES)])


def marker(shape: str, x: float, y: float, r: float) -> str:
    """The SVG path (``d``) of a marker of ``shape`` centred on (x, y), about ``2r`` across."""
    def poly(points):
        return "M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in points) + " Z"

    if shape == "circle":
        return f"M{x - r:.1f},{y:.1f} a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0 a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0 Z"
    if shape == "square":
        s = r * 0.9
        return poly([(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)])
    if shape == "triangle":
        return poly([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)])
    if shape == "triangle-down":
        return poly([(x, y + r * 1.2), (x + r * 1.1, y - r * 0.8), (x - r * 1.1, y - r * 0.8)])
    if shape == "diamond":
        return poly([(x, y - r * 1.25), (x + r * 1.1, y), (x, y + r * 1.25), (x - r * 1.1, y)])
    return poly([(x + r * 1.1 * math.cos(a), y + r * 1.1 * math.sin(a))
                 for a in (math.pi / 3 * k + math.pi / 6 for k in range(6))])


def scale_length(span_km: float) -> float:
    """A round length for the scale bar, about a quarter of ``span_km``."""
    wanted = span_km / 4
    return min(SCALE_STEPS, key=lambda s: abs(math.log(s / wanted)) if wanted > 0 else s)


def _km(value: float) -> str:
    return f"{value:g} km"


def _wrap(text: str) -> list[str]:
    return maps.wrap(text, LEGEND_CHARS) or [""]


def practices(found: Comparison) -> tuple[list[MapPractice], list[tuple[int, str, int, str, str]]]:
    """Every practice of the networks after the changes (with its network's style), then the practices that close;
    and the legend."""
    moved = {code for code, (before, after) in found.outcome.moves.items() if before and after}
    opened = set(found.outcome.opened)
    out: list[MapPractice] = []
    legend = []
    afters = [r.after for r in found.rows if r.after is not None]
    for i, side in enumerate(afters):
        look = style(i)
        legend.append((look.number, side.name, side.list_size, look.colour, look.shape))
        for p in side.practices:
            change = "opened" if p.code in opened else "moved" if p.code in moved else ""
            out.append(MapPractice(p.code, p.name, side.name, look, change, p.point))
    closed = set(found.outcome.closed)
    for row in found.rows:
        if row.before is not None:
            out += [MapPractice(p.code, p.name, row.before.name, None, "closed", p.point)
                    for p in row.before.practices if p.code in closed]
    return out, legend


def draw(found: Comparison, title: str) -> PaperMap:
    """The map of ``found`` (see the module docs); ``svg`` is "" when no practice can be placed."""
    found_practices, legend = practices(found)
    located = [p for p in found_practices if p.point is not None]
    unlocated = [p for p in found_practices if p.point is None]
    if not located:
        return PaperMap("", legend, [], unlocated)
    xy = project([p.point for p in located])
    xs, ys = xy[:, 0], xy[:, 1]
    span_x = max(float(xs.max() - xs.min()), 1.0)
    span_y = max(float(ys.max() - ys.min()), 1.0)
    px, py, pw, ph = PLOT
    pad = 36
    scale = min((pw - 2 * pad) / span_x, (ph - 2 * pad) / span_y)  # SVG units per km
    cx, cy = float(xs.min() + xs.max()) / 2, float(ys.min() + ys.max()) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return px + pw / 2 + (x - cx) * scale, py + ph / 2 - (y - cy) * scale

    key, bottom = _legend(legend, any(p.change == "moved" for p in located),
                          any(p.change == "closed" for p in located))
    height = max(HEIGHT, math.ceil(bottom) + 16)
    parts = [f'<svg class="paper-map__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-labelledby="paper-map-title paper-map-desc" data-located="{len(located)}">',
             f'<title id="paper-map-title">{escape(title)}</title>',
             f'<desc id="paper-map-desc">{escape(_description(legend, located, unlocated))}</desc>',
             f'<rect x="{px}" y="{py}" width="{pw}" height="{ph}" fill="#ffffff" stroke="{GREY}" stroke-width="1"/>']
    labels = []
    # practices that change network under the others' markers' rings, so every ring shows
    for p, (x, y) in sorted(zip(located, xy, strict=True), key=lambda item: item[0].change != "moved"):
        sx, sy = at(float(x), float(y))
        who = f"{p.code} {p.name}: " + (f"closes (was in {p.network})" if p.change == "closed"
                                          else f"{p.network}" + (", changes network" if p.change == "moved" else ""))
        parts.append(f'<g class="paper-map__practice" data-practice="{escape(p.code)}" '
                     f'data-network="{p.style.number if p.style else ""}" data-change="{p.change}">'
                     f'<title>{escape(who)}</title>')
        if p.change == "closed":
            r = MARKER
            parts.append(f'<path d="M{sx - r:.1f},{sy - r:.1f} L{sx + r:.1f},{sy + r:.1f} M{sx - r:.1f},{sy + r:.1f} '
                         f'L{sx + r:.1f},{sy - r:.1f}" stroke="{GREY}" stroke-width="2.5" fill="none"/>')
        else:
            if p.change in ("moved", "opened"):
                parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="{MARKER * 2:.1f}" fill="none" stroke="{INK}" '
                             'stroke-width="2"/>')
            parts.append(f'<path d="{marker(p.style.shape, sx, sy, MARKER)}" fill="{p.style.colour}" '
                         f'stroke="{INK}" stroke-width="1.2"/>')
        parts.append("</g>")
        if p.change in ("moved", "closed"):
            anchor = "start" if sx < px + pw - 80 else "end"
            dx = MARKER * 2 + 3 if anchor == "start" else -(MARKER * 2 + 3)
            labels.append(f'<text x="{sx + dx:.1f}" y="{sy + 4:.1f}" text-anchor="{anchor}" font-size="12" '
                          f'font-weight="bold" fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                          f'{escape(p.code)}</text>')
    parts += labels
    parts += _north_arrow(px + pw - 30, py + 14)
    parts += _scale_bar(px + 14, py + ph - 16, scale, span_x)
    parts += key
    parts.append("</svg>")
    return PaperMap("".join(parts), legend, located, unlocated)


def _description(legend, located, unlocated) -> str:
    networks = "; ".join(f"{n} {name}, {size:,} patients, {shape} markers" for n, name, size, _c, shape in legend)
    moved = [p.code for p in located if p.change == "moved"]
    text = f"{len(located)} practices placed by their recorded locations. Networks after the changes: {networks}."
    if moved:
        text += f" Practices that change network, ringed: {', '.join(moved)}."
    if unlocated:
        text += f" {len(unlocated)} practices cannot be placed; they are listed under the map."
    return text


def _north_arrow(x: float, y: float) -> list[str]:
    return [f'<g class="paper-map__north" aria-hidden="true"><path d="M{x},{y} L{x + 8},{y + 26} L{x},{y + 20} '
            f'L{x - 8},{y + 26} Z" fill="{INK}"/><text x="{x}" y="{y + 42}" text-anchor="middle" font-size="13" '
            f'font-weight="bold" fill="{INK}">N</text></g>']


def _scale_bar(x: float, y: float, scale: float, span_km: float) -> list[str]:
    length = scale_length(span_km)
    w = length * scale
    return [f'<g class="paper-map__scale" data-km="{length:g}" aria-hidden="true">'
            f'<path d="M{x:.1f},{y - 6:.1f} L{x:.1f},{y:.1f} L{x + w:.1f},{y:.1f} L{x + w:.1f},{y - 6:.1f}" '
            f'stroke="{INK}" stroke-width="2" fill="none"/>'
            f'<text x="{x + w / 2:.1f}" y="{y - 9:.1f}" text-anchor="middle" font-size="12" fill="{INK}">'
            f'{_km(length)}</text></g>']


def _legend(legend, moved: bool, closed: bool) -> tuple[list[str], float]:
    """The legend's SVG, and how far down it reaches."""
    x, y = LEGEND_X, 30
    out = [f'<g class="paper-map__legend"><text x="{x}" y="{y}" font-size="14" font-weight="bold" fill="{INK}">'
           'Networks after the changes</text>']
    y += 26
    for number, name, size, colour, shape in legend:
        out.append(f'<path d="{marker(shape, x + 8, y - 4, MARKER)}" fill="{colour}" stroke="{INK}" '
                   'stroke-width="1.2"/>')
        lines = _wrap(f"{number}. {name}") + [f"{size:,} patients"]
        for k, line in enumerate(lines):
            weight = ' font-weight="bold"' if k < len(lines) - 1 else ""
            out.append(f'<text x="{x + 22}" y="{y + k * 15}" font-size="12.5"{weight} fill="{INK}">'
                       f'{escape(line)}</text>')
        y += 15 * len(lines) + 10
    if moved:
        out.append(f'<circle cx="{x + 8}" cy="{y - 4}" r="{MARKER * 1.6:.1f}" fill="none" stroke="{INK}" '
                   f'stroke-width="2"/><text x="{x + 24}" y="{y}" font-size="12.5" fill="{INK}">Ringed and '
                   'labelled: changes network</text>')
        y += 30
    if closed:
        r = MARKER
        out.append(f'<path d="M{x + 8 - r},{y - 4 - r} L{x + 8 + r},{y - 4 + r} M{x + 8 - r},{y - 4 + r} '
                   f'L{x + 8 + r},{y - 4 - r}" stroke="{GREY}" stroke-width="2.5"/>'
                   f'<text x="{x + 24}" y="{y}" font-size="12.5" fill="{INK}">Practice that closes</text>')
        y += 30
    out.append("</g>")
    return out, y
