"""How much work the proposer spends on a piece's bound before solving it exactly, by the piece's size.

The exact solve of a piece (:func:`pcnhub.domain.design.exact.solve_exact`)
starts from an in-band solution whose cost is its bound: candidates costlier
than the bound are never enumerated, columns are fixed by reduced cost
against it, and a network count whose LP value is above it is ruled out.
The bound comes from two places:

* heuristic starts (:func:`pcnhub.domain.design.heuristic.start`) at other
  numbers of networks than the heuristic's own (the exact objective chooses
  the number freely, and more, smaller networks are more compact), and
* the exact solve itself: MILPs over the columns of least reduced cost,
  :data:`LP_COLUMNS_PER_UNIT` per super-unit at first (twice as many each
  round), whenever fixing against the bound would leave more than
  ``lp_columns`` columns.

:func:`bound_search` is the default: work in proportion to the piece.  One
seed per :data:`UNITS_PER_SEED` super-units; from one network more than the
best solution so far it walks to more networks (fewer networks are less
compact, so they seldom lower the bound), one start each, and stops at the
first count where the start is not in band (a count further out is harder
still) or that does not improve the bound (:data:`STALE_COUNTS`); each start
may take :data:`START_SECONDS_PER_UNIT` per super-unit, so a count that
cannot be made in band costs little.  The bound that matters most is then the
exact solve's own: on West Sussex (81 practices) the exact solve takes as long
(0.7 s) from the heuristic's bound as from the best of 72 starts, which took
9 s.  :func:`legacy_bound_search` gives the settings before it (every seed of 6
at every feasible count until 30% of the piece's time, and no bound from the
LP below 100,000 columns), which the bench compares against.  Plain
functions: no I/O, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pcnhub.domain.design.model import k_range
from pcnhub.domain.rules import Band


@dataclass(frozen=True)
class BoundSearch:
    """The search for a piece's bound: which starts, how long each, and what share of the piece's time."""

    seeds: int  # rounds of starts, seed 1, 2, ...
    lowest: int  # fewest networks tried
    highest: int  # most networks tried
    walk: bool  # True: walk up from the best count and stop early (see the module docstring); False: every count
    stale: int  # walking, counts in a row that may fail to improve before the walk stops
    start_seconds: float  # most time of one start (inf: only the search's deadline)
    share: float  # most share of the piece's time for the whole search
    lp_columns: int  # the exact solve finds its own bound when fixing would leave more columns than this
    restarts: int = 0  # starts at the heuristic's own count first, before the search (the legacy settings)

    def __post_init__(self) -> None:
        if (
            min(self.seeds, self.restarts) < 0 or self.stale < 1 or self.lowest > self.highest
            or not 0 <= self.share <= 1 or not self.start_seconds > 0 or self.lp_columns < 1
        ):
            raise ValueError(f"invalid bound search: {self}")

    @property
    def counts(self) -> range:
        return range(self.lowest, self.highest + 1)


# One seed for every this many super-units (a piece of 100 or more gets 2 rounds).
UNITS_PER_SEED = 100
# Most time of one start, per super-unit (0.16 s for West Sussex's 81 practices, where a start that
# ends in band takes 0.04-0.07 s and one that cannot goes on until stopped).
START_SECONDS_PER_UNIT = 0.002
# Least time of one start.
MIN_START_SECONDS = 0.05
# Counts in a row that may fail to improve the bound before the walk stops.
STALE_COUNTS = 1
# Most share of a piece's time for the starts.
BOUND_SHARE = 0.3
# The exact solve looks for its own bound by MILPs over this many columns per super-unit (of least
# reduced cost) when fixing against the bound would leave more than that.
LP_COLUMNS_PER_UNIT = 20


def bound_search(units: int, total: int, band: Band, networks: int | None = None) -> BoundSearch:
    """The default search for a piece of ``units`` super-units and ``total`` patients.

    ``networks``: the fixed number of networks, if the caller fixed it (then
    only that count is tried).
    """
    if units < 1:
        raise ValueError(f"a piece has at least one unit, not {units}")
    lowest, highest = _counts(units, total, band, networks)
    return BoundSearch(
        seeds=1 + units // UNITS_PER_SEED,
        lowest=lowest,
        highest=highest,
        walk=True,
        stale=STALE_COUNTS,
        start_seconds=max(MIN_START_SECONDS, START_SECONDS_PER_UNIT * units),
        share=BOUND_SHARE,
        lp_columns=LP_COLUMNS_PER_UNIT * units,
    )


def legacy_bound_search(units: int, total: int, band: Band, networks: int | None = None) -> BoundSearch:
    """The search before :func:`bound_search`: 6 seeds at every count, 30% of the piece's time, no LP bound.

    Four restarts at the heuristic's own count come first (while in band, within
    a fifth of the piece's time); a fixed number of networks had no search beyond
    them.  The exact solve looked for its own bound only when fixing would leave
    more than its MILP limit of 100,000 columns.
    """
    if units < 1:
        raise ValueError(f"a piece has at least one unit, not {units}")
    lowest, highest = _counts(units, total, band, networks)
    return BoundSearch(
        seeds=0 if networks is not None else LEGACY_SEEDS,
        lowest=lowest,
        highest=highest,
        walk=False,
        stale=1,
        start_seconds=math.inf,
        share=BOUND_SHARE,
        lp_columns=100_000,
        restarts=LEGACY_RESTARTS,
    )


# The legacy settings: seeds at every count, and restarts at the heuristic's count before them.
LEGACY_SEEDS = 6
LEGACY_RESTARTS = 4


def _counts(units: int, total: int, band: Band, networks: int | None) -> tuple[int, int]:
    if networks is not None:
        return networks, networks
    lo, hi = k_range(total, band)
    return max(1, lo), max(max(1, lo), min(hi, units))
