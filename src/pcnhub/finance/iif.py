"""A PCN's Investment and Impact Fund achievement from the measures (``pcnhub iif --pcn``, the IIF page).

The counts of each indicator's measure (``indicator.measure`` in ``reference/iif``) for the PCN, month by
month over the IIF year to date, come from one of two places:

* :func:`read_output` (one PCN) and :func:`read_outputs` (many, in one read): the PCN rows of a measures
  output (``measure_values.parquet`` of ``pcnhub measures run``), whose counts are disclosure-controlled
  (rounded to 5, counts of 1 to 6 suppressed): the IIF computed from them is said to be so; every read of
  the file goes through :func:`query`;
* :func:`compute_from_dataset`: the exact counts, computed from a patient dataset for the PCN's practices
  with the measures engine (DuckDB).

:func:`achievement` then scores each linked indicator with :func:`pcnhub.domain.iif.year_to_date`: points,
GBP with the PCN's list size (and the prevalence adjustment where the catalogue says the indicator has
one, prevalence being the measure's denominator over the registered list, the PCN's against England's),
and the forecast; :attr:`PCNAchievement.earned` is what the PCN's entitlement counts of it.  Nothing here
needs Django: the pages and the command share it (the pages keep it in the cache, :mod:`pcnhub.finance.iif_output`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from pcnhub.domain import iif as d
from pcnhub.reference import measures as definitions

VALUES_FILE: Final = "measure_values.parquet"
PCN_LEVEL: Final = "pcn"
ENGLAND_LEVEL: Final = "england"
ENGLAND: Final = "ENG"
ROUNDED: Final = ("the measures output's counts: rounded to the nearest 5, counts of 1 to 6 suppressed "
                  "(disclosure control), so the achievement is approximate")
EXACT: Final = "exact counts computed from the patient dataset for the PCN's practices"


@dataclass(frozen=True)
class Series:
    """Monthly counts of some measures for the PCN and for England, and the registered lists."""

    pcn: Mapping[str, list[d.MonthCounts]]
    england: Mapping[str, list[d.MonthCounts]] = field(default_factory=dict)
    registered: Mapping[dt.date, Decimal] = field(default_factory=dict)
    england_registered: Mapping[dt.date, Decimal] = field(default_factory=dict)
    source: str = ""


def kinds(measure: definitions.Measure) -> tuple[str, str]:
    """Whether the measure's numerator and denominator are flows (things in the month) or snapshots."""
    return tuple(d.SNAPSHOT if side.count == "patients" else d.FLOW  # type: ignore[return-value]
                 for side in (measure.numerator, measure.denominator))


def register_measure(ids: Iterable[str]) -> str | None:
    """A measure among ``ids`` whose denominator is every registered patient (gives the list each month)."""
    for measure_id in sorted(ids):
        denominator = definitions.measure(measure_id).denominator
        if denominator.count == "patients" and not denominator.where:
            return measure_id
    return None


def linked(catalogue: d.IIFYear) -> list[d.Indicator]:
    return [i for i in catalogue.indicators if i.measure]


def needed_measures(catalogue: d.IIFYear) -> list[str]:
    return sorted({i.measure for i in linked(catalogue)})


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def query(path: Path, sql: str, params: Sequence) -> list[tuple]:
    """``sql`` over the Parquet file ``path`` (the first parameter): every read of a measures output goes here,
    through the process's one DuckDB reader (:func:`pcnhub.analytics.outputs.shared_reader`)."""
    from pcnhub.analytics.outputs import shared_reader

    return shared_reader().query(sql, [str(path), *params], [path])


def _values(folder: Path) -> Path:
    path = Path(folder) / VALUES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {VALUES_FILE} (run pcnhub measures run)")
    return path


def last_month(folder: Path) -> dt.date | None:
    """The last month of the measures output in ``folder`` (None when it has no rows)."""
    [(last,)] = query(_values(folder), "SELECT max(month) FROM read_parquet(?)", [])
    return last


def read_outputs(folder: Path, catalogue: d.IIFYear, pcn_codes: Sequence[str] | None = None,
                 as_of: dt.date | None = None) -> dict[str, Series]:
    """Each PCN's (``pcn_codes``, default every PCN of the output) and England's monthly counts of the year's
    measures from ``folder/measure_values.parquet``, in one read: ``{pcn_code: Series}``."""
    path = _values(folder)
    months = [m for m in d.year_months(catalogue.year) if as_of is None or m <= as_of]
    if not months:
        return {}
    chosen = "" if pcn_codes is None else " AND list_contains(?, org_code)"
    rows = query(path,
                 "SELECT measure, level, org_code, month, numerator, denominator FROM read_parquet(?) "
                 f"WHERE ((level = ?{chosen}) OR (level = ? AND org_code = ?)) AND month BETWEEN ? AND ? "
                 "ORDER BY month",
                 [PCN_LEVEL, *([] if pcn_codes is None else [list(pcn_codes)]), ENGLAND_LEVEL, ENGLAND,
                  months[0], months[-1]])
    england = [(m, level, month, n, dn) for m, level, _, month, n, dn in rows if level == ENGLAND_LEVEL]
    by_pcn: dict[str, list[tuple]] = {}
    for measure_id, level, code, month, numerator, denominator in rows:
        if level == PCN_LEVEL:
            by_pcn.setdefault(code, []).append((measure_id, level, month, numerator, denominator))
    codes = by_pcn if pcn_codes is None else dict.fromkeys(pcn_codes)
    return {code: _series([*by_pcn.get(code, []), *england], ROUNDED) for code in codes}


def read_output(folder: Path, pcn_code: str, catalogue: d.IIFYear, as_of: dt.date | None = None) -> Series:
    """The PCN's and England's monthly counts of the year's measures from ``folder/measure_values.parquet``."""
    return read_outputs(folder, catalogue, [pcn_code], as_of).get(pcn_code) or Series({}, source=ROUNDED)


def _series(rows: Sequence[tuple], source: str) -> Series:
    pcn: dict[str, list[d.MonthCounts]] = {}
    england: dict[str, list[d.MonthCounts]] = {}
    for measure_id, level, month, numerator, denominator in sorted(rows, key=lambda r: r[2]):
        target = pcn if level == PCN_LEVEL else england
        target.setdefault(measure_id, []).append(d.MonthCounts(month, _decimal(numerator), _decimal(denominator)))
    listing = register_measure(set(pcn) | set(england))

    def lists(table: dict[str, list[d.MonthCounts]]) -> dict[dt.date, Decimal]:
        return {m.month: m.denominator for m in table.get(listing or "", []) if m.denominator is not None}

    return Series(pcn, england, lists(pcn), lists(england), source)


def last_whole_month(day: dt.date) -> dt.date:
    """The first day of the last whole month before ``day`` (as the measures engine counts)."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def compute_from_dataset(data: Path, practices: Sequence[str], catalogue: d.IIFYear, as_of: dt.date, *,
                         memory_limit: str | None = None, threads: int | None = None) -> Series:
    """Exact monthly counts of the year's measures for ``practices`` (and for every practice, as England),
    over the IIF year's whole months before ``as_of``; ``memory_limit`` and ``threads``: DuckDB's (default
    :mod:`pcnhub.analytics.limits`)."""
    from pcnhub.analytics import engines
    from pcnhub.analytics.measures import compile as compiler

    last = last_whole_month(as_of)
    months = [m for m in d.year_months(catalogue.year) if m <= last]
    if not months:
        return Series({}, source=EXACT)
    # The whole months before as_of, counted back far enough to cover the IIF year so far.
    span = (last.year - months[0].year) * d.MONTHS_IN_YEAR + last.month - months[0].month + 1
    periods = compiler.months(as_of, span)
    con = engines.connect("duckdb", memory_limit=memory_limit, threads=threads)
    try:
        tables = engines.load_tables(con, data)
        base = compiler.patient_months(tables["patients"], periods)
        rows: list[tuple] = []
        ids = needed_measures(catalogue)
        for measure_id in ids:
            counts = compiler.practice_counts(definitions.measure(measure_id), base, tables, periods)
            for level, chosen in ((PCN_LEVEL, counts.filter(counts.practice_code.isin(list(practices)))),
                                  (ENGLAND_LEVEL, counts)):
                summed = chosen.group_by("month").aggregate(numerator=chosen.numerator.sum(),
                                                            denominator=chosen.denominator.sum())
                for record in con.execute(summed.order_by("month")).itertuples(index=False):
                    month = record.month.date() if hasattr(record.month, "date") else record.month
                    rows.append((measure_id, level, month, record.numerator, record.denominator))
    finally:
        engines.close(con)
    rows.sort(key=lambda r: r[2])
    return _series(rows, EXACT)


@dataclass(frozen=True)
class PCNAchievement:
    """Every indicator of the year for one PCN: those scored from the measures, and those that cannot be."""

    year: d.IIFYear
    pcn_code: str
    rows: tuple[d.Achievement, ...]
    not_linked: tuple[d.Indicator, ...]
    list_size: int | None
    source: str
    last_month: dt.date | None

    @property
    def has_data(self) -> bool:
        return any(r.achievement is not None for r in self.rows)

    def _total(self, values: list[Decimal | None]) -> Decimal | None:
        return None if not values or any(v is None for v in values) else sum(values, d.ZERO)  # type: ignore[arg-type]

    @property
    def points(self) -> Decimal | None:
        return self._total([r.points for r in self.rows])

    @property
    def gbp(self) -> Decimal | None:
        return self._total([r.gbp for r in self.rows])

    @property
    def forecast_points(self) -> Decimal | None:
        return self._total([r.forecast.points for r in self.rows])

    @property
    def forecast_gbp(self) -> Decimal | None:
        return self._total([r.forecast.gbp for r in self.rows])

    @property
    def status(self) -> str:
        return d.worst(*(r.status for r in self.rows)) if self.rows else d.UNCERTAIN

    @property
    def as_of(self) -> dt.date | None:
        """The last day counted: the end of the last month."""
        if self.last_month is None:
            return None
        return (self.last_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    @property
    def earned(self) -> d.Earned | None:
        """What the PCN's entitlement counts of the IIF: the indicators with GBP so far (None: none has)."""
        return None if self.as_of is None else d.earned_to_date(self.year, self.rows, self.as_of)

    def to_dict(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        earned = self.earned

        return {
            "year": self.year.year.label, "pcn": self.pcn_code, "list_size": self.list_size,
            "last_month": None if self.last_month is None else self.last_month.isoformat(),
            "counts": self.source,
            "indicators": [r.to_dict() for r in self.rows],
            "not_computed": [{"indicator": i.id, "name": i.name, "reason": i.measure_note} for i in self.not_linked],
            "total": {"points": money(self.points), "gbp": money(self.gbp),
                      "forecast_points": money(self.forecast_points), "forecast_gbp": money(self.forecast_gbp),
                      "status": self.status,
                      "note": "a total is given only when every indicator computed has it; indicators the "
                              "patient data cannot express are not counted"},
            "counted": None if earned is None else {
                "gbp": float(earned.amount), "indicators": list(earned.indicators),
                "not_counted": list(earned.not_counted), "as_of": earned.as_of.isoformat(),
                "status": earned.status, "label": earned.describe()},
            "point_value": self.year.point_value.to_dict(),
        }


def achievement(catalogue: d.IIFYear, pcn_code: str, series: Series, *, list_size: int | None) -> PCNAchievement:
    """Score every linked indicator of the year from ``series`` (see the module docs)."""
    rows = []
    last: dt.date | None = None
    # Without the year's national average PCN list there is no list-size adjustment to make.
    size = list_size if catalogue.average_list.known else None
    for indicator in linked(catalogue):
        measure = definitions.measure(indicator.measure)
        numerator_kind, denominator_kind = kinds(measure)
        months = series.pcn.get(indicator.measure, [])
        if months:
            last = max(last or months[-1].month, months[-1].month)
        prevalence = national = None
        if indicator.prevalence_adjusted and months:
            month = months[-1].month
            national_months = {m.month: m for m in series.england.get(indicator.measure, [])}
            if month in series.registered and month in series.england_registered and month in national_months:
                prevalence = months[-1].denominator / series.registered[month] if months[-1].denominator else None
                national_den = national_months[month].denominator
                national = None if national_den is None else national_den / series.england_registered[month]
                if prevalence is None or national is None:
                    prevalence = national = None
        rows.append(d.year_to_date(catalogue, indicator.id, months, numerator_kind=numerator_kind,
                                   denominator_kind=denominator_kind, list_size=size,
                                   prevalence=prevalence, national_prevalence=national))
    not_linked = tuple(i for i in catalogue.indicators if not i.measure)
    return PCNAchievement(catalogue, pcn_code, tuple(rows), not_linked, list_size, series.source, last)
