"""The neighbourhood view: each measure broken down by the neighbourhoods of each PCN.

A PCN's neighbourhoods are the lower layer super output areas (LSOAs) its patients live in (``patients.lsoa``, the
area recorded now, for every month; a patient without one is in the neighbourhood "not recorded", null).
:data:`NEIGHBOURHOODS` is ``measure, level, org_code, month, neighbourhood, numerator, denominator, value,
suppressed`` at level ``pcn`` (the PCN's code in ``org_code``), with the disclosure control of the other outputs
(:func:`.inequalities.disclosed`: counts of 1 to 6 suppressed, others rounded to 5): a neighbourhood's counts are
small, so many of its cells are suppressed.  A practice with no PCN in the geography counts for no neighbourhood.

As for the IMD deciles (:mod:`.inequalities`), the engine is not changed: the LSOA is carried in the practice key
(``<practice>~<lsoa>``), :func:`.compile.practice_counts` counts as for any practice, and
:func:`neighbourhood_counts` splits the key again and sums each PCN's practices.
"""

from __future__ import annotations

from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.measures.inequalities import SEPARATOR, disclosed
from pcnhub.analytics.pipeline.portable import exact_sum, int64_sum

LEVEL: Final = "pcn"
NEIGHBOURHOODS: Final = ibis.schema({
    "measure": "string", "level": "string", "org_code": "string", "month": "date", "neighbourhood": "string",
    "numerator": "float64", "denominator": "int64", "value": "float64", "suppressed": "boolean",
})


def by_neighbourhood(patients: ir.Table) -> ir.Table:
    """``patients`` with the LSOA carried in the practice key (``<practice>~<lsoa>``, ``<practice>~`` if unknown)."""
    lsoa = patients.lsoa.fill_null("")
    return patients.mutate(practice_code=patients.practice_code.concat(SEPARATOR, lsoa))


def neighbourhood_counts(practices: ir.Table, geography: ir.Table) -> ir.Table:
    """``measure, level, org_code, month, neighbourhood, numerator, denominator, counted``: each PCN's sums by
    neighbourhood, from practice counts keyed by :func:`by_neighbourhood` (``geography``:
    :func:`.levels.geography_table`)."""
    parts = practices.practice_code.split(SEPARATOR)
    lsoa = parts[1]
    keyed = practices.mutate(_practice=parts[0], neighbourhood=ibis.ifelse(lsoa == "", ibis.null("string"), lsoa))
    joined = keyed.join(geography, keyed._practice == geography.practice_code)
    rows = joined.filter(joined.pcn_code.notnull())
    grouped = rows.group_by(measure=rows.measure, org_code=rows.pcn_code, month=rows.month,
                            neighbourhood=rows.neighbourhood).aggregate(
        numerator=exact_sum(rows.numerator), denominator=exact_sum(rows.denominator),
        counted=int64_sum(rows.counted))
    return grouped.select("measure", ibis.literal(LEVEL).name("level"), "org_code", "month", "neighbourhood",
                          "numerator", "denominator", "counted")


def neighbourhood_values(counts: ir.Table, measures: ir.Table) -> ir.Table:
    """:data:`NEIGHBOURHOODS` from :func:`neighbourhood_counts` (``measures``: :func:`.levels.measure_table`)."""
    return disclosed(counts, measures, "neighbourhood")
