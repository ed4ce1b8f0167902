"""Exact set partitioning of a piece into connected in-band networks.

Pieces (areas, or connected parts of an area's graph) of at most
``exact_limit`` super-units are solved exactly (:func:`solve_exact`): every
connected group within the band that is no costlier than the best heuristic
solution (found by the starts :mod:`pcnhub.domain.design.effort` plans) is
enumerated once each (:func:`enumerate_candidates`); for each number of
networks the LP relaxation of set partitioning is solved by column generation
over them (:func:`column_generation`, each number starting from the columns
the one before ended with), numbers whose LP value is above the best solution
are ruled out, the bound is tightened by MILPs over the columns of least
reduced cost while fixing would keep many, columns are thinned by
reduced-cost fixing, and the rest is solved with HiGHS
(:func:`scipy.optimize.milp`), every MILP held to solutions no costlier than
the best so far.  The enumerated candidates are held as packed bit rows
(:class:`Pool`).

The exact objective chooses the number of networks freely (when not fixed),
and more, smaller networks are more compact; the heuristic keeps the middle
number of :func:`pcnhub.domain.design.model.default_k`, so the two can differ
in their network counts.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, hstack, vstack

from pcnhub.domain.design.model import NETWORK_COUNT, Piece, k_range
from pcnhub.domain.rules import WARNING, Band, Finding

# Most connected candidate groups enumerated for one exact solve before
# falling back to the heuristic.  Measured with propose on one area alone in a process
# (England 2022 map): area 00T (49 practices) has 37.6 million groups no costlier than its best
# heuristic solution, enumerated in 58 s and proven optimal in 214 s in all, peak resident
# memory 3.6 GB (about 95 bytes per group); 02H (57 practices) 37.0 million, 223 s, 3.5 GB.
# Time limits bound this: at the web page's 3 s limit enumeration stops near 2 million.
ENUMERATION_CAP = 50_000_000


@dataclass
class _Candidates:
    """Enumerated candidate networks: bit masks (bit s = super-unit s) and their list sizes."""

    masks: array | list[int]  # array("Q") when there are at most 64 super-units
    pops: array

    def __len__(self) -> int:
        return len(self.pops)


def enumerate_candidates(
    piece: Piece, upper: int, cap: int, deadline: float = math.inf, max_cost: float = math.inf
) -> _Candidates | None:
    """Every connected set of super-units with total at most upper, each exactly once.

    Depth-first with an exclusion set (as in Wernicke's ESU and Komusiewicz's
    enumeration of connected subgraphs): from each root, only super-units
    after it; at each step a super-unit of the extension set is either added
    (its neighbours join the extension) or excluded from every later branch,
    so no set is reached twice and no table of sets seen is needed.

    With a finite ``max_cost``, sets whose compactness cost exceeds it are neither kept nor
    grown: the cost (weighted sum of squares about the weighted centre, plus each super-unit's
    own spread) never falls when a super-unit is added, so no superset of such a set costs
    less, and no solution costing at most ``max_cost`` can use one (every cost is >= 0).  The
    same holds for the total, so a super-unit that cannot be added is excluded from the branch.

    None when there are more than ``cap`` such sets or the deadline passes first.
    """
    n = len(piece.pops)
    nbr_mask = [sum(1 << t for t in piece.nbrs[s]) for s in range(n)]
    pops = [int(v) for v in piece.pops]
    w = [float(v) for v in piece.weights]
    wx = [float(piece.weights[s] * piece.xy[s, 0]) for s in range(n)]
    wy = [float(piece.weights[s] * piece.xy[s, 1]) for s in range(n)]
    wq = [float(piece.weights[s] * (piece.xy[s] ** 2).sum() + piece.inner[s]) for s in range(n)]
    limit = max_cost * (1 + _FIXING_TOLERANCE) + _FIXING_TOLERANCE if math.isfinite(max_cost) else math.inf
    masks: array | list[int] = array("Q") if n <= 64 else []
    totals = array("q")
    add_mask, add_total = masks.append, totals.append

    class _Stop(Exception):
        pass

    def grow(mask: int, pop: int, sw: float, sx: float, sy: float, sq: float, ext: int, banned: int) -> None:
        while ext:
            low = ext & -ext
            ext ^= low
            u = low.bit_length() - 1
            new_pop = pop + pops[u]
            if new_pop <= upper:
                nw, nx, ny, nq = sw + w[u], sx + wx[u], sy + wy[u], sq + wq[u]
                if nq - (nx * nx + ny * ny) / nw <= limit:
                    new = mask | low
                    add_mask(new)
                    add_total(new_pop)
                    if len(totals) % _DEADLINE_CHECK_EVERY == 0 and (
                        len(totals) > cap or time.perf_counter() > deadline
                    ):
                        raise _Stop
                    grow(new, new_pop, nw, nx, ny, nq, (ext | nbr_mask[u]) & ~new & ~banned, banned)
            banned |= low  # later branches of this set never contain u

    try:
        for root in range(n):
            start = 1 << root
            add_mask(start)
            add_total(pops[root])
            before = (start << 1) - 1  # the root and every super-unit before it
            grow(start, pops[root], w[root], wx[root], wy[root], wq[root], nbr_mask[root] & ~before, before)
    except _Stop:
        return None
    if len(totals) > cap:
        return None
    return _Candidates(masks, totals)


# How often (in enumerated sets) the enumeration looks at the clock.
_DEADLINE_CHECK_EVERY = 4096


# Relative slack in reduced-cost fixing, so rounding never drops the optimal column.
_FIXING_TOLERANCE = 1e-7


class Pool:
    """Enumerated candidate networks as packed bit rows (one row per candidate, bit s = super-unit s).

    Built from :func:`enumerate_candidates`'s masks; keeps memory to a few bytes per
    candidate (the masks' dict is dropped) and computes sums over members for
    every candidate at once (:meth:`dot`), for costs and LP pricing.
    """

    def __init__(self, piece: Piece, found: _Candidates) -> None:
        n = len(piece.pops)
        self.n, self.width = n, (n + 7) // 8
        self.size = len(found)
        if isinstance(found.masks, array):  # 64-bit masks: their little-endian bytes, truncated
            packed = np.frombuffer(found.masks, dtype=np.uint64).astype("<u8").view(np.uint8).reshape(self.size, 8)
            self.packed = np.ascontiguousarray(packed[:, : self.width])
        else:
            self.packed = np.frombuffer(
                b"".join(m.to_bytes(self.width, "little") for m in found.masks), dtype=np.uint8
            ).reshape(self.size, self.width)
        self.pops = np.frombuffer(found.pops, dtype=np.int64).copy()
        w, xy = piece.weights, piece.xy
        values = np.column_stack([w, w * xy[:, 0], w * xy[:, 1], w * (xy**2).sum(axis=1) + piece.inner])
        self.costs = np.empty(self.size)
        for chunk, sums in self._sums(values, None):
            # Weighted sum of squares about the weighted centre, plus each super-unit's own spread.
            self.costs[chunk] = np.maximum(sums[:, 3] - (sums[:, 1] ** 2 + sums[:, 2] ** 2) / sums[:, 0], 0.0)

    def bits(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """0/1 matrix (candidates x super-units) of the given rows."""
        return np.unpackbits(self.packed[rows], axis=1, count=self.n, bitorder="little")

    def dot(self, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """For each candidate (of ``rows``, default all): the sum of ``values`` over its members.

        By table lookup: for each byte of the packed rows, the sum of the values
        of every possible byte (256 entries), then one gather per byte.
        """
        count = self.size if rows is None else rows.size
        out = np.empty((count,) + values.shape[1:])
        for chunk, sums in self._sums(values, rows):
            out[chunk] = sums.reshape((-1,) + values.shape[1:])
        return out

    def _sums(self, values: np.ndarray, rows: np.ndarray | None):
        """(slice, sums of values over the members of each candidate in it), block by block."""
        padded = np.zeros((8 * self.width,) + values.shape[1:])
        padded[: self.n] = values
        tables = _BYTE_BITS @ padded.reshape(self.width, 8, -1)  # (width, 256, columns)
        count = self.size if rows is None else rows.size
        for first in range(0, count, _POOL_CHUNK):
            chunk = slice(first, min(count, first + _POOL_CHUNK))
            packed = self.packed[chunk] if rows is None else self.packed[rows[chunk]]
            sums = np.zeros((packed.shape[0], tables.shape[2]))
            for byte in range(self.width):
                sums += tables[byte][packed[:, byte]]
            yield chunk, sums

    def matrix(self, rows: np.ndarray) -> csr_array:
        """Sparse super-unit x candidate 0/1 matrix of the given candidates."""
        units, columns = [np.zeros(0, dtype=np.intp)], [np.zeros(0, dtype=np.intp)]
        for first in range(0, rows.size, _POOL_CHUNK):
            column, unit = np.nonzero(self.bits(rows[first : first + _POOL_CHUNK]))
            units.append(unit)
            columns.append(column + first)
        data = (np.ones(sum(u.size for u in units)), (np.concatenate(units), np.concatenate(columns)))
        return coo_array(data, shape=(self.n, rows.size)).tocsr()

    def covers(self, rows: np.ndarray) -> bool:
        """Whether every super-unit is in at least one of the given candidates."""
        if rows.size == 0:
            return False
        seen = np.bitwise_or.reduce(self.packed[rows], axis=0)
        return bool(np.unpackbits(seen, count=self.n, bitorder="little").all())

    def members(self, row: int) -> list[int]:
        return np.flatnonzero(self.bits(np.array([row]))[0]).tolist()


# Bit b of each byte value 0..255, as a 256 x 8 matrix (little-endian bit order, as packed).
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.float64)
# Candidates per block in Pool.dot (bounds the temporary 0/1 matrix to ~40 MB for 60 super-units).
_POOL_CHUNK = 1 << 17


def column_generation(
    pool: Pool, index: np.ndarray, objective: np.ndarray, k: int | None, deadline: float,
    start: np.ndarray, cutoff: float = math.inf, most: int = 1, warm: WarmStart | None = None,
) -> tuple[float, np.ndarray | None, float] | None:
    """The LP relaxation of set partitioning over the candidates ``index``, by column generation.

    Solves the LP over a few columns (``start`` and the cheapest) plus an
    artificial column per row at a cost above any solution's (so the restricted
    LP is always feasible), prices every candidate with the duals (reduced cost
    ``c_j - a_j.y``, less the count row's dual when the number of networks is
    fixed) and adds the most negative, until none is negative.  Returns (LP
    value, reduced cost of every candidate in ``index``, most negative reduced
    cost left (<= 0, within rounding)); with those duals any 0/1 solution that
    uses column ``j`` costs at least ``value + c_j - a_j.y``.  If artificial
    columns are still used at the end, a phase-1 LP (the artificial columns'
    total, by column generation too) decides whether the LP is feasible.
    None if it is infeasible or the deadline passes.

    With a ``cutoff``, stops as soon as the Lagrangian bound of a round (LP
    value plus ``most`` networks times the least reduced cost: no 0/1 solution
    with at most ``most`` networks costs less), or the LP value once no column
    prices out, is above it, and returns (that bound, None, least reduced
    cost).  The artificial columns only relax the LP, so this holds while
    they are in use too: a count with no fractional solution at all is ruled
    out without the phase-1 LP.

    ``warm`` carries columns from one LP to the next over the same ``index``
    (the LPs of neighbouring network counts share most of their columns): they
    join the first restricted LP, and the columns this LP ends with replace them.
    """
    n = pool.n
    if index.size == 0:
        return None
    objective = objective[index]
    cheapest = np.argsort(objective, kind="stable")
    used = np.union1d(start, cheapest[: _RESTRICTED_COLUMNS_PER_UNIT * n])
    if warm is not None:
        used = np.union1d(used, warm.columns)
    artificial = 10.0 * (n * float(objective.max(initial=0.0)) + 1.0)
    answer = _price_and_solve(pool, index, objective, k, deadline, used, artificial, cutoff, most)
    if answer is None:
        return None
    value, reduced, least, used, artificial_used = answer
    if warm is not None:
        warm.columns = used
    if reduced is None or artificial_used <= _FIXING_TOLERANCE:
        return value, reduced, least
    # Artificial columns still in use: phase 1 (their total alone) decides whether the LP is feasible.
    phase_one = _price_and_solve(pool, index, np.zeros_like(objective), k, deadline, used, 1.0)
    if phase_one is None or phase_one[4] > _FIXING_TOLERANCE:
        return None  # the deadline, or infeasible
    # Feasible after all: the artificial cost was too small, so solve again with a far larger one.
    answer = _price_and_solve(pool, index, objective, k, deadline, phase_one[3], artificial * 1e6)
    if answer is None or answer[4] > _FIXING_TOLERANCE:
        return None
    return answer[:3]


@dataclass
class WarmStart:
    """Columns (positions in a column generation's ``index``) to start the next LP from."""

    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))


def _price_and_solve(
    pool: Pool, index: np.ndarray, objective: np.ndarray, k: int | None, deadline: float,
    used: np.ndarray, artificial_cost: float, cutoff: float = math.inf, most: int = 1,
) -> tuple[float, np.ndarray | None, float, np.ndarray, float] | None:
    """Column generation for one LP (see :func:`column_generation`).

    Returns (value, reduced costs over ``index``, least reduced cost (<= 0),
    the columns used, total of the artificial columns); None after the deadline;
    (Lagrangian bound, None, ...) once that bound is above ``cutoff``.
    """
    n = pool.n
    slack = np.eye(n + (k is not None))
    if k is not None:
        slack = np.column_stack([slack, -slack[:, -1]])  # the count row may need to go either way
    b_eq = np.append(np.ones(n), [k] if k is not None else [])
    while True:
        columns = pool.matrix(index[used])
        if k is not None:
            columns = vstack([columns, csr_array(np.ones((1, used.size)))])
        a_eq = hstack([columns, csr_array(slack)]).tocsr()
        c = np.append(objective[used], np.full(slack.shape[1], artificial_cost))
        lp = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lp.status != 0 or time.perf_counter() > deadline:
            return None
        duals = lp.eqlin.marginals
        reduced = objective - pool.dot(duals[:n], index) - (duals[n] if k is not None else 0.0)
        least = float(reduced.min())
        if least >= -_FIXING_TOLERANCE * max(1.0, abs(lp.fun)):
            if lp.fun > cutoff:  # the LP over every column (artificial ones too) is above the cutoff
                return float(lp.fun), None, min(least, 0.0), used, math.inf
            return float(lp.fun), reduced, min(least, 0.0), used, float(lp.x[used.size:].sum())
        if lp.fun + most * least > cutoff:
            return float(lp.fun + most * least), None, least, used, math.inf
        negative = np.flatnonzero(reduced < 0)
        if negative.size > _PRICED_COLUMNS:
            negative = negative[np.argpartition(reduced[negative], _PRICED_COLUMNS)[:_PRICED_COLUMNS]]
        used = np.union1d(used, negative)


# Columns added per pricing round of the column generation.
_PRICED_COLUMNS = 1_000


def solve_exact(
    piece: Piece,
    band: Band,
    deadline: float,
    findings: list[Finding],
    bound: float,
    incumbent: Sequence[Sequence[int]] = (),
    lp_columns: int | None = None,
) -> tuple[list[list[int]], bool] | None:
    """Enumerate connected candidate networks and solve set partitioning with HiGHS.

    In-band candidates first (with the network count fixed when asked for).
    The LP relaxation is solved by column generation over the candidates, and
    columns are thinned by LP reduced-cost fixing against the bound (the
    ``incumbent``'s cost, from the heuristic; inf when it has none in band),
    which keeps the result exact and the MILP small.  When fixing would leave
    more than ``lp_columns`` columns (default: :data:`_RESTRICTED_COLUMNS_PER_UNIT`
    per super-unit), the bound is first tightened by MILPs over the columns of
    least reduced cost, so a loose bound costs one small MILP rather than a large
    one.  If no in-band partition exists, networks below the band
    are allowed at a large penalty.  None when enumeration is too large or no
    solution is found in time.
    """
    n = len(piece.pops)
    if lp_columns is None:
        lp_columns = _RESTRICTED_COLUMNS_PER_UNIT * n
    # With an in-band solution costing `bound`, only candidates costing at most that can be in a
    # better one; if that solve fails (time), the relaxed solve below needs every candidate.
    found = enumerate_candidates(piece, band.upper, ENUMERATION_CAP, deadline, max_cost=bound)
    pruned = math.isfinite(bound)
    if found is None:
        return None
    incumbent_regions = [sorted(region) for region in incumbent]
    wanted = {sum(1 << s for s in region) for region in incumbent}
    start = np.array([row for row, mask in enumerate(found.masks) if mask in wanted], dtype=np.int64)
    pool = Pool(piece, found)
    del found
    costs, pops = pool.costs, pool.pops
    in_band = pops >= band.lower
    k = piece.k if piece.k_fixed else None
    most_networks = max(1, k_range(piece.total, band)[1])  # most networks of any in-band solution

    def milp_on(index: np.ndarray, objective: np.ndarray, k: int | None, bound: float = math.inf):
        """Set partitioning over the columns ``index``; with a finite bound, only solutions costing at most it.

        The objective as a row bounded by ``bound`` (plus rounding slack) lets HiGHS stop at
        once with "infeasible" when nothing beats the bound, instead of solving to optimality a
        count that cannot win (on area 10Q, 64 practices: 0.2-0.3 s instead of 0.9-2.8 s).
        """
        matrix = pool.matrix(index)
        constraints = [LinearConstraint(matrix, 1, 1)]
        if k is not None:
            constraints.append(LinearConstraint(np.ones((1, index.size)), k, k))
        if math.isfinite(bound):
            limit = bound + _FIXING_TOLERANCE * max(1.0, abs(bound))
            constraints.append(LinearConstraint(objective[index][None, :], -np.inf, limit))
        return milp(
            objective[index],
            constraints=constraints,
            integrality=np.ones(index.size),
            bounds=(0, 1),
            options={"time_limit": max(0.5, deadline - time.perf_counter()), **MILP_OPTIONS},
        )

    def solve_count(
        index: np.ndarray, objective: np.ndarray, k: int | None, lp: tuple[float, np.ndarray, float],
        bound: float,
    ) -> tuple[list[int], bool] | bool | None:
        """Set partitioning over ``index`` (with k networks, or any number), thinned by reduced-cost fixing.

        Without a finite bound, or when fixing against it would keep more than
        ``lp_columns`` columns, a (better) one is found by solving over the columns of
        smallest reduced cost (twice as many each round, while that is at most half
        of what fixing keeps).
        Columns whose LP lower bound exceeds the bound are then dropped: exact.
        Returns (chosen columns, proven optimal); False when proven to have no
        solution cheaper than the bound; None when the time ran out first.
        """
        value, reduced, least = lp
        most = k if k is not None else most_networks
        order = np.argsort(reduced, kind="stable")
        size = _RESTRICTED_COLUMNS_PER_UNIT * n

        def slack() -> float:
            # Any solution using column j costs at least value + reduced[j] + (networks - 1) * least.
            return (bound - value - (most - 1) * least
                    + _FIXING_TOLERANCE * max(1.0, abs(bound) if math.isfinite(bound) else 1.0))

        # Tighten the bound with MILPs over the columns of smallest reduced cost (more each round)
        # until fixing leaves at most lp_columns (none at all when the bound is already tight), or
        # the next such MILP would have more than half the columns fixing leaves.
        while size < min(index.size, _MILP_COLUMN_LIMIT) and time.perf_counter() < deadline:
            if math.isfinite(bound):
                left = np.count_nonzero(reduced <= slack())
                if left <= lp_columns or 2 * size > left:
                    break
            trial = milp_on(index[np.sort(order[:size])], objective, k, bound)
            if trial.x is not None:
                bound = min(bound, float(trial.fun))
            size *= 2
        kept = index[reduced <= slack()]
        if kept.size > _MILP_COLUMN_LIMIT or time.perf_counter() > deadline:
            return None
        if kept.size == 0:
            return False
        result = milp_on(kept, objective, k, bound)
        if result.x is None:
            return False if result.status == 2 else None  # 2: infeasible, so nothing beats the bound
        return kept[np.flatnonzero(result.x > 0.5)].tolist(), result.status == 0

    def solve(
        use: np.ndarray, objective: np.ndarray, counts: Sequence[int | None], bound: float = math.inf
    ) -> tuple[list[list[int]], bool] | None:
        """The best set partitioning over the used columns, over each of the network counts.

        Each count's LP relaxation is solved first; counts are then solved
        cheapest LP first, and a count whose LP value is above the best
        solution so far is proven not to beat it.  Proven optimal when every
        count is solved to optimality or ruled out.
        """
        index = np.flatnonzero(use)
        if not pool.covers(index):
            return None
        seeds = np.flatnonzero(np.isin(index, start))
        proven, lps = True, []
        cutoff = bound + _FIXING_TOLERANCE * max(1.0, abs(bound)) if math.isfinite(bound) else math.inf
        warm = WarmStart()
        for count in counts:
            lp = column_generation(pool, index, objective, count, deadline, seeds, cutoff,
                                    count or most_networks, warm)
            if lp is not None and lp[1] is None:
                continue  # ruled out: no solution with this count beats the bound
            if lp is not None:
                lps.append((lp[0], -1 if count is None else count, count, lp))
            elif time.perf_counter() > deadline:
                proven = False  # otherwise this count is infeasible
        best: list[int] | None = None
        best_cost = math.inf
        for value, _, count, lp in sorted(lps, key=lambda item: item[:2]):
            if value > bound + _FIXING_TOLERANCE * max(1.0, abs(bound)):
                continue  # no solution with this count beats the best so far
            answer = solve_count(index, objective, count, lp, bound)
            if answer is None:
                proven = False
            elif answer is not False:
                chosen, optimal = answer
                proven = proven and optimal
                cost = float(objective[chosen].sum())
                if cost < best_cost:
                    best, best_cost, bound = chosen, cost, min(bound, cost)
        if best is None:
            # Every count ruled out against the bound: the incumbent (the bound's solution) is optimal.
            return (incumbent_regions, True) if proven and incumbent_regions else None
        return [pool.members(j) for j in best], proven

    if k is not None:
        counts: list[int | None] = [k]
    else:
        lo, hi = k_range(piece.total, band)
        counts = list(range(max(1, lo), min(hi, n) + 1))
    answer = solve(in_band, costs, counts, bound)
    if answer is not None or pruned:
        # A pruned enumeration holds an in-band solution (the bound's), so no relaxation is needed;
        # None here means the time ran out.
        return answer
    # Relaxed: allow networks below the lower limit, each at a penalty far above any compactness cost.
    big = 10.0 * (costs.sum() + 1.0)
    deficit = np.maximum(band.lower - pops, 0) / max(band.lower, 1)
    penalised = costs + np.where(in_band, 0.0, big * (1.0 + deficit))
    answer = solve(np.ones(pool.size, dtype=bool), penalised, [k])
    if answer is None and k is not None:
        findings.append(
            Finding(
                NETWORK_COUNT,
                WARNING,
                f"{piece.where}: {k:,} connected networks cannot be formed; the number was chosen freely",
            )
        )
        answer = solve(np.ones(pool.size, dtype=bool), penalised, [None])
    return answer  # None: time limit without a solution, so the caller falls back


# Columns (per super-unit) of the first restricted solve that looks for an upper bound.
_RESTRICTED_COLUMNS_PER_UNIT = 20
# Most columns passed to one MILP after fixing.
_MILP_COLUMN_LIMIT = 100_000
# Extra HiGHS options for the set-partitioning MILP (scipy.optimize.milp).  Presolve is off:
# measured on area 01D (36 practices, 39,146 columns, 7 networks), HiGHS proved the optimum in
# 9 s without presolve and had no solution after 600 s with it (presolve ignores the time limit).
MILP_OPTIONS: dict = {"presolve": False}
