"""The IIF catalogue: every year loads, every figure has a source and a status, published figures are pinned."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from importlib import resources

import pytest

from pcnhub.domain import iif as d
from pcnhub.domain.money.years import FinancialYear
from pcnhub.reference.iif import IIFCatalogueError, all_years, iif_year, parse_year


def year(label: str) -> d.IIFYear:
    return iif_year(FinancialYear.parse(label))


def raw(label: str) -> dict:
    text = resources.files("pcnhub.reference").joinpath("iif", f"{FinancialYear.parse(label).slug}.toml").read_text()
    return tomllib.loads(text)


def test_every_year_from_2020_21_to_2025_26_loads():
    assert [y.year.label for y in all_years()] == ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]


def test_no_iif_before_october_2020():
    with pytest.raises(ValueError, match="IIF catalogue has no 2019/20"):
        iif_year(FinancialYear(2019))


def test_every_indicator_and_figure_has_a_source_and_a_status():
    for catalogue in all_years():
        for figure in (catalogue.point_value, catalogue.total_points, catalogue.average_list):
            assert figure.source.strip() and figure.status in d.STATUSES
            assert figure.known or figure.status == d.UNCERTAIN
        assert catalogue.aspiration.source.strip() and catalogue.aspiration.status in d.STATUSES
        for indicator in catalogue.indicators:
            assert indicator.source.strip() and indicator.status in d.STATUSES, indicator.id
            assert indicator.scored or indicator.status == d.UNCERTAIN, indicator.id


@pytest.mark.parametrize(("label", "indicator_id", "points", "lower", "upper"), [
    ("2021/22", "VI-01", 40, 80, 86),
    ("2021/22", "VI-02", 88, 57, 90),
    ("2021/22", "VI-03", 14, 45, 82),
    ("2022/23", "ACC-08", 71, 85, 90),
    ("2022/23", "CVD-12", 66, 70, 95),
    ("2022/23", "CVD-15", 66, 40, 60),
    ("2024/25", "CAN-02", 22, 65, 80),
    ("2025/26", "CAN-04", 22, 65, 80),
    ("2023/24", "ACC-08", 71, None, None),  # Management in Practice, 7 June 2024; thresholds not found
])
def test_published_points_and_thresholds(label, indicator_id, points, lower, upper):
    indicator = year(label).indicator(indicator_id)
    assert (indicator.points, indicator.lower, indicator.upper) == (points, lower, upper)


def test_an_indicator_with_points_but_no_thresholds_is_not_scored():
    acc08 = year("2023/24").indicator("ACC-08")
    assert acc08.points == 71 and not acc08.scored and acc08.status == d.UNCERTAIN
    with pytest.raises(d.IIFError, match="thresholds are not all known"):
        d.points(acc08, 95)


@pytest.mark.parametrize("label", ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"])
def test_no_aspiration_share_is_assumed(label):
    # 2020/21 had none; for later years no source read gives the IIF's share (QOF's 70%, 80% from 2024/25, is
    # not the IIF's), so none is computed.
    catalogue = year(label)
    assert catalogue.aspiration.share is None and d.aspiration_payment(catalogue, 10_000) is None
    assert catalogue.aspiration.status == (d.VERIFIED if label == "2020/21" else d.UNCERTAIN)


@pytest.mark.parametrize(("label", "points", "value"), [("2020/21", 194, 111), ("2021/22", 225, 200),
                                                        ("2024/25", 58, 198)])
def test_published_total_points_and_value_of_a_point(label, points, value):
    catalogue = year(label)
    assert catalogue.total_points.value == points and catalogue.point_value.value == value
    assert catalogue.point_value.status == d.VERIFIED


@pytest.mark.parametrize("label", ["2022/23", "2023/24", "2025/26"])
def test_an_unknown_value_of_a_point_is_absent_and_uncertain(label):
    assert year(label).point_value.value is None and year(label).point_value.status == d.UNCERTAIN


def test_where_sources_differ_both_figures_are_kept():
    pc01 = year("2022/23").indicator("PC-01")
    assert (pc01.lower, pc01.upper) == (Decimal("0.8"), Decimal("1.2"))
    assert [a.value for a in pc01.alternatives["lower"]] == [Decimal("1.2")]
    assert [a.value for a in pc01.alternatives["upper"]] == [Decimal("1.6")]


def test_2024_25_indicators_add_up_to_the_published_total():
    catalogue = year("2024/25")
    assert sum(i.points for i in catalogue.indicators) == catalogue.total_points.value


def test_indicator_lookup_names_the_known_ones():
    with pytest.raises(d.IIFError, match="no IIF indicator 'XX-99'; the catalogue has HI-03, CAN-02"):
        year("2024/25").indicator("XX-99")
    assert year("2024/25").indicator("can-02").id == "CAN-02"


def broken(change) -> str:
    data = copy.deepcopy(raw("2024/25"))
    change(data)
    with pytest.raises(IIFCatalogueError) as caught:
        parse_year(data, "iif/2024-25.toml")
    return str(caught.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d_: d_["indicators"][1].pop("source"), "iif/2024-25.toml indicator 2 (CAN-02): missing source"),
    (lambda d_: d_["indicators"][1].update(status="sure"), "indicator 2 (CAN-02) status: 'sure' is not one of"),
    (lambda d_: d_["indicators"][1].update(lower=90), "lower threshold (90) must be below the upper (80)"),
    (lambda d_: d_["indicators"][1].pop("upper"), "give both the lower and the upper threshold, or neither"),
    (lambda d_: d_["indicators"][1].update(points=-1), "indicator 2 (CAN-02) points: -1 must be a number of 0"),
    (lambda d_: d_["indicators"][1].update(points="many"), "points: 'many' is not a number"),
    (lambda d_: d_["indicators"][1].update(colour="red"), "indicator 2 (CAN-02): unknown fields colour"),
    (lambda d_: d_["indicators"][1].update(unit="percentage"), "unit: 'percentage' is not one of percent, per_1000"),
    (lambda d_: d_["indicators"][1].update(lower=65, upper=120), "a percentage threshold cannot be over 100"),
    (lambda d_: d_["indicators"][0].update(status="verified"), "indicator 1 (HI-03): lower, upper not known"),
    (lambda d_: d_["indicators"].append(dict(d_["indicators"][1])), "the indicator 'CAN-02' appears twice"),
    (lambda d_: d_["total_points"].update(value=60), "[total_points]: 60 is not the sum of the indicators' points (58)"),
    (lambda d_: d_["point_value"].pop("value"), "[point_value]: no value, so the status must be uncertain"),
    (lambda d_: d_.pop("point_value"), "iif/2024-25.toml [point_value]: missing"),
    (lambda d_: d_["aspiration"].update(share=70), "[aspiration] share: 70 is more than 1"),
    (lambda d_: d_["indicators"][1].update(alternatives={"lower": [{"value": 60}]}), "alternative 1: missing source"),
    (lambda d_: d_.update(year="2024"), "the file needs a year like"),
    (lambda d_: d_.update(indicators=[]), "no [[indicators]]"),
])
def test_the_loader_rejects_bad_files_naming_file_and_field(change, message):
    assert message in broken(change)


@pytest.mark.parametrize("label", ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"])
def test_the_rates_catalogues_iif_maximum_comes_from_the_iif_catalogue(label):
    from pcnhub.reference.rates import year_rates

    catalogue = year(label)
    line = year_rates(catalogue.year).payment("iif")
    text = resources.files("pcnhub.reference").joinpath(
        "network_contract", f"{catalogue.year.slug}.toml").read_text()
    iif_entry = [p for p in tomllib.loads(text)["payments"] if p["key"] == "iif"][0]
    assert not {"points", "rate", "average_list"} & set(iif_entry)  # one source: reference/iif
    assert (line.points, line.rate, line.average_list) == (
        catalogue.total_points.value, catalogue.point_value.value, catalogue.average_list.value)
    assert line.status == d.worst(catalogue.total_points.status, catalogue.point_value.status,
                                  catalogue.average_list.status)
    assert f"Investment and Impact Fund catalogue for {catalogue.year}" in line.note and ".toml" not in line.note


# --- Indicators linked to measures (issue 15, IIF achievement) ----------------------------------------


def test_every_indicator_has_a_measure_or_says_why_not():
    from pcnhub.reference.measures import measure

    for catalogue in all_years():
        for indicator in catalogue.indicators:
            assert indicator.measure or indicator.measure_note.strip(), (catalogue.year, indicator.id)
            if indicator.measure:
                assert measure(indicator.measure).id == indicator.measure


def test_the_prescribing_safety_and_social_prescribing_indicators_are_linked():
    linked = {(y.year.label, i.id): i.measure for y in all_years() for i in y.indicators if i.measure}
    assert linked == {
        ("2020/21", "IIF20-SP"): "iif_social_prescribing_referrals",
        ("2020/21", "IIF20-NSAID"): "nsaid_without_gastroprotection_65plus",
        ("2020/21", "IIF20-ANTICOAG"): "anticoagulant_antiplatelet_without_gastroprotection",
        ("2021/22", "IIF21-SP"): "iif_social_prescribing_referrals",
        ("2022/23", "PC-01"): "iif_social_prescribing_referrals",
        ("2023/24", "CAN-02"): "fit_before_lower_gi_referral",
        ("2024/25", "CAN-02"): "fit_before_lower_gi_referral",
    }


def test_worklists_named_by_indicators_exist():
    from pcnhub.phm.services import COHORTS

    for catalogue in all_years():
        for indicator in catalogue.indicators:
            if indicator.worklist:
                assert indicator.worklist in COHORTS and indicator.measure


@pytest.mark.parametrize(("change", "message"), [
    (lambda d_: (d_["indicators"][1].pop("measure"), d_["indicators"][1].pop("measure_note")),
     "indicator 2 (CAN-02): give measure (the measure's id) or measure_note (why the patient data cannot express it)"),
    (lambda d_: d_["indicators"][1].update(measure="no_such_measure"), "indicator 2 (CAN-02) measure: no measure"),
    (lambda d_: d_["indicators"][0].update(worklist="smr"), "indicator 1 (HI-03) worklist: only an indicator with a "
                                                            "measure has a worklist"),
])
def test_the_loader_checks_measure_links(change, message):
    assert message in broken(change)
