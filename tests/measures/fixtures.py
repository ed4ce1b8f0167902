"""A tiny measures output of the shape `pcnhub measures run` writes, by hand, for the register of tests/builders.py.

Two measures, two months (January 2024 and January 2025, the last), at every level:

* ``emergency_admissions`` (per 1,000, lower is better): Alpha North U00001 0.655 per 1,000 in January 2025
  (25 of 38,150), the lowest of the three PCNs (0th percentile), down 0.3 on a year before; its practices
  A81001 above the 99.8% limit, A81002 suppressed, A81003 within the limits; Alpha South U00002 1.333 (100th),
  Beta U00003 1.0 (50th).
* ``smr_done_for_cohort`` (per cent, higher is better): Alpha North suppressed (fewer than 7); Alpha South
  40% (100th percentile, up 5 percentage points); Beta 25%.

Neighbourhoods (``measure_neighbourhoods.parquet``, unless ``neighbourhoods=False``): Alpha North's emergency
admissions in January 2025 in E01000001 10 of 12,000 (0.8 per 1,000), E01000002 suppressed, and its patients with
no LSOA 15 of 26,150 (0.6); in January 2024 E01000001 20 of 11,000; its SMRs suppressed in E01000001; Alpha South's
admissions in E01000003 40 of 30,000.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pcnhub.analytics.measures.levels import DECILES, PERCENTILES, VALUES
from pcnhub.analytics.measures.neighbourhoods import NEIGHBOURHOODS
from pcnhub.analytics.measures.run import DECILES_FILE, NEIGHBOURHOODS_FILE, SUMMARY_FILE, VALUES_FILE
from pcnhub.reference import measures as definitions

LAST = dt.date(2025, 1, 1)
FIRST = dt.date(2024, 1, 1)
MEASURES = ("emergency_admissions", "smr_done_for_cohort")
PER_1000 = 1000.0
PERCENT = 100.0


def _row(measure, level, org, month, numerator, denominator, multiplier, *, england=None, limits=(None,) * 4,
         percentile=None, change=None, suppressed=False):
    value = None if suppressed else numerator / denominator * multiplier
    return {"measure": measure, "level": level, "org_code": org, "month": month,
            "numerator": None if suppressed else float(numerator), "denominator": None if suppressed else denominator,
            "value": value, "suppressed": suppressed, "england_value": england,
            "lower95": limits[0], "upper95": limits[1], "lower998": limits[2], "upper998": limits[3],
            "percentile": percentile, "change_12m": change}


def rows() -> list[dict]:
    e, s = MEASURES
    eng_e, eng_s = 85 / 128_150 * PER_1000, 30 / 90 * PERCENT
    return [
        # emergency admissions, January 2025
        _row(e, "practice", "A81001", LAST, 15, 12_980, PER_1000, england=eng_e, limits=(0.3, 0.9, 0.2, 1.0)),
        _row(e, "practice", "A81002", LAST, 0, 0, PER_1000, england=eng_e, suppressed=True),
        _row(e, "practice", "A81003", LAST, 10, 12_000, PER_1000, england=eng_e, limits=(0.4, 1.1, 0.3, 1.5)),
        _row(e, "practice", "A81004", LAST, 40, 30_000, PER_1000, england=eng_e, limits=(0.4, 0.9, 0.3, 1.0)),
        _row(e, "practice", "B82001", LAST, 20, 20_000, PER_1000, england=eng_e, limits=(0.4, 1.0, 0.3, 1.1)),
        _row(e, "pcn", "U00001", LAST, 25, 38_150, PER_1000, england=eng_e, percentile=0.0, change=-0.3),
        _row(e, "pcn", "U00002", LAST, 40, 30_000, PER_1000, england=eng_e, percentile=100.0, change=0.1),
        _row(e, "pcn", "U00003", LAST, 20, 20_000, PER_1000, england=eng_e, percentile=50.0),
        _row(e, "sub_icb", "01A", LAST, 65, 93_150, PER_1000, england=eng_e),
        _row(e, "icb", "QAA", LAST, 65, 93_150, PER_1000, england=eng_e),
        _row(e, "icb", "QBB", LAST, 20, 35_000, PER_1000, england=eng_e),
        _row(e, "england", "ENG", LAST, 85, 128_150, PER_1000, england=eng_e),
        # a year before
        _row(e, "pcn", "U00001", FIRST, 35, 36_640, PER_1000, england=eng_e, percentile=50.0),
        _row(e, "pcn", "U00002", FIRST, 35, 29_000, PER_1000, england=eng_e, percentile=100.0),
        _row(e, "england", "ENG", FIRST, 80, 125_000, PER_1000, england=eng_e),
        # structured medication reviews, January 2025
        _row(s, "practice", "A81001", LAST, 0, 0, PERCENT, england=eng_s, suppressed=True),
        _row(s, "practice", "A81003", LAST, 10, 20, PERCENT, england=eng_s, limits=(12.0, 55.0, 5.0, 65.0)),
        _row(s, "pcn", "U00001", LAST, 0, 0, PERCENT, england=eng_s, suppressed=True),
        _row(s, "pcn", "U00002", LAST, 20, 50, PERCENT, england=eng_s, percentile=100.0, change=5.0),
        _row(s, "pcn", "U00003", LAST, 10, 40, PERCENT, england=eng_s, percentile=0.0),
        _row(s, "icb", "QAA", LAST, 25, 80, PERCENT, england=eng_s),
        _row(s, "england", "ENG", LAST, 30, 90, PERCENT, england=eng_s),
    ]


def decile_rows() -> list[dict]:
    found = []
    for measure, base, step in (("emergency_admissions", 0.6, 0.08), ("smr_done_for_cohort", 20.0, 2.5)):
        for month in (FIRST, LAST):
            for i, p in enumerate(PERCENTILES):
                found.append({"measure": measure, "month": month, "percentile": p, "value": base + step * i})
    return found


def neighbourhood_rows() -> list[dict]:
    e, s = MEASURES

    def row(measure, pcn, month, lsoa, numerator, denominator, multiplier, suppressed=False):
        return {"measure": measure, "level": "pcn", "org_code": pcn, "month": month, "neighbourhood": lsoa,
                "numerator": None if suppressed else float(numerator), "denominator": None if suppressed else denominator,
                "value": None if suppressed else numerator / denominator * multiplier, "suppressed": suppressed}

    return [
        row(e, "U00001", LAST, "E01000001", 10, 12_000, PER_1000),
        row(e, "U00001", LAST, "E01000002", 0, 0, PER_1000, suppressed=True),
        row(e, "U00001", LAST, None, 15, 26_150, PER_1000),
        row(e, "U00001", FIRST, "E01000001", 20, 11_000, PER_1000),
        row(s, "U00001", LAST, "E01000001", 0, 0, PERCENT, suppressed=True),
        row(e, "U00002", LAST, "E01000003", 40, 30_000, PER_1000),
    ]


def write_measures(folder: Path, neighbourhoods: bool = True) -> Path:
    """Write the output into ``folder`` (made if missing), with the neighbourhoods unless asked not to; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows(), schema=VALUES.to_pyarrow()), folder / VALUES_FILE)
    pq.write_table(pa.Table.from_pylist(decile_rows(), schema=DECILES.to_pyarrow()), folder / DECILES_FILE)
    if neighbourhoods:
        pq.write_table(pa.Table.from_pylist(neighbourhood_rows(), schema=NEIGHBOURHOODS.to_pyarrow()),
                       folder / NEIGHBOURHOODS_FILE)
    chosen = [definitions.measure(m) for m in MEASURES]
    summary = {"engine": "duckdb", "as_of": "2025-02-01", "months": [FIRST.isoformat(), LAST.isoformat()],
               "seconds": 0.1, "steps": {},
               "measures": [{"id": m.id, "title": m.title, "why": m.why, "direction": m.direction,
                             "low_is_good": m.low_is_good, "unit": m.unit, "serves": list(m.serves),
                             "source": m.source, "status": m.status, "note": m.note, "funnel": m.funnel}
                            for m in chosen],
               "skipped": {"qrisk3_10plus_without_statin": "needs the pipeline's qrisk3: give --features"},
               "breakdowns": ["neighbourhood"] if neighbourhoods else []}
    (folder / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return folder
