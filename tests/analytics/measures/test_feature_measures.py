"""The measure that reads the pipeline's QRISK3 (``qrisk3_10plus_without_statin``): hand-made patients with
hand-computed counts for January to March 2024, on DuckDB and Spark.  The pipeline scores only people not on a
statin, so the measure counts those at 10% risk or more with no lipid-lowering drug, of everyone aged 25 to 84
(the measure it replaced counted the people at risk on a statin: none, by construction)."""

from __future__ import annotations

import datetime as dt

import ibis

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.reference import measures as definitions
from tests.analytics.spec.dataset import Builder, write

AS_OF = dt.date(2024, 4, 1)
JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
PRACTICE = "A00001"
MEASURE = "qrisk3_10plus_without_statin"
EZETIMIBE = "0212000L0AAAAAA"  # a lipid-regulating drug (BNF 2.12), not a statin


def test_people_at_risk_with_no_lipid_lowering_drug_of_everyone_aged_25_to_84(backend, tmp_path):
    b = Builder()
    # ages on AS_OF; a year younger from January to March (born in April)
    at_risk = b.patient("at_risk", age=61, practice=PRACTICE)
    treated_lately = b.patient("treated_lately", age=61, practice=PRACTICE)
    b.prescription(treated_lately, "d1", EZETIMIBE, dt.date(2024, 2, 10))  # in the 12 months from February
    low_risk = b.patient("low_risk", age=61, practice=PRACTICE)
    too_old = b.patient("too_old", age=91, practice=PRACTICE)  # 90 from January: not 25 to 84
    too_young = b.patient("too_young", age=21, practice=PRACTICE)
    data = write(tmp_path / "data", b.tables())
    features = ibis.memtable(
        {"patient_id": [at_risk, treated_lately, low_risk, too_old, too_young],
         "qrisk3": [15.0, 12.0, 5.0, 30.0, None]},
        schema={"patient_id": "int64", "qrisk3": "float64"})
    tables = engines.load_tables(backend, data)
    periods = compiler.months(AS_OF, 3)
    base = compiler.patient_months(tables["patients"], periods)
    expr = compiler.practice_counts(definitions.measure(MEASURE), base, tables, periods, features=features)
    found = {row["month"]: (row["numerator"], row["denominator"])
             for row in engines.to_arrow(backend, expr).to_pylist() if row["practice_code"] == PRACTICE}
    assert found == {JAN: (2, 3), FEB: (1, 3), MAR: (1, 3)}
