"""What the per-year catalogues (``network_contract/``, ``iif/``) share: reading a year's file and a figure in it."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from pcnhub.domain.money.years import FinancialYear


def year_file(folder: str, year: FinancialYear, what: str, covered: Iterable[FinancialYear],
              hint: str = "") -> tuple[dict[str, Any], str]:
    """The parsed TOML of ``folder/<year>.toml`` and its name for errors (``folder/2023-24.toml``); ValueError
    naming the years ``what`` covers when there is none for ``year``."""
    name = f"{year.slug}.toml"
    path = resources.files("pcnhub.reference").joinpath(folder, name)
    if not path.is_file():
        raise ValueError(f"the {what} has no {year}; it covers {', '.join(y.label for y in covered)}{hint}")
    return tomllib.loads(path.read_text(encoding="utf-8")), f"{folder}/{name}"


def figure(value: Any, where: str, error: type[ValueError]) -> Decimal:
    """A catalogue figure: a finite number of 0 or more (TOML number or numeric text), else ``error`` naming
    ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise error(f"{where}: {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise error(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise error(f"{where}: {value!r} is not a number")
    if number < 0:
        raise error(f"{where}: {value} must be a number of 0 or more (it is negative)")
    return number
