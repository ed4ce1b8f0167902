"""The risks of a scenario, read from its comparison: what a board should weigh before it decides.

:func:`risks` lists, for the networks after the changes (and the area as a whole):

* every rule broken after the changes (each error finding, the area's too; one broken before too says so);
* each network that ends with no practice left (not merged whole into another), with the ARRS posts and access
  minutes no network carries on;
* the governance a network the scenario makes has not recorded (Clinical Director, nominated payee, network
  agreement: the ICB records them);
* each network whose entitlement for the year falls (whole pounds, as the paper's finance tables show them);
* each network whose projected ARRS claims exceed its sum after the changes, with the posts that would fall outside
  it (the latest to start first);
* each network that plans fewer access minutes a week than it must provide;
* every warning the changes bring that the network did not have before (governance warnings of a new network are
  counted once, above);
* each domain of development a network carries at a lower step than one of the networks it comes from had reached
  (a merged network is taken to be only as far on as the least developed of its parts);
* and, for the board to see the other side of the money, each network whose entitlement rises.

Every figure is the comparison's: nothing here computes money, staff or access afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pcnhub.domain import rules
from pcnhub.domain.money.rounding import gbp_whole, round_pound, whole
from pcnhub.scenarios.compare import Comparison, Side

RULE: Final = "rule"
ENDS: Final = "ends"
GOVERNANCE: Final = "governance"
MONEY_LOST: Final = "money-lost"
WORKFORCE: Final = "workforce"
ACCESS: Final = "access"
WARNING: Final = "warning"
DEVELOPMENT: Final = "development"
MONEY_GAINED: Final = "money-gained"
#: Every kind of risk, in the order the paper lists them, with its words.
KINDS: Final = {
    RULE: "Rule broken",
    ENDS: "Network ends",
    GOVERNANCE: "Governance not recorded",
    MONEY_LOST: "Money lost",
    WORKFORCE: "Staff above the ARRS sum",
    ACCESS: "Access shortfall",
    WARNING: "New warning",
    DEVELOPMENT: "Development carried lower",
    MONEY_GAINED: "Money gained",
}
GOVERNANCE_RULES: Final = {
    rules.CLINICAL_DIRECTOR: "Clinical Director",
    rules.NOMINATED_PAYEE: "nominated payee",
    rules.NETWORK_AGREEMENT: "network agreement",
}
#: The name a risk of the whole area (not one network) is listed under.
WHOLE_AREA: Final = "All networks"
#: What a rule broken after the changes says when it was broken before them too.
AS_BEFORE: Final = " (broken before the changes too)"


@dataclass(frozen=True)
class Risk:
    kind: str
    #: the network's name after the changes, or :data:`WHOLE_AREA`
    network: str
    text: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def _either(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def total_pounds(side: Side | None) -> int | None:
    """A side's entitlement total in whole pounds (None: no side, or money not known)."""
    if side is None or side.money is None:
        return None
    return whole(side.money).total


def money_change(before: Side | None, after: Side | None) -> int | None:
    """After's total less before's, in whole pounds (None unless both are known)."""
    a, b = total_pounds(after), total_pounds(before)
    return None if a is None or b is None else a - b


def arrs_pounds(side: Side | None) -> tuple[int | None, int | None, int | None]:
    """A side's ARRS sum, projected claims and headroom in whole pounds (headroom: the rounded sum less the rounded
    claims, so that the three add up as printed); None where not known."""
    if side is None or side.arrs is None:
        return None, None, None
    claims = round_pound(side.arrs.claims)
    if side.arrs.sum is None:
        return None, claims, None
    total = round_pound(side.arrs.sum)
    return total, claims, total - claims


def _conditions(findings: list[rules.Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in findings}


def _left_behind(before: Side | None, fate: str) -> str:
    """What a network that ends with no practice left leaves that no network carries on ("" when merged whole, or
    when it leaves nothing): its ARRS posts and its access minutes."""
    if before is None or fate.startswith("Ends: merged"):
        return ""
    posts = [label for label, _start, _claims in before.arrs.posts] if before.arrs is not None else []
    parts = []
    if posts:
        parts.append(f"{len(posts)} ARRS post{'s' if len(posts) != 1 else ''} ({'; '.join(posts)})")
    if before.access.planned:
        parts.append(f"{before.access.planned:,} access minutes a week")
    if not parts:
        return ""
    return f"Its practices all leave; no network carries on its {' and '.join(parts)}."


def _lower_domains(after: Side, sources: list[Side]) -> list[str]:
    """The domains ``after`` carries at a lower step than one of ``sources`` had reached, in words."""
    found = []
    for domain, step in after.development.steps.items():
        ahead = [s for s in sources if s.development.steps.get(domain) is not None
                 and (step is None or s.development.steps[domain] > step)]
        if ahead:
            best = max(ahead, key=lambda s: s.development.steps[domain])
            found.append(f"{domain} at {after.development.labels.get(domain, 'not assessed')}, where "
                         f"{best.name} had reached {best.development.labels[domain]}")
    return found


def risks(found: Comparison) -> list[Risk]:
    """The comparison's risks (see the module docs), in the order of :data:`KINDS`, networks in the comparison's
    order."""
    out: list[Risk] = []
    before_by_name = {r.before.name: r.before for r in found.rows if r.before is not None}
    was = {(f.rule, f.practices) for f in found.area_before if f.severity == rules.ERROR}
    out += [Risk(RULE, WHOLE_AREA, f.message + (AS_BEFORE if (f.rule, f.practices) in was else ""))
            for f in found.area_after if f.severity == rules.ERROR]
    new_area = [f for f in found.area_after if f.severity == rules.WARNING
                and (f.rule, f.practices) not in {(g.rule, g.practices) for g in found.area_before}]
    for row in found.rows:
        after, before = row.after, row.before
        if after is None:
            lost = _left_behind(row.before, row.fate)
            if lost:
                out.append(Risk(ENDS, before.name, lost))
            continue
        had = _conditions(before.findings) if before is not None else set()
        out += [Risk(RULE, after.name, f.message + (AS_BEFORE if (f.rule, f.severity) in had else ""))
                for f in after.findings if f.severity == rules.ERROR]
        if before is None:
            missing = [GOVERNANCE_RULES[f.rule] for f in after.findings if f.rule in GOVERNANCE_RULES]
            if missing:
                out.append(Risk(GOVERNANCE, after.name,
                                f"A new network: no {_either(missing)} recorded. The ICB records them before the "
                                "network can be paid."))
        change = money_change(before, after)
        if change is not None and change < 0:
            out.append(Risk(MONEY_LOST, after.name,
                            f"Its entitlement for {found.year} falls by {gbp_whole(-change)}, from "
                            f"{gbp_whole(total_pounds(before))} to {gbp_whole(total_pounds(after))}."))
        total, claims, headroom = arrs_pounds(after)
        if headroom is not None and headroom < 0:
            outside = after.arrs.outside
            posts = f" Posts outside the sum: {'; '.join(outside)}." if outside else ""
            out.append(Risk(WORKFORCE, after.name,
                            f"Projected ARRS claims of {gbp_whole(claims)} exceed its sum of {gbp_whole(total)} by "
                            f"{gbp_whole(-headroom)}.{posts}"))
        short = after.access.shortfall
        if short:
            out.append(Risk(ACCESS, after.name,
                            f"Plans {after.access.planned:,} minutes a week of the {after.access.required:,} it must "
                            f"provide: {short:,} short."))
        for f in after.findings:
            if f.severity != rules.WARNING or (f.rule, f.severity) in had:
                continue
            if before is None and f.rule in GOVERNANCE_RULES:
                continue
            out.append(Risk(WARNING, after.name, f.message))
        sources = [before_by_name[name] for name in after.development.carried_from if name in before_by_name]
        if before is not None and before not in sources:
            sources.append(before)
        lower = _lower_domains(after, sources)
        if lower:
            out.append(Risk(DEVELOPMENT, after.name, "Carries " + "; ".join(lower) + "."))
        if change is not None and change > 0:
            out.append(Risk(MONEY_GAINED, after.name,
                            f"Its entitlement for {found.year} rises by {gbp_whole(change)}, from "
                            f"{gbp_whole(total_pounds(before))} to {gbp_whole(total_pounds(after))}."))
    out += [Risk(WARNING, WHOLE_AREA, f.message) for f in new_area]
    order = list(KINDS)
    return sorted(out, key=lambda r: order.index(r.kind))
