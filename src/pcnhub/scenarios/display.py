"""A comparison as the page and its downloads show it: for each network a scenario touches, the measures before,
after and the difference, in sections (size, rules, money, ARRS, access, maturity, population, distance and travel).

Every figure comes from :class:`pcnhub.scenarios.compare.Comparison`; this module only words and rounds them.  Money
is in whole pounds as on the money pages (:mod:`pcnhub.domain.money.rounding`: a side's counted lines add up to its
rounded total); population figures from patient data are the pipeline's disclosure-controlled text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pcnhub.domain import rules
from pcnhub.domain.money import rounding
from pcnhub.domain.money.entitlements import Entitlement, Line
from pcnhub.pages import exports
from pcnhub.scenarios import compare

#: Shown where a side has no network (before: the scenario makes it; after: it ends).
NO_NETWORK_BEFORE = "Not a network yet"
NO_NETWORK_AFTER = "Ends"
SEVERITY_ORDER = {rules.ERROR: 0, rules.WARNING: 1, rules.EXCEPTION: 2, rules.INFO: 3}


@dataclass
class Measure:
    """One row of a network's table: the values (numbers where they are, for the downloads) and their words."""

    key: str
    label: str
    before: Any
    after: Any
    before_text: str
    after_text: str
    difference: str = ""
    #: a row of words that differ before and after (shown highlighted)
    changed: bool = False


@dataclass
class Section:
    title: str
    measures: list[Measure]


@dataclass
class NetworkTable:
    """A touched network: its names before and after, what becomes of it, the sections, and the findings."""

    key: str
    slug: str
    name: str
    fate: str
    code: str | None
    sections: list[Section]
    findings_before: list[rules.Finding] | None
    findings_after: list[rules.Finding] | None
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def measure(self, key: str) -> Measure:
        return next(m for s in self.sections for m in s.measures if m.key == key)


def _signed(value: float | int | Decimal, text: Callable[[Any], str]) -> str:
    if value == 0:
        return "No change"
    return ("+" if value > 0 else "−") + text(abs(value))


def _count(value: int) -> str:
    return f"{value:,}"


def _pounds(value: int) -> str:
    return f"£{value:,}"


def _measure(key: str, label: str, before: Any, after: Any, text: Callable[[Any], str] = _count,
             difference: bool = True, missing: str = "Not known") -> Measure:
    """A row whose values are numbers (or None: ``missing``), with their difference."""
    shown = [text(v) if v is not None else missing for v in (before, after)]
    diff = _signed(after - before, text) if difference and before is not None and after is not None else ""
    return Measure(key, label, before, after, *shown, difference=diff)


def _words(key: str, label: str, before: str | None, after: str | None) -> Measure:
    return Measure(key, label, before, after, before or "", after or "", changed=before != after)


def _placing(side: compare.Side) -> str:
    placing, band = side.placing, side.band
    if placing == rules.WITHIN:
        return "In the band"
    if placing == rules.BELOW:
        return f"{band.lower - side.list_size:,} below the band"
    return f"{side.list_size - band.upper:,} above the band"


def _money_values(money: Entitlement | None) -> dict[str, tuple[Any, str]]:
    """Each payment line's (value, words) of one side, and the total's: counted lines in whole pounds adding up to
    the total; a maximum shown apart, not counted; a rate not known."""
    if money is None:
        return {}
    whole = rounding.whole(money)
    out: dict[str, tuple[Any, str]] = {}
    for line in money.lines:
        out[line.payment.key] = _line_value(line, whole)
    out["total"] = (whole.total, _pounds(whole.total))
    return out


def _line_value(line: Line, whole: rounding.Whole) -> tuple[Any, str]:
    if not line.known:
        return None, "Not known"
    pounds = whole.lines[line.payment.key]
    if not line.counted:
        return None, f"{_pounds(pounds)} at most (not counted)"
    return pounds, _pounds(pounds) + (" at most" if line.maximum else "")


def _money(row: compare.Row, year: str) -> Section:
    sides = [s for s in (row.before, row.after) if s is not None]
    names: dict[str, str] = {}
    for side in sides:
        if side.money is not None:
            names.update({line.payment.key: line.payment.name for line in side.money.lines})
    if not names:
        return Section(f"Network money {year}", [_words("money", "Entitlement", "Not known", "Not known")])
    values = [_money_values(s.money if s is not None else None) for s in (row.before, row.after)]
    measures = []
    for key, name in [*names.items(), ("total", "Total entitlement")]:
        (b, bt), (a, at) = (v.get(key, (None, _absent(s))) for v, s in zip(values, (row.before, row.after),
                                                                             strict=True))
        diff = _signed(a - b, _pounds) if isinstance(a, int) and isinstance(b, int) else ""
        measures.append(Measure(f"money-{key}", name, b, a, bt, at, difference=diff))
    return Section(f"Network money {year}", measures)


def _absent(side: compare.Side | None) -> str:
    return "None" if side is not None else ""


def _arrs(row: compare.Row) -> Section:
    def pounds(side: compare.Side | None, attr: str) -> int | None:
        if side is None or side.arrs is None:
            return None
        value = getattr(side.arrs, attr)
        return None if value is None else rounding.round_pound(value)

    measures = [
        _measure("arrs-sum", "ARRS sum (every ARRS line above)", pounds(row.before, "sum"), pounds(row.after, "sum"), _pounds),
        _measure("arrs-claims", "Projected claims", pounds(row.before, "claims"), pounds(row.after, "claims"),
                 _pounds),
        _measure("arrs-headroom", "Headroom (sum less claims)", pounds(row.before, "headroom"),
                 pounds(row.after, "headroom"), lambda v: _pounds(v) if v >= 0 else f"−£{-v:,}"),
    ]
    outside = [None if s is None or s.arrs is None else "; ".join(s.arrs.outside) or "None"
               for s in (row.before, row.after)]
    measures.append(_words("arrs-outside", "Posts outside the sum", *outside))
    return Section("Additional Roles Reimbursement Scheme", measures)


def _access(row: compare.Row) -> Section:
    def minutes(v: int) -> str:
        return f"{v:,} minutes"

    def of(attr: str) -> list[int | None]:
        return [None if s is None else getattr(s.access, attr) for s in (row.before, row.after)]

    return Section("Access a week", [
        _measure("access-required", "Required", *of("required"), minutes, missing="No requirement"),
        _measure("access-planned", "Planned", *of("planned"), minutes),
        _measure("access-shortfall", "Shortfall", *of("shortfall"), minutes, missing="No requirement"),
    ])


def _maturity(row: compare.Row) -> Section:
    domains = list(dict.fromkeys(d for s in (row.before, row.after) if s is not None for d in s.development.labels))
    measures = [_words(f"maturity-{i}", name, *(s.development.labels.get(name) if s is not None else None
                                                for s in (row.before, row.after)))
                for i, name in enumerate(domains, 1)]
    if row.after is not None and row.after.development.carried_from:
        carried = ", ".join(row.after.development.carried_from)
        measures.append(Measure("maturity-carried", "Carries the development of", None, carried, "",
                                carried))
    return Section("Maturity: step reached in each domain", measures)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _people(row: compare.Row) -> Section:
    people = [None if s is None else s.people for s in (row.before, row.after)]

    def of(getter) -> list:
        return [None if p is None else getter(p) for p in people]

    measures = [
        _measure("people-registered", "Registered patients", *of(lambda p: p.registered)),
        _measure("people-weighted", "Weighted list", *of(lambda p: p.weighted), missing="Not recorded"),
        _measure("people-adjusted", "Adjusted population", *of(lambda p: p.adjusted), missing="Not recorded"),
    ]
    groups = list(dict.fromkeys(g for p in people if p is not None for g in p.ages))
    for i, group in enumerate(groups, 1):
        b, a = of(lambda p, g=group: p.ages.get(g))
        diff = _signed(round((a - b) * 100, 1), lambda v: f"{v:.1f} points") if a is not None and b is not None else ""
        measures.append(Measure(f"people-age-{i}", f"Aged {group}", b, a, _percent(b) if b is not None else "",
                                _percent(a) if a is not None else "", difference=diff))
    for prefix, label, getter in (("tier", "Risk tier: {}", lambda p: p.tiers), ("cohort", "Cohort: {}",
                                                                                  lambda p: p.cohorts)):
        names = list(dict.fromkeys(n for p in people if p is not None for n in getter(p)))
        for i, name in enumerate(names, 1):
            shown = of(lambda p, n=name, g=getter: g(p).get(n))
            measures.append(Measure(f"people-{prefix}-{i}", label.format(name),
                                    *(s.number if s is not None and not s.suppressed else None for s in shown),
                                    *(s.text if s is not None else "" for s in shown)))
    shown = next((p for p in reversed(people) if p is not None and p.ages_from), None)
    title = "Population"
    if shown is not None and shown.ages_from == "list sizes" and shown.ages_date is not None:
        title += f" (ages from the list sizes by age of {shown.ages_date:%-d %B %Y})"
    elif shown is not None and shown.ages_from == "patients":
        title += " (ages from the population health data's patients)"
    return Section(title, measures)


def _spread(row: compare.Row) -> Section:
    def of(attr: str) -> list[float | None]:
        return [None if s is None or s.spread is None else getattr(s.spread, attr) for s in (row.before, row.after)]

    def km(v: float) -> str:
        return f"{v:,.1f} km"

    def minutes(v: int) -> str:
        return f"About {v:,} min" if v else "Under 1 min"

    def one(measure: Measure) -> Measure:
        """A network of one located practice has no spread: say so rather than 0 km."""
        for i, side in enumerate((row.before, row.after)):
            if side is not None and side.spread is not None and side.spread.located == 1:
                setattr(measure, ("before_text", "after_text")[i], "One practice located")
        return measure

    def drive(key: str, label: str, attr: str) -> Measure:
        before, after = of(attr)
        measure = one(_measure(key, label, before, after, minutes, difference=False, missing="Not located"))
        if before is not None and after is not None:
            measure.difference = _signed(after - before, lambda v: f"{v:,} min")
        return measure

    return Section("Distance and travel between the practices", [
        one(_measure("spread-farthest", "Farthest apart (straight line)", *of("farthest_km"), km,
                     missing="Not located")),
        one(_measure("spread-between", "Mean distance between two practices", *of("mean_between_km"), km,
                     missing="Not located")),
        one(_measure("spread-mean", "Mean distance from the centre", *of("mean_from_centre_km"), km,
                     missing="Not located")),
        drive("drive-farthest", "Longest drive between two practices (estimate)", "farthest_drive_minutes"),
        drive("drive-mean", "Mean drive between two practices (estimate)", "mean_between_drive_minutes"),
    ])


def _size(row: compare.Row) -> Section:
    sides = (row.before, row.after)
    measures = [
        _measure("practices", "Member practices", *(None if s is None else len(s.practices) for s in sides)),
        _measure("list-size", "Registered list size", *(None if s is None else s.list_size for s in sides)),
        _words("placing", "Against the list-size band", *(None if s is None else _placing(s) for s in sides)),
        _measure("errors", "Rule errors", *(None if s is None else s.errors for s in sides)),
        _measure("warnings", "Warnings", *(None if s is None else sum(1 for f in s.findings
                                                                      if f.severity == rules.WARNING)
                                           for s in sides)),
    ]
    return Section("Size and rules", measures)


def _blank_missing_sides(row: compare.Row, sections: list[Section]) -> None:
    for section in sections:
        for m in section.measures:
            if row.before is None:
                m.before, m.before_text, m.difference, m.changed = None, NO_NETWORK_BEFORE, "", False
            if row.after is None:
                m.after, m.after_text, m.difference, m.changed = None, NO_NETWORK_AFTER, "", False


def _findings(side: compare.Side | None) -> list[rules.Finding] | None:
    if side is None:
        return None
    return sorted(side.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _main_measures(row: compare.Row, month: str) -> Section | None:
    """Each main measure's value and its place among every PCN (a percentile), before and after."""
    sides = [row.before, row.after]
    shown = next((s for s in sides if s is not None and s.measures), None)
    if shown is None:
        return None
    out = []
    for i, m in enumerate(shown.measures):
        values = [None if s is None or i >= len(s.measures) else s.measures[i] for s in sides]
        better = "lower is better" if m.direction == "lower" else "higher is better"
        out.append(Measure(f"measure-{m.id}", f"{m.title} ({better})", *(v.value if v else None for v in values),
                           *(v.text if v else "" for v in values)))
        ranks = [None if v is None or v.percentile is None else round(v.percentile) for v in values]
        out.append(Measure(f"measure-{m.id}-percentile", "Among all PCNs (percentile)", *ranks,
                           *(_ordinal(r) if r is not None else "Not known" for r in ranks),
                           difference=_signed(ranks[1] - ranks[0], str) + " points"
                           if None not in ranks and ranks[1] != ranks[0] else ""))
    return Section(f"Main measures ({month})", out)


def tables(found: compare.Comparison) -> list[NetworkTable]:
    out = []
    month = f"{found.measures_month:%B %Y}" if found.measures_month else ""
    for i, row in enumerate(found.rows, 1):
        sections = [_size(row), _money(row, str(found.year)), _arrs(row), _access(row), _maturity(row),
                    _people(row), _spread(row)]
        measured = _main_measures(row, month)
        if measured is not None:
            sections.insert(-1, measured)
        _blank_missing_sides(row, sections)
        before = {p.code: p.name for p in row.before.practices} if row.before else {}
        after = {p.code: p.name for p in row.after.practices} if row.after else {}
        shown = row.after or row.before
        name = shown.name if row.before is None or row.after is None or row.before.name == row.after.name \
            else f"{row.before.name}, renamed {row.after.name}"
        out.append(NetworkTable(row.key, f"network-{i}", name, row.fate, shown.code, sections,
                                _findings(row.before), _findings(row.after),
                                joined=[after[c] for c in after if c not in before] if row.before else [],
                                left=[before[c] for c in before if c not in after] if row.after else []))
    return out


def _cell(value: Any, text: str) -> Any:
    """A download's cell: the number where there is one, else the words."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    return text


def comparison_table(stem: str, shown: list[NetworkTable]) -> exports.Table:
    headers = ["Network", "What becomes of it", "Section", "Measure", "Before", "After", "Difference"]
    rows = [[t.name, t.fate, s.title, m.label, _cell(m.before, m.before_text), _cell(m.after, m.after_text),
             m.difference]
            for t in shown for s in t.sections for m in s.measures]
    return exports.Table(stem, headers, rows)
