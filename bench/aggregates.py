"""Benchmark: the pipeline's ``aggregates`` and ``variation`` steps before and after issue 18 (item 4).

    .venv/bin/python bench/aggregates.py [--sizes 100000 1000000] [--repeats 5] [--seed S] [--keep DIR]
        [--spark-sizes 100000]

For each size, a synthetic dataset (the generator, ``pcnhub phm synth``, over every practice in England from
shared/data/nhs-open-data/gp-reg-pat-prac-all_2021-01.csv scaled to the size; PCNs and ICBs from the January
2022 practice map) and one run of the pipeline (:func:`pcnhub.analytics.run.run_pipeline`, DuckDB) for its
``patient_features.parquet``.  Then, in this one process and interleaved (before, after, before, after, ...),
each step from the features Parquet to its output Parquet file as the pipeline writes it
(:func:`pcnhub.analytics.engines.write_parquet`, DuckDB with the pipeline's memory limit):

* ``before``: the code as it was before (kept in this file only: :func:`before_aggregates`,
  :func:`before_variation`): aggregates with two window functions over the long table (one row per measure and
  cell), variation with the long table of strata joined to their rates;
* ``after``: :func:`pcnhub.analytics.pipeline.aggregates.aggregates` and
  :func:`pcnhub.analytics.pipeline.variation.variation`: every measure side by side in wide rows, disclosure
  control by one aggregation and one join, one row per measure made only by the last projection;
* ``output``: the same rows read from the output file and written again (what writing the output costs: the
  floor of a step whose output is this big).

With ``--spark-sizes``, the same on Spark (local mode, 2 cores, the pipeline's settings) at those sizes: wall
seconds only (the work is done in the JVM, not this process).

Prints JSON: per size and step the median wall and CPU seconds (``resource.getrusage`` user + system of this
process, DuckDB's threads included; steadier than wall time on a shared machine) of each, the output rows, the
ratio before / after, and whether before and after give the same rows (sorted on their keys; every column
exactly, except variation's ``expected`` and the columns computed from it, a float sum whose order varies from
run to run in both versions: within 1e-12 relative).  Exit status 1 if they differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
OPEN_DATA = REPO.parent / "shared" / "data" / "nhs-open-data"
LIST_SIZES = OPEN_DATA / "gp-reg-pat-prac-all_2021-01.csv"
PRACTICE_MAP = OPEN_DATA / "gp-reg-pat-prac-map_2022-01.csv"
AS_OF = dt.date(2024, 4, 1)
SIZES = (100_000, 1_000_000)
KEYS = {"aggregates": ["level", "org_code", "measure", "breakdown"], "variation": ["measure", "practice_code"]}
#: variation's float sum (``expected``) and what is computed from it: equal up to the order of the sum
FLOAT_SUMS = {"expected", "ratio", "standardised_rate"}
RELATIVE = 1e-12


# --- the code before (pcnhub.analytics.pipeline.aggregates and .variation as they were) ------------------------


def _before_breakdowns(features: ir.Table) -> ir.ArrayValue:
    def item(dimension: str, value: ir.StringValue) -> ir.StructValue:
        return ibis.struct({"dimension": ibis.literal(dimension), "breakdown": value})

    return ibis.array([
        item("", ibis.literal("")),
        item("imd_decile", "imd_decile=" + features.imd_decile.cast("string").fill_null("unknown")),
        item("ethnicity", "ethnicity=" + features.ethnicity),
        item("age_band", "age_band=" + features.age_band),
        item("sex", "sex=" + features.sex),
    ])


def _before_cells(features: ir.Table) -> ir.Table:
    from pcnhub.analytics.pipeline.aggregates import indicators

    measures = indicators(features)
    per_patient = features.select(
        "practice_code",
        "pcn_code",
        "icb_code",
        _cell=_before_breakdowns(features).unnest(),
        **{f"n_{m}": num.cast("int64") for m, (num, _) in measures.items()},
        **{f"d_{m}": den.cast("int64") for m, (_, den) in measures.items()},
    )
    per_patient = per_patient.mutate(dimension=per_patient._cell.dimension, breakdown=per_patient._cell.breakdown)
    counts = [c for c in per_patient.columns if c.startswith(("n_", "d_"))]
    practice = per_patient.group_by("practice_code", "pcn_code", "icb_code", "dimension", "breakdown").aggregate(
        **{c: per_patient[c].sum() for c in counts}
    )
    levels = []
    for level, column in (("practice", "practice_code"), ("pcn", "pcn_code"), ("icb", "icb_code")):
        rows = practice.filter(practice[column].notnull())
        grouped = rows.group_by(org_code=rows[column], dimension=rows.dimension, breakdown=rows.breakdown).aggregate(
            **{c: rows[c].sum() for c in counts}
        )
        levels.append(grouped.mutate(level=ibis.literal(level)))
    return ibis.union(*levels)


def _before_long_cells(wide: ir.Table) -> ir.Table:
    from pcnhub.analytics.pipeline.aggregates import MEASURES

    array = ibis.array([
        ibis.struct({"measure": ibis.literal(m), "numerator": wide[f"n_{m}"], "denominator": wide[f"d_{m}"]})
        for m in MEASURES
    ])
    unnested = wide.select("level", "org_code", "dimension", "breakdown", _m=array.unnest())
    out = unnested.select(
        "level", "org_code", "dimension", "breakdown",
        measure=unnested._m.measure,
        numerator=unnested._m.numerator.cast("int64"),
        denominator=unnested._m.denominator.cast("int64"),
    )
    org_total = out.numerator.sum().over(group_by=[out.level, out.org_code, out.measure, out.dimension])
    return out.mutate(denominator=ibis.ifelse(out.measure == "patients", org_total, out.denominator).cast("int64"))


def _before_disclosure_control(counts: ir.Table) -> ir.Table:
    from pcnhub.analytics.pipeline.aggregates import rounded, small

    counts = counts.filter(counts.denominator > 0)
    primary = small(counts.numerator) | small(counts.denominator)
    counts = counts.mutate(_primary=primary)
    group = [counts.level, counts.org_code, counts.measure, counts.dimension]
    window = ibis.window(group_by=group)
    ordered = ibis.window(
        group_by=group, order_by=[counts._primary, counts.numerator, counts.denominator, counts.breakdown]
    )
    counts = counts.mutate(
        _suppressed_in_group=counts._primary.cast("int64").sum().over(window),
        _cells=counts.numerator.count().over(window),
        _rank=ibis.row_number().over(ordered),
    )
    secondary = (
        (counts.dimension != "")
        & (counts._suppressed_in_group == 1)
        & (counts._cells >= 2)
        & (counts._rank == 0)
        & ~counts._primary
    )
    counts = counts.mutate(suppressed=counts._primary | secondary)
    numerator = rounded(counts.numerator)
    denominator = rounded(counts.denominator)
    value = ibis.ifelse(denominator > 0, numerator.cast("float64") / denominator.cast("float64"), ibis.null("float64"))
    null_int = ibis.null("int64")
    return counts.select(
        "level",
        "org_code",
        "measure",
        "breakdown",
        numerator=ibis.ifelse(counts.suppressed, null_int, numerator),
        denominator=ibis.ifelse(counts.suppressed, null_int, denominator),
        value=ibis.ifelse(counts.suppressed, ibis.null("float64"), value),
        suppressed=counts.suppressed,
    )


def before_aggregates(features: ir.Table) -> ir.Table:
    """``aggregates`` as it was before issue 18."""
    return _before_disclosure_control(_before_long_cells(_before_cells(features)))


def _before_strata(features: ir.Table) -> ir.Table:
    from pcnhub.analytics.pipeline.aggregates import indicators
    from pcnhub.analytics.pipeline.variation import MEASURES

    measures = {m: pair for m, pair in indicators(features).items() if m in MEASURES}
    wide = features.group_by("practice_code", "pcn_code", "age_band", "sex").aggregate(
        **{f"n_{m}": num.cast("int64").sum() for m, (num, _) in measures.items()},
        **{f"d_{m}": den.cast("int64").sum() for m, (_, den) in measures.items()},
    )
    array = ibis.array([
        ibis.struct({"measure": ibis.literal(m), "numerator": wide[f"n_{m}"], "denominator": wide[f"d_{m}"]})
        for m in MEASURES
    ])
    long = wide.select("practice_code", "pcn_code", "age_band", "sex", _m=array.unnest())
    return long.select(
        long._m.measure.name("measure"), "practice_code", "pcn_code", "age_band", "sex",
        numerator=long._m.numerator.cast("int64"), denominator=long._m.denominator.cast("int64"),
    )


def before_variation(features: ir.Table) -> ir.Table:
    """``variation`` as it was before issue 18."""
    from pcnhub.analytics.pipeline.aggregates import rounded, small
    from pcnhub.analytics.pipeline.variation import SCHEMA, Z95, Z998

    cells = _before_strata(features)
    cells = cells.filter(cells.denominator > 0)
    rates = cells.group_by("measure", "age_band", "sex").aggregate(
        _stratum_rate=cells.numerator.sum().cast("float64") / cells.denominator.sum().cast("float64")
    )
    joined = cells.join(rates, ["measure", "age_band", "sex"])
    practices = joined.group_by("measure", "practice_code", "pcn_code").aggregate(
        _observed=joined.numerator.sum(),
        _denominator=joined.denominator.sum(),
        expected=(joined.denominator.cast("float64") * joined._stratum_rate).sum(),
    )
    overall = practices.group_by("measure").aggregate(
        _p=practices._observed.sum().cast("float64") / practices._denominator.sum().cast("float64")
    )
    practices = practices.join(overall, "measure")
    practices = practices.filter(~small(practices._observed) & ~small(practices._denominator))
    observed = rounded(practices._observed)
    denominator = rounded(practices._denominator)
    p = practices._p
    ratio = ibis.ifelse(practices.expected > 0, observed.cast("float64") / practices.expected, ibis.null("float64"))
    spread = (p * (1.0 - p) / denominator.cast("float64")).sqrt()

    def limit(z: float, sign: int) -> ir.FloatingValue:
        return ibis.greatest(ibis.least(p + sign * z * spread, 1.0), 0.0)

    out = practices.select(
        "measure",
        "practice_code",
        "pcn_code",
        denominator=denominator,
        observed=observed,
        expected=practices.expected,
        ratio=ratio,
        rate=observed.cast("float64") / denominator.cast("float64"),
        standardised_rate=ratio * p,
        lower95=limit(Z95, -1),
        upper95=limit(Z95, 1),
        lower998=limit(Z998, -1),
        upper998=limit(Z998, 1),
    )
    outlier = ibis.cases(
        (out.standardised_rate > out.upper998, "high"),
        (out.standardised_rate < out.lower998, "low"),
        else_="",
    )
    result = out.mutate(outlier=outlier)
    return result.select(*[result[name].cast(dtype).name(name) for name, dtype in SCHEMA.items()]).order_by(
        "measure", "practice_code"
    )


# --- the measurement -----------------------------------------------------------------------------------------


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dataset(patients: int, seed: int, root: Path) -> tuple[Path, dict | None]:
    """The synthetic dataset of ``patients`` under ``root`` and its features (made unless there), and how long
    making them took."""
    from pcnhub.analytics import synth
    from pcnhub.analytics.practices import read_map, read_practices
    from pcnhub.analytics.run import FEATURES_FILE, run_pipeline

    data, out = root / f"synthetic-{patients}", root / f"pipeline-{patients}"
    made = None
    if not (out / FEATURES_FILE).exists():
        started = time.perf_counter()
        synth.generate(read_practices(LIST_SIZES), data, patients=patients, seed=seed, as_of=AS_OF)
        generated = time.perf_counter() - started
        practice_map = read_map(PRACTICE_MAP) if PRACTICE_MAP.exists() else None
        summary = run_pipeline(data, out, engine="duckdb", practice_map=practice_map, as_of=AS_OF)
        made = {"generate_seconds": round(generated, 2), "pipeline_seconds": summary["seconds"],
                "pipeline_steps": summary["steps"]}
    return out / FEATURES_FILE, made


def _same(kind: str, before: Path, after: Path) -> dict:
    """Whether two outputs hold the same rows (sorted on their keys)."""
    left = pq.read_table(before).sort_by([(k, "ascending") for k in KEYS[kind]])
    right = pq.read_table(after).sort_by([(k, "ascending") for k in KEYS[kind]])
    found = {"rows": left.num_rows, "types_equal": [str(t) for t in left.schema.types] == [
        str(t) for t in right.schema.types] and left.schema.names == right.schema.names}
    if left.num_rows != right.num_rows or not found["types_equal"]:
        return {**found, "identical": False, "rows_after": right.num_rows}
    exact, close, worst = [], [], 0.0
    for name in left.column_names:
        a, b = left[name].combine_chunks(), right[name].combine_chunks()
        if a.equals(b):
            exact.append(name)
            continue
        if name not in FLOAT_SUMS or not pa.types.is_floating(a.type):
            return {**found, "identical": False, "first_column_differing": name}
        for x, y in zip(a.to_pylist(), b.to_pylist(), strict=True):
            if (x is None) != (y is None):
                return {**found, "identical": False, "first_column_differing": name}
            if x is not None and x != y:
                relative = abs(x - y) / max(abs(x), abs(y))
                if not math.isfinite(relative) or relative > RELATIVE:
                    return {**found, "identical": False, "first_column_differing": name}
                worst = max(worst, relative)
        close.append(name)
    return {**found, "identical": True, "columns_exact": len(exact), "columns_within_float_sum_order": close,
            "largest_relative_difference": worst}


def measure(features: Path, repeats: int, folder: Path, engine: str = "duckdb") -> dict:
    from pcnhub.analytics import engines
    from pcnhub.analytics.pipeline import aggregates, variation

    steps: dict[str, dict[str, Callable[[ir.Table], ir.Table]]] = {
        "aggregates": {"before": before_aggregates, "after": aggregates.aggregates},
        "variation": {"before": before_variation, "after": variation.variation},
    }
    schemas = {"aggregates": aggregates.SCHEMA.to_pyarrow(), "variation": variation.SCHEMA.to_pyarrow()}
    con = engines.connect(engine, temp_directory=folder / "spill")
    timings: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        table = engines.read_parquet(con, features)
        for _ in range(repeats):
            for step, versions in steps.items():
                for version, build in versions.items():
                    path = folder / f"{step}-{version}.parquet"
                    started, cpu = time.perf_counter(), _cpu()
                    engines.write_parquet(con, build(table), path, schema=schemas[step])
                    timings.setdefault((step, version), []).append((time.perf_counter() - started, _cpu() - cpu))
                copy = folder / f"{step}-copy.parquet"
                started, cpu = time.perf_counter(), _cpu()
                engines.write_parquet(con, engines.read_parquet(con, folder / f"{step}-after.parquet"), copy)
                timings.setdefault((step, "output"), []).append((time.perf_counter() - started, _cpu() - cpu))
    finally:
        engines.close(con)
    result = {}
    for step in steps:
        found = {}
        for version in ("before", "after", "output"):
            walls, cpus = zip(*timings[(step, version)], strict=True)
            found[version] = {"seconds": round(statistics.median(walls), 3)}
            if engine == "duckdb":
                found[version]["cpu_seconds"] = round(statistics.median(cpus), 3)
        found["before_over_after"] = round(found["before"]["seconds"] / found["after"]["seconds"], 2)
        if engine == "duckdb":
            found["before_over_after_cpu"] = round(found["before"]["cpu_seconds"] / found["after"]["cpu_seconds"], 2)
        found["after_over_output"] = round(found["after"]["seconds"] / found["output"]["seconds"], 2)
        found["output_rows"] = pq.ParquetFile(folder / f"{step}-after.parquet").metadata.num_rows
        found["same_output"] = _same(step, folder / f"{step}-before.parquet", folder / f"{step}-after.parquet")
        result[step] = found
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="sizes run on DuckDB")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each version (median reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the datasets and features in this folder")
    parser.add_argument("--spark-sizes", type=int, nargs="*", default=[], help="also on Spark at these sizes")
    args = parser.parse_args()
    if args.repeats < 1 or any(size < 1 for size in [*args.sizes, *args.spark_sizes]):
        parser.error("--repeats and the sizes must be at least 1")
    root = args.keep or Path(tempfile.mkdtemp(prefix="pcnhub-aggregates-bench-"))
    report: dict = {"benchmark": "aggregates and variation before and after (issue 18, item 4)",
                    "as_of": AS_OF.isoformat(), "repeats": args.repeats,
                    "machine_cores": __import__("os").cpu_count(), "sizes": [], "spark": []}
    same = True
    try:
        runs = [("duckdb", size) for size in args.sizes] + [("spark", size) for size in args.spark_sizes]
        for engine, size in runs:
            features, made = dataset(size, args.seed, root)
            folder = Path(tempfile.mkdtemp(prefix="outputs-", dir=root))
            try:
                found = {"patients": size, **measure(features, args.repeats, folder, engine)}
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if made:
                found["made"] = made
            same = same and all(found[step]["same_output"]["identical"] for step in KEYS)
            report["sizes" if engine == "duckdb" else "spark"].append(found)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    runs = {found["patients"]: found for found in report["sizes"]}
    if 100_000 in runs and 1_000_000 in runs:
        report["growth_1m_over_100k"] = {
            step: {version: round(runs[1_000_000][step][version]["cpu_seconds"]
                                  / runs[100_000][step][version]["cpu_seconds"], 2)
                   for version in ("before", "after", "output")}
            for step in KEYS
        }
    report["same_output"] = same
    print(json.dumps(report, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
