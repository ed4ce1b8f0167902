"""The Cambridge Multimorbidity Score (general outcome weights) and the number of conditions.

Scope: **the published 20-condition general-outcome score** (Payne RA et al., CMAJ 2020;192:E107-14,
whose models "reduced to the 20 conditions with the greatest combined prevalence/weight" predicted as well
as the 37-condition ones), with the weights of ``population-health-facts.md``; "anxiety" counts anxiety or
depression, as in the authors' own open code.  The 37-condition weights were not found in an open source
and are not invented.  :func:`cms_scope` returns the note to show with the score.

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
#: Conditions in the full model of the paper; pcnhub computes its published 20-condition reduction.
FULL_SCORE_CONDITIONS: Final = 37


def cms_scope() -> str:
    """A one-line note on what ``cms_score`` covers, for summaries and reports."""
    n = len(cl.cms_conditions())
    return (
        f"Cambridge Multimorbidity Score, the published {n}-condition general-outcome model (Payne et al., "
        f"CMAJ 2020; not the {FULL_SCORE_CONDITIONS}-condition model, whose weights are not in an open source); "
        "conditions defined by codes only, so scores can differ from the paper's prescription-based rules"
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
