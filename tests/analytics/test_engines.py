"""``engines.keep``: an intermediate result kept for the same connection (DuckDB: a temporary table)."""

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pcnhub.analytics import engines


def test_keep_on_duckdb_is_a_temporary_table_and_writes_no_file(tmp_path):
    con = engines.connect("duckdb", memory_limit="256MB", threads=1, temp_directory=tmp_path / "spill")
    try:
        codes = ibis.memtable({"patient_id": [1, 2, 3], "code": ["a", "b", "a"]})  # a memtable: registered on use
        kept = engines.keep(con, codes.filter(codes.code == "a"), tmp_path / "step-1.parquet")
        assert sorted(engines.to_arrow(con, kept).column("patient_id").to_pylist()) == [1, 3]
        assert not (tmp_path / "step-1.parquet").exists()
        temporary = con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
        assert temporary == [("_kept_step_1",)]
        # kept again under the same name: replaced
        again = engines.keep(con, codes.filter(codes.code == "b"), tmp_path / "step-1.parquet")
        assert engines.to_arrow(con, again).column("patient_id").to_pylist() == [2]
    finally:
        engines.close(con)


def test_kept_tables_larger_than_the_memory_limit_spill_to_the_temp_directory(tmp_path):
    spill = tmp_path / "spill"
    con = engines.connect("duckdb", memory_limit="80MB", threads=1, temp_directory=spill)
    try:
        rows = 4_000_000  # about 150 MB as a table: twice the limit
        ids = pa.array(range(rows), type=pa.int64())
        codes = pc.binary_join_element_wise(pc.cast(ids, pa.string()), "-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "")
        pq.write_table(pa.table({"patient_id": ids, "code": codes}), tmp_path / "rows.parquet")
        kept = engines.keep(con, engines.read_parquet(con, tmp_path / "rows.parquet"), tmp_path / "big.parquet")
        memory, on_disk = con.raw_sql("SELECT memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory() "
                                      "WHERE tag = 'IN_MEMORY_TABLE'").fetchall()[0]
        assert memory <= 80 * 2**20 and on_disk > 0  # what did not fit is in the temp directory
        assert any(path.stat().st_size for path in spill.iterdir())
        assert engines.to_arrow(con, kept.aggregate(n=kept.count(), s=kept.patient_id.sum())).to_pylist() == [
            {"n": rows, "s": rows * (rows - 1) // 2}]
    finally:
        engines.close(con)
