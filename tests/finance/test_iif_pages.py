"""The IIF page of a PCN and the IIF on the money page, from a hand-made measures output, per role."""

from __future__ import annotations

import pytest

from tests.finance.iif_dataset import price_2022
from tests.helpers_web import read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

IIF = "/finance/pcn/U00001/iif/"
MONEY = "/finance/pcn/U00001/"


@pytest.fixture
def no_measures(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"


@pytest.mark.parametrize("role", ["icb", "pcn", "analyst", "admin"])
def test_iif_page_for_roles_that_may_see_money(client_for, measures, role):
    response = client_for(role).get(IIF)  # no ?year=: the year of the measures' last month
    assert response.status_code == 200
    page = text(response)
    # 10 + 20 + 15 = 45 referrals over 5,000: 0.9%; PC-01 2022/23 has thresholds 0.8% to 1.2%, points unknown.
    # Forecast: 45 x 12 / 3 = 180 of 5,000 = 3.6%.  To act on: 5,000 - 45 = 4,955; to 1.2% (60): 15.
    assert "2022/23 so far: computed from the measures" in page and "April to June 2022" in page
    assert "PC-01 Social prescribing referrals" in page and "0.9%" in page and "45 / 5,000" in page
    assert "0.8% to 1.2%" in page and "3.6%" in page and "4,955" in page and "15 to reach the upper" in page
    assert "VI-01" in page and "no immunisations" in page  # not computed, and why
    assert "Achieved Not known: the catalogue lacks a figure the points need" in page  # PC-01's points unknown
    assert "Forecast for the year Not known, for the same reason" in page
    # the year chooser shows the year the page shows, not the form's default
    assert '<option value="2022/23" selected>' in response.content.decode()


@pytest.mark.parametrize("role, code", [("practice", "U00001"), ("icb-beta", "U00001"), ("pcn", "U00002")])
def test_iif_page_refused_outside_the_role(client_for, measures, role, code):
    url = f"/finance/pcn/{code}/iif/"
    assert client_for(role).get(url).status_code == 403
    assert client_for(role).get(url + "?format=csv").status_code == 403


def test_iif_page_unknown_pcn_and_bad_year(client_for, measures):
    assert client_for("admin").get("/finance/pcn/NOPE/iif/").status_code == 404
    assert client_for("admin").get(IIF + "?year=soon").status_code == 400
    assert "the IIF catalogue has no 2019/20" in text(client_for("admin").get(IIF + "?year=2019/20"))


def test_iif_downloads(client_for, measures):
    header, *rows = read_csv(client_for("pcn").get(IIF + "?year=2022/23&format=csv&table=iif"))
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_id["PC-01"]["Numerator"] == "45.0" and by_id["PC-01"]["Achievement"] == "0.9"
    assert by_id["PC-01"]["Forecast achievement"] == "3.6" and by_id["VI-01"]["Status"] == "not computed"
    sheet = read_xlsx(client_for("pcn").get(IIF + "?year=2022/23&format=xlsx&table=iif"))
    assert list(sheet[0][:3]) == ["Indicator", "Name", "Measure"] and len(sheet) == len(rows) + 1


def test_without_measures_the_page_says_not_computed(client_for, no_measures):
    page = text(client_for("pcn").get(IIF + "?year=2022/23"))
    assert "Not computed for 2022/23" in page and "money page shows the IIF's maximum" in page


def test_money_page_says_how_the_iif_is_in_the_total(client_for, measures):
    # 2022/23: achievement measured, but the value of a point is not published in the sources held: nothing counted
    page = text(client_for("pcn").get(MONEY + "?year=2022/23"))
    assert ("the value of an IIF point is not published in the sources held for 2022/23, so nothing is counted "
            "(achievement measured from April to June 2022)") in page
    page = text(client_for("pcn").get(MONEY + "?year=2024/25"))  # no measures for 2024/25: the maximum, apart
    assert "Maximum, not counted in the total : up to £" in page and "Not computed: no measures for this PCN" in page
    assert "Not counted, shown apart: Investment and Impact Fund, maximum £" in page


def test_the_iif_page_says_the_value_of_a_point_is_not_published(client_for, measures):
    page = text(client_for("pcn").get(IIF + "?year=2022/23"))
    assert "Value of an IIF point in 2022/23: not published in the sources held for 2022/23." in page
    assert "Nothing counted: no indicator has GBP yet" in page
    page = text(client_for("pcn").get(IIF + "?year=2024/25"))
    assert "Value of an IIF point in 2024/25: £198 (verified)." in page


def test_the_iif_page_with_money_says_what_the_entitlement_counts(client_for, measures, monkeypatch):
    price_2022(monkeypatch)
    page = text(client_for("icb").get(IIF + "?year=2022/23"))
    assert "Achieved 2.50 points, £250.00" in page  # PC-01: 10 x (0.9 - 0.8) / (1.2 - 0.8) points at GBP 100
    assert "In the entitlement £250.00, computed from 1 indicator, as of 30 June 2022" in page
    # forecast: 180 of 5,000 = 3.6%, above the upper threshold: all 10 points, GBP 1,000
    assert "Forecast for the year £1,000.00" in page
