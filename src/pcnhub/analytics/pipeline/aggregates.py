"""Counts by practice, PCN and ICB, with breakdowns and disclosure control: ``aggregates.parquet``.

Measures (:data:`MEASURES`), each a numerator and a denominator of registered patients:

* ``efi_moderate_severe``: moderate or severe frailty by the eFI, of people aged 65+;
* ``polypharmacy_10plus``: 10 or more repeat medicines, of everyone;
* ``qrisk3_10plus``: QRISK3 10% or more, of people with a QRISK3 score (25-84, no CVD, not on a statin);
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

The work follows the output (issue 18): one aggregation of the patients (each in its cell of every
dimension) by practice, every count once however many measures share it, and one of the practices by
organisation; every measure is then controlled side by side in one wide row per organisation and
breakdown (complementary suppression by one aggregation of the groups and one join back, no window), and
only the last projection makes one row per measure.
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


def counted(features: ir.Table) -> tuple[dict[str, ir.IntegerValue], dict[str, tuple[str, str]]]:
    """The per-patient 0/1 columns to add up, each condition once (most measures share the denominator
    "everyone"), and ``{measure: (numerator column, denominator column)}``."""
    columns: dict[str, ir.IntegerValue] = {}
    pairs: dict[str, tuple[str, str]] = {}
    for measure, conditions in indicators(features).items():
        names = []
        for prefix, condition in zip(("n", "d"), conditions, strict=True):
            value = condition.cast("int64")
            name = next((name for name, found in columns.items() if found.equals(value)), None)
            if name is None:
                name = f"{prefix}_{measure}"
                columns[name] = value
            names.append(name)
        pairs[measure] = (names[0], names[1])
    return columns, pairs


def _breakdowns(features: ir.Table) -> ir.ArrayValue:
    """Each patient's cell in every dimension of :data:`DIMENSIONS`: ``[{dimension, breakdown}, ...]``."""

    def item(dimension: str, value: ir.StringValue) -> ir.StructValue:
        return ibis.struct({"dimension": ibis.literal(dimension), "breakdown": value})

    return ibis.array([
        item("", ibis.literal("")),
        item("imd_decile", "imd_decile=" + features.imd_decile.cast("string").fill_null("unknown")),
        item("ethnicity", "ethnicity=" + features.ethnicity),
        item("age_band", "age_band=" + features.age_band),
        item("sex", "sex=" + features.sex),
    ])


def _organisations(practice: ir.Table) -> ir.ArrayValue:
    """Each practice row's organisation at every level of :data:`LEVELS`: ``[{level, org_code}, ...]``."""
    columns = {"practice": practice.practice_code, "pcn": practice.pcn_code, "icb": practice.icb_code}
    return ibis.array([ibis.struct({"level": ibis.literal(level), "org_code": columns[level]}) for level in LEVELS])


def cells(features: ir.Table) -> ir.Table:
    """Unrounded counts, wide: ``level, org_code, dimension, breakdown`` and the columns of :func:`counted`.

    A chain with no part used twice (Spark computes a shared part once for each use): each patient in its
    cell of every dimension, added up by practice; each practice row at its practice, PCN and ICB (those it
    has), added up by organisation."""
    columns, _ = counted(features)
    keys = ("practice_code", "pcn_code", "icb_code")
    per_patient = features.select(*keys, _cell=_breakdowns(features).unnest(), **columns)
    practice = per_patient.group_by(
        *keys, dimension=per_patient._cell.dimension, breakdown=per_patient._cell.breakdown
    ).aggregate(**{name: per_patient[name].sum() for name in columns})
    per_level = practice.select("dimension", "breakdown", *columns, _org=_organisations(practice).unnest())
    per_level = per_level.filter(per_level._org.org_code.notnull())
    return per_level.group_by(
        level=per_level._org.level, org_code=per_level._org.org_code, dimension=per_level.dimension,
        breakdown=per_level.breakdown,
    ).aggregate(**{name: per_level[name].sum() for name in columns})


def _suppressed(counts: ir.Table, keys: list[str], pairs: dict[str, tuple[str, str]]) -> ir.Table:
    """``counts`` with ``_suppressed_<tag>`` for each ``tag: (numerator column, denominator column)`` of ``pairs``:
    primary or complementary suppression (module docs) within the groups of ``keys`` (one organisation and
    breakdown dimension, and the measure when it is a key), among the cells whose denominator is above 0.

    One aggregation of the groups and one join back, for every measure at once: the number of cells suppressed
    for their own counts and the smallest other cell ``(numerator, denominator, breakdown)``."""
    primary = {tag: small(counts[n]) | small(counts[d]) for tag, (n, d) in pairs.items()}
    groups = counts.group_by(*keys).aggregate(
        **{f"_primary_{tag}": ((counts[d] > 0) & primary[tag]).cast("int64").sum() for tag, (_, d) in pairs.items()},
        **{
            f"_next_{tag}": ibis.struct({"n": counts[n], "d": counts[d], "b": counts.breakdown}).min(
                where=(counts[d] > 0) & ~primary[tag]
            )
            for tag, (n, d) in pairs.items()
        },
    )
    joined = counts.join(groups, keys)
    flags = {}
    for tag, (n, d) in pairs.items():
        nearest = joined[f"_next_{tag}"]
        secondary = (
            (joined.dimension != "")
            & (joined[f"_primary_{tag}"] == 1)
            & (joined[n] == nearest.n)
            & (joined[d] == nearest.d)
            # breakdowns are never null in a valid dataset; if one were, it would sort last, as DuckDB's window did
            & joined.breakdown.identical_to(nearest.b)
        )
        flags[f"_suppressed_{tag}"] = (small(joined[n]) | small(joined[d])) | secondary.fill_null(False)
    return joined.select(*counts.columns, **flags)


def _published(counts: ir.Table, tag: str, numerator: str, denominator: str) -> dict[str, ir.Value]:
    """The :data:`SCHEMA` values of one measure's cell: rounded counts and value, or nulls when suppressed."""
    suppressed = counts[f"_suppressed_{tag}"]
    rounded_numerator, rounded_denominator = rounded(counts[numerator]), rounded(counts[denominator])
    value = ibis.ifelse(
        rounded_denominator > 0,
        rounded_numerator.cast("float64") / rounded_denominator.cast("float64"),
        ibis.null("float64"),
    )
    null_int = ibis.null("int64")
    return {
        "numerator": ibis.ifelse(suppressed, null_int, rounded_numerator),
        "denominator": ibis.ifelse(suppressed, null_int, rounded_denominator),
        "value": ibis.ifelse(suppressed, ibis.null("float64"), value),
        "suppressed": suppressed,
    }


def disclosure_control(counts: ir.Table) -> ir.Table:
    """Suppress, complement and round long counts (``level, org_code, measure, dimension, breakdown, numerator,
    denominator``; see the module docs): the :data:`SCHEMA` columns, cells with a denominator of 0 left out."""
    controlled = _suppressed(
        counts, ["level", "org_code", "measure", "dimension"], {"cell": ("numerator", "denominator")}
    )
    controlled = controlled.filter(controlled.denominator > 0)
    return controlled.select(
        "level", "org_code", "measure", "breakdown", **_published(controlled, "cell", "numerator", "denominator")
    )


def aggregates(features: ir.Table) -> ir.Table:
    """``aggregates.parquet`` from ``patient_features``: :data:`SCHEMA`.

    Every measure is counted and controlled side by side in one wide row per organisation and breakdown
    (:func:`cells`), and only the last projection turns each wide row into one row per measure."""
    wide = cells(features)
    _, pairs = counted(features)
    # patients: the denominator is the organisation's list (the cells of every dimension add up to it)
    numerator = pairs["patients"][0]
    lists = wide.filter(wide.dimension == "").select("level", "org_code", _list=wide[numerator])
    wide = wide.join(lists, ["level", "org_code"])
    pairs["patients"] = (numerator, "_list")
    controlled = _suppressed(wide, ["level", "org_code", "dimension"], pairs)
    array = ibis.array([
        ibis.struct({
            "measure": ibis.literal(m),
            "_kept": controlled[pairs[m][1]] > 0,
            **_published(controlled, m, *pairs[m]),
        })
        for m in MEASURES
    ])
    long = controlled.select("level", "org_code", "breakdown", _cell=array.unnest())
    long = long.filter(long._cell._kept)
    return long.select(
        "level", "org_code", measure=long._cell.measure, breakdown=long.breakdown,
        **{name: long._cell[name] for name in ("numerator", "denominator", "value", "suppressed")},
    )


def dataset_totals(features: ir.Table) -> ir.Table:
    """One row, ``n_<measure>`` and ``d_<measure>``: the dataset's unrounded counts (for the summary)."""
    measures = indicators(features)
    return features.aggregate(
        **{f"n_{m}": num.cast("int64").sum() for m, (num, _) in measures.items()},
        **{f"d_{m}": den.cast("int64").sum() for m, (_, den) in measures.items()},
    )
