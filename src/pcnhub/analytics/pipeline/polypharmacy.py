"""Polypharmacy: the number of distinct repeat medicines, and 10 or more flagged.

``repeat_medicines`` counts the distinct dm+d products (``medications.code``) issued on repeat in the
6 months before ``as_of`` (``as_of - 6 months < date <= as_of``); acute issues do not count.  Ten or
more is complex polypharmacy (``polypharmacy_10plus``), a structured medication review target of the
network contract.  Every patient of the population gets a row (0 and false when none).

The count is the requirement ``repeat_medicines`` (:func:`needs`) of the one pass over ``medications``
(:mod:`.flags`).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import left_join, months_before
from pcnhub.analytics.pipeline.flags import DistinctMedicines

WINDOW_MONTHS: Final = 6
THRESHOLD: Final = 10


def needs(as_of: dt.date) -> dict:
    """The distinct repeat medicines of the 6 months before ``as_of``."""
    return {"repeat_medicines": DistinctMedicines(months_before(as_of, WINDOW_MONTHS), repeat=True)}


def repeat_medicines(population: ir.Table, flags_medications: ir.Table) -> ir.Table:
    """``patient_id, repeat_medicines int32, polypharmacy_10plus bool`` for everyone in ``population``."""
    people = population.select("patient_id")
    joined = left_join(people, flags_medications.select("patient_id", medicines="repeat_medicines"))
    medicines = joined.medicines.fill_null(0).cast("int32")
    return joined.select(joined.patient_id, repeat_medicines=medicines, polypharmacy_10plus=medicines >= THRESHOLD)
