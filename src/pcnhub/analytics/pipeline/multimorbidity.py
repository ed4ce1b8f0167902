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

Each condition is a flag ``cms_<n>`` (:func:`needs`) of the one pass over ``events`` (:mod:`.flags`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis.expr.types as ir

import ibis

from pcnhub.analytics.pipeline.codes import left_join
from pcnhub.analytics.pipeline.flags import Flag
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


def needs(as_of: dt.date) -> dict:
    """A flag per condition, ``cms_0``, ``cms_1``, ...: a code of any of its codelists ever recorded."""
    return {f"cms_{number}": Flag(tuple(codelist.key for codelist in condition.codelists))
            for number, condition in enumerate(cl.cms_conditions())}


def cms(population: ir.Table, flags_events: ir.Table) -> ir.Table:
    """``patient_id, cms_score double, condition_count int32`` for everyone in ``population``."""
    conditions = cl.cms_conditions()
    names = [f"cms_{number}" for number in range(len(conditions))]
    people = population.select("patient_id")
    out = left_join(people, flags_events.select("patient_id", *names))
    present = [out[name].fill_null(False) for name in names]
    units = ibis.literal(0, "int64")
    count = ibis.literal(0, "int32")
    for flag, condition in zip(present, conditions, strict=True):
        units = units + ibis.ifelse(flag, round(condition.weight * UNITS), 0).cast("int64")
        count = count + flag.cast("int32")
    return out.select(
        out.patient_id,
        cms_score=units.cast("float64") / UNITS,
        condition_count=count.cast("int32"),
    )
