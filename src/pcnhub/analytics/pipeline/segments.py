"""Segmentation into the eight Bridges to Health segments (Lynn et al., Milbank Quarterly 2007).

Every registered patient is in exactly one segment: the rules below are tried in this priority order
and the first that applies wins (the most serious need first; maternity and infancy come before the
long-term conditions because their services are time-limited and specific, as in the open SNEE ICS
segmentation, where "start well" comes second).  Everything is from the record on or before ``as_of``.

1. ``end_of_life`` (short period of decline before dying): a palliative or end of life care code
   (``palliative-care``) in the 12 months before ``as_of``.
2. ``frailty_dementia`` (long-term frailty, including dementia): dementia ever recorded, severe frailty
   by the eFI (65+, score 0.36 or more), or a coded severe frailty (``frailty-severe``).
3. ``organ_failure`` (limited reserve with exacerbations): heart failure or COPD ever recorded.
4. ``stable_disability`` (stable but serious disability): a learning disability, living in a care
   home, or a coded serious disability: activity limitation, housebound, requirement for care or
   mobility problems (the eFI deficit lists ``efi-activity-limitation``, ``efi-housebound``,
   ``efi-care-requirement``, ``efi-mobility-problems``).
5. ``maternal_infant``: under 1 year old, or a pregnancy or antenatal care code (``pregnancy``) in the
   280 days before ``as_of``.
6. ``chronic_normal_function``: one or more long-term conditions: a condition of the Cambridge
   Multimorbidity Score (``condition_count >= 1``), depression or rheumatoid arthritis.
7. ``acutely_ill``: an A&E attendance or an emergency admission starting in the 90 days before ``as_of``.
8. ``healthy``: everyone else.

The coded rules are flags ``seg_*`` (:func:`needs`) of the one pass over ``events`` (:mod:`.flags`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import date, left_join, months_before, with_flags
from pcnhub.analytics.pipeline.flags import Flag

#: The segments in priority order (the first rule that applies wins); the last is the default.
SEGMENTS: Final = (
    "end_of_life",
    "frailty_dementia",
    "organ_failure",
    "stable_disability",
    "maternal_infant",
    "chronic_normal_function",
    "acutely_ill",
    "healthy",
)
PREGNANCY_DAYS: Final = 280
ACUTE_DAYS: Final = 90
DISABILITY_LISTS: Final = ("efi-activity-limitation", "efi-housebound", "efi-care-requirement", "efi-mobility-problems")


FLAGS: Final = ("palliative", "dementia", "coded_severe_frailty", "organ_failure", "learning_disability",
                 "disability", "pregnant", "other_long_term")


def needs(as_of: dt.date) -> dict:
    """The coded rules: a flag ``seg_<name>`` each."""
    flags = {
        "palliative": Flag(("palliative-care",), months_before(as_of, 12)),
        "dementia": Flag(("dementia",)),
        "coded_severe_frailty": Flag(("frailty-severe",)),
        "organ_failure": Flag(("heart-failure", "copd")),
        "learning_disability": Flag(("learning-disability",)),
        "disability": Flag(DISABILITY_LISTS),
        "pregnant": Flag(("pregnancy",), as_of - dt.timedelta(days=PREGNANCY_DAYS)),
        "other_long_term": Flag(("depression", "rheumatoid-arthritis")),
    }
    return {f"seg_{name}": flag for name, flag in flags.items()}


def segment(
    population: ir.Table,
    flags_events: ir.Table,
    hospital: ir.Table,
    frailty: ir.Table,
    multimorbidity: ir.Table,
    *,
    as_of: dt.date,
) -> ir.Table:
    """``patient_id, segment`` for everyone in ``population``."""
    flags = flags_events.select("patient_id", **{name: f"seg_{name}" for name in FLAGS})
    acute_start = as_of - dt.timedelta(days=ACUTE_DAYS)
    recent = hospital.filter(
        hospital.kind.isin(["ae", "emergency_admission"])
        & (hospital.start > date(acute_start))
        & (hospital.start <= date(as_of))
    )
    acute = recent.select("patient_id").distinct().mutate(acute=ibis.literal(True))
    people = with_flags(population.select("patient_id", "age", "care_home"), flags, FLAGS)
    people = with_flags(people, acute, ["acute"])
    joined = left_join(
        people, frailty.select("patient_id", "efi_category"), multimorbidity.select("patient_id", "condition_count")
    )
    rules = (
        joined.palliative,
        joined.dementia | (joined.efi_category.fill_null("") == "severe") | joined.coded_severe_frailty,
        joined.organ_failure,
        joined.learning_disability | joined.care_home | joined.disability,
        (joined.age < 1) | joined.pregnant,
        (joined.condition_count.fill_null(0) >= 1) | joined.other_long_term,
        joined.acute,
    )
    label = ibis.cases(*zip(rules, SEGMENTS[:-1], strict=True), else_=SEGMENTS[-1])
    return joined.select(joined.patient_id, segment=label)
