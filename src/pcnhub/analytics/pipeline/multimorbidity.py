"""The Cambridge Multimorbidity Score (general outcome weights) and the number of conditions.

Scope: **20 conditions, not the full 37-condition score** (Payne RA et al., CMAJ 2020;192:E107-14).
pcnhub holds only the 20 general-outcome weights of ``population-health-facts.md`` (the same 20
weights as the open HFAnalyticsLab/Health Foundation CPRD panel code); no open source found gives the
weights of the other 17 conditions, so none are invented.  The score here is therefore lower than or
equal to the full score and is not comparable with published 37-condition values; :func:`cms_scope`
returns the note to show with it.

A condition of :func:`pcnhub.reference.codelists.cms_conditions` (code-only approximations: see the
codelists README) is present when a code of any of its codelists is recorded
on or before ``as_of``.  ``cms_score`` is the sum of the weights of the conditions present;
``condition_count`` is how many there are (so "multimorbidity" is ``condition_count >= 2``).

The weights are summed as whole ten-thousandths and divided at the end, so that every engine returns
the same double whatever order it adds in (0.08 + 0.19 is exactly ``0.27``).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.codes import date, left_join
from pcnhub.reference import codelists as cl

#: Weights are added as integers of this many units per 1.
UNITS: Final = 10_000
#: Conditions in the full published score.
FULL_SCORE_CONDITIONS: Final = 37


def cms_scope() -> str:
    """A one-line note on what ``cms_score`` covers, for summaries and reports."""
    n = len(cl.cms_conditions())
    return (
        f"Cambridge Multimorbidity Score on {n} of {FULL_SCORE_CONDITIONS} conditions (general outcome "
        "weights of population-health-facts.md; code-only definitions); the weights of the other "
        f"{FULL_SCORE_CONDITIONS - n} were not found in an open source, so the score is a partial, lower-bound "
        "version not comparable with the full 37-condition score (Payne et al., CMAJ 2020)"
    )


def condition_table() -> ir.Table:
    """``(code, condition int, units int)``: every code of every CMS condition, with the weight in units."""
    rows = set()
    for number, condition in enumerate(cl.cms_conditions()):
        units = round(condition.weight * UNITS)
        for codelist in condition.codelists:
            rows.update((code, number, units) for code in codelist.codes)
    rows = sorted(rows)
    return memtable(
        {"code": [r[0] for r in rows], "condition": [r[1] for r in rows], "units": [r[2] for r in rows]},
        {"code": "string", "condition": "int32", "units": "int64"},
    )


def cms(population: ir.Table, events: ir.Table, *, as_of: dt.date) -> ir.Table:
    """``patient_id, cms_score double, condition_count int32`` for everyone in ``population``."""
    lists = condition_table()
    recorded = events.filter(events.date <= date(as_of))
    joined = recorded.join(lists, recorded.code == lists.code)
    present = joined.select(joined.patient_id, joined.condition, joined.units).distinct()
    sums = present.group_by("patient_id").aggregate(units=present.units.sum(), conditions=present.condition.count())
    people = population.select("patient_id")
    out = left_join(people, sums)
    return out.select(
        out.patient_id,
        cms_score=out.units.fill_null(0).cast("float64") / UNITS,
        condition_count=out.conditions.fill_null(0).cast("int32"),
    )
