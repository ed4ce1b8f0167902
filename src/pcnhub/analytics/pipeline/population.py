"""The registered population on ``as_of``: who the pipeline counts, with age and age band.

A patient is registered on ``as_of`` when ``registered_from <= as_of`` and ``registered_to`` is null
or after ``as_of`` (with ``as_of`` the extract date this is "``registered_to IS NULL``": everyone who
left has a ``registered_to`` before the extract), and was born by then.  Age is in completed years:
birth dates are the first of the birth month, so the age is the number of whole months from
``birth_month`` to ``as_of``, divided by 12 and rounded down.  Age bands are five-year bands
``"0-4"``, ``"5-9"``, ..., ``"85-89"`` and ``"90+"``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.codes import date

#: The age bands, youngest first; the last is open.
AGE_BANDS: Final = tuple(f"{low}-{low + 4}" for low in range(0, 90, 5)) + ("90+",)


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The five-year age band of an age in completed years."""
    branches = [(age < low + 5, f"{low}-{low + 4}") for low in range(0, 90, 5)]
    return ibis.cases(*branches, else_="90+")


def registered(patients: ir.Table, *, as_of: dt.date) -> ir.Table:
    """``patient_id, practice_code, sex, ethnicity, imd_decile, townsend, care_home, age, age_band``."""
    day = date(as_of)
    on_list = patients.filter(
        (patients.registered_from <= day)
        & (patients.registered_to.isnull() | (patients.registered_to > day))
        & (patients.birth_month <= day)
    )
    months = (as_of.year * 12 + as_of.month) - (on_list.birth_month.year() * 12 + on_list.birth_month.month())
    age = (months // 12).cast("int32")
    people = on_list.select(
        "patient_id", "practice_code", "sex", "ethnicity", "imd_decile", "townsend", "care_home", age=age
    )
    return people.mutate(age_band=age_band(people.age))
