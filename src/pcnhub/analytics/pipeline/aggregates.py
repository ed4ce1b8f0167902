"""Counts by practice, PCN and ICB, with breakdowns and disclosure control: ``aggregates.parquet``.

Measures (:data:`MEASURES`), each a numerator and a denominator of registered patients:

* ``efi_moderate_severe``: moderate or severe frailty by the eFI, of people aged 65+;
* ``polypharmacy_10plus``: 10 or more repeat medicines, of everyone;
* ``qrisk3_10plus``: QRISK3 10% or more, of people with a QRISK3 score;
* ``cohort_smr``, ``cohort_care_home``, ``cohort_anticipatory_care``, ``cohort_cvd_statin``,
  ``cohort_cvd_bp``, ``cohort_cancer_screening``: in the cohort, of everyone;
* ``segment_<key>`` for each Bridges to Health segment: in the segment, of everyone;
* ``patients``: the patients of the cell, of the organisation's patients (so the value is the cell's
  share of the list; 1 for the whole list).

Levels: ``practice``, ``pcn`` and ``icb`` (patients of a practice with no PCN or ICB in the practice
map count only at the levels they have).  Breakdowns: ``''`` (everyone), ``imd_decile=N`` (and
``imd_decile=unknown``), ``ethnicity=E``, ``age_band=B``, ``sex=F|M``.  A row is written for every
breakdown value that has patients and whose denominator is not 0.

Disclosure control (OpenSAFELY's rules, ``population-health-facts.md``):

* primary suppression: a cell whose numerator or denominator is 1 to 6 is suppressed (numerator,
  denominator and value null, ``suppressed`` true); 0 is not suppressed;
* complementary suppression: within one organisation, measure and breakdown dimension (the
  breakdown values of a dimension add up to the organisation's total), when exactly one cell is
  suppressed, the next smallest cell (by numerator, then denominator, then name) is suppressed too, so
  that the total minus the others does not reveal it.  Not done across levels (a PCN's total minus its
  other practices) or across measures: rounding to 5 is what protects those differences;
* every other count is rounded to the nearest 5 (12 -> 10, 13 -> 15; 7 -> 5) and ``value`` is the
  rounded numerator over the rounded denominator.
"""

from __future__ import annotations

from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.cohorts import COHORTS
from pcnhub.analytics.pipeline.segments import SEGMENTS

MEASURES: Final = (
    "efi_moderate_severe",
    "polypharmacy_10plus",
    "qrisk3_10plus",
    *COHORTS,
    *(f"segment_{key}" for key in SEGMENTS),
    "patients",
)
LEVELS: Final = ("practice", "pcn", "icb")
#: Breakdown dimensions ("" is everyone).
DIMENSIONS: Final = ("", "imd_decile", "ethnicity", "age_band", "sex")
SUPPRESS_BELOW: Final = 7
ROUND_TO: Final = 5

SCHEMA: Final = ibis.schema(
    {
        "level": "string",
        "org_code": "string",
        "measure": "string",
        "breakdown": "string",
        "numerator": "int64",
        "denominator": "int64",
        "value": "float64",
        "suppressed": "boolean",
    }
)


def indicators(features: ir.Table) -> dict[str, tuple[ir.BooleanValue, ir.BooleanValue]]:
    """``{measure: (numerator, denominator)}``: per-patient conditions of :data:`MEASURES`."""
    everyone = features.patient_id.notnull()
    found: dict[str, tuple[ir.BooleanValue, ir.BooleanValue]] = {
        "efi_moderate_severe": (
            features.efi_category.isin(["moderate", "severe"]).fill_null(False),
            features.efi_category.notnull(),
        ),
        "polypharmacy_10plus": (features.polypharmacy_10plus, everyone),
        "qrisk3_10plus": ((features.qrisk3 >= 10.0).fill_null(False), features.qrisk3.notnull()),
    }
    for cohort in COHORTS:
        found[cohort] = (features[cohort], everyone)
    for key in SEGMENTS:
        found[f"segment_{key}"] = (features.segment == key, everyone)
    found["patients"] = (everyone, everyone)
    return found


def rounded(count: ir.IntegerValue) -> ir.IntegerValue:
    """``count`` rounded to the nearest 5 (counts are whole and not negative, so there are no ties)."""
    return (((count + ROUND_TO // 2) // ROUND_TO) * ROUND_TO).cast("int64")


def small(count: ir.IntegerValue) -> ir.BooleanValue:
    """A count that disclosure control suppresses: 1 to 6."""
    return (count >= 1) & (count < SUPPRESS_BELOW)


def _breakdowns(features: ir.Table) -> ir.ArrayValue:
    def item(dimension: str, value: ir.StringValue) -> ir.StructValue:
        return ibis.struct({"dimension": ibis.literal(dimension), "breakdown": value})

    return ibis.array([
        item("", ibis.literal("")),
        item("imd_decile", "imd_decile=" + features.imd_decile.cast("string").fill_null("unknown")),
        item("ethnicity", "ethnicity=" + features.ethnicity),
        item("age_band", "age_band=" + features.age_band),
        item("sex", "sex=" + features.sex),
    ])


def cells(features: ir.Table) -> ir.Table:
    """Unrounded counts, wide: ``level, org_code, dimension, breakdown, n_<measure>, d_<measure>``."""
    measures = indicators(features)
    per_patient = features.select(
        "practice_code",
        "pcn_code",
        "icb_code",
        _cell=_breakdowns(features).unnest(),
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


def long_cells(wide: ir.Table) -> ir.Table:
    """Unrounded counts, long: ``level, org_code, dimension, breakdown, measure, numerator, denominator``."""
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
    # patients: the denominator is the organisation's list (the cells of a dimension add up to it)
    org_total = out.numerator.sum().over(group_by=[out.level, out.org_code, out.measure, out.dimension])
    return out.mutate(denominator=ibis.ifelse(out.measure == "patients", org_total, out.denominator).cast("int64"))


def disclosure_control(counts: ir.Table) -> ir.Table:
    """Suppress, complement and round the long counts (see the module docs): the :data:`SCHEMA` columns."""
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


def aggregates(features: ir.Table) -> ir.Table:
    """``aggregates.parquet`` from ``patient_features``: :data:`SCHEMA`."""
    return disclosure_control(long_cells(cells(features)))


def dataset_totals(features: ir.Table) -> ir.Table:
    """One row, ``n_<measure>`` and ``d_<measure>``: the dataset's unrounded counts (for the summary)."""
    measures = indicators(features)
    return features.aggregate(
        **{f"n_{m}": num.cast("int64").sum() for m, (num, _) in measures.items()},
        **{f"d_{m}": den.cast("int64").sum() for m, (_, den) in measures.items()},
    )
