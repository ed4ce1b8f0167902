"""Reading the measures engine's output (``pcnhub measures run``) for the pages and the API.

The output folder is ``settings.PCNHUB_PHM_DIR / "measures"`` (beside the population health pipeline's
``data/`` and ``output/``), holding what :mod:`pcnhub.analytics.measures.run` writes:

* ``measure_values.parquet``: every measure, level (practice, pcn, sub_icb, icb, england), organisation and
  month, already disclosure-controlled by the engine (a suppressed row has no numerator, denominator or value);
* ``measure_deciles.parquet``: the 10th to 90th percentiles of the PCNs' values each month;
* ``measures.json``: the run (engine, as-of date, months) and the definitions it computed;
* ``measure_neighbourhoods.parquet`` when the run was asked for it (``--by-neighbourhood``): every measure by each
  PCN's neighbourhoods (the LSOAs of its patients), with the same disclosure control (:func:`neighbourhoods`).

Reads go through the population health figures cache (:func:`pcnhub.phm.services.figures`), keyed on the
output files' paths, modification times and sizes, so a new run is read afresh. Everything here is an
aggregate: the engine writes no patient rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pcnhub.analytics.measures.levels import ENGLAND, PERCENTILES
from pcnhub.analytics.measures.run import DECILES_FILE, NEIGHBOURHOODS_FILE, SUMMARY_FILE, VALUES_FILE
from pcnhub.phm.services import SUPPRESSED, EngineOutput, figures, phm_dir, read_output, reader, summary_date

OUTPUT_FILES = (VALUES_FILE, DECILES_FILE, SUMMARY_FILE)
FOLDER = "measures"

#: How a value of each unit is written (the engine's units, reference/measures/README.md).
UNIT_LABELS = {"per_1000": "per 1,000 patients", "percent": "per cent", "ratio": "ratio",
               "gbp_per_patient": "GBP per patient", "gbp": "GBP"}
DIRECTIONS = {"lower": "Lower is better", "higher": "Higher is better", "none": "Neither higher nor lower is better"}


def measures_dir() -> Path:
    return phm_dir() / FOLDER


#: Decimal places a value of each unit is written with (others: 2).
PLACES = {"per_1000": 1, "percent": 1, "gbp_per_patient": 2, "gbp": 2}


def format_value(unit: str, value: float | None) -> str:
    """A value as a page writes it, in its unit (None: "not known")."""
    if value is None:
        return "not known"
    places = PLACES.get(unit, 2)
    if unit == "per_1000":
        return f"{value:,.{places}f} per 1,000"
    if unit == "percent":
        return f"{value:.{places}f}%"
    if unit in ("gbp_per_patient", "gbp"):
        return f"£{value:,.{places}f}"
    return f"{value:,.{places}f}"


def no_change(unit: str, change: float) -> bool:
    """Whether a change is nothing as a page writes it: 0, or less than the last decimal place shown (a page
    would otherwise say "up 0.0 percentage points (worse)")."""
    return round(abs(change), PLACES.get(unit, 2)) == 0


def format_change(unit: str, change: float | None) -> str:
    if change is None:
        return "not known"
    if no_change(unit, change):
        return "no change"
    # a change of a percentage is in percentage points
    text = (f"{abs(change):.{PLACES[unit]}f} percentage points" if unit == "percent"
            else format_value(unit, abs(change)))
    return ("up " if change > 0 else "down ") + text


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def decile_of(percentile: float) -> int:
    """The decile (1 to 10) a percent rank (0 to 100) falls in."""
    step = PERCENTILES[0]
    return min(len(PERCENTILES) + 1, int(percentile // step) + 1)


@dataclass(frozen=True)
class Definition:
    """A measure as the run computed it (``measures.json``)."""

    id: str
    title: str
    why: str
    direction: str
    unit: str
    serves: tuple[str, ...]
    source: str
    status: str
    note: str
    funnel: str

    @property
    def direction_text(self) -> str:
        return DIRECTIONS.get(self.direction, self.direction)

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS.get(self.unit, self.unit)

    def judge(self, change: float | None) -> str:
        """Whether a change is for the better, as a word ("" when the direction or change says nothing)."""
        if change is None or no_change(self.unit, change) or self.direction not in ("lower", "higher"):
            return ""
        return "better" if (change < 0) == (self.direction == "lower") else "worse"

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "why": self.why, "direction": self.direction, "unit": self.unit,
                "serves": list(self.serves), "source": self.source, "status": self.status, "note": self.note}


@dataclass(frozen=True)
class Value:
    """One row of ``measure_values.parquet``."""

    measure: str
    level: str
    org_code: str
    month: dt.date
    numerator: float | None
    denominator: int | None
    value: float | None
    suppressed: bool
    england_value: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    percentile: float | None
    change_12m: float | None

    def text(self, unit: str) -> str:
        """The value as shown: the suppression text for a suppressed row, never a number."""
        return SUPPRESSED if self.suppressed else format_value(unit, self.value)

    @property
    def percentile_text(self) -> str:
        if self.suppressed or self.percentile is None:
            return "not known"
        return f"{ordinal(round(self.percentile))} percentile ({ordinal(decile_of(self.percentile))} decile)"

    @property
    def outlier(self) -> str:
        """``high`` above the 99.8% limit, ``low`` below it, else ``""``."""
        if self.suppressed or self.value is None:
            return ""
        if self.upper998 is not None and self.value > self.upper998:
            return "high"
        if self.lower998 is not None and self.value < self.lower998:
            return "low"
        return ""

    @property
    def outlier_text(self) -> str:
        if self.suppressed or self.value is None or self.lower998 is None or self.upper998 is None:
            return "not known"
        return {"high": "Above the 99.8% limit", "low": "Below the 99.8% limit"}.get(self.outlier, "Within limits")

    def to_dict(self) -> dict:
        """For the API and downloads: a suppressed row has no numerator, denominator, value or limits."""
        return {name: getattr(self, name) for name in VALUE_COLUMNS}


VALUE_COLUMNS = ("measure", "level", "org_code", "month", "numerator", "denominator", "value", "suppressed",
                 "england_value", "lower95", "upper95", "lower998", "upper998", "percentile", "change_12m")


# --- The output folder -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Output(EngineOutput):
    """The measures output (``pcnhub measures run``)."""

    @property
    def last_month(self) -> dt.date | None:
        months = self.summary.get("months") or []
        return summary_date(months[-1]) if months else None

    @property
    def first_month(self) -> dt.date | None:
        months = self.summary.get("months") or []
        return summary_date(months[0]) if months else None

    @property
    def definitions(self) -> list[Definition]:
        found = []
        for d in self.summary.get("measures") or []:
            found.append(Definition(
                str(d["id"]), str(d.get("title") or d["id"]), str(d.get("why") or ""), str(d.get("direction") or "none"),
                str(d.get("unit") or ""), tuple(str(s) for s in d.get("serves") or ()), str(d.get("source") or ""),
                str(d.get("status") or ""), str(d.get("note") or ""), str(d.get("funnel") or "")))
        return found

    def definition(self, measure: str) -> Definition | None:
        return next((d for d in self.definitions if d.id == measure), None)

    @property
    def skipped(self) -> dict[str, str]:
        skipped = self.summary.get("skipped") or {}
        return {str(k): str(v) for k, v in skipped.items()} if isinstance(skipped, dict) else {}


def output(folder: Path | None = None) -> Output | None:
    """The measures output, or None when it is missing or incomplete (a page then says how to make it)."""
    return read_output(folder or measures_dir(), OUTPUT_FILES, SUMMARY_FILE, Output)


# --- Reads (cached) --------------------------------------------------------------------------------


def _query(sql: str, params: dict) -> list[tuple]:
    """``sql`` over the Parquet file ``params["path"]``, through the process's one DuckDB reader."""
    return reader().query(sql, params, [params["path"]])


def row_value(row: tuple) -> Value:
    (measure, level, org, month, numerator, denominator, value, suppressed, *rest) = row
    return Value(measure, level, org, month, None if numerator is None else float(numerator),
                 None if denominator is None else int(denominator), None if value is None else float(value),
                 bool(suppressed), *(None if v is None else float(v) for v in rest))


SELECT = ("SELECT measure, level, org_code, month, numerator, denominator, value, coalesce(suppressed, false), "
           "england_value, lower95, upper95, lower998, upper998, percentile, change_12m FROM read_parquet($path) ")


@figures
def measures_series(out: Output, level: str, codes: Iterable[str], measures: Iterable[str] | None = None) -> list[Value]:
    """Every month of ``level``'s organisations ``codes`` (of ``measures``, default all), by measure, code, month."""
    params: dict = {"path": out.path(VALUES_FILE), "level": level, "codes": list(codes)}
    sql = SELECT + "WHERE level = $level AND list_contains($codes, org_code)"
    if measures is not None:
        sql += " AND list_contains($measures, measure)"
        params["measures"] = list(measures)
    return [row_value(r) for r in _query(sql + " ORDER BY measure, org_code, month", params)]


@figures
def measures_latest(out: Output, level: str, codes: Iterable[str] | None = None) -> list[Value]:
    """The last month of the run for ``level``'s organisations (``codes``, default every one), by measure, code."""
    params: dict = {"path": out.path(VALUES_FILE), "level": level, "month": out.last_month}
    sql = SELECT + "WHERE level = $level AND month = $month"
    if codes is not None:
        sql += " AND list_contains($codes, org_code)"
        params["codes"] = list(codes)
    return [row_value(r) for r in _query(sql + " ORDER BY measure, org_code", params)]


@figures
def measures_deciles(out: Output, measures: Iterable[str] | None = None) -> list[tuple[str, dt.date, int, float]]:
    """``(measure, month, percentile, value)`` of the PCNs' deciles, by measure, month, percentile."""
    params: dict = {"path": out.path(DECILES_FILE)}
    sql = "SELECT measure, month, percentile, value FROM read_parquet($path)"
    if measures is not None:
        sql += " WHERE list_contains($measures, measure)"
        params["measures"] = list(measures)
    return [(r[0], r[1], int(r[2]), float(r[3])) for r in _query(sql + " ORDER BY measure, month, percentile", params)]


@figures
def measures_orgs(out: Output, level: str) -> list[str]:
    """The organisations of ``level`` the output holds."""
    rows = _query("SELECT DISTINCT org_code FROM read_parquet($path) WHERE level = $level ORDER BY 1",
                  {"path": out.path(VALUES_FILE), "level": level})
    return [r[0] for r in rows]


def months(out: Output) -> list[dt.date]:
    """Every month of the run, first to last."""
    first, last = out.first_month, out.last_month
    if first is None or last is None:
        return []
    found, month = [], first
    while month <= last:
        found.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def england(out: Output) -> list[Value]:
    return measures_series(out, "england", [ENGLAND])


def by_measure(rows: Iterable[Value]) -> dict[str, list[Value]]:
    found: dict[str, list[Value]] = {}
    for r in rows:
        found.setdefault(r.measure, []).append(r)
    return found


def deciles_by_measure(rows: Iterable[tuple[str, dt.date, int, float]]) -> dict[str, dict[int, dict[dt.date, float]]]:
    """``{measure: {percentile: {month: value}}}``."""
    found: dict[str, dict[int, dict[dt.date, float]]] = {}
    for measure, month, percentile, value in rows:
        found.setdefault(measure, {}).setdefault(percentile, {})[month] = value
    return found


# --- Neighbourhoods (measure_neighbourhoods.parquet, when written) --------------------------------------


#: How a neighbourhood without a recorded LSOA is named.
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class NeighbourhoodValue:
    """One row of ``measure_neighbourhoods.parquet``: a measure in one neighbourhood (LSOA) of a PCN, in a month."""

    measure: str
    org_code: str
    month: dt.date
    neighbourhood: str | None
    numerator: float | None
    denominator: int | None
    value: float | None
    suppressed: bool

    @property
    def name(self) -> str:
        return self.neighbourhood or NOT_RECORDED

    def text(self, unit: str) -> str:
        """The value as shown: the suppression text for a suppressed row, never a number."""
        return SUPPRESSED if self.suppressed else format_value(unit, self.value)

    def to_dict(self) -> dict:
        return {"measure": self.measure, "pcn_code": self.org_code, "month": self.month,
                "neighbourhood": self.neighbourhood, "numerator": self.numerator, "denominator": self.denominator,
                "value": self.value, "suppressed": self.suppressed}


def has_neighbourhoods(out: Output) -> bool:
    """Whether the run wrote the neighbourhood breakdown (the file is there)."""
    return (out.folder / NEIGHBOURHOODS_FILE).is_file()


@figures
def neighbourhoods(out: Output, pcn: str, measures: Iterable[str] | None = None,
                   latest: bool = False) -> list[NeighbourhoodValue]:
    """The neighbourhoods of PCN ``pcn`` (of ``measures``, default all; the run's last month with ``latest``, else
    every month), by measure, month and LSOA (a neighbourhood not recorded last); [] without the file."""
    if not has_neighbourhoods(out):
        return []
    params: dict = {"path": out.path(NEIGHBOURHOODS_FILE), "pcn": pcn}
    sql = ("SELECT measure, org_code, month, neighbourhood, numerator, denominator, value, coalesce(suppressed, false) "
           "FROM read_parquet($path) WHERE level = 'pcn' AND org_code = $pcn")
    if measures is not None:
        sql += " AND list_contains($measures, measure)"
        params["measures"] = list(measures)
    if latest:
        sql += " AND month = $month"
        params["month"] = out.last_month
    rows = _query(sql + " ORDER BY measure, month, neighbourhood NULLS LAST", params)
    return [NeighbourhoodValue(m, org, month_, lsoa, None if n is None else float(n), None if d is None else int(d),
                               None if v is None else float(v), bool(suppressed))
            for m, org, month_, lsoa, n, d, v, suppressed in rows]
