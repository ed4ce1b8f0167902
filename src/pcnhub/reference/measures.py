"""Measure definitions: ``reference/measures/<id>.toml``, one file per measure, read and checked strictly.

The vocabulary is described in ``measures/README.md``.  :func:`measures` returns every definition (sorted
by id), :func:`measure` one of them, :func:`parse_measure` checks the text of one file.  Anything that
cannot be used is a :class:`MeasureError` naming the file and the field (``emergency-admissions.toml,
numerator.where[1].within_months: ...``); an unknown field is an error, never ignored.

Nothing here computes: the engine that compiles a definition to Ibis is :mod:`pcnhub.analytics.measures`.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from pcnhub.reference import codelists as cl
from pcnhub.reference import weights as wt

FOLDER: Final = "measures"
_ID: Final = re.compile(r"[a-z][a-z0-9_]*")

#: What a measure's value is: the multiplier of numerator / denominator and how it is shown.
#: ``gbp`` is GBP per what the denominator counts when that is not a patient (e.g. an ASTRO-PU).
UNITS: Final = {"per_1000": 1000.0, "percent": 100.0, "ratio": 1.0, "gbp_per_patient": 1.0, "gbp": 1.0}
DIRECTIONS: Final = ("higher", "lower", "none")
STATUSES: Final = ("verified", "derived", "uncertain")
#: What a side of a measure counts: registered patients, or rows of a table (hospital activity,
#: prescriptions, coded events) dated in the month.
COUNTS: Final = ("patients", "hospital", "medications", "events")
#: Columns that may be summed instead of counted, by table.
SUMS: Final = {"medications": ("cost",), "hospital": ("stay_days",)}
#: Per-patient results of the population health pipeline (``patient_features.parquet``) a condition may use.
FEATURES: Final = ("qrisk3",)
HOSPITAL_KINDS: Final = (
    "ae", "emergency_admission", "elective_admission", "outpatient_first", "outpatient_follow_up", "outpatient",
)
SEXES: Final = ("F", "M")
#: Condition kinds: exactly one of these keys is in every condition table.
CONDITION_KINDS: Final = (
    "age", "sex", "care_home", "events", "medications", "latest_value", "distinct_medicines", "feature", "any", "all",
)
_CONDITION_OPTIONS: Final = {
    "age": set(), "sex": set(), "care_home": set(),
    "events": {"within_months", "resolved_by"},
    "medications": {"within_months", "repeat_only"},
    "latest_value": {"within_months", "min", "max"},
    "distinct_medicines": {"within_months"},
    "feature": {"min", "max"},
    "any": set(), "all": set(),
}
_MEASURE_FIELDS: Final = {
    "id", "title", "why", "direction", "unit", "serves", "source", "status", "note", "numerator", "denominator",
}
_COUNT_FIELDS: Final = {
    "count", "kinds", "codelists", "sum", "max_stay_days", "discharged", "within_denominator", "where", "preceded_by",
    "diagnoses", "weight",
}
_PRECEDED_FIELDS: Final = {"events", "within_days"}


class MeasureError(ValueError):
    """A measure definition that cannot be used: names the file and the field."""


@dataclass(frozen=True)
class Condition:
    """One condition on a patient in a month (see ``measures/README.md``); ``negate``: it must not hold."""

    kind: str
    negate: bool = False
    codelists: tuple[str, ...] = ()
    within_months: int | None = None
    resolved_by: str | None = None
    repeat_only: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: ``sex``: F or M; ``feature``: the feature's name; ``latest_value``: the codelist.
    value: str | None = None
    #: ``distinct_medicines``: at least this many.
    at_least: int | None = None
    #: ``any`` / ``all``: the conditions combined.
    parts: tuple[Condition, ...] = ()

    def features(self) -> set[str]:
        """The pipeline features the condition needs."""
        found = {self.value} if self.kind == "feature" and self.value else set()
        for part in self.parts:
            found |= part.features()
        return found


@dataclass(frozen=True)
class Preceded:
    """``preceded_by`` of an ``events`` count: an event counts only when a code of ``codelists`` is dated on its
    day or in the ``within_days`` days before it (``event - within_days <= date <= event``)."""

    codelists: tuple[str, ...]
    within_days: int


@dataclass(frozen=True)
class Count:
    """A numerator or denominator: what is counted (or summed) for the registered patients who meet ``where``."""

    count: str
    where: tuple[Condition, ...] = ()
    kinds: tuple[str, ...] = ()
    codelists: tuple[str, ...] = ()
    sum: str | None = None
    max_stay_days: int | None = None
    #: ``hospital``: only rows with a discharge date (a stay's length is known).
    discharged: bool = False
    within_denominator: bool = False
    #: ``events``: only events preceded by a code of other lists (see :class:`Preceded`).
    preceded_by: Preceded | None = None
    #: ``hospital``: only rows whose primary diagnosis is in these ICD-10 lists (by prefix; a null one is not).
    diagnoses: tuple[str, ...] = ()
    #: ``patients`` (a denominator): add each patient's weight from this table (``reference/weights/``)
    #: instead of counting 1.
    weight: str | None = None


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    why: str
    direction: str
    unit: str
    serves: tuple[str, ...]
    source: str
    status: str
    numerator: Count
    denominator: Count
    note: str = ""

    @property
    def low_is_good(self) -> bool | None:
        """True when lower is better, False when higher is, None when neither (OpenPrescribing's flag)."""
        return {"lower": True, "higher": False}.get(self.direction)

    @property
    def multiplier(self) -> float:
        return UNITS[self.unit]

    @property
    def funnel(self) -> str:
        """The funnel limits that fit the measure: ``binomial`` (a numerator within its denominator: a
        proportion), ``poisson`` (counted rows against another count, or against a weighted denominator taken
        as the exposure, e.g. an expected number), ``none`` (a summed numerator, e.g. cost)."""
        if self.numerator.sum is not None:
            return "none"
        if self.numerator.within_denominator:
            return "binomial"
        return "poisson"

    def features(self) -> set[str]:
        return {f for side in (self.numerator, self.denominator) for c in side.where for f in c.features()}


# --- parsing ----------------------------------------------------------------------------------------


class _Where:
    """A file name and a field path, for error messages."""

    def __init__(self, file: str, path: str = "") -> None:
        self.file, self.path = file, path

    def at(self, name: str | int) -> _Where:
        if isinstance(name, int):
            return _Where(self.file, f"{self.path}[{name}]")
        return _Where(self.file, f"{self.path}.{name}" if self.path else name)

    def error(self, message: str) -> MeasureError:
        return MeasureError(f"{self.file}, {self.path}: {message}" if self.path else f"{self.file}: {message}")


def _text(where: _Where, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error("must be a non-empty string")
    return value.strip()


def _choice(where: _Where, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise where.error(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _whole(where: _Where, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise where.error(f"must be a whole number of {minimum} or more, not {value!r}")
    return value


def _number(where: _Where, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.error(f"must be a number, not {value!r}")
    return float(value)


def _flag(where: _Where, value: Any) -> bool:
    if not isinstance(value, bool):
        raise where.error(f"must be true or false, not {value!r}")
    return value


def _unknown(where: _Where, table: dict[str, Any], known: set[str]) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise where.error(f"unknown field(s) {', '.join(extra)}; known: {', '.join(sorted(known))}")


def _codelist(where: _Where, key: Any, system: str) -> str:
    key = _text(where, key)
    try:
        found = cl.codelist(key)
    except cl.CodelistError as err:
        raise where.error(f"no codelist {key!r}") from err
    if found.system != system:
        raise where.error(f"codelist {key!r} is a {found.system} list, a {system} list is needed here")
    return key


def _codelists(where: _Where, value: Any, system: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise where.error("must be a codelist key or a non-empty list of them")
    return tuple(_codelist(where.at(i), key, system) for i, key in enumerate(value))


def _condition(where: _Where, table: Any) -> Condition:
    if not isinstance(table, dict):
        raise where.error("a condition must be a table, e.g. { age = [65] }")
    kinds = [k for k in CONDITION_KINDS if k in table]
    if len(kinds) != 1:
        raise where.error(f"a condition has exactly one of {', '.join(CONDITION_KINDS)}; found {kinds or 'none'}")
    kind = kinds[0]
    _unknown(where, table, {kind, "not"} | _CONDITION_OPTIONS[kind])
    value = table[kind]
    here = where.at(kind)
    options: dict[str, Any] = {"negate": _flag(where.at("not"), table.get("not", False))}
    if "within_months" in table:
        options["within_months"] = _whole(where.at("within_months"), table["within_months"])
    if "min" in table:
        options["minimum"] = _number(where.at("min"), table["min"])
    if "max" in table:
        options["maximum"] = _number(where.at("max"), table["max"])
    if kind == "age":
        if (not isinstance(value, list) or not 1 <= len(value) <= 2
                or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value)):
            raise here.error("must be [from] or [from, to] in whole years (from <= age < to)")
        if len(value) == 2 and value[1] <= value[0]:
            raise here.error(f"{value[1]} is not above {value[0]}")
        options["minimum"] = float(value[0])
        options["maximum"] = float(value[1]) if len(value) == 2 else None
    elif kind == "sex":
        options["value"] = _choice(here, value, SEXES)
    elif kind == "care_home":
        if value is not True:
            raise here.error("must be true (write not = true for people not in a care home)")
    elif kind == "events":
        options["codelists"] = _codelists(here, value, "snomedct")
        if "resolved_by" in table:
            options["resolved_by"] = _codelist(where.at("resolved_by"), table["resolved_by"], "snomedct")
    elif kind == "medications":
        options["codelists"] = _codelists(here, value, "bnf")
        options["repeat_only"] = _flag(where.at("repeat_only"), table.get("repeat_only", False))
    elif kind == "latest_value":
        options["value"] = _codelist(here, value, "snomedct")
        if "minimum" not in options and "maximum" not in options:
            raise where.error("latest_value needs min or max")
    elif kind == "distinct_medicines":
        options["at_least"] = _whole(here, value)
    elif kind == "feature":
        options["value"] = _choice(here, value, FEATURES)
        if "minimum" not in options and "maximum" not in options:
            raise where.error("feature needs min or max")
    else:  # any, all
        if not isinstance(value, list) or not value:
            raise here.error("must be a non-empty list of conditions")
        options["parts"] = tuple(_condition(here.at(i), part) for i, part in enumerate(value))
    if options.get("minimum") is not None and options.get("maximum") is not None and kind != "age":
        if options["maximum"] < options["minimum"]:
            raise where.error(f"max {options['maximum']:g} is below min {options['minimum']:g}")
    return Condition(kind, **options)


def _preceded(where: _Where, table: Any) -> Preceded:
    if not isinstance(table, dict):
        raise where.error("must be a table, e.g. { events = \"fit-test\", within_days = 21 }")
    _unknown(where, table, _PRECEDED_FIELDS)
    for name in sorted(_PRECEDED_FIELDS):
        if name not in table:
            raise where.at(name).error("is required")
    return Preceded(_codelists(where.at("events"), table["events"], "snomedct"),
                    _whole(where.at("within_days"), table["within_days"], 0))


def _count(where: _Where, table: Any) -> Count:
    if not isinstance(table, dict):
        raise where.error("must be a table")
    _unknown(where, table, _COUNT_FIELDS)
    if "count" not in table:
        raise where.at("count").error(f"is required: one of {', '.join(COUNTS)}")
    count = _choice(where.at("count"), table["count"], COUNTS)
    options: dict[str, Any] = {}
    if "kinds" in table:
        if count != "hospital":
            raise where.at("kinds").error("only for count = \"hospital\"")
        kinds = table["kinds"]
        if not isinstance(kinds, list) or not kinds:
            raise where.at("kinds").error("must be a non-empty list of hospital kinds")
        options["kinds"] = tuple(_choice(where.at("kinds").at(i), k, HOSPITAL_KINDS) for i, k in enumerate(kinds))
    elif count == "hospital":
        raise where.at("kinds").error("is required for count = \"hospital\"")
    if "max_stay_days" in table:
        if count != "hospital":
            raise where.at("max_stay_days").error("only for count = \"hospital\"")
        options["max_stay_days"] = _whole(where.at("max_stay_days"), table["max_stay_days"], 0)
    if "discharged" in table:
        if count != "hospital":
            raise where.at("discharged").error("only for count = \"hospital\"")
        options["discharged"] = _flag(where.at("discharged"), table["discharged"])
    if "codelists" in table:
        if count not in ("medications", "events"):
            raise where.at("codelists").error("only for count = \"medications\" or \"events\"")
        options["codelists"] = _codelists(where.at("codelists"), table["codelists"],
                                          "bnf" if count == "medications" else "snomedct")
    elif count == "events":
        raise where.at("codelists").error("is required for count = \"events\"")
    if "preceded_by" in table:
        if count != "events":
            raise where.at("preceded_by").error("only for count = \"events\"")
        options["preceded_by"] = _preceded(where.at("preceded_by"), table["preceded_by"])
    if "diagnoses" in table:
        if count != "hospital":
            raise where.at("diagnoses").error("only for count = \"hospital\"")
        options["diagnoses"] = _codelists(where.at("diagnoses"), table["diagnoses"], "icd10")
    if "weight" in table:
        if count != "patients":
            raise where.at("weight").error("only for count = \"patients\" (a weighted denominator)")
        options["weight"] = _weight(where.at("weight"), table["weight"])
    if "sum" in table:
        options["sum"] = _choice(where.at("sum"), table["sum"], SUMS.get(count, ()))
        if options["sum"] == "stay_days" and not (options.get("discharged") or table.get("within_denominator")):
            raise where.at("sum").error("stay_days needs discharged = true (a stay without a discharge has no length)")
    if "within_denominator" in table:
        options["within_denominator"] = _flag(where.at("within_denominator"), table["within_denominator"])
    conditions = table.get("where", [])
    if not isinstance(conditions, list):
        raise where.at("where").error("must be a list of conditions")
    options["where"] = tuple(_condition(where.at("where").at(i), c) for i, c in enumerate(conditions))
    if options.get("weight"):
        _covered(where.at("weight"), options["weight"], options["where"])
    return Count(count, **options)


def _weight(where: _Where, key: Any) -> str:
    key = _text(where, key)
    try:
        wt.weight_table(key)
    except wt.WeightError as err:
        raise where.error(str(err) if str(err).startswith("no weights table") else f"weights table {key!r}: {err}") \
            from err
    return key


def _covered(where: _Where, key: str, conditions: tuple[Condition, ...]) -> None:
    """A weights table that starts above age 0 weighs only a side whose ``where`` keeps to its ages."""
    first = wt.weight_table(key).min_age
    youngest = max((c.minimum or 0.0 for c in conditions if c.kind == "age" and not c.negate), default=0.0)
    if youngest < first:
        raise where.error(f"table {key!r} starts at age {first}: the side's where needs {{ age = [{first}] }} "
                          f"(or older), as no patient under {first} has a weight")


def parse_measure(text: str, file: str) -> Measure:
    """The measure defined by ``text`` (the TOML of ``file``); :class:`MeasureError` naming the field."""
    where = _Where(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise where.error(f"not valid TOML: {err}") from err
    _unknown(where, data, _MEASURE_FIELDS)
    for name in sorted(_MEASURE_FIELDS - {"note"}):
        if name not in data:
            raise where.at(name).error("is required")
    measure_id = _text(where.at("id"), data["id"])
    if not _ID.fullmatch(measure_id):
        raise where.at("id").error(f"{measure_id!r} is not lower-case letters, digits and _")
    if file.rsplit("/", 1)[-1] != f"{measure_id}.toml":
        raise where.at("id").error(f"{measure_id!r} does not match the file name")
    serves = data["serves"]
    if not isinstance(serves, list) or not serves:
        raise where.at("serves").error("must be a non-empty list (the service specification or IIF indicator)")
    numerator = _count(where.at("numerator"), data["numerator"])
    denominator = _count(where.at("denominator"), data["denominator"])
    if denominator.within_denominator:
        raise where.at("denominator").at("within_denominator").error("only the numerator can be within the denominator")
    if numerator.within_denominator and numerator.count != denominator.count:
        raise where.at("numerator").at("within_denominator").error(
            f"the numerator counts {numerator.count} and the denominator {denominator.count}: "
            "a numerator within the denominator counts the same")
    if denominator.sum is not None:
        raise where.at("denominator").at("sum").error("a denominator counts; only a numerator may sum")
    if numerator.weight is not None:
        raise where.at("numerator").at("weight").error("only a denominator may be weighted")
    if numerator.within_denominator and denominator.weight is not None:
        raise where.at("numerator").at("within_denominator").error(
            "a weighted denominator is not a count the numerator can be part of: count the numerator on its own, "
            "with the denominator's conditions in its where")
    unit = _choice(where.at("unit"), data["unit"], tuple(UNITS))
    if unit == "percent" and not numerator.within_denominator:
        raise where.at("numerator").at("within_denominator").error("a percentage's numerator must be within its denominator")
    return Measure(
        id=measure_id,
        title=_text(where.at("title"), data["title"]),
        why=_text(where.at("why"), data["why"]),
        direction=_choice(where.at("direction"), data["direction"], DIRECTIONS),
        unit=unit,
        serves=tuple(_text(where.at("serves").at(i), s) for i, s in enumerate(serves)),
        source=_text(where.at("source"), data["source"]),
        status=_choice(where.at("status"), data["status"], STATUSES),
        numerator=numerator,
        denominator=denominator,
        note=_text(where.at("note"), data["note"]) if "note" in data else "",
    )


@functools.cache
def measures() -> tuple[Measure, ...]:
    """Every packaged measure definition, sorted by id."""
    folder = resources.files("pcnhub.reference").joinpath(FOLDER)
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.append(parse_measure(entry.read_text(encoding="utf-8"), f"{FOLDER}/{entry.name}"))
    return tuple(found)


def changed() -> float:
    """When a packaged definition file last changed (seconds since the epoch, the newest file's)."""
    folder = resources.files("pcnhub.reference").joinpath(FOLDER)
    return max(os.stat(str(entry)).st_mtime for entry in folder.iterdir() if entry.name.endswith(".toml"))


def measure(measure_id: str) -> Measure:
    """The measure ``measure_id``; :class:`MeasureError` if there is none."""
    for found in measures():
        if found.id == measure_id:
            return found
    raise MeasureError(f"no measure {measure_id!r}; known: {', '.join(m.id for m in measures())}")
