"""Values typed on the command line, checked once for every ``pcnhub`` command."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(flag: str, value: str | dt.date, example: str = "") -> dt.date:
    """``value`` as a date written YYYY-MM-DD; ValueError naming ``flag`` otherwise."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    hint = f", e.g. {example}" if example else ""
    raise ValueError(f"{flag}: {value!r} is not a date (expected YYYY-MM-DD{hint})")
