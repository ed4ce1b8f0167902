"""Which measures share work, so that a run can count groups of measures side by side.

A run caches what several measures need (:class:`.compile.FlagSource`, :class:`.compile.SideSource`): the
patient-months where a table condition holds, a side summed once, the sides of one table summed together.
Measures that need one of the same things are in one group (:func:`groups`), so that each group can be
counted on a connection of its own and nothing is computed twice; groups share nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import replace
from typing import Final

from pcnhub.analytics.measures.compile import TABLE_CONDITIONS, _fusable, effective_numerator
from pcnhub.reference.measures import Condition, Measure


#: What a shared thing weighs in a group's work (:func:`groups`): a table condition's patient-months (e.g. 10
#: medicines in 6 months) cost more than a side summed from them; anything else weighs 1.
_WEIGHT: Final = {"flag": 2, "latest": 2}


def _condition_keys(condition: Condition) -> Iterator[Hashable]:
    if condition.kind == "latest_value":
        yield ("latest", condition.value, condition.within_months)
    elif condition.kind in TABLE_CONDITIONS:
        yield ("flag", replace(condition, negate=False))
    for part in condition.parts:
        yield from _condition_keys(part)


def shared_keys(measure: Measure) -> set[Hashable]:
    """What ``measure`` computes that another measure may reuse: its sides (the sides of a table that are
    summed together as that table's; not every registered patient, counted once a run), the table conditions
    and latest values its sides test (as :class:`.compile.FlagSource` keys them: ``not`` left aside)."""
    keys: set[Hashable] = set()
    for side in (effective_numerator(measure), measure.denominator):
        if side.count == "patients" and not side.where and side.weight is None:
            continue  # every registered patient: counted once a run, before the groups
        keys.add(("fused", side.count) if _fusable(side) else ("side", side))
        for condition in side.where:
            keys.update(_condition_keys(condition))
        if side.preceded_by is not None:
            keys.add(("preceded", side.preceded_by))
    return keys


def groups(measures: Sequence[Measure]) -> list[list[Measure]]:
    """``measures`` in groups sharing no work (:func:`shared_keys`), the groups with most to do first (their
    measures and the things they compute, :data:`_WEIGHT`: counted side by side, the longest are begun first, so
    that none is left running alone at the end), a group's measures in the order given."""
    parent = list(range(len(measures)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Hashable, int] = {}
    keys = [shared_keys(measure) for measure in measures]
    for i in range(len(measures)):
        for key in keys[i]:
            if key in owner:
                parent[root(i)] = root(owner[key])
            else:
                owner[key] = i
    found: dict[int, list[int]] = {}
    for i in range(len(measures)):
        found.setdefault(root(i), []).append(i)
    work = {r: len(members) + sum(_WEIGHT.get(key[0], 1) for key in set().union(*[keys[i] for i in members]))
            for r, members in found.items()}
    return [[measures[i] for i in found[r]] for r in sorted(found, key=lambda r: (-work[r], min(found[r])))]
