"""The measures pages on the engine's own output (DuckDB on a small synthetic dataset) for the measures with a
hospital diagnosis or a weighted denominator: each page opens, shows each measure, and writes its value in its
unit (GBP per ASTRO-PU with a pound sign, observed to expected as a ratio)."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import synth
from pcnhub.analytics.measures.run import VALUES_FILE, run_measures
from pcnhub.measures import services
from pcnhub.phm.services import SUPPRESSED
from tests.measures.dom import parse

pytestmark = pytest.mark.django_db

NEW = ("emergency_admissions_acs_chronic", "emergency_admissions_frailty_65plus", "prescribing_cost_per_astro_pu",
       "hypertension_observed_to_expected")
GEOGRAPHY = {"A81001": ("U00001", "01A", "QAA"), "A81002": ("U00001", "01A", "QAA"),
             "A81003": ("U00001", "01A", "QAA"), "A81004": ("U00002", "01A", "QAA"),
             "B82001": ("U00003", "02B", "QBB")}


@pytest.fixture
def engine_output(phm_dir, tmp_path):
    data = tmp_path / "data"
    synth.generate([synth.PracticeSize(code, 1) for code in GEOGRAPHY], data, patients=4_000, seed=7)
    run_measures(data, phm_dir / "measures", engine="duckdb", geography=GEOGRAPHY, months=13,
                 as_of=dt.date(2024, 4, 1), only=list(NEW))
    return phm_dir / "measures"


def test_the_pages_show_the_new_measures_in_their_units(engine_output, client_for):
    rows = pq.read_table(engine_output / VALUES_FILE).to_pylist()
    assert {r["measure"] for r in rows} == set(NEW)
    page = parse(client_for("pcn").get("/measures/pcn/U00001/").content.decode())
    for measure in NEW:
        assert page.select_one(f"section#{measure}") is not None, measure
    astro = page.select_one('#summary-table tr[data-measure="prescribing_cost_per_astro_pu"] [data-field="value"]')
    text = astro.get_text(" ", strip=True)
    assert text == SUPPRESSED or text.startswith("£"), text
    latest = max(r["month"] for r in rows)
    pcn = next(r for r in rows if (r["measure"], r["org_code"], r["month"]) ==
               ("prescribing_cost_per_astro_pu", "U00001", latest))
    if not pcn["suppressed"]:
        assert text == services.format_value("gbp", pcn["value"]) == f"£{pcn['value']:,.2f}"
    for url in ("/measures/england/?measure=hypertension_observed_to_expected",
                "/measures/area/QAA/?measure=prescribing_cost_per_astro_pu",
                "/measures/practice/A81001/?measure=emergency_admissions_acs_chronic"):
        assert client_for("analyst").get(url).status_code == 200, url


def test_units_are_written_as_their_labels():
    assert services.format_value("gbp", 0.8071) == "£0.81"
    assert services.UNIT_LABELS["gbp"] == "GBP"
    assert services.format_value("ratio", 0.4642) == "0.46"
