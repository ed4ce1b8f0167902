"""The dashboards' figures are kept in the shared cache under the pipeline output's fingerprint: a repeated
dashboard reads no Parquet, a new pipeline output is read afresh, what depends on the user (worklist links)
is never taken from the cache, and patient rows (worklists) are never cached."""

from __future__ import annotations

import os
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.cache import cache
from django.db import connection

from pcnhub.phm import services
from tests.phm.fixtures import AGGREGATES_SCHEMA, NORTH_TOTALS, aggregates
from tests.phm.test_phm_pages import PCN, SMR, cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads():
    """DuckDB's reads of the output files, watched."""
    cache.clear()
    with mock.patch.object(services, "_query", wraps=services._query) as watched:
        yield watched


def cached_entries() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pcnhub_cache")
        return cursor.fetchone()[0]


def test_a_repeated_dashboard_reads_no_parquet(phm_output, client_for, reads):
    first = client_for("icb").get(PCN)
    assert first.status_code == 200 and reads.call_count > 0
    read = reads.call_count
    again = client_for("icb").get(PCN)
    assert again.status_code == 200 and reads.call_count == read
    assert cell(again, 'data-cohort="smr"', "count") == cell(first, 'data-cohort="smr"', "count")
    # Another organisation's dashboard is its own entry.
    assert client_for("analyst").get("/phm/practice/A81004/").status_code == 200
    assert reads.call_count > read


def test_new_pipeline_output_is_read_afresh(phm_output, client_for, reads):
    numerator, denominator, _ = NORTH_TOTALS["cohort_smr"]
    assert cell(client_for("icb").get(PCN), 'data-cohort="smr"', "count") == f"{numerator:,}"
    rows = [dict(r, numerator=r["numerator"] + 100) if (r["org_code"], r["measure"], r["breakdown"] or "")
            == ("U00001", "cohort_smr", "") else r for r in aggregates()]
    path = phm_output / services.AGGREGATES
    before = os.stat(path)
    pq.write_table(pa.Table.from_pylist(rows, schema=AGGREGATES_SCHEMA), path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # a later run, however fast
    assert cell(client_for("icb").get(PCN), 'data-cohort="smr"', "count") == f"{numerator + 100:,}"


def test_what_depends_on_the_user_is_not_shared(phm_output, client_for, grant, reads):
    grant("pcn")
    # The ICB user fills the cache; the PCN user (with a grant) still gets worklist links, the ICB user none.
    assert "/cohort/smr/" not in client_for("icb").get(PCN).content.decode()
    read = reads.call_count
    assert SMR in client_for("pcn").get(PCN).content.decode()
    assert reads.call_count == read
    assert "/cohort/smr/" not in client_for("icb").get(PCN).content.decode()


def test_worklists_are_never_cached(phm_output, client_for, grant, reads):
    grant("pcn")
    client = client_for("pcn")
    assert client.get(PCN).status_code == 200
    entries = cached_entries()
    read = reads.call_count
    for _ in range(2):
        assert client.get(SMR).status_code == 200
        assert client.get(SMR + "?format=csv").status_code == 200
    assert cached_entries() == entries  # no patient rows went into the cache
    assert reads.call_count == read + 2 * 2  # every worklist page and every download read the file


def test_a_worklist_page_reads_the_patients_once(phm_output, client_for, grant, reads):
    """The page and the number of patients come from one read of the patients' file."""
    grant("pcn")
    client = client_for("pcn")
    for page in ("", "?page=2"):
        read = reads.call_count
        response = client.get(SMR + page)
        assert response.status_code == 200 and reads.call_count == read + 1
        assert "63" in response.content.decode()  # Alpha North's SMR worklist, on either page
    assert client.get(SMR + "?page=3").status_code == 400  # past the end: still refused


def test_a_dashboards_reads_share_one_duckdb_database(phm_output, client_for, reads, monkeypatch):
    """Every read of every page goes through the process's one DuckDB database (opening one took ~30 ms); a new
    pipeline output opens a new one, and its figures are shown."""
    import duckdb

    from pcnhub.analytics import outputs

    opened = []
    connect = duckdb.connect
    monkeypatch.setattr(outputs.duckdb, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    services.reader().close()
    assert client_for("icb").get(PCN).status_code == 200
    assert client_for("analyst").get("/phm/practice/A81004/").status_code == 200
    assert reads.call_count > 4 and len(opened) == 1
    numerator, _, _ = NORTH_TOTALS["cohort_smr"]
    rows = [dict(r, numerator=r["numerator"] + 100) if (r["org_code"], r["measure"], r["breakdown"] or "")
            == ("U00001", "cohort_smr", "") else r for r in aggregates()]
    path = phm_output / services.AGGREGATES
    before = os.stat(path)
    pq.write_table(pa.Table.from_pylist(rows, schema=AGGREGATES_SCHEMA), path.with_suffix(".new"))
    os.replace(path.with_suffix(".new"), path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert cell(client_for("icb").get(PCN), 'data-cohort="smr"', "count") == f"{numerator + 100:,}"
    assert len(opened) == 2
