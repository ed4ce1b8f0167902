"""The measures output the IIF page and network money read, kept in the site's cache.

The output is ``PCNHUB_PHM_DIR/measures/measure_values.parquet`` (``pcnhub measures run --out``; the demo
writes it there).  What is read of it (its last month, and every PCN's IIF achievement of a year, one read for
all PCNs) is kept in the site's cache under the file's fingerprint (path, modification time and size,
:func:`pcnhub.analytics.outputs.fingerprint`) and the IIF catalogue of the year as read, so a second request
reads no Parquet and a new output, or a new catalogue, is read afresh.  Network money
(:mod:`pcnhub.finance.services`) counts :func:`earned`, the GBP of the indicators computed, in each PCN's
entitlement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Final

from django.conf import settings

from pcnhub.analytics.outputs import fingerprint as files_fingerprint
from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import iif as service
from pcnhub.reference import iif as reference
from pcnhub.register.services import cached

MEASURES_FOLDER: Final = "measures"
#: The names the IIF's figures are cached under start with this.
IIF_KEY: Final = "iif:"


def measures_folder() -> Path:
    return Path(settings.PCNHUB_PHM_DIR) / MEASURES_FOLDER


def fingerprint(folder: Path | None = None) -> str:
    """The measures output's fingerprint ("" when there is none): what the cached IIF figures depend on."""
    return files_fingerprint(folder or measures_folder(), [service.VALUES_FILE]) or ""


def catalogue(year: FinancialYear) -> d.IIFYear:
    """The IIF catalogue of ``year`` (the one way the pages read it); ValueError for a year the IIF did not run."""
    return reference.iif_year(year)


def catalogue_or_none(year: FinancialYear) -> d.IIFYear | None:
    try:
        return catalogue(year)
    except ValueError:
        return None


def digest(year: FinancialYear) -> str:
    """The year's catalogue as read (a new release of its file gives another digest)."""
    return hashlib.sha256(repr(catalogue_or_none(year)).encode()).hexdigest()[:16]


def _cached(name: str, parts: list, compute, folder: Path):
    """``compute()`` kept under ``name``, ``parts`` and the output's fingerprint; None without an output."""
    found = fingerprint(folder)
    if not found:
        return None
    # kept in a tuple: a result of None is kept too (the cache cannot tell a kept None from a miss)
    (value,) = cached(IIF_KEY + name, [str(folder), parts], lambda: (compute(),), found)
    return value


def last_month(folder: Path | None = None) -> dt.date | None:
    """The last month of the measures output, or None when there is none."""
    folder = folder or measures_folder()
    return _cached("last-month", [], lambda: service.last_month(folder), folder)


def _year(year: FinancialYear, folder: Path) -> dict[str, service.PCNAchievement]:
    chosen = catalogue_or_none(year)
    if chosen is None:
        return {}
    found = {}
    for code, series in service.read_outputs(folder, chosen).items():
        if not any(series.pcn.values()):
            continue
        size = int(series.registered[max(series.registered)]) if series.registered else None
        result = service.achievement(chosen, code, series, list_size=size)
        if result.has_data:
            found[code] = result
    return found


def year_achievements(year: FinancialYear, folder: Path | None = None) -> dict[str, service.PCNAchievement]:
    """Every PCN's IIF achievement of ``year`` in the measures output (PCNs without counts left out)."""
    folder = folder or measures_folder()
    return _cached("year", [year.label, digest(year)], lambda: _year(year, folder), folder) or {}


def pcn_iif(pcn_code: str, year: FinancialYear, folder: Path | None = None) -> service.PCNAchievement | None:
    """The PCN's IIF for the year from the measures output; None when the output has nothing for it."""
    folder = folder or measures_folder()
    return _cached("pcn", [pcn_code, year.label, digest(year)],
                   lambda: year_achievements(year, folder).get(pcn_code), folder)


def earned(year: FinancialYear, folder: Path | None = None) -> dict[str, d.Earned]:
    """What each PCN's entitlement counts of the year's IIF (PCNs with no indicator computed left out)."""
    folder = folder or measures_folder()

    def compute() -> dict[str, d.Earned]:
        found = {code: result.earned for code, result in year_achievements(year, folder).items()}
        return {code: value for code, value in found.items() if value is not None}

    return _cached("earned", [year.label, digest(year)], compute, folder) or {}
