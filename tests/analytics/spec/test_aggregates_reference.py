"""Aggregates and variation against a plain Python reading of their rules, on random patients (both engines),
and the shape of their queries: every measure stays in one wide row until the last projection (issue 18:
their cost follows their output, with no window, aggregation or join over one row per measure)."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.pipeline import aggregates as aggregates_step
from pcnhub.analytics.pipeline import variation as variation_step
from pcnhub.analytics.pipeline.cohorts import COHORTS
from pcnhub.analytics.pipeline.features import SCHEMA as FEATURES
from pcnhub.analytics.pipeline.population import AGE_BANDS
from pcnhub.analytics.pipeline.segments import SEGMENTS

#: practice: (PCN, ICB, patients); small lists, so that cells of 1 to 6, complements and ties are common
PRACTICES = {
    "R1": ("N1", "I1", 60), "R2": ("N1", "I1", 9), "R3": ("N2", "I1", 40), "R4": ("N2", "I2", 7),
    "R5": (None, "I2", 25), "R6": (None, None, 14), "R7": ("N3", "I2", 3),
}
ETHNICITIES = ("white", "indian", "black_african", "unknown")


def random_features(seed: int) -> pa.Table:
    rng = random.Random(seed)
    rows = []
    for practice, (pcn, icb, size) in PRACTICES.items():
        older_here = rng.random() < 0.7  # some practices have nobody with an eFI (no row for the measure)
        for _ in range(size):
            age = rng.choice((3, 8, 34, 36, 52, 67, 71, 88, 93))
            efi = rng.choice(("fit", "mild", "moderate", "severe")) if age >= 65 and older_here else None
            rows.append({
                "patient_id": len(rows) + 1, "practice_code": practice, "pcn_code": pcn, "icb_code": icb,
                "age": age, "age_band": AGE_BANDS[min(age // 5, len(AGE_BANDS) - 1)],
                "sex": rng.choice("FFM"), "ethnicity": rng.choice(ETHNICITIES),
                "imd_decile": rng.choice((1, 2, 2, None)), "care_home": False,
                "efi_deficits": None, "efi_score": None, "efi_category": efi,
                "repeat_medicines": 0, "polypharmacy_10plus": rng.random() < 0.3, "cms_score": 0.0,
                "condition_count": 0, "qrisk3": rng.choice((None, 4.0, 10.0, 22.5)) if 25 <= age < 85 else None,
                "segment": rng.choice(SEGMENTS[:3] + ("healthy", "healthy")),
                **{cohort: rng.random() < 0.2 for cohort in COHORTS},
            })
    return pa.Table.from_pylist(rows, schema=FEATURES.to_pyarrow())


def _round(count: int) -> int:
    return (count + 2) // 5 * 5


def _small(count: int) -> bool:
    return 1 <= count <= 6


def expected_aggregates(table: pa.Table) -> dict[tuple, tuple]:
    """``{(level, org_code, measure, breakdown): (numerator, denominator, value, suppressed)}`` by the rules of
    :mod:`pcnhub.analytics.pipeline.aggregates` (module docs)."""
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for p in table.to_pylist():
        imd = "unknown" if p["imd_decile"] is None else str(p["imd_decile"])
        breakdowns = {"": "", "imd_decile": f"imd_decile={imd}", "ethnicity": f"ethnicity={p['ethnicity']}",
                      "age_band": f"age_band={p['age_band']}", "sex": f"sex={p['sex']}"}
        counts = {
            "efi_moderate_severe": (p["efi_category"] in ("moderate", "severe"), p["efi_category"] is not None),
            "polypharmacy_10plus": (p["polypharmacy_10plus"], True),
            "qrisk3_10plus": (p["qrisk3"] is not None and p["qrisk3"] >= 10, p["qrisk3"] is not None),
            **{cohort: (p[cohort], True) for cohort in COHORTS},
            **{f"segment_{key}": (p["segment"] == key, True) for key in SEGMENTS},
            "patients": (True, True),
        }
        for level, org in (("practice", p["practice_code"]), ("pcn", p["pcn_code"]), ("icb", p["icb_code"])):
            if org is None:
                continue
            for dimension, breakdown in breakdowns.items():
                for measure, (numerator, denominator) in counts.items():
                    cell = cells[(level, org, measure, dimension, breakdown)]
                    cell[0] += int(numerator)
                    cell[1] += int(denominator)
    lists = {(level, org): n for (level, org, measure, dimension, _), (n, _) in cells.items()
             if measure == "patients" and dimension == ""}
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for (level, org, measure, dimension, breakdown), (numerator, denominator) in cells.items():
        if measure == "patients":
            denominator = lists[(level, org)]
        if denominator > 0:
            groups[(level, org, measure, dimension)].append((numerator, denominator, breakdown))
    found = {}
    for (level, org, measure, dimension), group in groups.items():
        primary = {b for n, d, b in group if _small(n) or _small(d)}
        suppressed = set(primary)
        if dimension and len(primary) == 1:
            others = sorted((n, d, b) for n, d, b in group if b not in primary)
            if others:
                suppressed.add(others[0][2])
        for numerator, denominator, breakdown in group:
            hidden = breakdown in suppressed
            n, d = _round(numerator), _round(denominator)
            found[(level, org, measure, breakdown)] = (
                None if hidden else n, None if hidden else d, None if hidden or d == 0 else n / d, hidden)
    return found


def expected_variation(table: pa.Table) -> dict[tuple, dict]:
    """``{(measure, practice_code): row}`` by the rules of :mod:`pcnhub.analytics.pipeline.variation`."""
    strata: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    pcns = {}
    for p in table.to_pylist():
        pcns[p["practice_code"]] = p["pcn_code"]
        counts = {
            "efi_moderate_severe": (p["efi_category"] in ("moderate", "severe"), p["efi_category"] is not None),
            "polypharmacy_10plus": (p["polypharmacy_10plus"], True),
            "qrisk3_10plus": (p["qrisk3"] is not None and p["qrisk3"] >= 10, p["qrisk3"] is not None),
            **{cohort: (p[cohort], True) for cohort in COHORTS},
        }
        for measure, (numerator, denominator) in counts.items():
            cell = strata[(measure, p["practice_code"], p["age_band"], p["sex"])]
            cell[0] += int(numerator)
            cell[1] += int(denominator)
    strata = {key: value for key, value in strata.items() if value[1] > 0}
    rates: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    practices: dict[tuple, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for (measure, _, band, sex), (n, d) in strata.items():
        rates[(measure, band, sex)][0] += n
        rates[(measure, band, sex)][1] += d
    for (measure, practice, band, sex), (n, d) in strata.items():
        rate = rates[(measure, band, sex)]
        row = practices[(measure, practice)]
        row[0] += n
        row[1] += d
        row[2] += d * rate[0] / rate[1]
    overall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (measure, _), (n, d, _) in practices.items():
        overall[measure][0] += n
        overall[measure][1] += d
    found = {}
    for (measure, practice), (n, d, expected) in practices.items():
        if _small(n) or _small(d):
            continue
        p = overall[measure][0] / overall[measure][1]
        observed, denominator = _round(n), _round(d)
        ratio = observed / expected if expected > 0 else None
        spread = math.sqrt(p * (1 - p) / denominator)
        upper998 = min(max(p + variation_step.Z998 * spread, 0.0), 1.0)
        lower998 = min(max(p - variation_step.Z998 * spread, 0.0), 1.0)
        standardised = None if ratio is None else ratio * p
        outlier = "" if standardised is None else "high" if standardised > upper998 else (
            "low" if standardised < lower998 else "")
        found[(measure, practice)] = {
            "pcn_code": pcns[practice], "denominator": denominator, "observed": observed, "expected": expected,
            "ratio": ratio, "rate": observed / denominator, "standardised_rate": standardised,
            "lower998": lower998, "upper998": upper998, "outlier": outlier,
        }
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_aggregates_follow_the_rules_on_random_patients(backend, seed):
    table = random_features(seed)
    result = engines.to_arrow(backend, aggregates_step.aggregates(ibis.memtable(table)))
    assert result.schema.names == list(aggregates_step.SCHEMA.names)
    got = {(r["level"], r["org_code"], r["measure"], r["breakdown"]):
           (r["numerator"], r["denominator"], r["value"], r["suppressed"]) for r in result.to_pylist()}
    assert result.num_rows == len(got)
    expected = expected_aggregates(table)
    assert got.keys() == expected.keys()
    differing = {key: (got[key], expected[key]) for key in got if got[key] != expected[key]}
    assert not differing
    # the random lists make every rule happen: primary and complementary suppression, ties broken by name
    assert sum(1 for *_, hidden in got.values() if hidden) > 100
    assert any(key[2] == "patients" and key[3] and got[key][3] and got[key][0] is None for key in got)


@pytest.mark.parametrize("seed", [1, 2])
def test_variation_follows_the_rules_on_random_patients(backend, seed):
    table = random_features(seed)
    result = engines.to_arrow(backend, variation_step.variation(ibis.memtable(table)))
    assert result.schema.names == list(variation_step.SCHEMA.names)
    rows = result.to_pylist()
    keys = [(r["measure"], r["practice_code"]) for r in rows]
    assert keys == sorted(keys)
    got = {(r["measure"], r["practice_code"]): r for r in rows}
    expected = expected_variation(table)
    assert got.keys() == expected.keys() and len(rows) == len(got)
    for key, want in expected.items():
        for name, value in want.items():
            if isinstance(value, float):
                assert got[key][name] == pytest.approx(value, rel=1e-12, abs=1e-15), (key, name)
            else:
                assert got[key][name] == value, (key, name)


def _per_measure(unnest: ops.Unnest) -> bool:
    """Whether an unnest makes one row per measure (its items have a ``measure`` field)."""
    items = unnest.arg.dtype.value_type
    return items.is_struct() and "measure" in items.names


@pytest.mark.parametrize("step", [aggregates_step.aggregates, variation_step.variation])
def test_one_row_per_measure_is_made_only_by_the_last_projection(step):
    """No window function, and no aggregation or join over rows unnested per measure: the steps aggregate wide
    rows (every measure side by side) and make one row per measure last, so that their cost follows their
    output (issue 18)."""
    expr = step(ibis.table(FEATURES, name="patient_features"))
    assert not expr.op().find(ops.WindowFunction)
    assert any(_per_measure(node) for node in expr.op().find(ops.Unnest))
    inputs = [node.parent for node in expr.op().find(ops.Aggregate)]
    for join in expr.op().find(ops.JoinChain):
        inputs += [join.first, *(link.table for link in join.rest)]
    assert inputs
    for table in inputs:
        assert not any(_per_measure(node) for node in table.find(ops.Unnest))
