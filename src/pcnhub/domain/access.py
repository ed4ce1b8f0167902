"""Weekly access hours a PCN must offer under the Network Contract DES, and checks of a session plan.

Two schemes have applied (Network Contract DES, via ../shared/reference/network-contract-facts.md,
"Access requirements"):

* **Extended Hours Access** (1 Jul 2019 - 30 Sep 2022): at least 30 minutes per 1,000
  *registered* patients per week, rounded to the nearest quarter hour (a 50,000 PCN gives 1,500
  minutes, 25 hours), in continuous periods of at least 30 minutes, outside core hours
  (08:00-18:30 Monday-Friday): early mornings, evenings and weekends.
* **Enhanced Access** (from 1 Oct 2022): at least 60 minutes per 1,000 *PCN adjusted population*
  per week, within the Network Standard Hours (18:30-20:00 Monday-Friday, 09:00-17:00 Saturday),
  in blocks of at least 30 minutes.  With commissioner agreement part may fall outside those hours
  (for example before 08:00 or late on weekdays, on Saturday outside 09:00-17:00, or on Sunday);
  such time counts only when the session is marked as commissioner-agreed.

There was no network access requirement before the Network Contract DES began on 1 Jul 2019, so an
earlier date is an error (:class:`ValueError`).

Minutes are counted per staff session: several staff working at the same time (or at different
sites) each count.  The part of a session that cannot count is reported as a :class:`Finding`:

* ``session-times`` (error): the session does not end after it starts (overnight sessions are not
  supported: enter one session per day);
* ``block-length`` (error): the session, or a continuous part of it that would count, is shorter
  than 30 minutes;
* ``core-hours`` (error): time within core hours (08:00-18:30 Monday-Friday), which never counts -
  the commissioner-agreed exception covers time outside the Network Standard Hours, not core-contract
  time;
* ``standard-hours`` (error, Enhanced Access): time outside the Network Standard Hours that is not
  marked as commissioner-agreed;
* ``agreed-hours`` (warning, Enhanced Access): commissioner-agreed time outside the Network Standard
  Hours, which counts;
* ``shortfall`` (error): the plan's counted minutes are below the requirement.

Plans are read from CSV by :func:`pcnhub.ingest.access_plan.read_plan_csv`.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final


# --- Scheme dates and rates (Network Contract DES, via ../shared/reference/network-contract-facts.md) ---

#: The Network Contract DES started on 1 Jul 2019; before it there was no network access requirement.
NETWORK_CONTRACT_DES_START: Final = dt.date(2019, 7, 1)
#: Extended Hours Access ran from the DES start to 30 Sep 2022.
EXTENDED_HOURS_START: Final = NETWORK_CONTRACT_DES_START
EXTENDED_HOURS_END: Final = dt.date(2022, 9, 30)
#: Enhanced Access replaced it from 1 Oct 2022.
ENHANCED_ACCESS_START: Final = dt.date(2022, 10, 1)

#: Patients per unit of the rates ("per 1,000 patients").
PATIENTS_PER_UNIT: Final = 1_000
#: Extended Hours: at least 30 minutes per 1,000 registered patients per week.
EXTENDED_HOURS_MINUTES_PER_1000: Final = 30
#: Extended Hours minutes are rounded to the nearest quarter hour (halves round up).
EXTENDED_HOURS_ROUNDING_MINUTES: Final = 15
#: Enhanced Access: at least 60 minutes per 1,000 PCN adjusted population per week (rounded up to
#: the whole minute, as it is a minimum).
ENHANCED_ACCESS_MINUTES_PER_1000: Final = 60
#: Both schemes: continuous periods (blocks) of at least 30 minutes.
MIN_BLOCK_MINUTES: Final = 30

MINUTES_PER_HOUR: Final = 60
MINUTES_PER_DAY: Final = 24 * MINUTES_PER_HOUR

# Days of the week, as in datetime.date.weekday().
MONDAY: Final = 0
FRIDAY: Final = 4
SATURDAY: Final = 5
SUNDAY: Final = 6
WEEKDAYS: Final = range(MONDAY, FRIDAY + 1)
DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Core hours: 08:00-18:30 Monday-Friday.
CORE_HOURS_START: Final = dt.time(8, 0)
CORE_HOURS_END: Final = dt.time(18, 30)
#: Enhanced Access Network Standard Hours: 18:30-20:00 Monday-Friday and 09:00-17:00 Saturday.
STANDARD_HOURS_WEEKDAY_START: Final = dt.time(18, 30)
STANDARD_HOURS_WEEKDAY_END: Final = dt.time(20, 0)
STANDARD_HOURS_SATURDAY_START: Final = dt.time(9, 0)
STANDARD_HOURS_SATURDAY_END: Final = dt.time(17, 0)

# Finding severities (as in pcnhub.domain.rules): only ERROR means the plan does not meet the DES.
ERROR: Final = "error"
WARNING: Final = "warning"

# Rule ids.
SESSION_TIMES: Final = "session-times"
BLOCK_LENGTH: Final = "block-length"
CORE_HOURS: Final = "core-hours"
STANDARD_HOURS: Final = "standard-hours"
AGREED_HOURS: Final = "agreed-hours"
SHORTFALL: Final = "shortfall"
RULES: Final = (SESSION_TIMES, BLOCK_LENGTH, CORE_HOURS, STANDARD_HOURS, AGREED_HOURS, SHORTFALL)


class Scheme(enum.StrEnum):
    """The access scheme of the Network Contract DES in force on a date."""

    EXTENDED_HOURS = "extended_hours"
    ENHANCED_ACCESS = "enhanced_access"

    @property
    def label(self) -> str:
        """The scheme's name as the DES gives it."""
        return "Extended Hours Access" if self is Scheme.EXTENDED_HOURS else "Enhanced Access"


def scheme_on(date: dt.date) -> Scheme:
    """The scheme in force on ``date``; :class:`ValueError` before the DES began (1 Jul 2019)."""
    day = _as_date(date)
    if day < NETWORK_CONTRACT_DES_START:
        raise ValueError(
            f"{day.isoformat()} is before the Network Contract DES began on "
            f"{NETWORK_CONTRACT_DES_START:%d %b %Y}; there was no network access requirement then"
        )
    if day <= EXTENDED_HOURS_END:
        return Scheme.EXTENDED_HOURS
    return Scheme.ENHANCED_ACCESS


def required_minutes(date: dt.date, registered: int, adjusted: int | None = None) -> int:
    """Minutes of access a week a PCN must offer on ``date``.

    Extended Hours uses the ``registered`` list (nearest quarter hour, halves up); Enhanced Access
    uses the PCN ``adjusted`` population, which defaults to ``registered`` (rounded up).  A negative
    list size, or a date before 1 Jul 2019, raises :class:`ValueError`.
    """
    _check_population("registered", registered)
    if adjusted is not None:
        _check_population("adjusted", adjusted)
    if scheme_on(date) is Scheme.EXTENDED_HOURS:
        exact = Fraction(registered) * EXTENDED_HOURS_MINUTES_PER_1000 / PATIENTS_PER_UNIT
        quarters = math.floor(exact / EXTENDED_HOURS_ROUNDING_MINUTES + Fraction(1, 2))
        return quarters * EXTENDED_HOURS_ROUNDING_MINUTES
    population = registered if adjusted is None else adjusted
    return math.ceil(Fraction(population) * ENHANCED_ACCESS_MINUTES_PER_1000 / PATIENTS_PER_UNIT)


def _check_population(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"the {name} population cannot be negative: {value}")


def _as_date(date: dt.date) -> dt.date:
    return date.date() if isinstance(date, dt.datetime) else date


# --- Sessions ---

_DAYS: Final = {
    **{name.casefold(): index for index, name in enumerate(DAY_NAMES)},
    **{name[:3].casefold(): index for index, name in enumerate(DAY_NAMES)},
    **{"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
}
_TIME: Final = re.compile(r"(\d{1,2}):(\d{2})(?::(00))?")


def parse_day(text: str) -> int:
    """0 (Monday) to 6 (Sunday) from a day name: "Mon", "monday", "TUE", "Tues" and so on."""
    day = _DAYS.get(text.strip().casefold())
    if day is None:
        raise ValueError(f"{text!r} is not a day of the week (expected e.g. Mon or Monday)")
    return day


def parse_time(text: str) -> dt.time:
    """A 24-hour time written HH:MM (08:00, 18:30; HH:MM:00 is accepted too)."""
    match = _TIME.fullmatch(text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ValueError(f"{text!r} is not a 24-hour time HH:MM (e.g. 18:30)")


def _minute_of_day(time: dt.time) -> int:
    return time.hour * MINUTES_PER_HOUR + time.minute


def _clock(minute: int) -> str:
    return f"{minute // MINUTES_PER_HOUR:02d}:{minute % MINUTES_PER_HOUR:02d}"


@dataclass(frozen=True)
class Session:
    """One member of staff's planned access session on one day of a typical week.

    ``day`` is 0 (Monday) to 6 (Sunday); a day name ("Mon", "Monday") is converted, as are "HH:MM"
    strings for ``start`` and ``end``.  ``agreed`` marks time the commissioner has agreed may fall
    outside the Enhanced Access Network Standard Hours.
    """

    day: int
    start: dt.time
    end: dt.time
    site: str = ""
    staff_type: str = ""
    agreed: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.day, str):
            object.__setattr__(self, "day", parse_day(self.day))
        if isinstance(self.start, str):
            object.__setattr__(self, "start", parse_time(self.start))
        if isinstance(self.end, str):
            object.__setattr__(self, "end", parse_time(self.end))
        if isinstance(self.day, bool) or self.day not in range(MONDAY, SUNDAY + 1):
            raise ValueError(f"day must be 0 (Monday) to 6 (Sunday), not {self.day!r}")

    @property
    def minutes(self) -> int:
        """Length in minutes; 0 if the session does not end after it starts."""
        return max(0, _minute_of_day(self.end) - _minute_of_day(self.start))

    def describe(self) -> str:
        """E.g. "Mon 18:30-20:00, Canvey, GP" (blank site or staff type left out)."""
        parts = [f"{DAY_NAMES[self.day][:3]} {self.start:%H:%M}-{self.end:%H:%M}", self.site, self.staff_type]
        return ", ".join(part for part in parts if part)

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": DAY_NAMES[self.day],
            "start": f"{self.start:%H:%M}",
            "end": f"{self.end:%H:%M}",
            "site": self.site,
            "staff_type": self.staff_type,
            "agreed": self.agreed,
        }


# --- Findings and results ---


@dataclass(frozen=True)
class Finding:
    """A problem with a plan: ``session`` is the index of the session in the plan, or None for the plan."""

    severity: str
    rule: str
    message: str
    session: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "session": self.session,
        }


@dataclass(frozen=True)
class SessionResult:
    """How many of a session's minutes count towards the requirement, and how many do not."""

    session: Session
    counted_minutes: int
    not_counted_minutes: int

    @property
    def counts(self) -> bool:
        return self.counted_minutes > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.session.to_dict(),
            "minutes": self.session.minutes,
            "counted_minutes": self.counted_minutes,
            "not_counted_minutes": self.not_counted_minutes,
        }


@dataclass(frozen=True)
class AccessResult:
    """The requirement on a date and, when a plan was checked, what the plan delivers.

    ``planned_minutes_per_week`` counts only minutes that count towards the requirement; it is None
    when no plan was given.
    """

    date: dt.date
    scheme: Scheme
    registered: int
    adjusted: int | None
    required_minutes_per_week: int
    planned_minutes_per_week: int | None = None
    sessions: tuple[SessionResult, ...] = ()
    findings: tuple[Finding, ...] = field(default=())

    @property
    def population(self) -> int:
        """The population the requirement is based on (registered, or adjusted for Enhanced Access)."""
        if self.scheme is Scheme.ENHANCED_ACCESS and self.adjusted is not None:
            return self.adjusted
        return self.registered

    @property
    def population_basis(self) -> str:
        return "registered" if self.scheme is Scheme.EXTENDED_HOURS else "adjusted"

    @property
    def population_text(self) -> str:
        """E.g. "50,000 registered patients" or "a PCN adjusted population of 52,345"."""
        if self.scheme is Scheme.EXTENDED_HOURS:
            return f"{self.population:,} registered patients"
        return f"a PCN adjusted population of {self.population:,}"

    @property
    def shortfall_minutes(self) -> int | None:
        """Minutes a week the plan falls short by (0 if it meets the requirement); None without a plan."""
        if self.planned_minutes_per_week is None:
            return None
        return max(0, self.required_minutes_per_week - self.planned_minutes_per_week)

    @property
    def broken(self) -> bool:
        """True when any finding is an error."""
        return any(finding.severity == ERROR for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme.value,
            "required_minutes_per_week": self.required_minutes_per_week,
            "planned_minutes_per_week": self.planned_minutes_per_week,
            "findings": [finding.to_dict() for finding in self.findings],
            "shortfall_minutes": self.shortfall_minutes,
            "date": self.date.isoformat(),
            "population_basis": self.population_basis,
            "population": self.population,
            "sessions": [result.to_dict() for result in self.sessions],
        }


def access_requirement(date: dt.date, registered: int, adjusted: int | None = None) -> AccessResult:
    """The requirement alone, with no plan: planned minutes None and no findings."""
    day = _as_date(date)
    required = required_minutes(day, registered, adjusted)
    return AccessResult(day, scheme_on(day), registered, adjusted, required)


# Kinds of time in a day, per scheme.
_COUNTS: Final = "counts"  # always counts
_AGREEABLE: Final = "agreeable"  # counts only if the session is commissioner-agreed
_CORE: Final = "core"  # core hours: never counts

_CORE_START: Final = _minute_of_day(CORE_HOURS_START)
_CORE_END: Final = _minute_of_day(CORE_HOURS_END)
_NSH_WEEKDAY: Final = (
    _minute_of_day(STANDARD_HOURS_WEEKDAY_START),
    _minute_of_day(STANDARD_HOURS_WEEKDAY_END),
)
_NSH_SATURDAY: Final = (
    _minute_of_day(STANDARD_HOURS_SATURDAY_START),
    _minute_of_day(STANDARD_HOURS_SATURDAY_END),
)

_CORE_HOURS_TEXT: Final = f"core hours ({CORE_HOURS_START:%H:%M}-{CORE_HOURS_END:%H:%M} Monday-Friday)"
_STANDARD_HOURS_TEXT: Final = (
    f"the Network Standard Hours ({STANDARD_HOURS_WEEKDAY_START:%H:%M}-{STANDARD_HOURS_WEEKDAY_END:%H:%M} "
    f"Monday-Friday, {STANDARD_HOURS_SATURDAY_START:%H:%M}-{STANDARD_HOURS_SATURDAY_END:%H:%M} Saturday)"
)


def _day_kinds(scheme: Scheme, day: int) -> list[tuple[int, int, str]]:
    """The day cut into (start minute, end minute, kind) pieces covering 00:00-24:00."""
    if scheme is Scheme.EXTENDED_HOURS:
        if day in WEEKDAYS:
            return [
                (0, _CORE_START, _COUNTS),
                (_CORE_START, _CORE_END, _CORE),
                (_CORE_END, MINUTES_PER_DAY, _COUNTS),
            ]
        return [(0, MINUTES_PER_DAY, _COUNTS)]
    if day in WEEKDAYS:
        start, end = _NSH_WEEKDAY
        pieces = [
            (0, _CORE_START, _AGREEABLE),
            (_CORE_START, _CORE_END, _CORE),
            (_CORE_END, start, _AGREEABLE),
        ]
        pieces += [(start, end, _COUNTS), (end, MINUTES_PER_DAY, _AGREEABLE)]
        return [piece for piece in pieces if piece[0] < piece[1]]
    if day == SATURDAY:
        start, end = _NSH_SATURDAY
        return [(0, start, _AGREEABLE), (start, end, _COUNTS), (end, MINUTES_PER_DAY, _AGREEABLE)]
    return [(0, MINUTES_PER_DAY, _AGREEABLE)]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _do(count: int) -> str:
    return "does" if count == 1 else "do"


def _check_session(scheme: Scheme, index: int, session: Session) -> tuple[SessionResult, list[Finding]]:
    """Decide how many of one session's minutes count, with a finding for each part that does not."""
    label = f"session {index + 1} ({session.describe()})"
    start, end = _minute_of_day(session.start), _minute_of_day(session.end)
    if end <= start:
        message = (
            f"{label} does not end after it starts; enter a session that crosses midnight as one per day"
        )
        return SessionResult(session, 0, 0), [Finding(ERROR, SESSION_TIMES, message, index)]
    total = end - start
    if total < MIN_BLOCK_MINUTES:
        message = (
            f"{label} is {_plural(total, 'minute')} long; access must be in blocks of at least "
            f"{MIN_BLOCK_MINUTES} minutes, so it does not count"
        )
        return SessionResult(session, 0, total), [Finding(ERROR, BLOCK_LENGTH, message, index)]

    core = agreeable = 0
    runs: list[list[int]] = []  # continuous counted time as [start, end]
    agreed_in_runs: list[tuple[int, int]] = []
    for piece_start, piece_end, kind in _day_kinds(scheme, session.day):
        lo, hi = max(start, piece_start), min(end, piece_end)
        if lo >= hi:
            continue
        if kind == _CORE:
            core += hi - lo
        elif kind == _AGREEABLE and not session.agreed:
            agreeable += hi - lo
        else:
            if kind == _AGREEABLE:
                agreed_in_runs.append((lo, hi))
            if runs and runs[-1][1] == lo:
                runs[-1][1] = hi
            else:
                runs.append([lo, hi])

    findings: list[Finding] = []
    if core:
        findings.append(
            Finding(
                ERROR,
                CORE_HOURS,
                f"{label}: {_plural(core, 'minute')} in {_CORE_HOURS_TEXT} {_do(core)} not count",
                index,
            )
        )
    if agreeable:
        findings.append(
            Finding(
                ERROR,
                STANDARD_HOURS,
                f"{label}: {_plural(agreeable, 'minute')} outside {_STANDARD_HOURS_TEXT} "
                f"{_do(agreeable)} not count, as the session is not marked as commissioner-agreed",
                index,
            )
        )
    counted = 0
    agreed_counted = 0
    for run_start, run_end in runs:
        length = run_end - run_start
        if length < MIN_BLOCK_MINUTES:
            findings.append(
                Finding(
                    ERROR,
                    BLOCK_LENGTH,
                    f"{label}: only {_plural(length, 'continuous minute')} "
                    f"({_clock(run_start)}-{_clock(run_end)}) could count; blocks must be at least "
                    f"{MIN_BLOCK_MINUTES} minutes, so that time does not count",
                    index,
                )
            )
            continue
        counted += length
        agreed_counted += sum(max(0, min(hi, run_end) - max(lo, run_start)) for lo, hi in agreed_in_runs)
    if agreed_counted:
        findings.append(
            Finding(
                WARNING,
                AGREED_HOURS,
                f"{label}: {_plural(agreed_counted, 'minute')} outside {_STANDARD_HOURS_TEXT} count only "
                "because the session is marked as commissioner-agreed; keep a record of the agreement",
                index,
            )
        )
    return SessionResult(session, counted, total - counted), findings


def check_plan(
    date: dt.date, registered: int, adjusted: int | None, sessions: Iterable[Session]
) -> AccessResult:
    """Check a weekly plan of staff sessions against the access requirement on ``date``.

    Each session's minutes count independently (overlapping sessions of different staff all count).
    Raises :class:`ValueError` for a negative population or a date before 1 Jul 2019.
    """
    base = access_requirement(date, registered, adjusted)
    results: list[SessionResult] = []
    findings: list[Finding] = []
    for index, session in enumerate(sessions):
        result, session_findings = _check_session(base.scheme, index, session)
        results.append(result)
        findings += session_findings
    planned = sum(result.counted_minutes for result in results)
    required = base.required_minutes_per_week
    if planned < required:
        findings.append(
            Finding(
                ERROR,
                SHORTFALL,
                f"the plan gives {planned:,} minutes a week ({format_minutes(planned)}) that count, "
                f"below the {required:,} minutes ({format_minutes(required)}) required for "
                f"{base.population_text}; "
                f"{required - planned:,} minutes short",
            )
        )
    return AccessResult(
        base.date,
        base.scheme,
        registered,
        adjusted,
        required,
        planned,
        tuple(results),
        tuple(findings),
    )


def format_minutes(minutes: int) -> str:
    """E.g. 1500 -> "25 h 00 min"."""
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    return f"{hours:,} h {rest:02d} min"
