"""Headline measures of a dataset, computed with DuckDB: register prevalences, age structure, frailty.

Used to check the synthetic population against the published figures of
``../shared/reference/population-health-facts.md`` (see :data:`QOF_PREVALENCE`), and handy for a
first look at any dataset in the :mod:`pcnhub.analytics.schema` layout.  A patient is counted when
currently registered (``registered_to`` null) and has ever had a code of the register's codelists.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from pcnhub.reference import codelists as cl


@dataclass(frozen=True)
class Register:
    """A QOF-style register: a condition's codelists, the age it counts from, the published prevalence."""

    key: str
    codelists: tuple[str, ...]
    min_age: int
    published: float


#: QOF England prevalences (rounded) from population-health-facts.md, with the codelists that define them.
QOF_PREVALENCE: Final[tuple[Register, ...]] = (
    Register("hypertension", ("hypertension",), 0, 0.14),
    Register("depression", ("depression",), 18, 0.13),
    Register("diabetes", ("diabetes-type-1", "diabetes-type-2"), 17, 0.075),
    Register("asthma", ("asthma",), 0, 0.065),
    Register("ckd", ("ckd-3-5",), 18, 0.04),
    Register("cancer", ("cancer",), 0, 0.035),
    Register("chd", ("chd",), 0, 0.03),
    Register("af", ("atrial-fibrillation",), 0, 0.022),
    Register("copd", ("copd",), 0, 0.019),
    Register("stroke_tia", ("stroke-tia",), 0, 0.018),
    Register("heart_failure", ("heart-failure",), 0, 0.01),
    Register("smi", ("smi",), 0, 0.0095),
    Register("dementia", ("dementia",), 0, 0.007),
    Register("epilepsy", ("epilepsy",), 18, 0.008),
    Register("learning_disability", ("learning-disability",), 0, 0.005),
)
#: Obesity (18+): a BMI of 30 or more recorded in the last 12 months (the QOF register rule).
OBESITY_PUBLISHED: Final = 0.10
CARE_HOME_PUBLISHED: Final = 0.007
OLDER_SHARE_PUBLISHED: Final = 0.18


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in ("patients", "events", "medications", "hospital", "appointments"):
        path = folder / f"{table}.parquet"
        source = path if path.exists() else folder / table / "*.parquet"
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{source}')")
    rows = [(c.key, code) for c in cl.all_codelists() if c.system == "snomedct" for code in c.codes]
    con.execute("CREATE TABLE codelist (key VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO codelist VALUES (?, ?)", rows)
    return con


def measures(folder: str | os.PathLike[str], as_of: dt.date) -> dict[str, object]:
    """Prevalences, shares and the eFI distribution of the dataset in ``folder`` on ``as_of``."""
    con = _connect(Path(folder))
    con.execute(
        """CREATE TEMP TABLE people AS
           SELECT patient_id, care_home,
                  date_diff('month', birth_month, ?::DATE) / 12.0 AS age
           FROM patients WHERE registered_to IS NULL""",
        [as_of],
    )
    total = con.execute("SELECT count(*) FROM people").fetchone()[0]
    result: dict[str, object] = {"registered": total}
    prevalence = {}
    for register in QOF_PREVALENCE:
        keys = list(register.codelists)
        numerator, denominator = con.execute(
            """SELECT count(*) FILTER (WHERE p.patient_id IN (
                        SELECT e.patient_id FROM events e JOIN codelist c USING (code) WHERE c.key IN ?)),
                      count(*)
               FROM people p WHERE p.age >= ?""",
            [keys, register.min_age],
        ).fetchone()
        prevalence[register.key] = numerator / denominator if denominator else 0.0
    obese, adults = con.execute(
        """SELECT count(DISTINCT p.patient_id) FILTER (WHERE e.value >= 30),
                  (SELECT count(*) FROM people WHERE age >= 18)
           FROM people p JOIN events e USING (patient_id) JOIN codelist c ON c.code = e.code AND c.key = 'bmi'
           WHERE p.age >= 18 AND e.date > ?::DATE - INTERVAL 12 MONTH""",
        [as_of],
    ).fetchone()
    prevalence["obesity"] = obese / adults if adults else 0.0
    result["prevalence"] = prevalence
    older, care_home = con.execute(
        "SELECT avg((age >= 65)::INT), avg(care_home::INT) FROM people").fetchone()
    result["share_65_plus"] = older
    result["care_home"] = care_home
    result["efi"] = efi_distribution(con, as_of)
    result["repeat_medicines"] = repeat_medicines(con, as_of)
    return result


def efi_distribution(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, float]:
    """Shares of people aged 65+ who are fit, mildly, moderately and severely frail by the eFI."""
    groups = {c.key for c in cl.efi_deficits()}
    row = con.execute(
        """WITH older AS (SELECT patient_id FROM people WHERE age >= 65),
           coded AS (
             SELECT e.patient_id, count(DISTINCT c.key) AS deficits
             FROM events e JOIN codelist c USING (code)
             WHERE c.key IN ? AND e.date <= ?::DATE AND e.patient_id IN (SELECT patient_id FROM older)
             GROUP BY 1),
           poly AS (
             SELECT patient_id, (count(DISTINCT substr(bnf_code, 1, 9)) >= 5)::INT AS poly
             FROM medications WHERE date > ?::DATE - INTERVAL 12 MONTH AND date <= ?::DATE
               AND patient_id IN (SELECT patient_id FROM older)
             GROUP BY 1),
           score AS (
             SELECT (coalesce(coded.deficits, 0) + coalesce(poly.poly, 0)) / 36.0 AS efi
             FROM older LEFT JOIN coded USING (patient_id) LEFT JOIN poly USING (patient_id))
           SELECT avg((efi < 0.12)::INT), avg((efi >= 0.12 AND efi < 0.24)::INT),
                  avg((efi >= 0.24 AND efi < 0.36)::INT), avg((efi >= 0.36)::INT), count(*)
           FROM score""",
        [sorted(groups), as_of, as_of, as_of],
    ).fetchone()
    return {"fit": row[0] or 0.0, "mild": row[1] or 0.0, "moderate": row[2] or 0.0, "severe": row[3] or 0.0,
            "people": row[4]}


def repeat_medicines(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, float]:
    """Shares of all registered people (and of those 65+) on 10 or more distinct repeat medicines in 6 months."""
    row = con.execute(
        """WITH counts AS (
             SELECT patient_id, count(DISTINCT code) AS medicines FROM medications
             WHERE repeat AND date > ?::DATE - INTERVAL 6 MONTH AND date <= ?::DATE GROUP BY 1)
           SELECT avg((coalesce(medicines, 0) >= 10)::INT),
                  avg((coalesce(medicines, 0) >= 10)::INT) FILTER (WHERE age >= 65),
                  avg((coalesce(medicines, 0) >= 5)::INT) FILTER (WHERE age >= 65)
           FROM people LEFT JOIN counts USING (patient_id)""",
        [as_of, as_of],
    ).fetchone()
    return {"ten_plus": row[0] or 0.0, "ten_plus_65": row[1] or 0.0, "five_plus_65": row[2] or 0.0}
