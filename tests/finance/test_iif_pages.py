"""The IIF page of a PCN and the IIF on the money page, from a hand-made measures output, per role."""

from __future__ import annotations

import pytest

from tests.finance.iif_dataset import write_measures_output
from tests.helpers_web import read_csv, read_xlsx, text

pytestmark = pytest.mark.django_db

IIF = "/finance/pcn/U00001/iif/"
MONEY = "/finance/pcn/U00001/"


@pytest.fixture
def measures(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures_output(tmp_path / "phm" / "measures")


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


def test_money_page_labels_the_iif_computed_or_the_maximum(client_for, measures, settings, tmp_path):
    page = text(client_for("pcn").get(MONEY + "?year=2022/23"))
    assert "Computed from the measures" in page
    assert ("April to June 2022: achievement measured, but points and money not known (the catalogue lacks a figure "
            "they need)") in page
    assert "points not known, not known" not in page
    page = text(client_for("pcn").get(MONEY + "?year=2024/25"))  # no measures for 2024/25
    assert "Maximum shown" in page and "up to £" in page and "Not computed: no measures for this PCN and year" in page
    page = text(client_for("pcn").get(MONEY + "?year=2023/24"))  # nor is the 2023/24 maximum known
    assert "Maximum shown" in page and "not known for 2023/24" in page
