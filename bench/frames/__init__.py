"""The measures of ``reference/measures/`` written by hand in pandas and in Polars, for ``bench/measures.py``.

Each engine's function reads a dataset folder and returns the practice and PCN sums (``measure, level,
org_code, month, numerator, denominator``; unrounded, every practice with a registered patient that month,
as :func:`pcnhub.analytics.measures.levels.level_counts` before disclosure control) for the months asked
for, month by month (a month's registered patients, their conditions and their counts), the way an analyst
would write them without pcnhub.  The figures of the definitions (codelists, hospital kinds, ages, windows,
thresholds) are read from the same reference files through the loaders (:mod:`.common`), but each measure's
logic is spelled out here (:mod:`.pandas_measures`, :mod:`.polars_measures`), so that the benchmark checks
pcnhub's compiler against an independent reading of the definitions.  Semantics, as the definitions' README:
registered on the month's last day; whole-year ages on that day; "within N months" is
``months_before(end, N) < date <= end`` (ever: up to the end); hospital rows, prescriptions and events
counted in the month they start or are dated; a patient's events of a count on one day count once; an event
``preceded_by`` a code counts when such a code is dated on its day or up to the definition's days before it; a
hospital row of ``diagnoses`` has a primary diagnosis starting with a code of the ICD-10 lists (none: not counted);
a weighted denominator adds each patient's weight for their sex and age band (in no band: nothing), read from
``reference/weights/`` through :mod:`pcnhub.reference.weights`.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import HAND_WRITTEN
from .pandas_measures import pandas_counts
from .polars_measures import polars_counts

ENGINES: dict[str, Callable] = {"pandas": pandas_counts, "polars": polars_counts}

__all__ = ["ENGINES", "HAND_WRITTEN", "pandas_counts", "polars_counts"]
