"""The measures pages on the hand-made output of tests/measures/fixtures.py: what each role may open (200, 403,
404), the figures shown equal to the Parquet output, suppressed values as text only, rankings, downloads."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.measures.run import VALUES_FILE
from pcnhub.phm.services import SUPPRESSED
from tests.helpers_web import read_csv, read_xlsx
from tests.measures.dom import parse

pytestmark = pytest.mark.django_db


def soup(response):
    return parse(response.content.decode())


def cell(page, selector: str) -> str:
    found = page.select_one(selector)
    assert found is not None, selector
    return " ".join(found.get_text(" ", strip=True).split())


def parquet_value(folder, measure, level, org, month="2025-01-01"):
    table = pq.read_table(folder / VALUES_FILE).to_pylist()
    return next(r for r in table if (r["measure"], r["level"], r["org_code"], r["month"].isoformat())
                == (measure, level, org, month))


@pytest.mark.parametrize("role, url, status", [
    ("pcn", "/measures/pcn/U00001/", 200),
    ("pcn", "/measures/pcn/U00002/", 403),
    ("pcn", "/measures/pcn/U99999/", 404),
    ("pcn", "/measures/practice/A81003/", 200),  # a member practice of the user's PCN
    ("pcn", "/measures/practice/B82001/", 403),
    ("pcn", "/measures/area/QAA/", 403),
    ("practice", "/measures/practice/A81001/", 200),
    ("practice", "/measures/practice/A81002/", 403),
    ("practice", "/measures/pcn/U00001/", 403),  # practice users see their practice only, as on phm's dashboards
    ("icb", "/measures/pcn/U00001/", 200),
    ("icb", "/measures/pcn/U00003/", 403),
    ("icb", "/measures/area/QAA/", 200),
    ("icb", "/measures/area/QBB/", 403),
    ("icb", "/measures/area/ZZZ/", 404),
    ("icb-beta", "/measures/pcn/U00003/", 200),
    ("analyst", "/measures/pcn/U00003/", 200),
    ("analyst", "/measures/area/QBB/", 200),
    ("analyst", "/measures/england/", 200),
    ("admin", "/measures/practice/B82001/", 200),
    ("pcn", "/measures/england/", 200),
])
def test_who_may_open_each_page(measures_output, client_for, role, url, status):
    assert client_for(role).get(url).status_code == status


@pytest.mark.parametrize("role, target", [("pcn", "/measures/pcn/U00001/"), ("practice", "/measures/practice/A81001/"),
                                          ("icb", "/measures/area/QAA/"), ("analyst", "/measures/england/")])
def test_the_index_sends_each_role_to_its_own_page(measures_output, client_for, role, target):
    response = client_for(role).get("/measures/")
    assert response.status_code == 302 and response["Location"] == target


def test_the_pcn_page_shows_the_parquet_figures(measures_output, client_for):
    page = soup(client_for("pcn").get("/measures/pcn/U00001/"))
    row = parquet_value(measures_output, "emergency_admissions", "pcn", "U00001")
    assert round(row["value"], 1) == 0.7  # 25 of 38,150 per 1,000
    summary = '#summary-table tr[data-measure="emergency_admissions"]'
    assert cell(page, f'{summary} [data-field="value"]') == "0.7 per 1,000"
    assert cell(page, f'{summary} [data-field="percentile"]') == "0th percentile (1st decile)"
    assert cell(page, f'{summary} [data-field="change"]') == "down 0.3 per 1,000 (better)"
    assert cell(page, f'{summary} [data-field="england"]') == "0.7 per 1,000"  # 85 of 128,150
    assert cell(page, f'{summary} [data-field="direction"]') == "Lower is better"
    section = 'section#emergency_admissions'
    assert cell(page, f'{section} dd[data-field="value"]') == "0.7 per 1,000 (25 of 38,150)"
    assert "IIF 2020/21-2021/22: reducing avoidable emergency admissions" in cell(page, f'{section} dd[data-field="serves"]')
    practices = f'{section} table[data-table="practices"]'
    assert cell(page, f'{practices} tr[data-practice="A81001"] [data-field="value"]') == "1.2 per 1,000"
    assert cell(page, f'{practices} tr[data-practice="A81001"] [data-field="limits"]') == "Above the 99.8% limit"
    assert cell(page, f'{practices} tr[data-practice="A81003"] [data-field="limits"]') == "Within limits"
    assert cell(page, f'{practices} tr[data-practice="A81002"] [data-field="value"]') == SUPPRESSED


def test_suppressed_values_are_text_never_numbers(measures_output, client_for):
    page = soup(client_for("pcn").get("/measures/pcn/U00001/"))
    summary = '#summary-table tr[data-measure="smr_done_for_cohort"]'
    assert cell(page, f'{summary} [data-field="value"]') == SUPPRESSED
    assert cell(page, f'{summary} [data-field="percentile"]') == "not known"
    assert cell(page, f'{summary} [data-field="change"]') == "not known"
    assert cell(page, 'section#smr_done_for_cohort dd[data-field="value"]') == SUPPRESSED
    # the deciles chart's line has no point that month
    import json
    chart = json.loads(page.select_one("#measures-deciles-smr_done_for_cohort").string)
    assert chart["lines"][0]["values"][-1] is None and chart["lines"][0]["texts"][-1] == SUPPRESSED


def test_the_deciles_chart_carries_the_deciles_and_the_pcn(measures_output, client_for):
    import json
    page = soup(client_for("pcn").get("/measures/pcn/U00001/"))
    chart = json.loads(page.select_one("#measures-deciles-emergency_admissions").string)
    assert chart["months"][0] == "2024-01-01" and chart["months"][-1] == "2025-01-01" and len(chart["months"]) == 13
    assert [d["percentile"] for d in chart["deciles"]] == list(range(10, 100, 10))
    assert chart["deciles"][4]["values"][-1] == pytest.approx(0.6 + 0.08 * 4)
    assert chart["deciles"][4]["values"][1] is None  # a month the output has no deciles for
    assert chart["lines"][0]["values"][-1] == pytest.approx(25 / 38_150 * 1000)


def test_a_percent_measure_changes_in_percentage_points(measures_output, client_for):
    page = soup(client_for("analyst").get("/measures/pcn/U00002/"))
    summary = '#summary-table tr[data-measure="smr_done_for_cohort"]'
    assert cell(page, f'{summary} [data-field="value"]') == "40.0%"
    assert cell(page, f'{summary} [data-field="change"]') == "up 5.0 percentage points (better)"
    assert cell(page, f'{summary} [data-field="percentile"]') == "100th percentile (10th decile)"


def test_practice_variation_uses_the_engines_limits(measures_output, client_for):
    import json
    response = client_for("pcn").get("/measures/pcn/U00001/?measure=emergency_admissions")
    page = soup(response)
    assert cell(page, '#variation-table tr[data-practice="A81001"] [data-field="limits998"]') == \
        "0.2 per 1,000 to 1.0 per 1,000"
    assert cell(page, '#variation-table tr[data-practice="A81001"] [data-field="outlier"]') == "Above the 99.8% limit"
    assert cell(page, '#variation-table tr[data-practice="A81002"] [data-field="denominator"]') == SUPPRESSED
    chart = json.loads(page.select_one("#measures-funnel-data").string)
    assert [p["code"] for p in chart["points"]] == ["A81003", "A81001"]  # by denominator; A81002 suppressed
    assert chart["limits"]["upper998"] == [1.5, 1.0]
    assert client_for("pcn").get("/measures/pcn/U00001/?measure=nope").status_code == 400


def test_no_limits_are_drawn_where_the_engine_wrote_only_one_of_them(measures_output, client_for):
    """A summed measure has no funnel; the engine writes a lower limit of 0 and no upper one (DuckDB's GREATEST
    ignores a null): the chart draws no limits from that."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pcnhub.analytics.measures.levels import VALUES

    path = measures_output / VALUES_FILE
    table = pq.read_table(path).to_pylist()
    for r in table:
        if r["level"] == "practice":
            r.update(lower95=0.0, upper95=None, lower998=0.0, upper998=None)
    pq.write_table(pa.Table.from_pylist(table, schema=VALUES.to_pyarrow()), path)
    page = soup(client_for("pcn").get("/measures/pcn/U00001/?measure=emergency_admissions"))
    chart = json.loads(page.select_one("#measures-funnel-data").string)
    assert chart["limits"]["lower998"] == [] and len(chart["points"]) == 2
    assert page.select_one("#no-limits") is not None


def test_the_practice_page_has_no_practice_table_and_no_pcn_link_for_a_practice_user(measures_output, client_for):
    page = soup(client_for("practice").get("/measures/practice/A81001/"))
    assert cell(page, '#summary-table tr[data-measure="emergency_admissions"] [data-field="value"]') == "1.2 per 1,000"
    assert page.select('table[data-table="practices"]') == []
    assert page.select('a[href="/measures/pcn/U00001/"]') == []


def test_the_icb_page_ranks_its_pcns_best_first(measures_output, client_for):
    page = soup(client_for("icb").get("/measures/area/QAA/?measure=emergency_admissions"))
    ranked = [tr["data-pcn"] for tr in page.select("#ranking-table tbody tr[data-pcn]")]
    assert ranked == ["U00001", "U00002"]  # lower is better: 0.7 before 1.3
    assert cell(page, '#ranking-table tr[data-pcn="U00001"] [data-field="rank"]') == "1"
    assert cell(page, '[data-field="icb-value"]') == "0.7 per 1,000"  # 65 of 93,150
    page = soup(client_for("icb").get("/measures/area/QAA/?measure=smr_done_for_cohort"))
    assert [tr["data-pcn"] for tr in page.select("#ranking-table tbody tr[data-pcn]")] == ["U00002", "U00001"]
    assert cell(page, '#ranking-table tr[data-pcn="U00001"] [data-field="value"]') == SUPPRESSED
    assert cell(page, '#ranking-table tr[data-pcn="U00001"] [data-field="rank"]') == ""


def test_england_shows_the_deciles_and_the_icbs_only_to_those_who_see_them_all(measures_output, client_for):
    page = soup(client_for("analyst").get("/measures/england/"))
    row = '#deciles-table tr[data-measure="emergency_admissions"]'
    assert cell(page, f'{row} [data-field="england"]') == "0.7 per 1,000"
    assert cell(page, f'{row} [data-percentile="50"]') == "0.9 per 1,000"  # 0.6 + 4 x 0.08
    # lower is better: QBB 20 of 35,000 (0.57 per 1,000) before QAA 65 of 93,150 (0.70)
    assert [tr["data-icb"] for tr in page.select("#icbs-table tbody tr[data-icb]")] == ["QBB", "QAA"]
    page = soup(client_for("icb").get("/measures/england/"))
    assert page.select("#icbs-table") == [] and page.select_one("#icbs-not-shown") is not None
    assert client_for("icb").get("/measures/england/?format=csv&table=icbs").status_code == 400


def test_downloads_write_suppression_as_text(measures_output, client_for):
    client = client_for("pcn")
    rows = read_csv(client.get("/measures/pcn/U00001/?format=csv&table=summary"))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    value = header.index("Value")
    assert body["smr_done_for_cohort"][value] == SUPPRESSED
    assert float(body["emergency_admissions"][value]) == pytest.approx(25 / 38_150 * 1000)
    practices = read_xlsx(client.get("/measures/pcn/U00001/?format=xlsx&table=practices"))
    by_practice = {(r[0], r[2]): r for r in practices[1:]}
    assert by_practice[("emergency_admissions", "A81002")][4] == SUPPRESSED
    assert by_practice[("emergency_admissions", "A81001")][12] == "Above the 99.8% limit"
    series = read_csv(client.get("/measures/pcn/U00001/?format=csv&table=series"))
    assert [r[1] for r in series[1:] if r[0] == "emergency_admissions"] == ["2024-01-01", "2025-01-01"]
    ranking = read_csv(client_for("icb").get("/measures/area/QAA/?format=csv&table=ranking"))
    assert ranking[1][3] == "U00001"
    deciles = read_csv(client_for("analyst").get("/measures/england/?format=csv&table=deciles"))
    assert len(deciles) == 1 + 2 * 13


def test_without_output_the_pages_say_how_to_make_it(phm_dir, client_for):
    response = client_for("pcn").get("/measures/pcn/U00001/")
    assert response.status_code == 200
    assert "pcnhub measures run" in cell(soup(response), "#run-command")


def test_the_pcn_and_population_health_pages_link_to_the_measures(measures_output, client_for):
    from tests.phm.fixtures import write_output
    from django.conf import settings

    write_output(settings.PCNHUB_PHM_DIR / "output")
    client = client_for("pcn")
    for url in ("/pcn/U00001/", "/phm/pcn/U00001/"):
        links = soup(client.get(url)).select('[data-testid="measures-link"]')
        assert [a["href"] for a in links] == ["/measures/pcn/U00001/"], url
    links = soup(client_for("icb").get("/phm/area/QAA/")).select('[data-testid="measures-link"]')
    assert [a["href"] for a in links] == ["/measures/area/QAA/"]


def test_the_pcn_page_shows_the_chosen_measure_in_each_neighbourhood(measures_output, client_for):
    from tests.measures.fixtures import neighbourhood_rows

    page = soup(client_for("pcn").get("/measures/pcn/U00001/?measure=emergency_admissions"))
    table = "#neighbourhoods-table"
    shown = [tr["data-neighbourhood"] for tr in page.select(f"{table} tbody tr[data-neighbourhood]")]
    # by LSOA, not recorded last; not U00002's, not January 2024's
    assert shown == ["E01000001", "E01000002", "not-recorded"]
    expected = next(r for r in neighbourhood_rows() if (r["org_code"], r["neighbourhood"], r["month"].year)
                    == ("U00001", "E01000001", 2025))
    assert round(expected["value"], 1) == 0.8
    row = f'{table} tr[data-neighbourhood="E01000001"]'
    assert [cell(page, f'{row} [data-field="{f}"]') for f in ("value", "numerator", "denominator")] == \
        ["0.8 per 1,000", "10", "12,000"]
    row = f'{table} tr[data-neighbourhood="E01000002"]'
    assert [cell(page, f'{row} [data-field="{f}"]') for f in ("value", "numerator", "denominator")] == [SUPPRESSED] * 3
    assert cell(page, f'{table} tr[data-neighbourhood="not-recorded"] th') == "Not recorded"
    assert cell(page, f'{table} tr[data-neighbourhood="not-recorded"] [data-field="value"]') == "0.6 per 1,000"  # 15 of 26,150
    assert "3 neighbourhoods, 1 suppressed" in cell(page, f"{table} caption")
    links = page.select('a[data-testid="neighbourhoods-link"]')
    assert [a["href"] for a in links] == ["?measure=emergency_admissions#neighbourhoods",
                                         "?measure=smr_done_for_cohort#neighbourhoods"]
    # every neighbourhood suppressed (its one neighbourhood): a sentence saying so, not a table of suppressed cells
    page = soup(client_for("pcn").get("/measures/pcn/U00001/?measure=smr_done_for_cohort"))
    assert page.select(table) == []
    assert "every one of the 1 neighbourhoods" in cell(page, '[data-testid="neighbourhoods-all-suppressed"]')


def test_neighbourhoods_are_shown_only_when_the_run_wrote_them_and_only_for_a_pcn(phm_dir, client_for):
    from tests.measures.fixtures import write_measures

    write_measures(phm_dir / "measures", neighbourhoods=False)
    client = client_for("pcn")
    page = soup(client.get("/measures/pcn/U00001/?measure=emergency_admissions"))
    assert page.select("#neighbourhoods") == [] and page.select('a[data-testid="neighbourhoods-link"]') == []
    assert client.get("/measures/pcn/U00001/?format=csv&table=neighbourhoods").status_code == 400
    write_measures(phm_dir / "measures")
    assert soup(client.get("/measures/practice/A81003/")).select("#neighbourhoods") == []
    assert client.get("/measures/practice/A81003/?format=csv&table=neighbourhoods").status_code == 400


def test_the_neighbourhoods_download_has_every_measure_this_month_with_suppression_as_text(measures_output, client_for):
    rows = read_csv(client_for("pcn").get("/measures/pcn/U00001/?format=csv&table=neighbourhoods"))
    assert rows[0] == ["Measure id", "Month", "Neighbourhood (LSOA)", "Value", "Numerator", "Denominator"]
    body = {(r[0], r[2]): r for r in rows[1:]}
    assert set(body) == {("emergency_admissions", "E01000001"), ("emergency_admissions", "E01000002"),
                         ("emergency_admissions", "Not recorded"), ("smr_done_for_cohort", "E01000001")}
    assert body["emergency_admissions", "E01000002"][3:] == [SUPPRESSED] * 3
    assert body["emergency_admissions", "E01000001"][1] == "2025-01-01"
    assert float(body["emergency_admissions", "E01000001"][3]) == pytest.approx(10 / 12_000 * 1000)


def test_the_header_gives_the_measures_their_own_date_and_months(measures_output, client_for):
    page = soup(client_for("pcn").get("/measures/pcn/U00001/", {"date": "2025-01-01"}))
    said = " ".join(page.select_one('[data-testid="as-of-patients"]').get_text().split())
    assert said.startswith("Patient figures on this page: the extract of 1 February 2025 (months ")
    assert said.endswith(", not 1 January 2025: the population health pipeline has not been run for that date.")
