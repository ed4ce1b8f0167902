"""Benchmark `pcnhub design`: West Sussex 2019 (real vs proposed) and a synthetic England-sized run.

    .venv/bin/python bench/design.py [--seconds T] [--synthetic-seconds T] [--practices N]

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from pcnhub.domain.contiguity import check_contiguity
from pcnhub.domain.design import Unit, propose
from pcnhub.domain.design_cli import design
from pcnhub.domain.design_metrics import metrics
from pcnhub.domain.geography import Point, build_graph
from pcnhub.domain.rules import DEFAULT_BAND, ERROR

WEST_SUSSEX = Path("/work/shared/data/nhs-open-data/west-sussex-practices_2019.json")


def west_sussex(seconds: float) -> dict:
    records = json.loads(WEST_SUSSEX.read_text())
    points = [Point(r["Code"], float(r["lat"]), float(r["long"])) for r in records]
    units = [Unit(r["Code"], int(r["Patients"]), 0.0, 0.0) for r in records]
    graph = build_graph(points)
    sizes = {u.code: u.list_size for u in units}
    real: dict[str, list[str]] = defaultdict(list)
    for r in records:
        real[r["PCN"]].append(r["Code"])
    real_contiguity = check_contiguity(real, graph)
    started = time.perf_counter()
    result, _ = design(points, units, DEFAULT_BAND, seconds=seconds)
    elapsed = time.perf_counter() - started
    return {
        "practices": len(records),
        "patients": sum(sizes.values()),
        "real_2019": {
            "metrics": metrics(real, sizes, graph, DEFAULT_BAND).to_dict(),
            "non_contiguous": sum(f.severity == ERROR for f in real_contiguity),
        },
        "proposal": {
            "seconds": round(elapsed, 2),
            "method": result.proposal.method,
            "optimal": result.proposal.optimal,
            "metrics": result.metrics.to_dict(),
        },
    }


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
        "non_contiguous": sum(f.severity == ERROR for f in check_contiguity(named, graph)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--synthetic-seconds", type=float, default=120.0)
    parser.add_argument("--practices", type=int, default=6_500)
    args = parser.parse_args()
    report = {
        "west_sussex_2019": west_sussex(args.seconds),
        "synthetic_england": synthetic(args.practices, args.synthetic_seconds),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
