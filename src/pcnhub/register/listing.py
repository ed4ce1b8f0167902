"""The landscape's PCNs as a list: filtered, sorted and counted in one pass over the checked landscape.

The landscape (:func:`pcnhub.register.services.cached_landscape`) is computed once for an area and date and kept
in the cache; a filter, a sort or another page of the list only reads it again, so every number the page shows
(the totals of the PCNs listed and of the whole area) comes from the same check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pcnhub.domain import rules
from pcnhub.register.models import Organisation, OrgKind, Parentage
from pcnhub.register.services import NetworkRow

#: ``?size=``: where a PCN's registered list size lies against the band it is held to.
SIZE_LABELS = {
    rules.BELOW: "Below the band",
    rules.WITHIN: "Within the band",
    rules.ABOVE: "Above the band",
}
#: ``?severity=``: PCNs with at least one finding of this severity.
SEVERITY_LABELS = {
    rules.ERROR: "Error",
    rules.WARNING: "Warning",
    rules.INFO: "Info",
    rules.EXCEPTION: "Exception",
}
assert set(SEVERITY_LABELS) == set(rules.SEVERITIES)

#: ``?sort=``: a column (``-`` before it: descending), and what each column sorts on.
SORT_KEYS = {
    "name": lambda row: (row.pcn.name.casefold(), row.pcn.code),
    "size": lambda row: row.list_size,
    "practices": lambda row: len(row.members),
    "findings": lambda row: len(row.findings),
}
SORTS = tuple(s for key in SORT_KEYS for s in (key, f"-{key}"))
DEFAULT_SORT = "name"
#: The direction a column sorts in when first chosen: names A to Z, numbers largest first.
FIRST_DIRECTION = {"name": "name", "size": "-size", "practices": "-practices", "findings": "-findings"}


@dataclass(frozen=True)
class Filters:
    """What the list of PCNs is narrowed to (blank: not narrowed)."""

    q: str = ""
    size: str = ""
    findings: bool = False
    severity: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.size or self.findings or self.severity)

    @property
    def narrows_pcns(self) -> bool:
        """A filter only a PCN can meet: practices in no PCN are left out of what is shown."""
        return bool(self.size or self.findings or self.severity)


def _matches_text(row: NetworkRow, needle: str) -> bool:
    if needle in row.pcn.name.casefold() or needle in row.pcn.code.casefold():
        return True
    return any(needle in m.practice.name.casefold() or needle in m.practice.code.casefold() for m in row.members)


def matches(row: NetworkRow, filters: Filters) -> bool:
    """Whether a checked PCN meets every filter."""
    if filters.findings and not row.findings:
        return False
    if filters.severity and not any(f.severity == filters.severity for f in row.findings):
        return False
    if filters.size and row.band.placing(row.list_size) != filters.size:
        return False
    return not filters.q or _matches_text(row, filters.q.casefold())


def listed(rows: Iterable[NetworkRow], filters: Filters, sort: str = DEFAULT_SORT) -> list[NetworkRow]:
    """The PCNs that meet the filters, in the order asked for (ties by name, A to Z)."""
    found = sorted((row for row in rows if matches(row, filters)), key=SORT_KEYS["name"])
    key = sort.lstrip("-")
    if key != "name" or sort.startswith("-"):
        found.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))  # stable: ties stay A to Z
    return found


def text_matches(practices, q: str) -> list:
    """The ``(practice, list size)`` pairs whose practice name or code contains ``q`` (all of them if blank)."""
    needle = q.casefold()
    return [(p, size) for p, size in practices
            if not needle or needle in p.name.casefold() or needle in p.code.casefold()]


@dataclass(frozen=True)
class Totals:
    pcns: int
    practices: int
    patients: int
    with_findings: int


def totals(rows: Iterable[NetworkRow]) -> Totals:
    """The number of PCNs, of their member practices, of their registered patients and of PCNs with findings."""
    pcns = practices = patients = with_findings = 0
    for row in rows:
        pcns += 1
        practices += len(row.members)
        patients += row.list_size
        with_findings += bool(row.findings)
    return Totals(pcns, practices, patients, with_findings)


@dataclass(frozen=True)
class Column:
    """A sortable column header: the ``?sort=`` its link asks for and its ``aria-sort``."""

    key: str
    link: str
    aria_sort: str


def columns(sort: str) -> dict[str, Column]:
    """Each sortable column: the current one links to the other direction, the others to their first."""
    current = sort.lstrip("-")
    found = {}
    for key, first in FIRST_DIRECTION.items():
        if key == current:
            descending = sort.startswith("-")
            found[key] = Column(key, key if descending else f"-{key}", "descending" if descending else "ascending")
        else:
            found[key] = Column(key, first, "none")
    return found


#: An area's name in the area chooser is indented this much for each level below the top of its group.
INDENT = "\u00a0" * 4


def area_groups(areas: list[Organisation]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The areas a user may choose, grouped for a select's optgroups: region > ICB > sub-ICB location or place.

    Each area sits under its most recently recorded parent among ``areas`` (one query); an area without one starts
    a group of its own (a region and everything under it, or an ICB user's ICB and its sub-ICB locations). Areas of
    no group with others (sub-ICB locations whose ICB is not recorded) are gathered under "Other areas".
    """
    ids = {a.pk for a in areas}
    parent_of: dict[int, int] = {}
    for child, parent in (Parentage.objects.filter(child_id__in=ids, parent_id__in=ids)
                          .order_by("child_id", "start", "pk").values_list("child_id", "parent_id")):
        parent_of[child] = parent  # the latest-starting link wins
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for area in sorted(areas, key=lambda a: (a.name.casefold(), a.code)):
        children[parent_of.get(area.pk)].append(area)

    def walk(area: Organisation, depth: int, seen: set[int]) -> Iterable[tuple[str, str]]:
        seen.add(area.pk)
        yield area.code, f"{INDENT * depth}{area.name} ({area.code})"
        for child in children.get(area.pk, []):
            if child.pk not in seen:
                yield from walk(child, depth + 1, seen)

    groups, others, seen = [], [], set()
    for root in sorted(children[None], key=lambda a: (a.kind != OrgKind.REGION, a.name.casefold())):
        options = list(walk(root, 0, seen))
        if len(options) > 1:
            groups.append((root.name, options))
        else:
            others.extend(options)
    leftover = [a for a in areas if a.pk not in seen]  # in a loop of parent links: listed, not lost
    others.extend((a.code, f"{a.name} ({a.code})") for a in leftover)
    if others:
        groups.append(("Other areas", others))
    return groups
