"""Reading the population health pipeline's output for the pages and the API.

The output folder is ``settings.PCNHUB_PHM_DIR / "output"``, written by ``pcnhub phm run``:

* ``patient_features.parquet`` - one row per patient (pseudonymous id, practice, age, sex, frailty,
  medicines, QRISK3, segment and a flag per cohort);
* ``aggregates.parquet`` - counts per practice, PCN and ICB, already disclosure-controlled (counts of
  1 to 6 suppressed, others rounded to 5);
* ``variation.parquet`` - each practice's rate of a measure with funnel-plot limits;
* ``summary.json`` - engine, as-of date, number of patients.

Every read queries the Parquet files with parameters (file paths, practice and organisation codes, measures)
through the process's one DuckDB database (:func:`reader`: a cursor a thread, opened again when a run replaces
the files it read); the only names written into SQL are column names from this module's own lists. Rows are
filtered to the practices or organisations asked for in the query, so only what a page shows is read into memory.

Counts this module computes itself from patient rows (the frailty and risk pyramids) go through
:func:`disclose`, the same rule as the pipeline's aggregates. The cohort worklists are the only
patient-level reads; who may call them is decided in :mod:`pcnhub.phm.permissions`.

The dashboards' figures (aggregates, variation, pyramids, the measures and ICBs the output holds) are
kept in the site's cache (:func:`figures`), keyed on the output files' paths, modification times and
sizes (:attr:`Output.fingerprint`), so a new pipeline run is read afresh; they are the same for every user
allowed to see them (who may is decided before they are asked for). Only figures are cached, after
disclosure control: the worklists (patient rows) and their counts are read from the files every time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from django.conf import settings

from pcnhub.analytics.outputs import Reader, fingerprint, shared_reader
from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.register.services import cached, latest_data_date

T = TypeVar("T")

FEATURES = "patient_features.parquet"
AGGREGATES = "aggregates.parquet"
VARIATION = "variation.parquet"
SUMMARY = "summary.json"
OUTPUT_FILES = (FEATURES, AGGREGATES, VARIATION, SUMMARY)

#: Counts from 1 to SMALLEST - 1 are never shown; others are rounded to the nearest ROUND_TO.
SMALLEST = 7
ROUND_TO = 5
SUPPRESSED = "suppressed (fewer than 7)"
PAGE_SIZE = 50

# --- What the measures mean ------------------------------------------------------------------------

#: Population segments (Bridges to Health), in order of increasing need.
SEGMENTS = {
    "healthy": "Healthy",
    "maternal_infant": "Maternal and infant health",
    "acutely_ill": "Acutely ill",
    "chronic_normal_function": "Long-term conditions, normal function",
    "stable_disability": "Stable but serious disability",
    "organ_failure": "Organ failure",
    "frailty_dementia": "Frailty and dementia",
    "end_of_life": "End of life",
}

EFI_CATEGORIES = {"fit": "Fit", "mild": "Mild frailty", "moderate": "Moderate frailty", "severe": "Severe frailty"}
OLDER_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
SEXES = {"M": "Men", "F": "Women"}
ETHNICITIES = {
    "white": "White", "indian": "Indian", "pakistani": "Pakistani", "bangladeshi": "Bangladeshi",
    "other_asian": "Other Asian", "black_caribbean": "Black Caribbean", "black_african": "Black African",
    "chinese": "Chinese", "other": "Other ethnic group", "unknown": "Not recorded",
}


@dataclass(frozen=True)
class Cohort:
    key: str
    name: str
    description: str
    #: Columns shown after patient, age, sex and practice.
    columns: tuple[str, ...]
    sort: str
    descending: bool = True

    @property
    def column(self) -> str:
        return f"cohort_{self.key}"

    @property
    def measure(self) -> str:
        return f"cohort_{self.key}"


COHORTS = {c.key: c for c in (
    Cohort("smr", "Structured medication review",
           "Patients whose medicines most need a structured review: many repeat medicines, frailty or a care home.",
           ("repeat_medicines", "polypharmacy_10plus", "efi_category", "care_home", "segment"), "repeat_medicines"),
    Cohort("care_home", "Care home residents",
           "Patients living in a care home, for the Enhanced Health in Care Homes service.",
           ("efi_category", "efi_score", "repeat_medicines", "condition_count", "segment"), "efi_score"),
    Cohort("anticipatory_care", "Anticipatory care",
           "Patients with complex needs (moderate or severe frailty, several long-term conditions) who benefit "
           "from a personalised care and support plan.",
           ("efi_category", "efi_score", "condition_count", "cms_score", "repeat_medicines", "segment"), "efi_score"),
    Cohort("cvd_statin", "Cardiovascular prevention: statins",
           "Patients at raised cardiovascular risk (QRISK3 10% or more) to be offered a statin.",
           ("qrisk3", "condition_count", "segment"), "qrisk3"),
    Cohort("cvd_bp", "Cardiovascular prevention: blood pressure",
           "Patients whose blood pressure needs checking or treating to target.",
           ("qrisk3", "condition_count", "segment"), "qrisk3"),
    Cohort("cancer_screening", "Cancer screening",
           "Patients eligible for and not up to date with cancer screening.",
           ("imd_decile", "ethnicity", "segment"), "age", False),
)}

#: Names of the aggregate measures (others are shown by their key).
MEASURES = {
    "patients": "Registered patients",
    "efi_moderate_severe": "Moderate or severe frailty (eFI), aged 65 and over",
    "polypharmacy_10plus": "10 or more repeat medicines",
    "qrisk3_10plus": "QRISK3 10-year cardiovascular risk 10% or more (of those scored: 25-84, no CVD, no statin)",
    **{c.measure: f"Cohort: {c.name.lower()}" for c in COHORTS.values()},
    **{f"segment_{key}": f"Segment: {name.lower()}" for key, name in SEGMENTS.items()},
}
#: Short headings of the measures, for tables with a column each.
SHORT_MEASURES = {
    "efi_moderate_severe": "Frailty, 65+", "polypharmacy_10plus": "10+ medicines", "qrisk3_10plus": "QRISK3 10%+",
    "cohort_smr": "Medication review", "cohort_care_home": "Care home", "cohort_anticipatory_care": "Anticipatory care",
    "cohort_cvd_statin": "Statins", "cohort_cvd_bp": "Blood pressure", "cohort_cancer_screening": "Cancer screening",
}
#: The measure shown first on the funnel plot and inequality charts, when the output has it.
DEFAULT_MEASURE = "efi_moderate_severe"

#: Worklist columns: heading, and how a value is written.
COLUMNS = {
    "patient_id": "Patient id",
    "age": "Age",
    "sex": "Sex",
    "practice_code": "Practice",
    "efi_category": "eFI category",
    "efi_score": "eFI score",
    "repeat_medicines": "Repeat medicines",
    "polypharmacy_10plus": "10+ medicines",
    "qrisk3": "QRISK3 (%)",
    "condition_count": "Long-term conditions",
    "cms_score": "Multimorbidity score (CMS)",
    "care_home": "Care home",
    "segment": "Segment",
    "imd_decile": "IMD decile",
    "ethnicity": "Ethnicity",
}
BASE_COLUMNS = ("patient_id", "age", "sex", "practice_code")

# --- Risk tiers -------------------------------------------------------------------------------------

#: The risk pyramid: every patient in exactly one tier, the first whose rule they meet (top down).
RISK_TIERS = (
    ("highest", "Highest need", "End of life segment, severe frailty, or living in a care home",
     "segment = 'end_of_life' OR efi_category = 'severe' OR care_home"),
    ("high", "High risk", "Moderate frailty, or the organ failure or frailty and dementia segments",
     "efi_category = 'moderate' OR segment IN ('organ_failure', 'frailty_dementia')"),
    ("rising", "Rising risk", "QRISK3 20% or more, mild frailty, or 10 or more repeat medicines",
     "qrisk3 >= 20 OR efi_category = 'mild' OR polypharmacy_10plus"),
    ("moderate", "Moderate risk", "QRISK3 10% to under 20%, or two or more long-term conditions",
     "qrisk3 >= 10 OR condition_count >= 2"),
    ("low", "Low risk", "Everyone else", "TRUE"),
)


# --- Disclosure control ----------------------------------------------------------------------------


def disclose(count: int | None) -> int | None:
    """A count as it may be shown: 0 stays 0, 1 to 6 are suppressed (None), others round to the nearest 5."""
    if count is None or count <= 0:
        return 0 if count == 0 else None
    if count < SMALLEST:
        return None
    return int(ROUND_TO * math.floor(count / ROUND_TO + 0.5))


@dataclass(frozen=True)
class Shown:
    """A figure as a page shows it: a number, or suppressed (never both); ``number`` None when not known."""

    number: float | None
    suppressed: bool = False
    kind: str = "count"  # count, percent, rate

    @property
    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        if self.number is None:
            return "not known"
        if self.kind == "percent":
            return f"{self.number:.1f}%"
        return f"{int(self.number):,}"

    @property
    def value(self) -> float | None:
        """The number for a chart (None when suppressed or not known)."""
        return None if self.suppressed else self.number


def shown_count(count: int | None) -> Shown:
    """A count computed here from patient rows, disclosure-controlled."""
    if count is None:
        return Shown(None)
    value = disclose(int(count))
    return Shown(None, True) if value is None else Shown(value)


def shown_controlled(count: int | None) -> Shown:
    """A count the pipeline has already rounded to 5 (a multiple of 5 is shown as it is); anything else,
    which the pipeline should not have written, goes through :func:`disclose`."""
    if count is None:
        return Shown(None)
    if count % ROUND_TO == 0:
        return Shown(int(count))
    return shown_count(count)


def percent_of(part: Shown, whole: Shown) -> Shown:
    """``part`` as a percentage of ``whole``, from the shown (rounded) numbers."""
    if part.suppressed:
        return Shown(None, True, "percent")
    if part.number is None or not whole.number:
        return Shown(None, kind="percent")
    return Shown(100.0 * part.number / whole.number, kind="percent")


# --- The output folder -----------------------------------------------------------------------------


def phm_dir() -> Path:
    return Path(settings.PCNHUB_PHM_DIR)


def data_dir() -> Path:
    return phm_dir() / "data"


def output_dir() -> Path:
    return phm_dir() / "output"


def summary_date(value: object) -> dt.date | None:
    """A date of an output's summary (``YYYY-MM-DD...``), None when it is not one."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class EngineOutput:
    """An engine's output folder (the population health pipeline's, the measures'): its summary and files."""

    folder: Path
    summary: dict
    #: The output files' paths, modification times and sizes: changes with every run.
    fingerprint: str = ""

    def path(self, name: str) -> str:
        return str(self.folder / name)

    @property
    def as_of(self) -> dt.date | None:
        return summary_date(self.summary.get("as_of"))

    @property
    def engine(self) -> str:
        return str(self.summary.get("engine") or "")

    @property
    def synthetic(self) -> bool | None:
        """Are the patients made up? True when the dataset the engine ran on was marked synthetic (``pcnhub phm
        synth`` marks what it makes), False when it was not, None for an output written before the mark."""
        value = self.summary.get("synthetic")
        return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Output(EngineOutput):
    """The population health pipeline's output."""

    @property
    def patients(self) -> int | None:
        value = self.summary.get("patients")
        return value if isinstance(value, int) else None



def read_output(folder: Path, files: Sequence[str], summary_file: str, make: Callable[[Path, dict, str], T]) -> T | None:
    """``make(folder, summary, fingerprint)`` for an engine's output in ``folder`` (``files``, one of them the JSON
    ``summary_file``), the fingerprint being the files' paths, modification times and sizes; None when a file is
    missing or the summary cannot be read (a page then says how to make the output)."""
    if not all((folder / name).is_file() for name in files):
        return None
    try:
        summary = json.loads((folder / summary_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = fingerprint(folder, files)
    return None if found is None else make(folder, summary if isinstance(summary, dict) else {}, found)


def output(folder: Path | None = None) -> Output | None:
    """The pipeline output, or None when it is missing or incomplete (a page then says how to make it)."""
    return read_output(folder or output_dir(), OUTPUT_FILES, SUMMARY, Output)


#: The names the dashboards' figures are cached under start with this.
FIGURES_KEY = "phm:"


def _plain(value):
    """An argument as it goes into a cache key (and to the function): sets sorted, other iterables listed."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return list(value)


def figures(function):
    """Keep what ``function(out, ...)`` returns (figures of the output, never patient rows) in the site's
    cache under the output's fingerprint, the function and its arguments; ``function.uncached`` is the
    function itself."""

    @functools.wraps(function)
    def read(out: Output, *args, **kwargs):
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        return cached(FIGURES_KEY + function.__name__, [str(out.folder), args, sorted(kwargs.items())],
                      lambda: function(out, *args, **kwargs), out.fingerprint)

    read.uncached = function
    return read


#: Where the pages' DuckDB limits come from, named by an error.
LIMIT_SETTINGS: Final = ("settings.PCNHUB_DUCKDB_MEMORY_LIMIT", "settings.PCNHUB_DUCKDB_THREADS")


def reader() -> Reader:
    """The process's one DuckDB reader of the engines' outputs (:func:`pcnhub.analytics.outputs.shared_reader`)."""
    return shared_reader(memory_limit=settings.PCNHUB_DUCKDB_MEMORY_LIMIT, threads=settings.PCNHUB_DUCKDB_THREADS,
                         sources=LIMIT_SETTINGS)


def _query(sql: str, params: dict) -> list[tuple]:
    """``sql`` over the Parquet file ``params["path"]``."""
    return reader().query(sql, params, [params["path"]])


# --- Organisations ---------------------------------------------------------------------------------


def member_practices(pcn: Organisation, day: dt.date | None = None) -> list[Organisation]:
    """The PCN's member practices on ``day`` (default: the register's latest date), by code."""
    day = day or latest_data_date()
    ids = Membership.objects.on(day).filter(pcn=pcn).values_list("practice_id", flat=True)
    return list(Organisation.objects.filter(pk__in=list(ids)).order_by("code"))


def practices_of(subject: Organisation) -> list[Organisation]:
    """The practices whose patients make up ``subject``: a PCN's members, or the practice itself."""
    return member_practices(subject) if subject.kind == OrgKind.PCN else [subject]


# --- Aggregates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    level: str
    org_code: str
    measure: str
    breakdown: str
    numerator: int | None
    denominator: int | None
    value: float | None
    suppressed: bool

    @property
    def label(self) -> str:
        return measure_label(self.measure)

    @property
    def shown_numerator(self) -> Shown:
        return Shown(None, True) if self.suppressed else Shown(self.numerator)

    @property
    def shown_denominator(self) -> Shown:
        return Shown(None, True) if self.suppressed and self.denominator is None else Shown(self.denominator)

    @property
    def shown_percent(self) -> Shown:
        """``value`` (rounded numerator over rounded denominator) as a percentage; suppressed rows never
        show a number."""
        if self.suppressed:
            return Shown(None, True, "percent")
        return Shown(None if self.value is None else 100.0 * self.value, kind="percent")

    @property
    def breakdown_key(self) -> str:
        return self.breakdown.partition("=")[0]

    @property
    def breakdown_value(self) -> str:
        return self.breakdown.partition("=")[2]

    def to_dict(self) -> dict:
        """For the API: a suppressed row has no numerator and no value."""
        return {"level": self.level, "org_code": self.org_code, "measure": self.measure, "breakdown": self.breakdown,
                "numerator": None if self.suppressed else self.numerator, "denominator": self.denominator,
                "value": None if self.suppressed else self.value, "suppressed": self.suppressed}


def measure_label(key: str) -> str:
    return MEASURES.get(key, key.replace("_", " "))


def _int(value) -> int | None:
    return None if value is None else int(value)


@figures
def aggregates(out: Output, level: str, codes: Iterable[str], *, measures: Iterable[str] | None = None,
               breakdown: str | None = "") -> list[Aggregate]:
    """Aggregate rows of ``level`` for the organisations ``codes``.

    ``breakdown``: ``""`` for the totals only, a prefix such as ``"imd_decile="`` for one breakdown,
    None for every row.
    """
    sql = ["SELECT level, org_code, measure, coalesce(breakdown, ''), numerator, denominator, value,",
           "coalesce(suppressed, false) FROM read_parquet($path)",
           "WHERE level = $level AND list_contains($codes, org_code)"]
    params: dict = {"path": out.path(AGGREGATES), "level": level, "codes": list(codes)}
    if measures is not None:
        sql.append("AND list_contains($measures, measure)")
        params["measures"] = list(measures)
    if breakdown == "":
        sql.append("AND coalesce(breakdown, '') = ''")
    elif breakdown is not None:
        sql.append("AND starts_with(breakdown, $prefix)")
        params["prefix"] = breakdown
    sql.append("ORDER BY org_code, measure, breakdown")
    return [Aggregate(r[0], r[1], r[2], r[3], _int(r[4]), _int(r[5]), None if r[6] is None else float(r[6]),
                      bool(r[7])) for r in _query(" ".join(sql), params)]


def by_measure(rows: Iterable[Aggregate]) -> dict[str, Aggregate]:
    return {r.measure: r for r in rows}


def ordered_measures(keys: Iterable[str]) -> list[str]:
    known = list(MEASURES)
    return sorted(set(keys), key=lambda k: (known.index(k) if k in known else len(known), k))


@figures
def icb_codes(out: Output) -> set[str]:
    """The ICBs the aggregates hold figures for."""
    rows = _query("SELECT DISTINCT org_code FROM read_parquet($path) WHERE level = 'icb'", {"path": out.path(AGGREGATES)})
    return {r[0] for r in rows}


@figures
def aggregate_measures(out: Output) -> list[str]:
    """The measures the aggregates hold (known ones first, in this module's order)."""
    rows = _query("SELECT DISTINCT measure FROM read_parquet($path)", {"path": out.path(AGGREGATES)})
    return ordered_measures(r[0] for r in rows)


# --- Variation (funnel plots) ----------------------------------------------------------------------


@dataclass(frozen=True)
class VariationRow:
    measure: str
    practice_code: str
    pcn_code: str | None
    denominator: int | None
    observed: int | None
    expected: float | None
    ratio: float | None
    rate: float | None
    standardised_rate: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    outlier: str

    @property
    def suppressed(self) -> bool:
        """A practice's own count (or denominator) of 1 to 6 is never shown, nor its rates. (The pipeline
        leaves such practices out and rounds the others to 5; this guards against a file that does not.)"""
        return shown_controlled(self.observed).suppressed or shown_controlled(self.denominator).suppressed

    @property
    def shown_observed(self) -> Shown:
        return Shown(None, True) if self.suppressed else shown_controlled(self.observed)

    @property
    def shown_denominator(self) -> Shown:
        return shown_controlled(self.denominator)

    def _percent(self, value: float | None) -> Shown:
        if self.suppressed:
            return Shown(None, True, "percent")
        return Shown(None if value is None else 100.0 * value, kind="percent")

    @property
    def shown_rate(self) -> Shown:
        """The crude rate: observed / denominator."""
        return self._percent(self.rate)

    @property
    def plotted_rate(self) -> Shown:
        """The rate compared with the limits: the standardised rate (by age and sex) when the output has it."""
        return self._percent(self.standardised_rate if self.standardised_rate is not None else self.rate)

    @property
    def shown_standardised_rate(self) -> Shown:
        return self._percent(self.standardised_rate)

    @property
    def outlier_text(self) -> str:
        return {"high": "Above the 99.8% limit", "low": "Below the 99.8% limit"}.get(self.outlier, "Within limits")


def _float(value) -> float | None:
    return None if value is None else float(value)


def _columns(path: str) -> set[str]:
    return {r[0] for r in _query("SELECT name FROM parquet_schema($path)", {"path": path})}


@figures
def variation(out: Output, measure: str, practice_codes: Iterable[str]) -> list[VariationRow]:
    path = out.path(VARIATION)
    standardised = "standardised_rate" if "standardised_rate" in _columns(path) else "NULL"
    rows = _query(
        "SELECT measure, practice_code, pcn_code, denominator, observed, expected, ratio, rate, "
        f"{standardised}, lower95, upper95, lower998, upper998, coalesce(outlier, '') FROM read_parquet($path) "
        "WHERE measure = $measure AND list_contains($codes, practice_code) ORDER BY denominator, practice_code",
        {"path": path, "measure": measure, "codes": list(practice_codes)},
    )
    return [VariationRow(r[0], r[1], r[2], _int(r[3]), _int(r[4]), *(_float(v) for v in r[5:13]), str(r[13]))
            for r in rows]


#: z of the funnel limits (two-sided 95% and 99.8%).
Z95 = 1.959963984540054
Z998 = 3.090232306167813


def overall_rate(rows: Iterable[VariationRow]) -> float | None:
    """The rate the limits are centred on (every practice's the same: the dataset's overall rate), found
    from the limits of a practice where they are not cut at 0 or 1; None if no practice has such limits."""
    found = []
    for r in rows:
        if None not in (r.lower998, r.upper998) and 0 < r.lower998 and r.upper998 < 1:
            found.append((r.lower998 + r.upper998) / 2)
        elif None not in (r.lower95, r.upper95) and 0 < r.lower95 and r.upper95 < 1:
            found.append((r.lower95 + r.upper95) / 2)
    if not found:
        return None
    found.sort()
    return found[len(found) // 2]


def funnel_limits(p: float, smallest: float, largest: float, points: int = 80) -> dict[str, list[float]]:
    """The funnel around rate ``p`` for denominators from ``smallest`` to ``largest`` (per cent): the normal
    approximation to the binomial, ``p -/+ z sqrt(p (1 - p) / n)``, kept within 0% and 100%."""
    smallest, largest = max(1.0, smallest), max(smallest + 1.0, largest)
    ns = [smallest * (largest / smallest) ** (i / (points - 1)) for i in range(points)]
    out: dict[str, list[float]] = {"n": [round(n, 1) for n in ns], "target": [100.0 * p] * points}
    for name, z, sign in (("lower95", Z95, -1), ("upper95", Z95, 1), ("lower998", Z998, -1), ("upper998", Z998, 1)):
        out[name] = [round(100.0 * min(1.0, max(0.0, p + sign * z * math.sqrt(p * (1 - p) / n))), 4) for n in ns]
    return out


@figures
def variation_measures(out: Output) -> list[str]:
    rows = _query("SELECT DISTINCT measure FROM read_parquet($path)", {"path": out.path(VARIATION)})
    return ordered_measures(r[0] for r in rows)


# --- Pyramids from patient rows (disclosure-controlled here) ---------------------------------------


@dataclass
class Pyramid:
    """Patients aged 65 and over by age band, sex and eFI category (counts shown, i.e. disclosed)."""

    cells: dict[tuple[str, str, str], Shown] = field(default_factory=dict)  # (band, sex, category)

    def cell(self, band: str, sex: str, category: str) -> Shown:
        return self.cells.get((band, sex, category), Shown(0))


@figures
def frailty_pyramid(out: Output, practice_codes: Iterable[str]) -> Pyramid:
    rows = _query(
        "SELECT age_band, sex, efi_category, count(*) FROM read_parquet($path) "
        "WHERE list_contains($codes, practice_code) AND age >= 65 AND efi_category IS NOT NULL "
        "GROUP BY ALL",
        {"path": out.path(FEATURES), "codes": list(practice_codes)},
    )
    pyramid = Pyramid()
    for band, sex, category, count in rows:
        if band in OLDER_BANDS and sex in SEXES and category in EFI_CATEGORIES:
            pyramid.cells[(band, sex, category)] = shown_count(count)
    return pyramid


@figures
def risk_tiers(out: Output, practice_codes: Iterable[str]) -> tuple[dict[str, Shown], Shown]:
    """Patients in each risk tier (top down, see :data:`RISK_TIERS`), and all patients; disclosure-controlled."""
    case = " ".join(f"WHEN coalesce({rule}, false) THEN '{key}'" for key, _, _, rule in RISK_TIERS)
    rows = _query(
        f"SELECT CASE {case} END AS tier, count(*) FROM read_parquet($path) "
        "WHERE list_contains($codes, practice_code) GROUP BY ALL",
        {"path": out.path(FEATURES), "codes": list(practice_codes)},
    )
    counts = {key: 0 for key, *_ in RISK_TIERS}
    for tier, count in rows:
        counts[tier] = int(count)
    return {key: shown_count(n) for key, n in counts.items()}, shown_count(sum(counts.values()))


@dataclass(frozen=True)
class PracticeCounts:
    """One practice's patients counted for sums over any group of practices (raw counts: disclosure control is
    applied to the sums, by :func:`shown_count`, never to these)."""

    patients: int
    tiers: dict[str, int]
    cohorts: dict[str, int]
    #: patients by the lowest age of each band of :data:`AGE_BANDS`
    ages: dict[int, int]


#: The age bands patients are counted in by :func:`practice_counts` (lowest age of each).
AGE_BANDS: Final = (0, 18, 65, 80)


@figures
def practice_counts(out: Output, practice_codes: Iterable[str]) -> dict[str, PracticeCounts]:
    """Each practice's patients by risk tier, service-specification cohort and age band, in one query."""
    case = " ".join(f"WHEN coalesce({rule}, false) THEN '{key}'" for key, _, _, rule in RISK_TIERS)
    ages = " ".join(f"WHEN age >= {low} THEN {low}" for low in sorted(AGE_BANDS, reverse=True))
    cohorts = ", ".join(f"count(*) FILTER (WHERE coalesce({c.column}, false))" for c in COHORTS.values())
    rows = _query(
        f"SELECT practice_code, CASE {case} END AS tier, CASE {ages} END AS band, count(*), {cohorts} "
        "FROM read_parquet($path) WHERE list_contains($codes, practice_code) GROUP BY ALL",
        {"path": out.path(FEATURES), "codes": list(practice_codes)},
    )
    found: dict[str, PracticeCounts] = {}
    for code, tier, band, count, *in_cohorts in rows:
        counts = found.setdefault(code, PracticeCounts(0, {key: 0 for key, *_ in RISK_TIERS},
                                                       {key: 0 for key in COHORTS}, {low: 0 for low in AGE_BANDS}))
        counts = PracticeCounts(counts.patients + int(count), counts.tiers, counts.cohorts, counts.ages)
        if tier in counts.tiers:
            counts.tiers[tier] += int(count)
        if band is not None:
            counts.ages[int(band)] += int(count)
        for key, n in zip(COHORTS, in_cohorts, strict=True):
            counts.cohorts[key] += int(n)
        found[code] = counts
    return found


# --- Worklists (patient-level) ---------------------------------------------------------------------


def _where(cohort: Cohort) -> str:
    return f"WHERE {cohort.column} AND list_contains($codes, practice_code)"


def worklist_count(out: Output, cohort: Cohort, practice_codes: Iterable[str]) -> int:
    rows = _query(f"SELECT count(*) FROM read_parquet($path) {_where(cohort)}",
                  {"path": out.path(FEATURES), "codes": list(practice_codes)})
    return int(rows[0][0])


def sortable(cohort: Cohort) -> tuple[str, ...]:
    return (*BASE_COLUMNS, *cohort.columns)


def _worklist_sql(cohort: Cohort, practice_codes: Iterable[str], sort: str | None, descending: bool | None,
                  extra: str = "") -> tuple[list[str], str, dict]:
    columns = sortable(cohort)
    sort = sort or cohort.sort
    if sort not in columns:
        raise ValueError(f"cannot sort by {sort!r}")
    descending = cohort.descending if descending is None else descending
    order = f"{sort} {'DESC' if descending else 'ASC'} NULLS LAST, patient_id"
    sql = f"SELECT {', '.join(columns)}{extra} FROM read_parquet($path) {_where(cohort)} ORDER BY {order}"
    return list(columns), sql, {"codes": list(practice_codes)}


def worklist(out: Output, cohort: Cohort, practice_codes: Iterable[str], *, sort: str | None = None,
             descending: bool | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
    """The cohort's patients of ``practice_codes``, sorted (nulls last, then by patient id), one page or all."""
    columns, sql, params = _worklist_sql(cohort, practice_codes, sort, descending)
    params["path"] = out.path(FEATURES)
    if limit is not None:
        sql += " LIMIT $limit OFFSET $offset"
        params.update(limit=int(limit), offset=int(offset))
    return [dict(zip(columns, row)) for row in _query(sql, params)]


def worklist_page(out: Output, cohort: Cohort, practice_codes: Iterable[str], *, sort: str | None = None,
                  descending: bool | None = None, limit: int, offset: int = 0) -> tuple[list[dict], int]:
    """One page of :func:`worklist` and the number of patients in the whole worklist, in one read of the
    patients' file (the count travels with each row); a page past the end reads the count alone."""
    columns, sql, params = _worklist_sql(cohort, practice_codes, sort, descending, ", count(*) OVER ()")
    params.update(path=out.path(FEATURES), limit=int(limit), offset=int(offset))
    found = _query(sql + " LIMIT $limit OFFSET $offset", params)
    if not found:
        return [], (worklist_count(out, cohort, params["codes"]) if offset else 0)
    return [dict(zip(columns, row)) for row in found], int(found[0][-1])


def cell_text(column: str, value) -> str:
    """A worklist value as the page writes it."""
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "sex":
        return {"F": "Female", "M": "Male"}.get(value, str(value))
    if column == "segment":
        return SEGMENTS.get(value, str(value))
    if column == "efi_category":
        return EFI_CATEGORIES.get(value, str(value))
    if column == "ethnicity":
        return ETHNICITIES.get(value, str(value))
    if column == "qrisk3" or column == "cms_score":
        return f"{value:.1f}"
    if column == "efi_score":
        return f"{value:.2f}"
    return str(value)


def export_value(column: str, value):
    """A worklist value as a download writes it: numbers stay numbers, codes become words."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return cell_text(column, value)
