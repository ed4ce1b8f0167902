"""The inequalities view: each measure broken down by the patients' Index of Multiple Deprivation decile.

The output shape is the measure values' with one more dimension, ``imd_decile`` (1 most deprived to 10 least;
0 where the patient's decile is not recorded), at the levels where a decile still holds enough patients to
show: PCN, sub-ICB, ICB and England (not practices: a practice's patients in one decile are too few).
:data:`INEQUALITIES` is ``measure, level, org_code, month, imd_decile, numerator, denominator, value,
suppressed``, with the measures' disclosure control (counts of 1 to 6 suppressed, others rounded to 5; a
summed numerator rounded to the penny; a weighted denominator as in :mod:`.levels`) and the value the
rounded numerator over the rounded denominator times the unit's multiplier, as in :data:`.levels.VALUES`.

The engine is not changed for it: the decile is carried in the practice key (``practice_code`` becomes
``<practice>~<decile>`` in the patients table), :func:`.compile.practice_counts` counts as for any
practice, and :func:`decile_counts` splits the key again and sums to each level.  A patient's decile is
the one recorded now (``patients.imd_decile``) for every month.
"""

from __future__ import annotations

from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.measures.levels import ENGLAND, definitions, hidden_counts, named
from pcnhub.analytics.pipeline.aggregates import rounded
from pcnhub.analytics.pipeline.portable import exact_sum, int64_sum

SEPARATOR: Final = "~"
UNKNOWN: Final = 0
LEVELS: Final = ("pcn", "sub_icb", "icb", "england")
INEQUALITIES: Final = ibis.schema({
    "measure": "string", "level": "string", "org_code": "string", "month": "date", "imd_decile": "int64",
    "numerator": "float64", "denominator": "int64", "value": "float64", "suppressed": "boolean",
})


def by_decile(patients: ir.Table) -> ir.Table:
    """``patients`` with the decile carried in the practice key (``<practice>~<decile>``, 0 if unknown)."""
    decile = patients.imd_decile.cast("int64").fill_null(UNKNOWN).cast("string")
    return patients.mutate(practice_code=patients.practice_code.concat(SEPARATOR, decile))


def decile_counts(practices: ir.Table, geography: ir.Table) -> ir.Table:
    """``measure, level, org_code, month, imd_decile, numerator, denominator, counted`` at :data:`LEVELS` from
    practice counts keyed by :func:`by_decile` (``geography``: :func:`.levels.geography_table`)."""
    parts = practices.practice_code.split(SEPARATOR)
    keyed = practices.mutate(_practice=parts[0], imd_decile=parts[1].cast("int64"))
    joined = keyed.left_join(geography, keyed._practice == geography.practice_code)
    rows = joined.select(keyed.measure, keyed.month, keyed.imd_decile, keyed.numerator, keyed.denominator,
                         keyed.counted, joined.pcn_code, joined.sub_icb_code, joined.icb_code)
    found = []
    for level, column in (("pcn", "pcn_code"), ("sub_icb", "sub_icb_code"), ("icb", "icb_code"), ("england", None)):
        chosen = rows if column is None else rows.filter(rows[column].notnull())
        org = ibis.literal(ENGLAND) if column is None else chosen[column]
        grouped = chosen.group_by(measure=chosen.measure, org_code=org, month=chosen.month,
                                  imd_decile=chosen.imd_decile).aggregate(
            numerator=exact_sum(chosen.numerator), denominator=exact_sum(chosen.denominator),
            counted=int64_sum(chosen.counted))
        found.append(grouped.select("measure", ibis.literal(level).name("level"), "org_code", "month", "imd_decile",
                                    "numerator", "denominator", "counted"))
    return ibis.union(*found)


def decile_values(counts: ir.Table, measures: ir.Table) -> ir.Table:
    """:data:`INEQUALITIES` from :func:`decile_counts` (``measures``: :func:`.levels.measure_table`)."""
    return disclosed(counts, measures, "imd_decile")


def disclosed(counts: ir.Table, measures: ir.Table, key: str) -> ir.Table:
    """``measure, level, org_code, month, <key>, numerator, denominator, value, suppressed`` from counts broken down
    by ``key``, with the measures' disclosure control: a count of 1 to 6 suppressed (numerator, denominator and
    value null), others rounded to 5; a summed numerator rounded to the penny, only its denominator checked; the
    value the rounded numerator over the rounded denominator times the unit's multiplier."""
    counts = counts.filter(counts.denominator > 0)
    rows = counts.join(definitions(measures), "measure")
    count_numerator = rows.numerator.round().cast("int64")
    suppressed = hidden_counts(rows)
    denominator = rounded(rows.denominator.round().cast("int64"))
    numerator = ibis.ifelse(rows.summed, rows.numerator.round(2), rounded(count_numerator).cast("float64"))
    value = numerator / denominator.cast("float64") * rows.multiplier
    null = ibis.null("float64")
    return named(rows.select(
        "measure", "level", "org_code", "month", key,
        numerator=ibis.ifelse(suppressed, null, numerator),
        denominator=ibis.ifelse(suppressed, ibis.null("int64"), denominator),
        value=ibis.ifelse(suppressed | (denominator == 0), null, value),
        suppressed=suppressed,
    ), measures)
