"""Disclosure control and the DuckDB reads of the pipeline output."""

from __future__ import annotations

import pytest

from pcnhub.phm import services
from tests.phm.fixtures import write_output


@pytest.mark.parametrize("count, shown", [(0, 0), (1, None), (6, None), (7, 5), (8, 10), (12, 10), (13, 15),
                                          (23, 25), (200, 200), (1452, 1450), (1453, 1455), (None, None)])
def test_disclose(count, shown):
    assert services.disclose(count) == shown


def test_shown_figures():
    assert services.shown_count(3).text == services.SUPPRESSED and services.shown_count(3).value is None
    assert services.shown_count(1234).text == "1,235"
    assert services.percent_of(services.shown_count(10), services.shown_count(200)).text == "5.0%"
    assert services.percent_of(services.shown_count(3), services.shown_count(200)).text == services.SUPPRESSED


@pytest.fixture
def out(tmp_path, db):
    """The fixtures' output; the figures read from it go through the site's cache, a database table."""
    return services.output(write_output(tmp_path / "output"))


def test_output_needs_every_file(tmp_path):
    assert services.output(tmp_path) is None
    folder = write_output(tmp_path / "output")
    assert services.output(folder).as_of.isoformat() == "2025-01-01"
    (folder / "summary.json").write_text("not json")
    assert services.output(folder) is None


def test_aggregates_are_filtered_to_the_codes_asked_for(out):
    rows = services.aggregates(out, "pcn", ["U00002"])
    assert {r.org_code for r in rows} == {"U00002"}
    assert services.aggregates(out, "pcn", ["U00001'; DROP TABLE x; --"]) == []
    smr = services.by_measure(services.aggregates(out, "pcn", ["U00001"], measures=["cohort_smr"]))["cohort_smr"]
    assert (smr.numerator, smr.denominator, smr.suppressed) == (1450, 38145, False)
    imd = services.aggregates(out, "pcn", ["U00001"], breakdown="imd_decile=")
    assert {r.breakdown for r in imd} == {"imd_decile=1", "imd_decile=2", "imd_decile=3", "imd_decile=10"}


def test_suppressed_aggregates_never_give_a_number(out):
    bp = services.by_measure(services.aggregates(out, "pcn", ["U00001"]))["cohort_cvd_bp"]
    assert bp.numerator == 4 and bp.suppressed  # as the file has it
    assert bp.shown_numerator.text == services.SUPPRESSED and bp.shown_percent.value is None
    assert bp.to_dict()["numerator"] is None and bp.to_dict()["value"] is None


def test_worklist_reads_only_the_practices_asked_for(out):
    smr = services.COHORTS["smr"]
    assert services.worklist_count(out, smr, ["A81001", "A81002", "A81003"]) == 63
    rows = services.worklist(out, smr, ["A81002"])
    assert {r["practice_code"] for r in rows} == {"A81002"} and len(rows) == 3
    page = services.worklist(out, smr, ["A81003"], sort="patient_id", descending=False, limit=10, offset=10)
    assert [r["patient_id"] for r in page] == sorted(r["patient_id"] for r in page) and len(page) == 10
    with pytest.raises(ValueError):
        services.worklist(out, smr, ["A81003"], sort="1; DROP")


def test_pyramids(out):
    pyramid = services.frailty_pyramid(out, ["A81001", "A81002", "A81003"])
    assert pyramid.cell("65-69", "F", "moderate").number == 10
    assert pyramid.cell("70-74", "M", "severe").suppressed
    tiers, total = services.risk_tiers(out, ["A81004"])
    assert tiers["rising"].number == 30 and total.number == 30


def test_variation_without_the_standardised_rate(tmp_path, db):
    """The contract's variation.parquet may lack standardised_rate: the crude rate is plotted then."""
    import pyarrow.parquet as pq

    folder = write_output(tmp_path / "output")
    table = pq.read_table(folder / "variation.parquet").drop_columns(["standardised_rate"])
    pq.write_table(table, folder / "variation.parquet")
    rows = services.variation(services.output(folder), "efi_moderate_severe", ["A81001"])
    assert rows[0].standardised_rate is None and rows[0].plotted_rate.number == pytest.approx(100 * 520 / 2100)
    assert services.overall_rate(rows) == pytest.approx(0.2)


def test_pipeline_counts_are_shown_as_rounded():
    assert services.shown_controlled(5).text == "5"  # the pipeline's 7, rounded
    assert services.shown_controlled(4).suppressed  # a count the pipeline should not have written
    assert services.shown_controlled(1452).text == "1,450"
