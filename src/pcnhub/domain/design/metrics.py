"""Quality metrics for a configuration of networks over a neighbourhood graph.

:func:`metrics` measures any configuration (network name -> practice codes):

* ``networks``: the number of networks (blank names, i.e. practices in no
  network, are not networks and are ignored throughout);
* ``in_band`` / ``below_band`` / ``above_band``: networks whose total list
  size is inside, below or above the band (inclusive limits);
* ``largest_deviation``: the most patients by which any network lies outside
  the band (0 if all are in band);
* ``mean_distance_km``: population-weighted mean distance (km) of practices to
  their network's centre, the list-size-weighted mean of its practices' points;
  a network whose list sizes total 0 is weighted equally by practice, and
  counts with weight 1 per practice in the overall mean if every list size is 0;
* ``cut_edges``: graph edges joining practices of different networks (edges
  touching a practice in no network are not counted);
* ``compactness``: mean over networks of the Polsby-Popper ratio
  ``4 * pi * area / perimeter**2`` of the convex hull of the network's
  practice points (1 for a circle, smaller for elongated or spread shapes).
  A network whose practices all share one location counts as 1; one whose
  distinct locations enclose no area (two locations, or a line) counts as 0.

Practices with no location (not in the graph) count towards list sizes but
not towards distances, compactness or cut edges; networks with no located
practice are left out of the compactness mean (0.0 if no network is left).

:func:`change` counts the practices and patients a proposal moves from the
current configuration, and :func:`compare_current` measures the current
configuration like the proposal (metrics, band and contiguity findings) with
that change, for ``pcnhub design`` given a pcn column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.design.model import Unit
from pcnhub.domain.geography import SAME_LOCATION_KM, NeighbourGraph
from pcnhub.domain.rules import Band, Network, PracticeEntry, check_configuration


@dataclass(frozen=True)
class Metrics:
    networks: int
    in_band: int
    below_band: int
    above_band: int
    largest_deviation: int
    mean_distance_km: float
    cut_edges: int
    compactness: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _polsby_popper(xy: np.ndarray) -> float:
    distinct = np.unique(np.round(xy / SAME_LOCATION_KM), axis=0)
    if len(distinct) == 1:
        return 1.0
    if len(distinct) == 2:
        return 0.0
    try:
        hull = ConvexHull(xy)
    except QhullError:
        return 0.0
    area, perimeter = hull.volume, hull.area  # in 2-D: area and perimeter
    if perimeter <= 0:
        return 0.0
    return float(4 * math.pi * area / perimeter**2)


def metrics(
    networks: Mapping[str, Sequence[str]],
    list_sizes: Mapping[str, int],
    graph: NeighbourGraph,
    band: Band,
) -> Metrics:
    """Measure the configuration; KeyError names any practice without a list size."""
    named = {name: list(dict.fromkeys(codes)) for name, codes in networks.items() if name.strip()}
    missing = sorted({code for codes in named.values() for code in codes if code not in list_sizes})
    if missing:
        raise KeyError(f"no list size for {', '.join(missing)}")
    in_band = below = above = 0
    largest_deviation = 0
    weighted_distance = 0.0
    total_weight = 0.0
    plain_distance = 0.0
    plain_count = 0
    compactness: list[float] = []
    network_of: dict[str, str] = {}
    for name, codes in named.items():
        for code in codes:
            network_of[code] = name
        size = sum(list_sizes[code] for code in codes)
        if size < band.lower:
            below += 1
            largest_deviation = max(largest_deviation, band.lower - size)
        elif size > band.upper:
            above += 1
            largest_deviation = max(largest_deviation, size - band.upper)
        else:
            in_band += 1
        located = [code for code in codes if code in graph]
        if not located:
            continue
        xy = graph.xy[[graph.index[code] for code in located]]
        weights = np.array([list_sizes[code] for code in located], dtype=float)
        centre = np.average(xy, axis=0, weights=weights if weights.sum() > 0 else None)
        distances = np.hypot(*(xy - centre).T)
        weighted_distance += float(distances @ weights)
        total_weight += float(weights.sum())
        plain_distance += float(distances.sum())
        plain_count += len(located)
        compactness.append(_polsby_popper(xy))
    if total_weight > 0:
        mean_distance = weighted_distance / total_weight
    else:
        mean_distance = plain_distance / plain_count if plain_count else 0.0
    cut = sum(
        1
        for a, b in graph.edges
        if graph.codes[a] in network_of
        and graph.codes[b] in network_of
        and network_of[graph.codes[a]] != network_of[graph.codes[b]]
    )
    return Metrics(
        networks=len(named),
        in_band=in_band,
        below_band=below,
        above_band=above,
        largest_deviation=largest_deviation,
        mean_distance_km=mean_distance,
        cut_edges=cut,
        compactness=float(np.mean(compactness)) if compactness else 0.0,
    )


@dataclass(frozen=True)
class Change:
    """How far a proposal moves practices from the current configuration."""

    practices_moved: int
    patients_moved: int
    #: proposed network name -> the current network it continues (None: a new network)
    continues: Mapping[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        return {"practices_moved": self.practices_moved, "patients_moved": self.patients_moved,
                "continues": dict(self.continues)}


def change(
    current: Mapping[str, Sequence[str]],
    proposed: Mapping[str, Sequence[str]],
    sizes: Mapping[str, int],
) -> Change:
    """Match each proposed network to at most one current network and count who moves.

    The matching maximises the patients that stay together (an assignment problem, solved
    exactly with :func:`scipy.optimize.linear_sum_assignment`); a practice moves when its
    proposed network is not matched to the current network it is in.  Practices in no current
    network (blank name, or not listed) that a proposal places in a network count as moved.
    Ties are broken by the networks' order, so the answer is deterministic.
    """
    from scipy.optimize import linear_sum_assignment

    now = {code: name for name, codes in current.items() if name.strip() for code in codes}
    old_names = sorted({name for name in current if name.strip()})
    new_names = list(proposed)
    shared = np.zeros((len(new_names), len(old_names)), dtype=np.int64)
    column = {name: j for j, name in enumerate(old_names)}
    for i, name in enumerate(new_names):
        for code in proposed[name]:
            if code in now:
                # +1 per practice so that practices of no patients still count as staying together.
                shared[i, column[now[code]]] += sizes.get(code, 0) * (len(now) + 1) + 1
    continues: dict[str, str | None] = {name: None for name in new_names}
    if shared.size:
        rows, cols = linear_sum_assignment(shared, maximize=True)
        for i, j in zip(rows, cols, strict=True):
            if shared[i, j] > 0:
                continues[new_names[i]] = old_names[j]
    moved = [code for name in new_names for code in proposed[name] if now.get(code) != continues[name]]
    return Change(len(moved), sum(sizes.get(code, 0) for code in moved), continues)


def compare_current(
    units: Sequence[Unit],
    current: Mapping[str, str],
    proposed: Mapping[str, Sequence[str]],
    graph: NeighbourGraph,
    band: Band,
) -> dict[str, Any]:
    """The current configuration measured like the proposal, and who would move.

    ``current`` is practice code -> the PCN it is in now (blank or missing: in no PCN), ``proposed`` network
    name -> practice codes; every practice of ``units`` counts, with its list size.

    ``{"current": {"networks", "metrics", "findings"}, "change": {"practices_moved", "patients_moved",
    "continues"}}``; findings are the list-size band and contiguity (a PCN in several pieces is a warning).
    """
    sizes = {u.code: u.list_size for u in units}
    networks: dict[str, list[str]] = {}
    for unit in units:
        networks.setdefault(current.get(unit.code, ""), []).append(unit.code)
    named = {name: codes for name, codes in networks.items() if name.strip()}
    findings = [f for f in check_configuration(
        [Network(name, [PracticeEntry(code, code, sizes[code]) for code in codes]) for name, codes in named.items()],
        None, band).findings]
    findings += check_contiguity(named, graph)
    moved = change(networks, proposed, sizes)
    return {
        "current": {
            "networks": [{"name": name, "practices": codes, "list_size": sum(sizes[c] for c in codes)}
                         for name, codes in named.items()],
            "metrics": metrics(named, sizes, graph, band).to_dict(),
            "findings": [f.to_dict() for f in findings],
        },
        "change": moved.to_dict(),
    }
