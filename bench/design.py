"""Benchmark `pcnhub design`: West Sussex 2019, real England 2022 and 2026 and a synthetic England-sized run.

    .venv/bin/python bench/design.py [--seconds T] [--england-seconds T] [--england-2026-seconds T]
                                     [--synthetic-seconds T] [--practices N] [--repeats N] [--no-baseline]
                                     [--icb CODE] [--region CODE] [--area-seconds T]
                                     [--only west,england,england2026,icb,region,compare,small,synthetic]

England 2022: practices, postcodes, PCNs and commissioner areas (CCG_CODE) from the
January 2022 practice-to-PCN map; list sizes from the January 2021 registered
list file (practices not there, or whose postcode cannot be placed, are
skipped and counted).  The real 2022 configuration is measured against those
2021 list sizes, so its in-band counts are indicative only.  England 2026: every
practice of the May 2026 map with the April 2026 list sizes, areas the sub-ICB
locations, solved with the designer's defaults (exact solves up to
``EXACT_LIMIT`` practices) within ``--england-2026-seconds``.

An ICB (``--icb``) and a region (``--region``) of the May 2026 map are solved
the same way within ``--area-seconds``.

West Sussex, England 2022 and 2026, the ICB and the region also run the proposer
with the bound search's settings before it
(:func:`pcnhub.domain.design.effort.legacy_bound_search`) in the same process, as
``baseline_legacy_settings`` (West Sussex, the ICB and the region: interleaved,
``--repeats`` times each, medians); ``--no-baseline`` leaves it out.  Each run
states its seconds, whether it is proven optimal (England: how many pieces are),
and its objective: the population-weighted squared distance (km^2 x patients)
of the practices to their network's weighted centre, summed, which the proposer
minimises.

Prints JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pcnhub.cli.design import native_stdout_to_stderr
from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.design.effort import bound_search, legacy_bound_search
from pcnhub.domain.design.metrics import metrics
from pcnhub.domain.design.model import EXACT, Unit
from pcnhub.domain.design.propose import (
    DEFAULT_SECONDS,
    design,
    explain_feasibility,
    propose,
)
from pcnhub.domain.design.propose import EXACT_LIMIT as DESIGN_EXACT_LIMIT
from pcnhub.domain.geography import Point, build_graph
from pcnhub.domain.rules import DEFAULT_BAND, INFO, LIST_SIZE_BAND, Band
from pcnhub.geo.postcodes import locate

DATA = Path("/work/shared/data/nhs-open-data")
WEST_SUSSEX = DATA / "west-sussex-practices_2019.json"
PCN_MAP_2022 = DATA / "gp-reg-pat-prac-map_2022-01.csv"
LIST_SIZES_2021 = DATA / "gp-reg-pat-prac-all_2021-01.csv"
PCN_MAP_2026 = DATA / "gp-reg-pat-prac-map_2026-05.csv"
LIST_SIZES_2026 = DATA / "gp-reg-pat-prac-all_2026-04.csv"
# The bound search's settings, by name: the default and those before it.
SEARCHES = {"default": bound_search, "legacy": legacy_bound_search}
# Areas of at most this many practices are to be solved to proven optimum.
EXACT_LIMIT = 60
# Mid-size areas (practices) on which heuristic and exact solutions are compared.
COMPARE_SIZES = (25, 60)
# How many such areas are compared (the time each exact solve takes adds up).
COMPARE_AREAS = 6


def west_sussex(seconds: float, repeats: int = 1, baseline: bool = True) -> dict:
    """The designer's defaults on West Sussex (``design``, as ``pcnhub design`` runs it), ``repeats`` times.

    With ``baseline``, each repeat also runs the legacy bound-search settings, interleaved
    (default, legacy, default, legacy, ...); seconds are medians, CPU seconds beside them.
    """
    records = json.loads(WEST_SUSSEX.read_text())
    points = [Point(r["Code"], float(r["lat"]), float(r["long"])) for r in records]
    units = [Unit(r["Code"], int(r["Patients"]), 0.0, 0.0) for r in records]
    graph = build_graph(points)
    sizes = {u.code: u.list_size for u in units}
    real: dict[str, list[str]] = defaultdict(list)
    for r in records:
        real[r["PCN"]].append(r["Code"])
    real_contiguity = check_contiguity(real, graph)
    runs: dict[str, list[tuple[float, float, object]]] = defaultdict(list)
    for _ in range(repeats):
        for name in ("default", "legacy") if baseline else ("default",):
            started, cpu = time.perf_counter(), time.process_time()
            result, _ = design(points, units, DEFAULT_BAND, seconds=seconds, search=SEARCHES[name])
            runs[name].append((time.perf_counter() - started, time.process_time() - cpu, result))
    xy = {code: graph.xy[graph.index[code]] for code in sizes}

    def summary(done: list[tuple[float, float, object]]) -> dict:
        result = done[-1][2]
        objectives = {round(_objective_xy(r.proposal.networks, sizes, xy), 1) for _, _, r in done}
        return {
            "seconds": round(float(np.median([w for w, _, _ in done])), 2),
            "cpu_seconds": round(float(np.median([c for _, c, _ in done])), 2),
            "seconds_all": [round(w, 2) for w, _, _ in done],
            "method": result.proposal.method,
            "optimal": all(r.proposal.optimal for _, _, r in done),
            "objective": sorted(objectives)[0] if len(objectives) == 1 else sorted(objectives),
            "metrics": result.metrics.to_dict(),
        }

    out = {
        "practices": len(records),
        "patients": sum(sizes.values()),
        "time_limit": seconds,
        "repeats": repeats,
        "real_2019": {
            "metrics": metrics(real, sizes, graph, DEFAULT_BAND).to_dict(),
            "objective": round(_objective_xy(list(real.values()), sizes, xy), 1),
            "non_contiguous": _split(real_contiguity),
        },
        "proposal": summary(runs["default"]),
    }
    if baseline:
        out["baseline_legacy_settings"] = summary(runs["legacy"])
    return out


@dataclass(frozen=True)
class NationalMap:
    """A national practice-to-PCN map, the list sizes measured with it and its commissioner areas."""

    year: str
    pcn_map: Path
    list_sizes: Path
    area_column: str
    note: str


MAP_2022 = NationalMap(
    "2022", PCN_MAP_2022, LIST_SIZES_2021, "CCG_CODE",
    "list sizes of January 2021 (gp-reg-pat-prac-all_2021-01) against the January 2022 practice-to-PCN map; "
    "areas are CCG_CODE; real_2022 in/out-of-band figures therefore use list sizes a year older than the map",
)
MAP_2026 = NationalMap(
    "2026", PCN_MAP_2026, LIST_SIZES_2026, "SUB_ICB_LOCATION_CODE",
    "list sizes of April 2026 (gp-reg-pat-prac-all_2026-04) against the May 2026 practice-to-PCN map; "
    "areas are SUB_ICB_LOCATION_CODE",
)


def _read_england(source: NationalMap = MAP_2022) -> tuple[list[dict[str, str]], dict[str, int], int]:
    """The map's rows, the list sizes (SEX=ALL, AGE=ALL) and how many map practices lack one."""
    with source.pcn_map.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    sizes: dict[str, int] = {}
    with source.list_sizes.open(newline="") as handle:
        for record in csv.DictReader(handle):
            if record["SEX"] == "ALL" and record["AGE"] == "ALL":
                sizes[record["CODE"]] = int(record["NUMBER_OF_PATIENTS"])
    missing = sum(row["PRACTICE_CODE"] not in sizes for row in rows)
    return [row for row in rows if row["PRACTICE_CODE"] in sizes], sizes, missing


def _infeasible_areas(units: list[Unit], band: Band) -> set[str]:
    """Areas that explain_feasibility says cannot be all in band (its per-area size findings)."""
    areas = {u.area for u in units if u.area}
    out = set()
    for finding in explain_feasibility(units, band):
        if finding.rule == LIST_SIZE_BAND:
            area = finding.message.split(":", 1)[0]
            if area in areas:
                out.add(area)
    return out


def _configuration_report(
    networks: dict[str, list[str]], units: list[Unit], graph, band: Band, infeasible: set[str]
) -> dict:
    """Networks, out of band (and how many avoidable), largest deviation, distance, contiguity."""
    size = {u.code: u.list_size for u in units}
    area = {u.code: u.area for u in units}
    m = metrics(networks, size, graph, band)
    out_of_band = avoidable = 0
    for codes in networks.values():
        pop = sum(size[c] for c in codes)
        if band.lower <= pop <= band.upper:
            continue
        out_of_band += 1
        lone_giant = len(codes) == 1 and pop > band.upper
        if not lone_giant and not {area[c] for c in codes} & infeasible:
            avoidable += 1
    return {
        "networks": m.networks,
        "out_of_band": out_of_band,
        "out_of_band_avoidable": avoidable,
        "largest_deviation": m.largest_deviation,
        "mean_distance_km": round(m.mean_distance_km, 3),
        "non_contiguous": _split(check_contiguity(networks, graph)),
        "crossing_areas": sum(len({area[c] for c in codes}) > 1 for codes in networks.values()),
    }


def load_england(source: NationalMap = MAP_2022) -> tuple[list[Unit], dict[str, list[str]], object, dict]:
    """Units (x, y in km, area = the map's commissioner area), its real PCNs, the graph and the loading figures."""
    started = time.perf_counter()
    rows, sizes, no_list_size = _read_england(source)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    where = locate(row["PRACTICE_POSTCODE"] for row in rows)
    geocode_seconds = time.perf_counter() - started
    placed = [row for row in rows if row["PRACTICE_POSTCODE"] in where]
    points = [
        Point(row["PRACTICE_CODE"], where[row["PRACTICE_POSTCODE"]].lat, where[row["PRACTICE_POSTCODE"]].lon)
        for row in placed
    ]
    started = time.perf_counter()
    graph = build_graph(points)
    graph_seconds = time.perf_counter() - started
    units = [
        Unit(row["PRACTICE_CODE"], sizes[row["PRACTICE_CODE"]], float(graph.xy[i][0]),
             float(graph.xy[i][1]), None, row[source.area_column])
        for i, row in enumerate(placed)
    ]
    real: dict[str, list[str]] = defaultdict(list)
    for row in placed:
        real[row["PCN_CODE"]].append(row["PRACTICE_CODE"])
    figures = {
        "practices_in_map": len(rows) + no_list_size,
        "skipped_no_list_size": no_list_size,
        "skipped_not_geocoded": len(rows) - len(placed),
        "practices": len(units),
        "patients": sum(u.list_size for u in units),
        "areas": len({u.area for u in units}),
        "read_seconds": round(read_seconds, 2),
        "geocode_seconds": round(geocode_seconds, 2),
        "graph_seconds": round(graph_seconds, 2),
    }
    return units, dict(real), graph, figures


def bridge_areas(units: list[Unit], adjacency) -> tuple[dict[int, set[int]], int]:
    """The graph's edges within areas, plus the shortest links joining each area's separate parts.

    The national Delaunay graph can split an area (a practice whose neighbours
    all lie in other areas); such an area is joined like an island in
    build_graph: Kruskal over the area's parts by straight-line distance.
    Returns the adjacency and how many bridging links were added.
    """
    out: dict[int, set[int]] = {i: {j for j in adjacency[i] if units[j].area == units[i].area} for i in adjacency}
    by_area: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        by_area[u.area].append(i)
    added = 0
    for area in sorted(by_area):
        members = by_area[area]
        part = {}
        for start in members:
            if start in part:
                continue
            part[start], stack = start, [start]
            while stack:
                v = stack.pop()
                for w in out[v]:
                    if w not in part:
                        part[w] = start
                        stack.append(w)
        if len(set(part[i] for i in members)) == 1:
            continue
        xy = np.array([(units[i].x, units[i].y) for i in members])
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        pairs = sorted(
            (d[a, b], members[a], members[b])
            for a in range(len(members)) for b in range(a + 1, len(members))
            if part[members[a]] != part[members[b]]
        )
        root = {part[i]: part[i] for i in members}

        def find(x):
            while root[x] != x:
                x = root[x]
            return x

        for _dist, i, j in pairs:
            a, b = find(part[i]), find(part[j])
            if a != b:
                root[a] = b
                out[i].add(j)
                out[j].add(i)
                added += 1
    return out, added


def england(
    seconds: float, band: Band = DEFAULT_BAND, source: NationalMap = MAP_2022, exact_limit: int = EXACT_LIMIT,
    baseline: bool = True,
) -> dict:
    """Real England: the map's PCNs against a proposal for the same practices.

    With ``baseline``, the same proposal with the legacy bound-search settings
    follows in the same process (``baseline_legacy_settings``).
    """
    units, real, graph, figures = load_england(source)
    infeasible = _infeasible_areas(units, band)
    started = time.perf_counter()
    adjacency, bridges = bridge_areas(units, graph.adjacency)
    bridge_seconds = time.perf_counter() - started
    by_area: dict[str, int] = defaultdict(int)
    for u in units:
        by_area[u.area] += 1
    small = {a for a, n in by_area.items() if n <= exact_limit}

    def run(search) -> dict:
        started, cpu = time.perf_counter(), time.process_time()
        proposal = propose(units, adjacency, band, seconds=seconds, exact_limit=exact_limit, search=search)
        propose_seconds, propose_cpu = time.perf_counter() - started, time.process_time() - cpu
        named = {f"Network {k}": list(codes) for k, codes in enumerate(proposal.networks, 1)}
        pieces_by_area: dict[str, list] = defaultdict(list)
        for piece in proposal.pieces:
            pieces_by_area[piece.area].append(piece)
        proven = {a for a, pieces in pieces_by_area.items() if all(p.method == EXACT and p.optimal for p in pieces)}
        return {
            "propose_seconds": round(propose_seconds, 2),
            "propose_cpu_seconds": round(propose_cpu, 2),
            "total_seconds": round(
                figures["geocode_seconds"] + figures["graph_seconds"] + bridge_seconds + propose_seconds, 2
            ),
            "method": proposal.method,
            "pieces": len(proposal.pieces),
            "pieces_proven_optimal": sum(p.method == EXACT and p.optimal for p in proposal.pieces),
            f"areas_up_to_{exact_limit}_practices": len(small),
            f"areas_up_to_{exact_limit}_proven_optimal": len(proven & small),
            "objective": round(_objective(proposal.networks, units), 1),
            "proposal": _configuration_report(named, units, graph, band, infeasible),
            "proposal_non_contiguous_with_bridges": _non_contiguous(named, units, adjacency),
        }

    new = run(bound_search)
    out = {
        "note": source.note,
        **figures,
        "time_limit": seconds,
        "exact_limit": exact_limit,
        "areas_infeasible_for_band": len(infeasible),
        "bridging_links_added": bridges,
        "bridge_seconds": round(bridge_seconds, 2),
        **{key: new.pop(key) for key in ("propose_seconds", "propose_cpu_seconds", "total_seconds")},
        "objective_note": "population-weighted squared distance to each network's weighted centre, summed "
        "(km^2 x patients): what the proposer minimises",
        **{key: value for key, value in new.items() if key not in ("proposal", "proposal_non_contiguous_with_bridges")},
        f"real_{source.year}": _configuration_report(real, units, graph, band, infeasible),
        f"real_{source.year}_objective": round(_objective(list(real.values()), units), 1),
        "proposal": new["proposal"],
        "proposal_non_contiguous_with_bridges": new["proposal_non_contiguous_with_bridges"],
        "note_contiguity": "non_contiguous counts use the national graph; a proposed network may use "
        "a bridging link that joins an area's separate parts (proposal_non_contiguous_with_bridges uses them)",
    }
    if baseline:
        out["baseline_legacy_settings"] = run(legacy_bound_search)
    return out


def _non_contiguous(networks: dict[str, list[str]], units: list[Unit], adjacency) -> int:
    """Networks not connected in the given adjacency (unit indices)."""
    index = {u.code: i for i, u in enumerate(units)}
    bad = 0
    for codes in networks.values():
        members = {index[c] for c in codes}
        start = next(iter(members))
        seen, stack = {start}, [start]
        while stack:
            v = stack.pop()
            for w in adjacency[v] & members:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        bad += seen != members
    return bad


def part_of_england(
    column: str, code: str, seconds: float, repeats: int = 1, baseline: bool = True, band: Band = DEFAULT_BAND,
) -> dict:
    """The practices of one ICB or region of the May 2026 map (``column`` = ICB_CODE or COMM_REGION_CODE).

    Areas are the sub-ICB locations, solved with the designer's defaults within ``seconds``;
    with ``baseline``, the legacy settings run interleaved with the default, ``repeats`` times each.
    """
    with MAP_2026.pcn_map.open(newline="") as handle:
        wanted = {row["PRACTICE_CODE"] for row in csv.DictReader(handle) if row[column] == code}
    if not wanted:
        raise SystemExit(f"no practice of the May 2026 map has {column} {code}")
    units, _real, graph, _figures = load_england(MAP_2026)
    adjacency, _ = bridge_areas(units, graph.adjacency)
    members = [i for i, u in enumerate(units) if u.code in wanted]
    local = {g: k for k, g in enumerate(members)}
    sub_units = [units[g] for g in members]
    sub_adjacency = {local[g]: {local[h] for h in adjacency[g] if h in local} for g in members}
    runs: dict[str, list[dict]] = defaultdict(list)
    for _ in range(repeats):
        for name in ("default", "legacy") if baseline else ("default",):
            started, cpu = time.perf_counter(), time.process_time()
            proposal = propose(sub_units, sub_adjacency, band, seconds=seconds, exact_limit=DESIGN_EXACT_LIMIT,
                               search=SEARCHES[name])
            runs[name].append({
                "seconds": round(time.perf_counter() - started, 2),
                "cpu_seconds": round(time.process_time() - cpu, 2),
                "pieces_proven_optimal": sum(p.method == EXACT and p.optimal for p in proposal.pieces),
                "optimal": proposal.optimal,
                "networks": len(proposal.networks),
                "objective": round(_objective(proposal.networks, sub_units), 1),
            })

    def summary(done: list[dict]) -> dict:
        return {
            "seconds": round(float(np.median([d["seconds"] for d in done])), 2),
            "cpu_seconds": round(float(np.median([d["cpu_seconds"] for d in done])), 2),
            "runs": done,
        }

    out = {
        column: code,
        "practices": len(sub_units),
        "areas": len({u.area for u in sub_units}),
        "areas_up_to_exact_limit": sum(
            n <= DESIGN_EXACT_LIMIT for n in _counts_by_area(sub_units).values()
        ),
        "time_limit": seconds,
        "proposal": summary(runs["default"]),
    }
    if baseline:
        out["baseline_legacy_settings"] = summary(runs["legacy"])
    return out


def _counts_by_area(units: list[Unit]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for u in units:
        counts[u.area] += 1
    return counts


def compare_exact(seconds: float, band: Band = DEFAULT_BAND) -> list[dict]:
    """Heuristic against exact on mid-size real areas where the exact solve finishes."""
    units, _real, graph, _figures = load_england()
    by_area: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        by_area[u.area].append(i)
    chosen = sorted(
        (a for a, members in by_area.items() if COMPARE_SIZES[0] <= len(members) <= COMPARE_SIZES[1]),
        key=lambda a: (len(by_area[a]), a),
    )
    step = max(1, len(chosen) // COMPARE_AREAS)
    out = []
    for area in chosen[::step][:COMPARE_AREAS]:
        members = by_area[area]
        local = {g: k for k, g in enumerate(members)}
        sub_units = [units[g] for g in members]
        adjacency = {local[g]: {local[h] for h in graph.adjacency[g] if h in local} for g in members}
        row: dict = {"area": area, "practices": len(members)}
        for name, limit in (("exact", len(members)), ("heuristic", 0)):
            started = time.perf_counter()
            proposal = propose(sub_units, adjacency, band, seconds=seconds, exact_limit=limit)
            named = {f"N{k}": list(c) for k, c in enumerate(proposal.networks)}
            m = metrics(named, {u.code: u.list_size for u in sub_units}, graph, band)
            row[name] = {
                "seconds": round(time.perf_counter() - started, 2),
                "method": proposal.method,
                "optimal": proposal.optimal,
                "networks": m.networks,
                "out_of_band": m.below_band + m.above_band,
                "objective": round(_objective(proposal.networks, sub_units), 1),
                "mean_distance_km": round(m.mean_distance_km, 3),
            }
        if row["exact"]["method"] == EXACT:
            best = row["exact"]["objective"]
            row["gap_percent"] = round(100 * (row["heuristic"]["objective"] - best) / best, 2) if best else 0.0
            # The exact objective picks the number of networks freely (more, smaller ones are more
            # compact); the heuristic keeps the middle number: compare also at the heuristic's number.
            same = propose(sub_units, adjacency, band, networks=row["heuristic"]["networks"],
                           seconds=seconds, exact_limit=len(members))
            if same.method == EXACT:
                best_same = _objective(same.networks, sub_units)
                row["exact_same_networks"] = {"optimal": same.optimal, "objective": round(best_same, 1)}
                row["gap_same_k_percent"] = (
                    round(100 * (row["heuristic"]["objective"] - best_same) / best_same, 2) if best_same else 0.0
                )
        out.append(row)
    return out


def _area_problem(units: list[Unit], graph, members: list[int]):
    local = {g: k for k, g in enumerate(members)}
    sub_units = [units[g] for g in members]
    adjacency = {local[g]: {local[h] for h in graph.adjacency[g] if h in local} for g in members}
    return sub_units, adjacency


def small_areas(seconds: float, heuristic_seconds: float, band: Band = DEFAULT_BAND) -> dict:
    """Every England area of at most EXACT_LIMIT practices solved exactly, one by one, outside the England run.

    Each area gets ``seconds`` (a generous limit); the heuristic (exact_limit=0,
    ``heuristic_seconds``) is compared with every proven optimum: the gap is
    relative to the optimum over all feasible numbers of networks (the exact
    objective chooses the number freely, and more, smaller networks are more
    compact), and ``gap_same_k`` to the optimum with the heuristic's number of
    networks (propose(networks=...)).
    """
    units, _real, graph, _figures = load_england()
    by_area: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        by_area[u.area].append(i)
    rows = []
    for area in sorted(by_area, key=lambda a: (len(by_area[a]), a)):
        members = by_area[area]
        if len(members) > EXACT_LIMIT:
            continue
        sub_units, adjacency = _area_problem(units, graph, members)
        started = time.perf_counter()
        exact = propose(sub_units, adjacency, band, seconds=seconds, exact_limit=EXACT_LIMIT)
        exact_seconds = time.perf_counter() - started
        started = time.perf_counter()
        heur = propose(sub_units, adjacency, band, seconds=heuristic_seconds, exact_limit=0)
        heur_seconds = time.perf_counter() - started
        row = {
            "area": area, "practices": len(members), "seconds": round(exact_seconds, 2),
            "proven": exact.optimal and exact.method == EXACT, "networks": len(exact.networks),
            "heuristic_networks": len(heur.networks), "heuristic_seconds": round(heur_seconds, 2),
        }
        if row["proven"]:
            best = _objective(exact.networks, sub_units)
            row["gap_percent"] = round(100 * (_objective(heur.networks, sub_units) / best - 1), 2) if best else 0.0
            if len(heur.networks) != len(exact.networks):
                same = propose(sub_units, adjacency, band, networks=len(heur.networks), seconds=seconds,
                               exact_limit=EXACT_LIMIT)
                if same.optimal and same.method == EXACT:
                    best_same = _objective(same.networks, sub_units)
                    row["gap_same_k_percent"] = round(
                        100 * (_objective(heur.networks, sub_units) / best_same - 1), 2) if best_same else 0.0
            else:
                row["gap_same_k_percent"] = row["gap_percent"]
        rows.append(row)
    times = np.array([r["seconds"] for r in rows])
    proven_times = np.array([r["seconds"] for r in rows if r["proven"]] or [0.0])
    gaps = np.array([r["gap_percent"] for r in rows if "gap_percent" in r] or [0.0])
    same = np.array([r["gap_same_k_percent"] for r in rows if "gap_same_k_percent" in r] or [0.0])
    return {
        "areas": len(rows),
        "seconds_limit_per_area": seconds,
        "proven_optimal": sum(r["proven"] for r in rows),
        "not_proven": [(r["area"], r["practices"]) for r in rows if not r["proven"]],
        "seconds_all": {"median": round(float(np.median(times)), 2), "p90": round(float(np.percentile(times, 90)), 2),
                        "max": round(float(times.max()), 2), "total": round(float(times.sum()), 1)},
        "seconds_proven": {"median": round(float(np.median(proven_times)), 2),
                           "p90": round(float(np.percentile(proven_times, 90)), 2),
                           "max": round(float(proven_times.max()), 2)},
        "heuristic_gap_percent": {"mean": round(float(gaps.mean()), 2), "median": round(float(np.median(gaps)), 2),
                                  "max": round(float(gaps.max()), 2)},
        "heuristic_gap_same_k_percent": {"mean": round(float(same.mean()), 2),
                                         "median": round(float(np.median(same)), 2),
                                         "max": round(float(same.max()), 2), "areas": int(len(same))},
        "areas_detail": rows,
    }


def _objective(networks, units: list[Unit]) -> float:
    """The proposer's compactness objective: population-weighted squared distance to network centres."""
    return _objective_xy(networks, {u.code: u.list_size for u in units}, {u.code: (u.x, u.y) for u in units})


def _objective_xy(networks, sizes: dict[str, int], xy) -> float:
    """The same, from list sizes and x, y (km) by practice code."""
    total = 0.0
    for codes in networks:
        w = np.array([max(sizes[c], 1e-9) for c in codes])
        p = np.array([tuple(xy[c]) for c in codes], dtype=float)
        centre = (w[:, None] * p).sum(axis=0) / w.sum()
        total += float((w * ((p - centre) ** 2).sum(axis=1)).sum())
    return total


def synthetic(practices: int, seconds: float, seed: int = 2019) -> dict:
    rng = np.random.default_rng(seed)
    # England-like: ~50-55.5N, -5.5-1.7E, practices clustered around towns.
    towns = 300
    centres = np.column_stack([rng.uniform(50.4, 55.5, towns), rng.uniform(-4.5, 1.6, towns)])
    weights = rng.pareto(1.2, towns) + 1
    town = rng.choice(towns, practices, p=weights / weights.sum())
    spread = rng.uniform(0.02, 0.15, towns)[town]
    lat = np.clip(centres[town, 0] + rng.normal(0, 1, practices) * spread, 49.9, 55.8)
    lon = np.clip(centres[town, 1] + rng.normal(0, 1, practices) * spread * 1.6, -5.7, 1.8)
    sizes = rng.integers(2_000, 20_001, practices)
    codes = [f"Z{i:05d}" for i in range(practices)]
    # Areas of ~150 practices: cut by latitude bands then longitude within each band.
    n_areas = max(1, round(practices / 150))
    rows_ = max(1, round(np.sqrt(n_areas)))
    area = np.empty(practices, dtype=object)
    by_lat = np.argsort(lat)
    for r, chunk in enumerate(np.array_split(by_lat, rows_)):
        cols = max(1, round(n_areas / rows_))
        for c, part in enumerate(np.array_split(chunk[np.argsort(lon[chunk])], cols)):
            area[part] = f"AREA{r:02d}{c:02d}"
    points = [Point(codes[i], float(lat[i]), float(lon[i])) for i in range(practices)]
    started = time.perf_counter()
    graph = build_graph(points)
    graph_seconds = time.perf_counter() - started
    units = [
        Unit(codes[i], int(sizes[i]), float(graph.xy[i][0]), float(graph.xy[i][1]), None, str(area[i]))
        for i in range(practices)
    ]
    started = time.perf_counter()
    proposal = propose(units, graph.adjacency, DEFAULT_BAND, seconds=seconds, exact_limit=0)
    elapsed = time.perf_counter() - started
    named = {f"Network {k}": codes_ for k, codes_ in enumerate(proposal.networks, 1)}
    m = metrics(named, {c: int(s) for c, s in zip(codes, sizes, strict=True)}, graph, DEFAULT_BAND)
    return {
        "practices": practices,
        "areas": len(set(area)),
        "graph_seconds": round(graph_seconds, 2),
        "seconds": round(elapsed, 2),
        "time_limit": seconds,
        "method": proposal.method,
        "networks": m.networks,
        "out_of_band": m.below_band + m.above_band,
        "mean_distance_km": round(m.mean_distance_km, 3),
        "non_contiguous": _split(check_contiguity(named, graph)),
    }


def _split(findings) -> int:
    """Networks in several pieces (a contiguity warning or exception; info findings are notes)."""
    return sum(f.severity != INFO for f in findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--synthetic-seconds", type=float, default=120.0)
    parser.add_argument("--england-seconds", type=float, default=50.0)
    parser.add_argument("--england-2026-seconds", type=float, default=DEFAULT_SECONDS,
                        help="time limit of England 2026 (default: pcnhub design's; with geocoding and the graph, "
                             "under 30 s in all)")
    parser.add_argument("--repeats", type=int, default=3, help="West Sussex runs of each setting (medians)")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the legacy settings' runs")
    parser.add_argument("--icb", default="S0E4D", help="ICB of the May 2026 map for --only icb (default S0E4D, "
                                                      "193 practices in 4 sub-ICB areas)")
    parser.add_argument("--region", default="Y58", help="region of the May 2026 map for --only region (default "
                                                        "Y58, South West: 516 practices in 7 sub-ICB areas)")
    parser.add_argument("--area-seconds", type=float, default=30.0, help="time limit of --only icb and region "
                                                                          "(the designer's default)")
    parser.add_argument("--practices", type=int, default=6_500)
    parser.add_argument("--small-seconds", type=float, default=300.0)
    parser.add_argument("--small-heuristic-seconds", type=float, default=2.0)
    parser.add_argument("--only", default="west,england,compare,synthetic")
    args = parser.parse_args()
    runs = {
        "west": ("west_sussex_2019", lambda: west_sussex(args.seconds, args.repeats, not args.no_baseline)),
        "england": ("england_2022", lambda: england(args.england_seconds, baseline=not args.no_baseline)),
        "england2026": ("england_2026", lambda: england(args.england_2026_seconds, source=MAP_2026,
                                                        exact_limit=DESIGN_EXACT_LIMIT,
                                                        baseline=not args.no_baseline)),
        "icb": ("icb_2026", lambda: part_of_england("ICB_CODE", args.icb, args.area_seconds, args.repeats,
                                                    not args.no_baseline)),
        "region": ("region_2026", lambda: part_of_england("COMM_REGION_CODE", args.region, args.area_seconds,
                                                          args.repeats, not args.no_baseline)),
        "compare": ("heuristic_vs_exact", lambda: compare_exact(args.seconds)),
        "small": ("england_small_areas_exact",
                  lambda: small_areas(args.small_seconds, args.small_heuristic_seconds)),
        "synthetic": ("synthetic_england", lambda: synthetic(args.practices, args.synthetic_seconds)),
    }
    # HiGHS may print diagnostics on file descriptor 1: send them to stderr so stdout is only JSON.
    with native_stdout_to_stderr():
        report = {runs[key][0]: runs[key][1]() for key in args.only.split(",")}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
