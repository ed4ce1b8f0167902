"""The Electronic Frailty Index (eFI; Clegg et al., Age and Ageing 2016) of people aged 65 and over.

36 deficits: the 35 coded deficit groups of :func:`pcnhub.reference.codelists.efi_deficits` (a group
counts once, when any of its codes is recorded on or before ``as_of``, at any time before: the eFI
counts deficits ever recorded) and polypharmacy, present when 5 or more distinct drug classes were
prescribed (repeat or acute) in the 12 months before ``as_of``.  A drug class is a BNF chemical
substance, the first 9 characters of the BNF code (as :func:`pcnhub.analytics.prevalence.efi_distribution`).

``efi_score = efi_deficits / 36`` and the categories are those of the eFI: fit below 0.12, mild
0.12 to below 0.24, moderate 0.24 to below 0.36, severe 0.36 and over; in deficits: 0-4 fit, 5-8
mild, 9-12 moderate, 13 or more severe.  People under 65 get no score (the step returns rows for
people aged 65+ only; :mod:`.features` leaves the others null).

As published, a code in two groups counts for both (e.g. housebound is also a mobility problem).

The deficit groups and the drug classes are requirements (:func:`needs`) of the one pass over the record
(:mod:`.flags`): ``efi_groups`` and ``efi_classes`` of ``flags_events`` and ``flags_medications``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import left_join, months_before
from pcnhub.analytics.pipeline.flags import DistinctClasses, DistinctKeys
from pcnhub.reference import codelists as cl

DEFICITS: Final = 36
MIN_AGE: Final = 65
POLYPHARMACY_CLASSES: Final = 5
DRUG_CLASS_CHARACTERS: Final = 9
#: (category, lower bound of the score): fit below 0.12, mild below 0.24, moderate below 0.36, severe.
CATEGORIES: Final = (("fit", 0.0), ("mild", 0.12), ("moderate", 0.24), ("severe", 0.36))


def category(score: ir.FloatingValue) -> ir.StringValue:
    """The eFI category of a score."""
    return ibis.cases(
        (score >= CATEGORIES[3][1], CATEGORIES[3][0]),
        (score >= CATEGORIES[2][1], CATEGORIES[2][0]),
        (score >= CATEGORIES[1][1], CATEGORIES[1][0]),
        else_=CATEGORIES[0][0],
    )


def needs(as_of: dt.date) -> dict:
    """What the eFI needs from the record: the deficit groups recorded and the drug classes of 12 months."""
    return {
        "efi_groups": DistinctKeys(tuple(c.key for c in cl.efi_deficits())),
        "efi_classes": DistinctClasses(months_before(as_of, 12), DRUG_CLASS_CHARACTERS),
    }


def efi(population: ir.Table, flags_events: ir.Table, flags_medications: ir.Table) -> ir.Table:
    """``patient_id, efi_deficits int32, efi_polypharmacy bool, efi_score double, efi_category string``
    for the people aged 65+ of ``population``, from the one-pass tables of :mod:`.flags`."""
    older = population.filter(population.age >= MIN_AGE).select("patient_id")
    joined = left_join(older, flags_events.select("patient_id", coded="efi_groups"),
                       flags_medications.select("patient_id", classes="efi_classes"))
    poly = joined.classes.fill_null(0) >= POLYPHARMACY_CLASSES
    deficits = (joined.coded.fill_null(0) + poly.cast("int32")).cast("int32")
    result = joined.select(
        joined.patient_id, efi_deficits=deficits, efi_polypharmacy=poly
    )
    score = result.efi_deficits.cast("float64") / DEFICITS
    return result.mutate(efi_score=score, efi_category=category(score))
