"""The IIF read from the measures output is kept in the cache under the output's fingerprint: a second request
(page, money page or API, by any user) reads no Parquet; a new output is read afresh."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import iif as service
from pcnhub.finance import iif_output
from tests.finance.iif_dataset import price_2022, rewrite_measures_output, write_measures_output
from tests.helpers_web import text

pytestmark = pytest.mark.django_db

IIF = "/finance/pcn/U00001/iif/?year=2022/23"
MONEY = "/finance/pcn/U00001/?year=2022/23"
API = "/api/finance/pcns/U00001/iif?year=2022/23"
MONEY_API = "/api/finance/pcns/U00001/entitlements?year=2022/23"


@pytest.fixture
def measures(settings, tmp_path, monkeypatch):
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    cache.clear()
    price_2022(monkeypatch)
    return write_measures_output(tmp_path / "phm" / "measures")


@pytest.fixture
def reads():
    """Every read of a measures output's Parquet file, watched."""
    with mock.patch.object(service, "query", wraps=service.query) as watched:
        yield watched


def test_a_second_request_reads_no_parquet(client_for, measures, reads):
    urls = [IIF, MONEY, API, MONEY_API, "/finance/pcn/U00001/iif/"]  # the last without ?year=: the output's year
    first = [client_for("pcn").get(url) for url in urls]
    assert reads.call_count > 0 and "2.50 points, £250.00" in text(first[0])
    done = reads.call_count
    again = [client_for(role).get(url) for url in urls for role in ("icb", "admin")]  # other users, same figures
    assert reads.call_count == done
    assert "2.50 points, £250.00" in text(again[0]) and "In the entitlement £250.00" in text(again[0])
    assert again[4].json() == first[2].json() and again[6].json() == first[3].json()


def test_the_money_page_and_the_iif_page_read_a_years_counts_once_between_them(client_for, measures, reads):
    client_for("pcn").get(MONEY)  # every year of the money page: one read of each IIF year's counts
    years = [c.args[1] for c in reads.call_args_list]
    assert len(years) == 6 and all("org_code" in sql for sql in years)
    assert "£250.00" in text(client_for("pcn").get(IIF))
    # the IIF page asks only what the money page did not: the output's last month
    assert [c.args[1] for c in reads.call_args_list[6:]] == ["SELECT max(month) FROM read_parquet(?)"]


def test_a_new_output_is_read_afresh(client_for, measures, reads):
    assert "2.50 points, £250.00" in text(client_for("pcn").get(IIF))
    assert client_for("pcn").get(MONEY_API).json()["iif"].startswith("counted")
    before = iif_output.fingerprint()
    done = reads.call_count
    # 20 referrals a month: 60 of 5,000 = 1.2%, the upper threshold: all 10 points, GBP 1,000
    rewrite_measures_output(measures, (20, 20, 20))
    assert iif_output.fingerprint() != before
    page = text(client_for("pcn").get(IIF))
    assert reads.call_count > done and "10.00 points, £1,000.00" in page
    iif = next(x for x in client_for("pcn").get(MONEY_API).json()["lines"] if x["key"] == "iif")
    assert iif["amount"] == 1000.0 and iif["counted"]


def test_without_an_output_nothing_is_read_or_kept(client_for, settings, tmp_path, reads):
    settings.PCNHUB_PHM_DIR = tmp_path / "none"
    assert iif_output.fingerprint() == "" and iif_output.last_month() is None
    assert iif_output.pcn_iif("U00001", FinancialYear(2022)) is None and iif_output.earned(FinancialYear(2022)) == {}
    assert "Not computed for 2022/23" in text(client_for("pcn").get(IIF))
    assert reads.call_count == 0


def test_every_pcn_of_a_year_is_read_at_once(measures, reads):
    found = iif_output.year_achievements(FinancialYear(2022))
    assert set(found) == {"U00001"} and reads.call_count == 1  # U00002 has no counts in the output
    earned = iif_output.earned(FinancialYear(2022))
    assert earned["U00001"].amount == 250 and reads.call_count == 1
    assert iif_output.year_achievements(FinancialYear(2024)) == {} and reads.call_count == 2  # no 2024/25 rows
