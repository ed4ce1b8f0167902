"""FHIR search parameters as the R4 specification defines them, parsed into plain values.

* token (``identifier=system|value``, ``value``, ``|value`` for no system, ``system|`` for any value);
* string (``name=Ab``: starts with, ignoring case and accents the database ignores; ``name:exact=``,
  ``name:contains=``);
* reference (``partof=Organization/F81075``, ``partof=F81075`` or an absolute URL ending so);
* date (``period=ge2022-04-01``, ``_lastUpdated=gt2026-12-01T10:00:00Z``): a prefix (eq, ne, gt, lt, ge,
  le, sa, eb; default eq) and a date of year, month, day or instant precision, which stands for the range
  it covers (``2022`` is the whole of 2022).  A target with a range (a period, or one day) is compared
  range to range as R4 says: ``eq`` the search range contains the target's, ``ne`` it does not, ``gt`` /
  ``ge`` the target's range reaches after / from the search value, ``lt`` / ``le`` before / up to it,
  ``sa`` starts after it, ``eb`` ends before it.

A value that cannot be read is a :class:`FhirError` (400) naming the parameter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

#: Instants are compared in UTC; a date without a time covers its day in UTC.
UTC: Final = dt.timezone.utc
#: The last year a date may have (so that the day after any date can still be counted).
LAST_YEAR: Final = 9998
#: A FHIR id.
ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
PREFIXES: Final = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
_DATE: Final = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class FhirError(Exception):
    """A request FHIR answers with an OperationOutcome: ``status`` (400, 403, 404, 405, 406),
    ``code`` (the IssueType: invalid, forbidden, not-found, not-supported, ...) and what went wrong."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics


def invalid(parameter: str, why: str) -> FhirError:
    return FhirError(400, "invalid", f"{parameter}: {why}")


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system; "": no system
    value: str | None  # None: any value


def token(parameter: str, text: str) -> Token:
    if not text:
        raise invalid(parameter, "a token needs a value, system|value or system|")
    if "|" not in text:
        return Token(None, text)
    system, value = text.split("|", 1)
    if not system and not value:
        raise invalid(parameter, "'|' alone names neither a system nor a value")
    return Token(system, value or None)


@dataclass(frozen=True)
class Text:
    value: str
    how: str  # "starts", "exact" or "contains"


def string(parameter: str, modifier: str | None, text: str) -> Text:
    how = {None: "starts", "exact": "exact", "contains": "contains"}.get(modifier)
    if how is None:
        raise invalid(f"{parameter}:{modifier}", "the modifiers of a string are :exact and :contains")
    if not text.strip():
        raise invalid(parameter, "the text to search for is blank")
    return Text(text if how == "exact" else text.strip(), how)


def reference(parameter: str, text: str, resource_type: str) -> str:
    """The id a reference names: ``Type/id``, ``id`` or an absolute URL ending in ``Type/id``."""
    text = text.strip()
    if "/" in text:
        parts = text.rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] != resource_type:
            raise invalid(parameter, f"expected {resource_type}/id or id, not {text!r}")
        text = parts[-1]
    if not ID.fullmatch(text):
        raise invalid(parameter, f"{text!r} is not a FHIR id")
    return text


@dataclass(frozen=True)
class DateRange:
    """The half-open range ``[start, end)`` a date search value covers, with its prefix."""

    prefix: str
    start: dt.datetime
    end: dt.datetime


def date_value(parameter: str, text: str) -> DateRange:
    prefix, value = ("eq", text)
    if text[:2] in PREFIXES and not text[:2].isdigit():
        prefix, value = text[:2], text[2:]
    found = _DATE.match(value)
    if not found:
        raise invalid(parameter, f"{value!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or an instant), "
                                 f"after an optional prefix ({', '.join(PREFIXES)})")
    parts = found.groupdict()
    if not 1 <= int(parts["year"]) <= LAST_YEAR:
        raise invalid(parameter, f"{value!r}: the year must be 0001 to {LAST_YEAR}")
    try:
        start, end = _range(parts)
    except (ValueError, OverflowError) as error:
        raise invalid(parameter, f"{value!r} is not a date ({error})") from None
    return DateRange(prefix, start, end)


def _range(parts: dict) -> tuple[dt.datetime, dt.datetime]:
    year = int(parts["year"])
    if parts["month"] is None:
        return dt.datetime(year, 1, 1, tzinfo=UTC), dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    month = int(parts["month"])
    if parts["day"] is None:
        first = dt.datetime(year, month, 1, tzinfo=UTC)
        return first, first + dt.timedelta(days=calendar.monthrange(year, month)[1])
    day = dt.datetime(year, month, int(parts["day"]), tzinfo=UTC)
    if parts["hour"] is None:
        return day, day + dt.timedelta(days=1)
    if parts["zone"] is None:
        raise ValueError("a time needs a time zone, Z or +hh:mm")
    zone = UTC if parts["zone"] == "Z" else dt.datetime.strptime(parts["zone"], "%z").tzinfo
    fraction = (parts["fraction"] or "").ljust(6, "0")
    moment = dt.datetime(year, month, int(parts["day"]), int(parts["hour"]), int(parts["minute"]),
                         int(parts["second"] or 0), int(fraction or 0), tzinfo=zone).astimezone(UTC)
    step = dt.timedelta(microseconds=1) if parts["fraction"] else dt.timedelta(seconds=1)
    if parts["second"] is None:
        step = dt.timedelta(minutes=1)
    return moment, moment + step


def day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants of a calendar day (UTC), as a date value of day precision covers."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + dt.timedelta(days=1)


def matches(search: DateRange, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Whether a target covering ``[start, end)`` (None: open on that side) meets the search value, in Python
    (the stores translate the same rule into their queries: :func:`bounds`)."""
    low = start if start is not None else dt.datetime.min.replace(tzinfo=UTC)
    high = end if end is not None else dt.datetime.max.replace(tzinfo=UTC)
    if search.prefix == "eq":
        return search.start <= low and high <= search.end
    if search.prefix == "ne":
        return not (search.start <= low and high <= search.end)
    if search.prefix == "gt":
        return high > search.end
    if search.prefix == "ge":
        return high > search.start
    if search.prefix == "lt":
        return low < search.start
    if search.prefix == "le":
        return low < search.end
    if search.prefix == "sa":
        return low >= search.end
    return high <= search.start  # eb


def bounds(search: DateRange) -> list[tuple[str, str, dt.datetime]]:
    """The rule of :func:`matches` as conditions on the target's ``start`` and ``end`` (``end`` exclusive; a
    missing start or end is open): ``[(side, operator, instant)]``, all to hold (``ne``: see :func:`matches`,
    which the callers use for it).  ``side`` is "start" or "end"; the operators are ``>=``, ``>``, ``<=``,
    ``<``; a missing side counts as meeting a condition that an open range would meet."""
    if search.prefix == "eq":
        return [("start", ">=", search.start), ("end", "<=", search.end)]
    if search.prefix == "gt":
        return [("end", ">", search.end)]
    if search.prefix == "ge":
        return [("end", ">", search.start)]
    if search.prefix == "lt":
        return [("start", "<", search.start)]
    if search.prefix == "le":
        return [("start", "<", search.end)]
    if search.prefix == "sa":
        return [("start", ">=", search.end)]
    if search.prefix == "eb":
        return [("end", "<=", search.start)]
    raise ValueError("ne has no bounds; test each target with matches()")


def _unmodified(name: str, modifier: str | None, value: str) -> str:
    if modifier is not None:
        raise invalid(f"{name}:{modifier}", "no modifier is supported on this parameter")
    return value


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise invalid(name, f"expected true or false, not {value!r}")
    return value == "true"


def parser(kind: str, name: str, resource_type: str = "Organization"):
    """``parse(modifier, value)`` of a search parameter ``name`` of ``kind``: ``token``, ``string`` (modifiers
    :exact and :contains), ``reference`` (to ``resource_type``), ``date``, ``uri``, ``id`` or ``boolean``; any
    other modifier is a 400 naming it."""
    if kind == "string":
        return lambda modifier, value: string(name, modifier, value)
    read = {
        "token": lambda value: token(name, value),
        "reference": lambda value: reference(name, value, resource_type),
        "date": lambda value: date_value(name, value),
        "uri": lambda value: value.strip(),
        "id": lambda value: value.strip(),
        "boolean": lambda value: _boolean(name, value),
    }[kind]
    return lambda modifier, value: read(_unmodified(name, modifier, value))


def instant(moment: dt.datetime | float | None = None) -> str:
    """A FHIR instant (UTC, milliseconds, ``Z``) of a datetime, of seconds since the epoch, or of now."""
    if moment is None:
        moment = dt.datetime.now(UTC)
    elif not isinstance(moment, dt.datetime):
        moment = dt.datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_written(path) -> str:
    """When a file was last written, as a FHIR instant (an engine's output: its reports' ``meta.lastUpdated``)."""
    import os

    return instant(os.stat(path).st_mtime)


def instant_matches(search: DateRange, text: str) -> bool:
    """Whether the instant ``text`` (as :func:`instant` writes it) meets ``search``."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return matches(search, moment, moment + dt.timedelta(microseconds=1))


def updated_within(filters, stamp: str) -> bool:
    """Whether ``stamp`` (a resource's ``meta.lastUpdated``) meets every ``_lastUpdated`` value of ``filters`` (true
    when there is none): for resources that share one stamp, such as the reports of one output file."""
    return all(instant_matches(moment, stamp) for moment in filters.get("_lastUpdated", ()))


def text_matches(text: Text, value: str) -> bool:
    """A string search in Python, as the database does it: starts with (any case), exact, or contains (any case)."""
    if text.how == "exact":
        return value == text.value
    if text.how == "contains":
        return text.value.casefold() in value.casefold()
    return value.casefold().startswith(text.value.casefold())


def required(found, missing: str):
    """``found``, or a 404 OperationOutcome saying ``missing`` (what is not there, and how to make it)."""
    if found is None:
        raise FhirError(404, "not-found", missing)
    return found
