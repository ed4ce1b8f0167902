"""The pages' reader of the engines' outputs: one DuckDB database a process, a cursor a thread, opened again when a
run replaces a file it read; and the limits it has."""

from __future__ import annotations

import os
import threading

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import limits, outputs


def _write(path, values) -> None:
    pq.write_table(pa.table({"n": pa.array(values, pa.int64())}), path)


@pytest.fixture
def counted(monkeypatch):
    """How many DuckDB databases are opened."""
    opened = []
    connect = duckdb.connect

    def counting(*args, **kwargs):
        opened.append(args)
        return connect(*args, **kwargs)

    monkeypatch.setattr(outputs.duckdb, "connect", counting)
    return opened


def test_queries_share_one_database(tmp_path, counted):
    path = tmp_path / "a.parquet"
    _write(path, [1, 2, 3])
    reader = outputs.Reader()
    sql = "SELECT sum(n) FROM read_parquet($path)"
    assert [reader.query(sql, {"path": str(path)}, [path]) for _ in range(3)] == [[(6,)]] * 3
    other = tmp_path / "b.parquet"
    _write(other, [10])
    assert reader.query(sql, {"path": str(other)}, [other]) == [(10,)]  # another file: the same database
    assert reader.opened == 1 and len(counted) == 1
    reader.close()


def test_a_replaced_file_is_read_afresh_in_a_new_database(tmp_path, counted):
    path = tmp_path / "a.parquet"
    _write(path, [1, 2, 3])
    reader = outputs.Reader()
    sql = "SELECT sum(n) FROM read_parquet($path)"
    assert reader.query(sql, {"path": str(path)}, [path]) == [(6,)]
    before = os.stat(path)
    # a new run writes another file of the same size in place of the old one, within the same clock tick
    _write(tmp_path / "new.parquet", [7, 8, 9])
    os.utime(tmp_path / "new.parquet", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(tmp_path / "new.parquet", path)
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert reader.query(sql, {"path": str(path)}, [path]) == [(24,)]
    assert reader.opened == 2 and len(counted) == 2
    assert reader.query(sql, {"path": str(path)}, [path]) == [(24,)]
    assert reader.opened == 2
    reader.close()


def test_threads_query_side_by_side_while_a_run_replaces_the_file(tmp_path):
    path = tmp_path / "a.parquet"
    _write(path, list(range(1000)))
    reader = outputs.Reader(threads=2)
    sql = "SELECT count(*), sum(n) FROM read_parquet($path)"
    found, failures = [], []
    start = threading.Barrier(5)

    def ask() -> None:
        start.wait()
        try:
            for _ in range(40):
                found.append(reader.query(sql, {"path": str(path)}, [path])[0])
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    start.wait()
    for k in range(1, 6):  # five new runs while the threads read
        _write(tmp_path / "new.parquet", list(range(1000 + k)))
        os.replace(tmp_path / "new.parquet", path)
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(found) == 160
    assert {rows for rows, _ in found} <= {1000 + k for k in range(6)}
    assert all(total == rows * (rows - 1) // 2 for rows, total in found)
    assert reader.query(sql, {"path": str(path)}, [path])[0] == (1005, 1005 * 1004 // 2)
    assert reader.opened >= 2
    reader.close()


def test_a_forked_child_opens_its_own(tmp_path, counted):
    path = tmp_path / "a.parquet"
    _write(path, [5])
    reader = outputs.Reader()
    sql = "SELECT sum(n) FROM read_parquet($path)"
    assert reader.query(sql, {"path": str(path)}, [path]) == [(5,)]
    reader._pid = -1  # as a forked worker sees it: the process that opened the database is another
    assert reader.query(sql, {"path": str(path)}, [path]) == [(5,)]
    assert reader.opened == 2 and len(counted) == 2


def test_the_reader_has_the_limits_and_names_a_bad_one(tmp_path, monkeypatch):
    monkeypatch.delenv(limits.MEMORY_LIMIT_ENV, raising=False)
    reader = outputs.Reader(memory_limit="1GiB", threads=1)
    assert reader.query("SELECT current_setting('memory_limit'), current_setting('threads')", [], []) \
        == [("1.0 GiB", 1)]
    reader.close()
    with pytest.raises(ValueError, match=r"^settings.PCNHUB_DUCKDB_MEMORY_LIMIT: 'lots' is not a memory size"):
        outputs.Reader(memory_limit="lots", sources=("settings.PCNHUB_DUCKDB_MEMORY_LIMIT", "threads"))
    monkeypatch.setenv(limits.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match=r"^PCNHUB_DUCKDB_MEMORY_LIMIT: 'lots' is not a memory size"):
        outputs.Reader()


def test_one_shared_reader_a_process_for_the_same_limits(monkeypatch):
    monkeypatch.delenv(limits.MEMORY_LIMIT_ENV, raising=False)
    first = outputs.shared_reader()
    assert outputs.shared_reader() is first
    other = outputs.shared_reader(memory_limit="1GiB")
    assert other is not first and outputs.shared_reader(memory_limit="1GiB") is other
    monkeypatch.setenv(limits.MEMORY_LIMIT_ENV, "2GiB")
    assert outputs.shared_reader(memory_limit="1GiB") is not other  # the environment changed


def test_a_stream_gives_every_row_in_batches_on_the_same_database(tmp_path, counted):
    path = tmp_path / "a.parquet"
    _write(path, list(range(25_000)))
    reader = outputs.Reader()
    sql = "SELECT n FROM read_parquet($path) ORDER BY n"
    rows = reader.stream(sql, {"path": str(path)}, [path], batch=1_000)
    first = next(rows)
    # a query while the stream is open uses the same database, and the stream goes on after it
    assert reader.query("SELECT count(*) FROM read_parquet($path)", {"path": str(path)}, [path]) == [(25_000,)]
    assert [first, *rows] == [(n,) for n in range(25_000)]
    assert len(counted) == 1
    _write(path, [7])
    assert list(reader.stream(sql, {"path": str(path)}, [path])) == [(7,)] and len(counted) == 2
