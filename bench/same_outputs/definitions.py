"""The figures of the outputs (published definitions) and their codes, read through pcnhub's reference loaders."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Final

import pyarrow as pa

#: The output columns and their Arrow types, in order.
OUTPUTS: Final = pa.schema([
    ("patient_id", pa.int64()), ("age", pa.int32()), ("efi_deficits", pa.int32()), ("efi_score", pa.float64()),
    ("efi_category", pa.string()), ("repeat_medicines", pa.int32()), ("polypharmacy_10plus", pa.bool_()),
    ("condition_count", pa.int32()), ("cms_score", pa.float64()),
])

#: eFI (Clegg et al., Age and Ageing 2016): aged 65+; polypharmacy, the 36th deficit, is 5 or more drug
#: classes (BNF chemical substance: the first 9 characters) issued in the 12 months before as_of.
EFI_MIN_AGE: Final = 65
EFI_CLASSES: Final = 5
EFI_WINDOW_MONTHS: Final = 12
DRUG_CLASS_CHARACTERS: Final = 9
#: (lowest score, category), highest first; below the last: fit.
EFI_CATEGORIES: Final = ((0.36, "severe"), (0.24, "moderate"), (0.12, "mild"))
EFI_FIT: Final = "fit"
#: Complex polypharmacy (network contract SMR): 10 or more repeat medicines issued in 6 months.
REPEAT_WINDOW_MONTHS: Final = 6
REPEAT_THRESHOLD: Final = 10
#: CMS weights are added as whole units of 1/10,000 (every tool then divides the same integer).
CMS_UNITS: Final = 10_000


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back ``months`` calendar months, the day clamped to the month's length."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Windows:
    as_of: dt.date
    efi_start: dt.date
    repeat_start: dt.date

    def __post_init__(self) -> None:
        # the tools read prescriptions once, from the earlier start: the repeat window must lie inside the eFI's
        if not self.efi_start <= self.repeat_start <= self.as_of:
            raise ValueError(f"the repeat window ({self.repeat_start}) must start inside the eFI's ({self.efi_start})")


def windows(as_of: dt.date) -> Windows:
    return Windows(as_of, months_before(as_of, EFI_WINDOW_MONTHS), months_before(as_of, REPEAT_WINDOW_MONTHS))


@dataclass(frozen=True)
class Codes:
    """``efi``: (SNOMED CT code, deficit group number); ``cms``: (code, condition number, weight in units).
    ``deficits``: the eFI's denominator, the coded groups and polypharmacy."""

    efi: tuple[tuple[str, int], ...]
    cms: tuple[tuple[str, int, int], ...]
    deficits: int

    def table(self) -> pa.Table:
        """Every code of both as one table ``(code, kind 'efi'|'cms', grp, units)`` (units null for the eFI)."""
        rows = [(code, "efi", group, None) for code, group in self.efi]
        rows += [(code, "cms", condition, units) for code, condition, units in self.cms]
        return pa.table({
            "code": pa.array([r[0] for r in rows], pa.string()), "kind": pa.array([r[1] for r in rows], pa.string()),
            "grp": pa.array([r[2] for r in rows], pa.int32()), "units": pa.array([r[3] for r in rows], pa.int64()),
        })


@functools.cache
def codes() -> Codes:
    """The eFI's 35 coded deficit groups and the CMS conditions with their weights, from pcnhub's codelists."""
    from pcnhub.reference import codelists as cl

    efi: set[tuple[str, int]] = set()
    deficits = cl.efi_deficits()
    for group, codelist in enumerate(deficits):
        _exact_snomed(codelist)
        efi.update((code, group) for code in codelist.codes)
    cms: set[tuple[str, int, int]] = set()
    for number, condition in enumerate(cl.cms_conditions()):
        units = round(condition.weight * CMS_UNITS)
        for codelist in condition.codelists:
            _exact_snomed(codelist)
            cms.update((code, number, units) for code in codelist.codes)
    return Codes(tuple(sorted(efi)), tuple(sorted(cms)), len(deficits) + 1)


def _exact_snomed(codelist) -> None:
    if codelist.system != "snomedct" or codelist.match != "exact":
        raise ValueError(f"codelist {codelist.key}: the hand-written tools match exact SNOMED CT codes only")
