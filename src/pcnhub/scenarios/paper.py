"""A scenario's board paper: the document, in the shape of the 2019 board papers that formed the PCNs.

:func:`build` turns a scenario and its comparison (:mod:`pcnhub.scenarios.compare`) into a :class:`Paper`: the title
block and numbered sections of paragraphs, lists and tables, which the HTML page (``scenarios/paper.html``) and the
Word document (:mod:`pcnhub.scenarios.paper_docx`) both render, so the two carry the same words and figures:

1. purpose: the changes in words; 2. background and reasons (the scenario's own); 3. the networks before and after
(the landscape table of the seeds: each network's member practices with ODS codes and list sizes); 4. finance (each
entitlement line of every network touched, before, after and the difference, in whole pounds); 5. workforce (ARRS);
6. access; 7. development (maturity steps carried); 8. population and needs; 9. the map
(:mod:`pcnhub.scenarios.paper_map`), distances and estimated drives between the practices; 10. risks
(:mod:`pcnhub.scenarios.risks`); 11. the recommendation, a box for the board to complete; and an appendix of notes
on how the figures are made.

Every figure is the comparison's, formatted here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pcnhub.domain import rules
from pcnhub.domain.access import ENHANCED_ACCESS_START
from pcnhub.domain.money.rounding import ROUNDING_NOTE, gbp_whole, whole
from pcnhub.domain.money.years import catalogue_years
from pcnhub.register import services as register
from pcnhub.register.models import OrgKind
from pcnhub.scenarios import paper_map, risks
from pcnhub.scenarios.compare import AGE_GROUPS, Comparison, Row, Side
from pcnhub.scenarios.models import Scenario

NONE = "—"
#: The choices the board's recommendation box offers.
DECISIONS = ("Approve", "Reject", "Defer")


# --- The document ---------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str = ""
    #: a cell of several lines (a network's member practices), each (ODS code, name, list size, mark): mark "" or
    #: what becomes of the practice ("joins from ...", "opens"), or "total" for the last line
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: a head cell whose words are for screen readers only (the column's cells say it: "Before", "After")
    hidden: bool = False
    numeric: bool = False
    #: a row header (the network, or the item of a per-network table)
    header: bool = False
    strong: bool = False
    rowspan: int = 1


@dataclass
class Table:
    key: str
    caption: str
    head: list[Cell]
    #: rows in groups kept together on a page (a network's before and after rows)
    groups: list[list[list[Cell]]]
    foot: list[list[Cell]] = field(default_factory=list)
    #: how the table is laid out (its columns' widths): "landscape", "rules", "summary", "money", "workforce",
    #: "access", "steps", "spread" or "plain"
    style: str = "plain"
    kind = "table"

    @property
    def rows(self) -> list[list[Cell]]:
        return [row for group in self.groups for row in group]


@dataclass
class Paragraph:
    text: str
    small: bool = False
    kind = "paragraph"


@dataclass
class Bullets:
    items: list[str]
    kind = "bullets"


@dataclass
class Heading:
    text: str
    kind = "heading"


@dataclass
class MapBlock:
    map: paper_map.PaperMap
    kind = "map"


@dataclass
class RiskBlock:
    risks: list[risks.Risk]
    kind = "risks"


@dataclass
class RecommendationBlock:
    decisions: tuple[str, ...] = DECISIONS
    kind = "recommendation"


@dataclass
class Section:
    key: str
    number: str
    title: str
    blocks: list
    #: start the section on a new printed page
    new_page: bool = False


@dataclass
class Paper:
    title: str
    icb: str
    area: str
    prepared: dt.date
    effective: dt.date
    status: str
    prepared_by: str
    summary: list[tuple[str, str]]
    sections: list[Section]
    risks: list[risks.Risk]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# --- Formatting -----------------------------------------------------------------------------------


def day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def count(value: int | None, missing: str = "Not recorded") -> str:
    return missing if value is None else f"{value:,}"


def signed_pounds(amount: int | None) -> str:
    """A difference in whole pounds: ``+£1,234``, ``-£1,234``, ``£0``, or the dash when not known."""
    if amount is None:
        return NONE
    return f"+£{amount:,}" if amount > 0 else gbp_whole(amount)


def signed(value: int | None) -> str:
    if value is None:
        return NONE
    return f"{value:+,}" if value else "0"


def placing(side: Side) -> str:
    band = side.band
    size = side.list_size
    if side.placing == rules.ABOVE:
        return f"Above the band by {size - band.upper:,}"
    if side.placing == rules.BELOW:
        return f"Below the band by {band.lower - size:,}"
    return "Within the band"


def _head(*texts: str, numeric: range = range(0), hidden: tuple[int, ...] = ()) -> list[Cell]:
    """A table's head: the columns at ``numeric`` are figures (aligned right), those at ``hidden`` are named for
    screen readers only."""
    return [Cell(t, numeric=i in numeric, hidden=i in hidden) for i, t in enumerate(texts)]


def _num(text: str, strong: bool = False) -> Cell:
    return Cell(text, numeric=True, strong=strong)


def _names(found: Comparison) -> dict[str, str]:
    """Each touched network's name by key (before's name, else after's), and "" for no network."""
    out = {"": "no network"}
    for row in found.rows:
        side = row.before or row.after
        out[row.key] = side.name
    return out


def _sides(row: Row) -> list[tuple[str, Side | None]]:
    return [("Before", row.before), ("After", row.after)]


def _minutes(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def _label(row: Row) -> str:
    """The network's name as the paper's tables head its rows: after's name, with before's if it changes."""
    if row.before is not None and row.after is not None and row.before.name != row.after.name:
        return f"{row.before.name} (renamed {row.after.name})"
    return (row.after or row.before).name


# --- Sections -------------------------------------------------------------------------------------


def _purpose(scenario: Scenario, found: Comparison) -> Section:
    outcome = found.outcome
    n = len(found.changes)
    if not n:
        return Section("purpose", "1", "Purpose and proposal", [Paragraph(
            f"This proposal for the Primary Care Networks of {found.area.name} has no changes yet: there is nothing "
            "for the board to decide until they are added.")])
    blocks: list = [Paragraph(
        f"This paper asks the board to decide on {n} change{'s' if n != 1 else ''} to the Primary Care Networks of "
        f"{found.area.name}, to take effect on {day(found.date)}:"), Bullets(list(found.changes))]
    moved = [code for code, (before, after) in outcome.moves.items() if before and after]
    facts = [f"{len(found.rows)} network{'s' if len(found.rows) != 1 else ''} affected"]
    if moved:
        facts.append(f"{len(moved)} practice{'s' if len(moved) != 1 else ''} change network")
    names = _names(found)
    if outcome.ended:
        facts.append("ending: " + ", ".join(names.get(k, k) for k in outcome.ended))
    if outcome.new:
        facts.append("new: " + ", ".join(outcome.new))
    if outcome.opened:
        facts.append(f"{len(outcome.opened)} practice{'s' if len(outcome.opened) != 1 else ''} open")
    if outcome.closed:
        facts.append(f"{len(outcome.closed)} practice{'s' if len(outcome.closed) != 1 else ''} close")
    blocks.append(Paragraph("In all: " + "; ".join(facts) + "."))
    blocks.append(Paragraph("The sections that follow compare every network affected before and after the changes: "
                            "the rules of the Network Contract DES, money, staff, access, development and the "
                            "population served, then the risks and a recommendation for the board to complete."))
    return Section("purpose", "1", "Purpose and proposal", blocks)


def _reasons(scenario: Scenario) -> Section:
    text = scenario.reasons.strip()
    if not text:
        return Section("reasons", "2", "Background and reasons",
                       [Paragraph("No reasons have been recorded for this proposal.")])
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Section("reasons", "2", "Background and reasons", [Paragraph(p) for p in paragraphs])


def _members(side: Side | None, row: Row, found: Comparison, names: dict[str, str], before: bool) -> Cell:
    """A network's member practices on one side, each with its list size and what becomes of it."""
    if side is None:
        return Cell(lines=[("", "New network" if before else row.fate, "", "")])
    outcome = found.outcome
    lines = []
    for p in side.practices:
        mark = ""
        went = outcome.moves.get(p.code)
        if before and p.code in outcome.closed:
            mark = "closes"
        elif before and went and went[1] != row.key:
            mark = f"leaves for {names.get(went[1], went[1])}"
        elif not before and p.code in outcome.opened:
            mark = "opens"
        elif not before and went and went[0] != row.key:
            mark = f"joins from {names.get(went[0], went[0])}"
        elif not before and p.code in outcome.sizes:
            mark = "list changes"
        lines.append((p.code, p.name, f"{p.list_size:,}", mark))
    lines.append(("", "Total", f"{side.list_size:,}", "total"))
    return Cell(lines=lines)


def _landscape(found: Comparison) -> Section:
    names = _names(found)
    groups = []
    for row in found.rows:
        groups.append([[Cell(_label(row), header=True), _members(row.before, row, found, names, True),
                        _members(row.after, row, found, names, False),
                        Cell(placing(row.after) if row.after is not None else row.fate)]])
    when = found.lists_date
    table = Table("landscape", "The networks affected: member practices and list sizes, before and after",
                  _head("Network", "Member practices before (ODS code, name, list size)",
                        "Member practices after (ODS code, name, list size)", "After the changes"), groups,
                  style="landscape")
    band = found.rows[0].after.band if found.rows and found.rows[0].after else None
    band = band or (found.rows[0].before.band if found.rows and found.rows[0].before else rules.DEFAULT_BAND)
    blocks: list = [Paragraph(
        f"Registered patients are the practices' lists{f' of {day(when)}' if when else ''}, the latest on or before "
        f"{day(found.date)}. A network should serve {band.lower:,} to {band.upper:,} registered patients "
        f"({'the area’s upper limit' if band.upper_binds else 'the upper figure is the DES’s suggested upper level'})."
    ), table]
    before_sizes = [b for b, _ in found.sizes.values() if b is not None]
    after_sizes = [a for _, a in found.sizes.values() if a is not None]
    within_before = sum(1 for s in before_sizes if band.placing(s) == rules.WITHIN)
    within_after = sum(1 for s in after_sizes if band.placing(s) == rules.WITHIN)
    blocks.append(Paragraph(
        f"Across {found.area.name}: {within_before:,} of {len(before_sizes):,} networks are within the band before "
        f"the changes, {within_after:,} of {len(after_sizes):,} after."))
    blocks.append(_rules_table(found))
    return Section("networks", "3", "The networks before and after", blocks, new_page=True)


def _findings(findings: list[rules.Finding]) -> Cell:
    shown = [f for f in findings if f.severity in (rules.ERROR, rules.WARNING, rules.EXCEPTION)]
    if not shown:
        return Cell("None")
    return Cell(lines=[("", f"{f.severity.capitalize()}: {f.message}", "", "") for f in shown])


def _rules_table(found: Comparison) -> Table:
    """What the rules find of each network, and of the area as a whole, before and after."""
    groups = []
    for row in found.rows:
        groups.append([[Cell(_label(row), header=True),
                        _findings(row.before.findings) if row.before else Cell("New network"),
                        _findings(row.after.findings) if row.after else Cell(row.fate)]])
    groups.append([[Cell("The area as a whole", header=True), _findings(found.area_before),
                    _findings(found.area_after)]])
    return Table("rules", "What the rules find: errors, warnings and recorded exceptions",
                 _head("Network", "Before", "After"), groups, style="rules")


def _money_lines(row: Row) -> list[list[Cell]]:
    """Each payment of the year on both sides: whole pounds that add up to each side's total (an amount shown apart
    from the total in brackets), and the difference where both count it."""
    pounds = {id(side): whole(side.money) for side in (row.before, row.after) if side is not None and side.money}
    keys: dict[str, str] = {}
    for side in (row.before, row.after):
        if side is not None and side.money is not None:
            for line in side.money.lines:
                keys.setdefault(line.payment.key, line.payment.name)

    def amount(side: Side | None, key: str) -> tuple[str, int | None]:
        if side is None:
            return NONE, None
        line = side.money.line(key) if side.money is not None else None
        if line is None or not line.known:
            return "Not known", None
        value = pounds[id(side)].lines[key]
        if not line.counted:
            return f"({gbp_whole(value)} maximum, not counted)", None
        return gbp_whole(value), value

    out = []
    for key, name in keys.items():
        b_text, b = amount(row.before, key)
        a_text, a = amount(row.after, key)
        difference = a - b if a is not None and b is not None else None
        out.append([Cell(name, header=True), _num(b_text), _num(a_text), _num(signed_pounds(difference))])
    return out


def _finance(found: Comparison) -> Section:
    if not found.year_known:
        return Section("finance", "4", "Finance", [Paragraph(n) for n in found.notes if "rates catalogue" in n])
    blocks: list = [Paragraph(
        f"Each network’s entitlement for {found.year} under the Network Contract DES, on the lists before and after "
        "the changes, with the ICB’s rate overrides. The totals leave out what is shown apart (the Investment and "
        "Impact Fund’s maximum, where no achievement is computed) and what is not known.")]
    summary = []
    sum_before = sum_after = 0
    for row in found.rows:
        b, a = risks.total_pounds(row.before), risks.total_pounds(row.after)
        sum_before += b or 0
        sum_after += a or 0
        summary.append([[Cell(_label(row), header=True), _num(gbp_whole(b) if row.before else NONE),
                         _num(gbp_whole(a) if row.after else NONE), _num(signed_pounds(risks.money_change(
                             row.before, row.after))), Cell(row.fate)]])
    foot = [[Cell("All networks affected", header=True, strong=True), _num(gbp_whole(sum_before), True),
             _num(gbp_whole(sum_after), True), _num(signed_pounds(sum_after - sum_before), True), Cell("")]]
    blocks.append(Table("money-summary", f"Entitlement {found.year}: each network’s total",
                        _head("Network", "Before", "After", "Difference", "What becomes of it", numeric=range(1, 4)),
                        summary, foot, style="summary"))
    for i, row in enumerate(found.rows, 1):
        b, a = risks.total_pounds(row.before), risks.total_pounds(row.after)
        foot = [[Cell("Total", header=True, strong=True),
                 _num(gbp_whole(b) if row.before else NONE, True), _num(gbp_whole(a) if row.after else NONE, True),
                 _num(signed_pounds(risks.money_change(row.before, row.after)), True)]]
        blocks.append(Table(f"money-{i}", f"{_label(row)}: entitlement {found.year} by payment",
                            _head("Payment", "Before", "After", "Difference", numeric=range(1, 4)),
                            [[r] for r in _money_lines(row)], foot, style="money"))
    blocks.append(Paragraph(ROUNDING_NOTE, small=True))
    return Section("finance", "4", "Finance", blocks, new_page=True)


def _workforce(found: Comparison) -> Section:
    if not found.year_known:
        return Section("workforce", "5", "Workforce", [Paragraph("The ARRS sum is not known for this year.")])
    groups = []
    for row in found.rows:
        group = []
        for i, (label, side) in enumerate(_sides(row)):
            total, claims, headroom = risks.arrs_pounds(side)
            cells = [Cell(label)]
            if side is None:
                cells += [_num(NONE), _num(NONE), _num(NONE), Cell(row.fate if label == "After" else "New network")]
            else:
                outside = side.arrs.outside if side.arrs is not None else []
                cells += [_num(gbp_whole(total)), _num(gbp_whole(claims)), _num(gbp_whole(headroom)),
                          Cell("; ".join(outside) if outside else "None")]
            group.append(([Cell(_label(row), header=True, rowspan=2)] if i == 0 else []) + cells)
        groups.append(group)
    table = Table("workforce", f"ARRS {found.year}: the sum, the posts’ projected claims and the headroom",
                  _head("Network", "Before or after", "ARRS sum", "Projected claims", "Headroom",
                        "Posts outside the sum", numeric=range(2, 5), hidden=(1,)), groups, style="workforce")
    return Section("workforce", "5", "Workforce", [Paragraph(
        "The Additional Roles Reimbursement Scheme (ARRS) pays each network up to a sum set by its weighted list. "
        "A network keeps its own posts; a merged network has the posts of every part; posts the proposal adds start "
        "on its effective date. Where the claims exceed the sum, the posts that start latest fall outside it first."),
        table], new_page=True)


def _access(found: Comparison) -> Section:
    groups = []
    for row in found.rows:
        group = []
        for i, (label, side) in enumerate(_sides(row)):
            if side is None:
                cells = [Cell(label), _num(NONE), _num(NONE), _num(NONE)]
            else:
                acc = side.access
                cells = [Cell(label), _num(count(acc.required, "No requirement")), _num(f"{acc.planned:,}"),
                         _num(count(acc.shortfall, NONE))]
            group.append(([Cell(_label(row), header=True, rowspan=2)] if i == 0 else []) + cells)
        groups.append(group)
    table = Table("access", "Access: minutes a week the network must provide and has planned",
                  _head("Network", "Before or after", "Required", "Planned", "Shortfall", numeric=range(2, 5),
                        hidden=(1,)), groups, style="access")
    return Section("access", "6", "Access", [Paragraph(
        "What each network must provide under the Network Contract DES, in minutes a week, against the sessions on its "
        "access plan. A network keeps its sessions, a merged network has every part's, and the proposal's changes "
        "are added."), table])


def _development(found: Comparison) -> Section:
    blocks: list = [Paragraph(
        "The step each network had reached in each domain of the PCN maturity matrix (its latest self-assessment). "
        "A network after the changes carries the development of every network it takes whole and of the one most of "
        "its patients come from, at the lowest step of those: a merged network is never taken to be further on than "
        "any of its parts.")]
    for i, row in enumerate(found.rows, 1):
        domains = list(dict.fromkeys([*(row.before.development.steps if row.before else {}),
                                      *(row.after.development.steps if row.after else {})]))
        rows = [[[Cell(domain, header=True),
                  Cell(row.before.development.labels.get(domain, NONE) if row.before else NONE),
                  Cell(row.after.development.labels.get(domain, NONE) if row.after else NONE)]] for domain in domains]
        blocks.append(Table(f"development-{i}", f"{_label(row)}: step reached by domain",
                            _head("Domain", "Before", "After"), rows, style="steps"))
        carried = row.after.development.carried_from if row.after is not None else []
        if carried and carried != [row.before.name if row.before else None]:
            blocks.append(Paragraph(f"{row.after.name} carries the development of "
                                    f"{', '.join(row.after.development.carried_from)}.", small=True))
    return Section("development", "7", "Development", blocks, new_page=True)


def _population_rows(row: Row) -> list[list[list[Cell]]]:
    def both(label: str, get) -> list[list[Cell]]:
        return [[Cell(label, header=True), _num(get(row.before) if row.before else NONE),
                 _num(get(row.after) if row.after else NONE)]]

    out = [both("Registered patients", lambda s: f"{s.people.registered:,}"),
           both("Weighted list", lambda s: count(s.people.weighted)),
           both("Adjusted population", lambda s: count(s.people.adjusted))]
    for label, *_ in AGE_GROUPS:
        out.append(both(f"Aged {label}", lambda s, k=label: f"{s.people.ages[k]:.1%}" if s.people.ages else
                        "Not recorded"))
    sides = [s for s in (row.before, row.after) if s is not None]
    if any(s.people.patients is not None for s in sides):
        out.append(both("Patients in the population health data",
                        lambda s: s.people.patients.text if s.people.patients else "Not known"))
        tiers = list(dict.fromkeys(k for s in sides for k in s.people.tiers))
        cohorts = list(dict.fromkeys(k for s in sides for k in s.people.cohorts))
        out += [both(f"Risk tier: {k}", lambda s, k=k: s.people.tiers[k].text if k in s.people.tiers else
                     "Not known") for k in tiers]
        out += [both(f"Cohort: {k}", lambda s, k=k: s.people.cohorts[k].text if k in s.people.cohorts else
                     "Not known") for k in cohorts]
    measured = next((s for s in sides if s.measures), None)
    for i, m in enumerate(measured.measures if measured else []):
        def shown(s, i=i) -> str:
            if i >= len(s.measures) or s.measures[i].value is None:
                return "Not known"
            value = s.measures[i]
            place = f" (higher than {round(value.percentile)}% of PCNs)" if value.percentile is not None else ""
            return f"{value.text}{place}"

        better = "lower is better" if m.direction == "lower" else "higher is better"
        out.append(both(f"{m.title} ({better})", shown))
    return out


def _population(found: Comparison) -> Section:
    blocks: list = [Paragraph(
        "Who each network serves: its lists, the age profile of its registered patients and, where the population "
        "health data hold its practices' patients, their risk tiers and the cohorts of the network service "
        "specifications. Counts from patient data are disclosure-controlled: counts of 1 to 6 are not shown and the "
        "others are rounded to 5.")]
    for i, row in enumerate(found.rows, 1):
        head = _head("Figure", "Before", "After", numeric=range(1, 3), hidden=(0,))
        blocks.append(Table(f"population-{i}", f"{_label(row)}: population and needs", head, _population_rows(row),
                            style="steps"))
        side = row.after or row.before
        if side.people.ages_from == "list sizes" and side.people.ages_date:
            blocks.append(Paragraph(f"Ages from the practices' list sizes by age of {day(side.people.ages_date)}.",
                                    small=True))
        elif side.people.ages_from == "patients":
            blocks.append(Paragraph("Ages from the population health data's patients (no list sizes by age are "
                                    "recorded).", small=True))
    return Section("population", "8", "Population and needs", blocks, new_page=True)


def _map(found: Comparison, drawn: paper_map.PaperMap) -> Section:
    blocks: list = [Paragraph(
        "The practices of the networks affected, after the changes, by their recorded locations. Each network has its "
        "own colour and marker shape; practices that change network are ringed and labelled with their ODS code.")]
    if drawn.svg:
        blocks.append(MapBlock(drawn))
    else:
        blocks.append(Paragraph("No practice of these networks has a recorded location, so there is no map."))
    if drawn.unlocated:
        blocks.append(Paragraph("Practices that cannot be placed on the map (no recorded location):"))
        blocks.append(Bullets([f"{p.code} {p.name} ({p.network}"
                               + (", opens" if p.change == "opened" else ", closes" if p.change == "closed" else "")
                               + ")" for p in drawn.unlocated]))
    groups = []
    for row in found.rows:
        group = []
        for i, (label, side) in enumerate(_sides(row)):
            s = side.spread if side is not None else None
            cells = [Cell(label)]
            if s is None:
                cells += [_num(NONE) for _ in range(4)]
            else:
                cells += [_num(f"{s.farthest_km:.1f}"), _num(f"{s.mean_between_km:.1f}"),
                          _num(_minutes(s.farthest_drive_minutes)), _num(_minutes(s.mean_between_drive_minutes))]
            group.append(([Cell(_label(row), header=True, rowspan=2)] if i == 0 else []) + cells)
        groups.append(group)
    blocks.append(Table("spread", "Distance and travel between the practices: straight lines (km) and estimated "
                                  "drives (minutes)",
                        _head("Network", "Before or after", "Farthest apart (km)", "Mean between two (km)",
                              "Longest drive (min)", "Mean drive (min)", numeric=range(2, 6), hidden=(1,)), groups,
                        style="spread"))
    if found.travel_basis:
        blocks.append(Paragraph(f"The drives are estimates: the straight line between two practices with "
                                f"{found.travel_basis}. pcnhub has no road map, so rivers, estuaries and one-way "
                                "streets that lengthen a particular journey are not seen.", small=True))
    return Section("map", "9", "Map, distance and travel", blocks, new_page=True)


def _risks(found_risks: list[risks.Risk]) -> Section:
    if not found_risks:
        blocks: list = [Paragraph("The comparison finds no risk: no rule is broken, no network loses money, no ARRS "
                                  "sum is exceeded, no access is short and no development is carried lower.")]
    else:
        blocks = [Paragraph("Read from the comparison: rules broken after the changes, governance a new network has "
                            "not recorded, money lost, staff above the ARRS sum, access short, warnings the changes "
                            "bring, development carried at a lower step, and money gained."),
                  RiskBlock(found_risks)]
    return Section("risks", "10", "Risks", blocks, new_page=True)


def _recommendation() -> Section:
    return Section("recommendation", "11", "Recommendation", [
        Paragraph("For the board to complete: its decision, any conditions, and who signs for it."),
        RecommendationBlock()], new_page=True)


def _appendix(found: Comparison) -> Section:
    years = catalogue_years()
    notes = [
        f"Money is each network's entitlement for {found.year} from pcnhub's rates catalogue, which holds the Network "
        f"Contract DES's rates for {years[0]} to {years[-1]}, each rate with its source document and status "
        "(verified, derived or uncertain), and the ICB's rate overrides. It is computed on the practices' lists on "
        "the effective date.",
        "The Investment and Impact Fund forecast follows the patients: each practice brings the IIF points per patient "
        "of the network it comes from; a practice that opens brings none, and then the IIF's maximum is shown apart "
        "from the total. Care home beds stay with the network they are recorded for; a new network has none until "
        "the ICB records its aligned homes.",
        "A list that grows or falls keeps its weighting: its weighted and adjusted lists change in proportion.",
        "ARRS: the sum is the ARRS lines of the entitlement; the claims are the posts' projected claims in the year.",
        "Access: minutes a week required by the Network Contract DES (enhanced access from "
        f"{day(ENHANCED_ACCESS_START)}, extended hours before), against the sessions planned on each network's access "
        "plan.",
        "Development: the step reached in each domain of the PCN maturity matrix at the network's latest "
        "self-assessment; a network after the changes carries the lowest step of the networks it comes from.",
        "Population: list sizes as recorded; risk tiers and cohorts from the population health data, "
        "disclosure-controlled.",
        "Distance and travel: straight lines between the practices' recorded locations; drives estimated from them "
        f"with {found.travel_basis or 'the figures of pcnhub’s travel reference file'} (sources in pcnhub’s "
        "reference/travel/travel.toml).",
        "The rules are those of every other page: the list-size band, one network per practice, coverage of the area, "
        "contiguity and governance.",
        ROUNDING_NOTE,
    ]
    blocks: list = [Heading("Notes on this comparison")]
    blocks += [Bullets(list(found.notes))] if found.notes else [Paragraph("None.")]
    blocks += [Heading("How the figures are computed"), Bullets(notes)]
    return Section("appendix", "A", "Appendix: notes", blocks, new_page=True)


def build(scenario: Scenario, found: Comparison, today: dt.date | None = None) -> Paper:
    """The board paper of ``scenario`` from its comparison ``found``."""
    icb = register.ancestor_of_kind(found.area, OrgKind.ICB)
    found_risks = risks.risks(found)
    drawn = paper_map.draw(found, f"Map: the practices of the networks affected by {scenario.name}, after the "
                                  "changes")
    user = scenario.created_by
    by = (user.get_full_name() or user.get_username()) if user is not None else "Not recorded"
    area = found.area.name if icb is None or icb.pk != found.area.pk else ""
    sections = [_purpose(scenario, found), _reasons(scenario), _landscape(found), _finance(found),
                _workforce(found), _access(found), _development(found), _population(found), _map(found, drawn),
                _risks(found_risks), _recommendation(), _appendix(found)]
    counts: dict[str, int] = {}
    for r in found_risks:
        counts[r.label] = counts.get(r.label, 0) + 1
    summary = [("Networks affected", f"{len(found.rows):,}"),
               ("Risks", ", ".join(f"{label} {n}" for label, n in counts.items()) or "None found")]
    return Paper(scenario.name, icb.name if icb is not None else found.area.name, area, today or dt.date.today(),
                 found.date, scenario.get_status_display(), by, summary, sections, found_risks)
