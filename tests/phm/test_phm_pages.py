"""The population health pages show the pipeline's numbers (suppressed cells as text, never a number),
the frailty and risk pyramids counted from the patients under the same disclosure rule, the worklists
(sort, pages, practice filter), the downloads, and a clear page when there is no output."""

from __future__ import annotations

import json
import re

import pytest

from pcnhub.pages import charts
from pcnhub.phm import services
from pcnhub.phm.services import COHORTS, sortable
from tests.helpers_web import read_csv, read_xlsx, text
from tests.phm.fixtures import NORTH_EFI_IMD, NORTH_SMR, NORTH_TOTALS

pytestmark = pytest.mark.django_db

PCN = "/phm/pcn/U00001/"
SMR = "/phm/pcn/U00001/cohort/smr/"
SUPPRESSED = "suppressed (fewer than 7)"


def cell(response, row_attr: str, field: str) -> str:
    """The text of the cell ``data-field=field`` in the row with the attribute ``row_attr`` (e.g. 'data-cohort="smr"')."""
    html = response.content.decode()
    row = re.search(rf'<tr[^>]*{re.escape(row_attr)}[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert row, row_attr
    found = re.search(rf'data-field="{field}"[^>]*>(.*?)</td>', row.group(1), re.DOTALL)
    assert found, (row_attr, field)
    return re.sub(r"\s+", " ", found.group(1)).strip()


def chart(response, chart_id: str) -> dict:
    html = response.content.decode()
    found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(found.group(1))


# --- Dashboard numbers -----------------------------------------------------------------------------


def test_cohort_sizes_are_the_aggregates(phm_output, client_for):
    response = client_for("icb").get(PCN)
    for key in ("smr", "care_home", "anticipatory_care", "cvd_statin", "cancer_screening"):
        numerator, denominator, _ = NORTH_TOTALS[f"cohort_{key}"]
        assert cell(response, f'data-cohort="{key}"', "count") == f"{numerator:,}"
        assert cell(response, f'data-cohort="{key}"', "denominator") == f"{denominator:,}"
        assert cell(response, f'data-cohort="{key}"', "percent") == f"{100 * numerator / denominator:.1f}%"


def test_suppressed_cells_show_text_never_a_number(phm_output, client_for):
    response = client_for("pcn").get(PCN)
    assert cell(response, 'data-cohort="cvd_bp"', "count") == SUPPRESSED
    assert cell(response, 'data-cohort="cvd_bp"', "percent") == SUPPRESSED
    assert cell(response, 'data-segment="end_of_life"', "count") == SUPPRESSED
    assert cell(response, 'data-breakdown="imd_decile=2"', "numerator") == SUPPRESSED
    assert cell(response, 'data-breakdown="ethnicity=indian"', "percent") == SUPPRESSED
    # The variation row of a practice that counted 4 patients: neither count nor rate.
    assert cell(response, 'data-practice="A81003"', "observed") == SUPPRESSED
    assert cell(response, 'data-practice="A81003"', "rate") == SUPPRESSED
    funnel = chart(response, "phm-funnel-data")
    assert "A81003" not in [p["code"] for p in funnel["points"]]
    segments = chart(response, "phm-segments-data")
    assert segments["values"][-1] is None and SUPPRESSED in segments["texts"][-1]
    # The stray count 4 under a suppressed flag is nowhere in the page.
    assert not re.search(r"\b4 of\b|>4<", response.content.decode())


def test_segments_and_inequalities_are_the_aggregates(phm_output, client_for):
    response = client_for("pcn").get(PCN)
    assert cell(response, 'data-segment="healthy"', "count") == "24,000"
    assert cell(response, 'data-segment="healthy"', "percent") == f"{100 * 24000 / 38145:.1f}%"
    for decile, (n, d, suppressed) in NORTH_EFI_IMD.items():
        if not suppressed:
            assert cell(response, f'data-breakdown="imd_decile={decile}"', "percent") == f"{100 * n / d:.1f}%"
    assert cell(response, 'data-breakdown="ethnicity=white"', "numerator") == "1,100"
    assert "38,145" in text(response)  # registered patients


def test_frailty_pyramid_from_the_patients_disclosure_controlled(phm_output, client_for):
    html = client_for("pcn").get(PCN).content.decode()

    def pyramid(band, sex, category):
        row = re.search(rf'<tr[^>]*data-band="{re.escape(band)}"[^>]*>(.*?)</tr>', html, re.DOTALL).group(1)
        return re.search(rf'data-sex="{sex}" data-category="{category}">(.*?)</td>', row).group(1)

    assert pyramid("65-69", "F", "moderate") == "10"  # 12 patients
    assert pyramid("70-74", "M", "severe") == SUPPRESSED  # 3 patients
    assert pyramid("75-79", "M", "fit") == "25"  # 23 patients
    assert pyramid("90+", "F", "severe") == "0"


def test_risk_pyramid(phm_output, client_for):
    response = client_for("pcn").get(PCN)
    assert cell(response, 'data-tier="highest"', "count") == SUPPRESSED
    assert cell(response, 'data-tier="high"', "count") == "10"
    assert cell(response, 'data-tier="rising"', "count") == "85"
    assert cell(response, 'data-tier="moderate"', "count") == "10"
    assert cell(response, 'data-tier="low"', "count") == "200"
    assert cell(response, 'data-tier="low"', "percent") == f"{100 * 200 / 305:.1f}%"
    risk = chart(response, "phm-risk-data")
    assert risk["values"] == [None, 10, 85, 10, 200]


def test_the_risk_and_frailty_charts_shade_their_ordered_categories_on_one_scale(phm_output, client_for):
    """Highest need and severe frailty darkest, low risk and fit lightest: the shared sequential scale, no red and
    green telling the ends apart."""
    response = client_for("pcn").get(PCN)
    risk = chart(response, "phm-risk-data")
    assert risk["labels"] == [name for _, name, *_ in services.RISK_TIERS]  # drawn top (highest) down
    lowest_first = charts.ordinal_colours([key for key, *_ in reversed(services.RISK_TIERS)])
    assert risk["colours"] == list(reversed(list(lowest_first.values())))
    assert [c["fill"] for c in risk["colours"]] == list(reversed(charts.STEPS))
    pyramid = chart(response, "phm-pyramid-data")
    assert [s["category"] for s in pyramid["series"]] == list(services.EFI_CATEGORIES)  # fit to severe
    fills = [s["colour"]["fill"] for s in pyramid["series"]]
    assert fills == [c["fill"] for c in charts.step_colours(len(services.EFI_CATEGORIES))]
    assert len(set(fills)) == len(fills) and fills[0] == charts.STEPS[0] and fills[-1] == charts.STEPS[-1]


def test_funnel_plot_of_the_pcns_practices_only(phm_output, client_for):
    response = client_for("pcn").get(PCN)
    funnel = chart(response, "phm-funnel-data")
    assert [p["code"] for p in funnel["points"]] == ["A81002", "A81001"]  # by denominator; A81003 suppressed
    high = next(p for p in funnel["points"] if p["code"] == "A81001")
    assert high["outlier"] == "high" and high["label"] == "Dr Khan & Partners (high)"  # by name, not code
    assert high["rate"] == pytest.approx(100 * 520 / 420 * 0.2)  # standardised: ratio x the overall rate
    assert "A81004" not in response.content.decode()  # Alpha South's practice
    # Smooth limits around the overall rate (20%), from half the smallest practice to beyond the largest.
    limits = funnel["limits"]
    assert funnel["overall"] == pytest.approx(20.0) and limits["target"] == pytest.approx([20.0] * len(limits["n"]))
    assert limits["n"][0] == pytest.approx(2030 / 2, rel=0.01) and limits["n"][-1] > 2100
    first = [limits[k][0] for k in ("lower998", "lower95", "target", "upper95", "upper998")]
    assert first == sorted(first) and limits["upper998"][0] > limits["upper998"][-1]  # the funnel narrows
    assert limits["upper998"][-1] == pytest.approx(100 * (0.2 + 3.090232 * (0.2 * 0.8 / limits["n"][-1]) ** 0.5),
                                                   abs=0.01)
    assert cell(response, 'data-practice="A81001"', "rate") == f"{100 * 520 / 2100:.1f}%"
    assert cell(response, 'data-practice="A81001"', "standardised_rate") == f"{100 * 520 / 420 * 0.2:.1f}%"
    assert cell(response, 'data-practice="A81001"', "outlier") == "Above the 99.8% limit"
    assert cell(response, 'data-practice="A81001"', "observed") == "520"


def test_measure_choice_and_bad_measure(phm_output, client_for):
    client = client_for("pcn")
    response = client.get(PCN + "?measure=polypharmacy_10plus")
    assert [p["code"] for p in chart(response, "phm-funnel-data")["points"]] == ["A81001"]
    assert client.get(PCN + "?measure=nope").status_code == 400


def test_practice_dashboard_shows_only_its_practice(phm_output, client_for):
    response = client_for("practice").get("/phm/practice/A81001/")
    assert cell(response, 'data-cohort="smr"', "count") == "480"
    assert cell(response, 'data-cohort="cvd_bp"', "count") == SUPPRESSED
    assert [p["code"] for p in chart(response, "phm-funnel-data")["points"]] == ["A81001"]
    assert "A81002" not in response.content.decode()
    assert chart(response, "phm-pyramid-data")["series"][2]["women"][0] == 10  # 65-69 moderate: A81001's


def test_area_compares_the_pcns(phm_output, client_for):
    response = client_for("icb").get("/phm/area/QAA/")
    assert cell(response, 'data-pcn="U00001"', "efi_moderate_severe") == f"{100 * 1235 / 6180:.1f}%"
    assert cell(response, 'data-pcn="U00002"', "efi_moderate_severe") == f"{100 * 1320 / 8800:.1f}%"
    assert cell(response, 'data-pcn="U00001"', "cohort_cvd_bp") == SUPPRESSED
    assert cell(response, 'data-pcn="U00001"', "patients") == "38,145"
    assert "U00003" not in response.content.decode()  # Beta's PCN is another ICB's
    compare = chart(response, "phm-compare-data")
    assert compare["labels"] == ["Alpha North PCN", "Alpha South PCN"]
    assert compare["average"] == pytest.approx(100 * 2555 / 14980)
    rows = read_csv(client_for("icb").get("/phm/area/QAA/?format=csv"))
    assert ["U00001", "Alpha North PCN", "cohort_cvd_bp", "Cohort: cardiovascular prevention: blood pressure",
            SUPPRESSED, "38145", SUPPRESSED] in rows


# --- Downloads of the dashboard --------------------------------------------------------------------


def test_dashboard_downloads(phm_output, client_for):
    client = client_for("pcn")
    rows = read_csv(client.get(PCN + "?format=csv&table=cohorts"))
    assert rows[0] == ["Cohort key", "Cohort", "Patients", "Of", "Per cent"]
    assert rows[1][:4] == ["smr", "Structured medication review", "1450", "38145"]
    assert ["cvd_bp", "Cardiovascular prevention: blood pressure", SUPPRESSED, "38145", SUPPRESSED] in rows
    sheet = read_xlsx(client.get(PCN + "?format=xlsx&table=frailty"))
    assert ["65-69", "Women", "Moderate frailty", 10] in sheet
    assert ["70-74", "Men", "Severe frailty", SUPPRESSED] in sheet
    variation = read_csv(client.get(PCN + "?format=csv&table=variation"))
    assert [r[1] for r in variation[1:]] == ["A81003", "A81002", "A81001"]  # by denominator
    assert variation[1][3] == SUPPRESSED and variation[1][5] == SUPPRESSED
    assert client.get(PCN + "?format=csv&table=nope").status_code == 400


# --- Worklists -------------------------------------------------------------------------------------


def worklist_ids(response) -> list[int]:
    return [int(x) for x in re.findall(r'data-patient="(\d+)"', response.content.decode())]


def test_worklist_pages_and_sorting(phm_output, client_for, grant):
    grant("pcn")
    client = client_for("pcn")
    first = client.get(SMR)
    assert first.status_code == 200
    assert len(worklist_ids(first)) == 50
    assert f"Showing patients 1 to 50 of {NORTH_SMR}" in text(first)
    second = client.get(SMR + "?page=2")
    assert len(worklist_ids(second)) == NORTH_SMR - 50
    assert not set(worklist_ids(first)) & set(worklist_ids(second))
    # Sorted by repeat medicines, most first (A81003's 10 to 14), then patient id.
    html = first.content.decode()
    meds = [int(m) for m in re.findall(r'data-column="repeat_medicines">(\d+)<', html)]
    assert meds == sorted(meds, reverse=True) and meds[0] == 14
    ages = client.get(SMR + "?sort=age&dir=asc").content.decode()
    ages = [int(a) for a in re.findall(r'data-column="age">(\d+)<', ages)]
    assert ages == sorted(ages)
    assert 'aria-sort="descending"' in html
    assert client.get(SMR + "?sort=nhs_number").status_code == 400
    assert client.get(SMR + "?page=3").status_code == 400
    assert client.get(SMR + "?page=0").status_code == 400


def test_worklist_shows_only_the_pcns_practices_and_filters(phm_output, client_for, grant):
    grant("pcn")
    client = client_for("pcn")
    html = client.get(SMR + "?page=2").content.decode() + client.get(SMR).content.decode()
    practices = set(re.findall(r'data-column="practice_code"[^>]*>(\w+)<', html))
    assert practices == {"A81002", "A81003"}
    only = client.get(SMR + "?practice=A81002")
    assert len(worklist_ids(only)) == 3
    assert "Severe frailty" in text(only) and "Care home" in text(only)
    assert client.get(SMR + "?practice=A81004").status_code == 400  # Alpha South's practice


def test_worklist_downloads(phm_output, client_for, grant):
    grant("pcn")
    client = client_for("pcn")
    rows = read_csv(client.get(SMR + "?format=csv"))
    assert rows[0][:4] == ["Patient id", "Age", "Sex", "Practice"]
    assert len(rows) == 1 + NORTH_SMR
    sheet = read_xlsx(client.get(SMR + "?format=xlsx&practice=A81002"))
    assert len(sheet) == 4
    assert sheet[1][1] == 72 and sheet[1][2] == "Male" and "Severe frailty" in sheet[1]
    assert client.get(SMR + "?format=pdf").status_code == 400


def test_empty_cohort(phm_output, client_for, grant):
    grant("pcn")
    response = client_for("pcn").get("/phm/pcn/U00001/cohort/cancer_screening/")
    assert response.status_code == 200 and "No patients in this cohort" in text(response)


# --- No output -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, url", [("pcn", PCN), ("icb", "/phm/area/QAA/"), ("analyst", "/phm/"),
                                       ("practice", "/phm/practice/A81001/")])
def test_without_output_the_page_says_how_to_make_it(phm_dir, client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == 200
    page = text(response)
    assert "There are no population health figures yet" in page
    assert f"pcnhub phm synth --from-register --out {phm_dir / 'data'}" in page
    assert f"pcnhub phm run --data {phm_dir / 'data'} --engine duckdb --out {phm_dir / 'output'}" in page


def test_without_output_permissions_still_apply(phm_dir, client_for):
    assert client_for("practice").get(PCN).status_code == 403
    assert client_for("pcn").get(SMR).status_code == 403


def test_incomplete_output_counts_as_none(phm_output, client_for):
    (phm_output / services.SUMMARY).unlink()
    assert "There are no population health figures yet" in text(client_for("pcn").get(PCN))


# --- Links -----------------------------------------------------------------------------------------


def test_navigation_and_register_link(phm_output, client_for):
    for role, href in (("pcn", PCN), ("practice", "/phm/practice/A81001/"), ("icb", "/phm/area/QAA/"),
                       ("analyst", "/phm/")):
        home = client_for(role).get("/").content.decode()
        assert re.search(rf'href="{re.escape(href)}"[^>]*>\s*Population', home), role
    assert 'data-testid="population-link"' in client_for("pcn").get("/pcn/U00001/").content.decode()
    assert 'data-testid="population-link"' not in client_for("practice").get("/pcn/U00001/").content.decode()


def test_a_dashboard_without_aggregates_says_so(phm_output, client_for):
    response = client_for("icb").get("/phm/practice/A81003/")  # no practice figures in the output
    assert response.status_code == 200 and 'id="no-aggregates"' in response.content.decode()
    assert cell(response, 'data-cohort="smr"', "count") == "not known"
    assert 'id="no-aggregates"' not in client_for("icb").get(PCN).content.decode()


@pytest.mark.parametrize("cohort", sorted(COHORTS))
def test_every_worklist_opens_on_its_default_sort(phm_output, client_for, grant, cohort):
    """Each cohort's default sort is one of its own columns: the first page opens for a PCN and a practice."""
    grant("pcn")
    grant("practice")
    assert COHORTS[cohort].sort in sortable(COHORTS[cohort])
    for role, url in (("pcn", f"/phm/pcn/U00001/cohort/{cohort}/"), ("practice", f"/phm/practice/A81001/cohort/{cohort}/")):
        response = client_for(role).get(url)
        assert response.status_code == 200, (role, cohort, text(response)[:300])
        assert client_for(role).get(url + "?format=csv").status_code == 200


def test_the_header_gives_the_patient_figures_their_own_date(phm_output, client_for):
    import re as _re

    def said(response) -> str:
        found = _re.search(r'data-testid="as-of-patients">(.*?)</p>', response.content.decode(), _re.S)
        assert found, "the header does not date the patient figures"
        return " ".join(_re.sub("<[^>]+>", "", found.group(1)).split())

    client = client_for("icb")
    assert said(client.get(PCN)) == "Patient figures on this page: the extract of 1 January 2025."
    assert said(client.get(PCN, {"date": "2024-06-01"})) == (
        "Patient figures on this page: the extract of 1 January 2025, not 1 June 2024: the population health "
        "pipeline has not been run for that date.")
    summary = json.loads((phm_output / "summary.json").read_text())
    (phm_output / "summary.json").write_text(json.dumps({**summary, "synthetic": True}))
    assert said(client.get(PCN, {"date": "2025-01-01"})).startswith(
        "Patient figures on this page: synthetic patients, the extract of 1 January 2025")
    assert 'data-testid="as-of-patients"' not in client.get("/").content.decode()
