"""GET /api/finance/pcns/{code}/iif: the IIF computed from a hand-made measures output, per role."""

from __future__ import annotations

import pytest

from tests.finance.iif_dataset import write_measures_output

pytestmark = pytest.mark.django_db

URL = "/api/finance/pcns/U00001/iif"


@pytest.fixture
def measures(settings, tmp_path):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return write_measures_output(tmp_path / "phm" / "measures")


@pytest.mark.parametrize("role", ["icb", "pcn", "analyst", "admin"])
def test_computed_from_the_measures(client_for, measures, role):
    response = client_for(role).get(URL)  # no year: the measures' last month's IIF year
    assert response.status_code == 200
    data = response.json()
    assert data["year"] == "2022/23" and data["computed"] and data["last_month"] == "2022-06-01"
    (row,) = data["indicators"]
    # 45 referrals of 5,000 = 0.9%; forecast 45 x 12 / 3 of 5,000 = 3.6%
    assert (row["indicator"], row["numerator"], row["denominator"], row["achievement"]) == ("PC-01", 45, 5000, 0.9)
    assert row["forecast"]["achievement"] == 3.6 and row["points"] is None and row["to_act_on"] == 4955
    assert [m["numerator"] for m in row["months"]] == [10, 20, 15]
    assert data["total"]["gbp"] is None and "VI-01" in {i["indicator"] for i in data["not_computed"]}


def test_a_year_without_measures_is_not_computed(client_for, measures):
    data = client_for("pcn").get(URL + "?year=2024/25").json()
    assert data["computed"] is False and data["indicators"] == [] and data["total"] is None
    assert {i["indicator"] for i in data["not_computed"]} == {"HI-03", "CAN-02"}


@pytest.mark.parametrize("role, url, status", [
    ("practice", URL, 403), ("icb-beta", URL, 403), ("admin", "/api/finance/pcns/NOPE/iif", 404),
    ("admin", URL + "?year=2019/20", 400), ("admin", URL + "?year=soon", 422),
])
def test_refusals(client_for, measures, role, url, status):
    response = client_for(role).get(url)
    assert response.status_code == status and "detail" in response.json()
