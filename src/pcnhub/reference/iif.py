"""Load the Investment and Impact Fund catalogue (``iif/YYYY-YY.toml``) into :class:`IIFYear`.

Every field is checked; an error names the file and the field (``iif/2024-25.toml indicator 2
(CAN-02) lower: ...``).  See ``iif/README.md`` for what each field means.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, Final

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference import measures
from pcnhub.reference.catalogue_files import figure, year_file

_FOLDER: Final = "iif"
#: The years the IIF ran: it started on 1 October 2020.
FIRST_YEAR: Final = 2020
LAST_YEAR: Final = 2025

_YEAR_FIELDS: Final = {"year", "note", "point_value", "average_list", "total_points", "aspiration", "indicators"}
_FIGURE_FIELDS: Final = {"value", "status", "source", "note", "alternatives"}
_ASPIRATION_FIELDS: Final = {"share", "timing", "status", "source", "note"}
_INDICATOR_REQUIRED: Final = ("id", "name", "status", "source")
_INDICATOR_TEXT: Final = ("description", "domain", "area", "denominator", "exclusions", "service", "measure",
                             "measure_note", "worklist", "note")
_INDICATOR_NUMBERS: Final = ("points", "lower", "upper")
_INDICATOR_FIELDS: Final = (set(_INDICATOR_REQUIRED) | set(_INDICATOR_TEXT) | set(_INDICATOR_NUMBERS)
                            | {"unit", "direction", "prevalence_adjusted", "published_id", "alternatives"})
_ALTERNATIVE_FIELDS: Final = {"value", "source", "note"}


class IIFCatalogueError(ValueError):
    """An IIF catalogue file that cannot be used: names the file and the field."""


def _decimal(value: Any, where: str) -> Decimal:
    return figure(value, where, IIFCatalogueError)


def _text(entry: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str):
        raise IIFCatalogueError(f"{where} {name}: {value!r} is not text")
    if required and not value.strip():
        raise IIFCatalogueError(f"{where}: missing {name}")
    return value


def _status(entry: dict[str, Any], where: str) -> str:
    status = _text(entry, "status", where, required=True)
    if status not in d.STATUSES:
        raise IIFCatalogueError(f"{where} status: {status!r} is not one of {', '.join(d.STATUSES)}")
    return status


def _unknown(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise IIFCatalogueError(f"{where}: unknown fields {', '.join(sorted(unknown))}")


def _alternatives(entries: Any, where: str) -> tuple[d.Alternative, ...]:
    if not isinstance(entries, list):
        raise IIFCatalogueError(f"{where} alternatives: write a list like [{{ value = 20, source = \"...\" }}]")
    out = []
    for number, entry in enumerate(entries, 1):
        here = f"{where} alternative {number}"
        if not isinstance(entry, dict):
            raise IIFCatalogueError(f"{here}: {entry!r} is not a table with value and source")
        _unknown(entry, _ALTERNATIVE_FIELDS, here)
        if "value" not in entry:
            raise IIFCatalogueError(f"{here}: missing value")
        out.append(d.Alternative(_decimal(entry["value"], f"{here} value"),
                                 _text(entry, "source", here, required=True), _text(entry, "note", here)))
    return tuple(out)


def _figure(data: dict[str, Any], name: str, file: str) -> d.Figure:
    where = f"{file} [{name}]"
    entry = data.get(name)
    if not isinstance(entry, dict):
        raise IIFCatalogueError(f"{where}: missing (give status and source, and value where it is known)")
    _unknown(entry, _FIGURE_FIELDS, where)
    status = _status(entry, where)
    value = _decimal(entry["value"], f"{where} value") if "value" in entry else None
    if value is None and status != d.UNCERTAIN:
        raise IIFCatalogueError(f"{where}: no value, so the status must be uncertain (not {status})")
    return d.Figure(value, status, _text(entry, "source", where, required=True), _text(entry, "note", where),
                    _alternatives(entry.get("alternatives", []), where))


def _aspiration(data: dict[str, Any], file: str) -> d.Aspiration:
    where = f"{file} [aspiration]"
    entry = data.get("aspiration")
    if not isinstance(entry, dict):
        raise IIFCatalogueError(f"{where}: missing (give status and source, and share where it is known)")
    _unknown(entry, _ASPIRATION_FIELDS, where)
    share = None
    if "share" in entry:
        share = _decimal(entry["share"], f"{where} share")
        if share > 1:
            raise IIFCatalogueError(f"{where} share: {share} is more than 1 (write 0.7 for 70%)")
    status = _status(entry, where)
    return d.Aspiration(status, _text(entry, "source", where, required=True), share,
                        _text(entry, "timing", where), _text(entry, "note", where))


def _indicator(entry: Any, number: int, file: str) -> d.Indicator:
    if not isinstance(entry, dict):
        raise IIFCatalogueError(f"{file} indicator {number}: {entry!r} is not a table")
    where = f"{file} indicator {number} ({entry.get('id', '?')})"
    _unknown(entry, _INDICATOR_FIELDS, where)
    for name in _INDICATOR_REQUIRED:
        _text(entry, name, where, required=True)
    numbers = {name: _decimal(entry[name], f"{where} {name}") for name in _INDICATOR_NUMBERS if name in entry}
    unit = entry.get("unit", d.PERCENT)
    if unit not in d.UNIT_SCALES:
        raise IIFCatalogueError(f"{where} unit: {unit!r} is not one of {', '.join(d.UNIT_SCALES)}")
    direction = entry.get("direction", d.UP)
    if direction not in d.DIRECTIONS:
        raise IIFCatalogueError(f"{where} direction: {direction!r} is not one of {', '.join(d.DIRECTIONS)}")
    lower, upper = numbers.get("lower"), numbers.get("upper")
    if (lower is None) != (upper is None):
        raise IIFCatalogueError(f"{where}: give both the lower and the upper threshold, or neither")
    if lower is not None and upper is not None:
        if lower == upper:
            raise IIFCatalogueError(f"{where}: the lower and upper thresholds are both {lower}")
        if (direction == d.UP) != (lower < upper):
            side = "below" if direction == d.UP else "above"
            raise IIFCatalogueError(f"{where}: with direction {direction} the lower threshold ({lower}) must be "
                                    f"{side} the upper ({upper})")
        if unit == d.PERCENT and max(lower, upper) > d.UNIT_SCALES[d.PERCENT]:
            raise IIFCatalogueError(f"{where}: a percentage threshold cannot be over 100")
    status = _status(entry, where)
    if len(numbers) < len(_INDICATOR_NUMBERS) and status != d.UNCERTAIN:
        missing = [name for name in _INDICATOR_NUMBERS if name not in numbers]
        raise IIFCatalogueError(f"{where}: {', '.join(missing)} not known, so the status must be uncertain")
    prevalence = entry.get("prevalence_adjusted")
    if prevalence is not None and not isinstance(prevalence, bool):
        raise IIFCatalogueError(f"{where} prevalence_adjusted: {prevalence!r} is not true or false")
    published = entry.get("published_id", True)
    if not isinstance(published, bool):
        raise IIFCatalogueError(f"{where} published_id: {published!r} is not true or false")
    alternatives_entry = entry.get("alternatives", {})
    if not isinstance(alternatives_entry, dict):
        raise IIFCatalogueError(f"{where} alternatives: write a table like {{ lower = [{{ value = 1.2, source = \"...\" }}] }}")
    _unknown(alternatives_entry, set(_INDICATOR_NUMBERS), f"{where} alternatives")
    alternatives = {name: _alternatives(values, f"{where} alternatives.{name}")
                    for name, values in alternatives_entry.items()}
    text = {name: _text(entry, name, where) for name in _INDICATOR_TEXT}
    _measure_link(text, where)
    return d.Indicator(id=entry["id"], name=entry["name"], status=status, source=entry["source"],
                       unit=unit, direction=direction, prevalence_adjusted=prevalence, published_id=published,
                       alternatives=alternatives, **numbers, **text)


def _measure_link(text: dict[str, str], where: str) -> None:
    """An indicator names the measure that computes it, or says why the patient data cannot."""
    measure_id = text["measure"].strip()
    if not measure_id and not text["measure_note"].strip():
        raise IIFCatalogueError(f"{where}: give measure (the measure's id) or measure_note (why the patient data "
                                "cannot express it)")
    if measure_id:
        try:
            measures.measure(measure_id)
        except (KeyError, ValueError) as err:
            raise IIFCatalogueError(f"{where} measure: {err}") from None
    elif text["worklist"].strip():
        raise IIFCatalogueError(f"{where} worklist: only an indicator with a measure has a worklist")


def parse_year(data: dict[str, Any], file: str) -> d.IIFYear:
    """Validate one year's IIF catalogue (as read from TOML) and build :class:`IIFYear`."""
    try:
        year = FinancialYear.parse(data["year"])
    except (KeyError, ValueError) as err:
        raise IIFCatalogueError(f"{file}: the file needs a year like \"2024/25\" ({err})") from None
    _unknown(data, _YEAR_FIELDS, file)
    indicators_data = data.get("indicators")
    if not isinstance(indicators_data, list) or not indicators_data:
        raise IIFCatalogueError(f"{file}: no [[indicators]]")
    indicators = tuple(_indicator(entry, number, file) for number, entry in enumerate(indicators_data, 1))
    seen: set[str] = set()
    for indicator in indicators:
        if indicator.id.upper() in seen:
            raise IIFCatalogueError(f"{file}: the indicator {indicator.id!r} appears twice")
        seen.add(indicator.id.upper())
    total = _figure(data, "total_points", file)
    points = [i.points for i in indicators]
    if total.value is not None and None not in points and sum(points) != total.value:  # type: ignore[arg-type]
        raise IIFCatalogueError(f"{file} [total_points]: {total.value} is not the sum of the indicators' points "
                                f"({sum(points)})")  # type: ignore[arg-type]
    note = data.get("note", "")
    if not isinstance(note, str):
        raise IIFCatalogueError(f"{file} note: {note!r} is not text")
    return d.IIFYear(year, _figure(data, "point_value", file), _figure(data, "average_list", file), total,
                     _aspiration(data, file), indicators, note, file)


def catalogue_years() -> list[FinancialYear]:
    return [FinancialYear(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)]


@functools.cache
def iif_year(year: FinancialYear) -> d.IIFYear:
    """The IIF catalogue of one financial year; ValueError if the catalogue does not cover it."""
    data, file = year_file(_FOLDER, year, "IIF catalogue", catalogue_years(), " (the IIF began in October 2020)")
    catalogue = parse_year(data, file)
    if catalogue.year != year:
        raise IIFCatalogueError(f"{file}: says year {catalogue.year}, expected {year}")
    return catalogue


def all_years() -> list[d.IIFYear]:
    return [iif_year(year) for year in catalogue_years()]


def changed() -> float:
    """When a catalogue file last changed (seconds since the epoch, the newest file's)."""
    import os
    from importlib import resources

    folder = resources.files("pcnhub.reference").joinpath(_FOLDER)
    return max(os.stat(str(entry)).st_mtime for entry in folder.iterdir() if entry.name.endswith(".toml"))
