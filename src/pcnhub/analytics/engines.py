"""The engines the population health pipeline runs on, and everything engine-specific it needs.

The pipeline (:mod:`pcnhub.analytics.pipeline`) is written once, as Ibis expressions; this module is
the only place that knows which engine runs them:

* ``duckdb`` (the default): an in-process DuckDB database with a memory limit and a spill folder, so
  that data larger than memory is processed out of core; results stream to Parquet with DuckDB's
  ``COPY ... TO`` and never pass through pandas.
* ``spark``: PySpark, in local mode unless a ``SparkSession`` is given (the same expressions compile to
  Spark SQL).  Results are written with Spark's distributed Parquet writer and merged into one file by
  streaming row groups, never collected on the driver.

:func:`connect` makes a backend, :func:`load_tables` opens the dataset's tables lazily (nothing is read
until a query runs), :func:`write_parquet` runs an expression into one Parquet file with an exact Arrow
schema, :func:`materialise` writes an intermediate result and opens it again, :func:`keep` keeps one for the same
connection (a DuckDB temporary table), :func:`close` ends it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from pcnhub.analytics import limits
from pcnhub.analytics.schema import TABLES

ENGINES: Final = ("duckdb", "spark")


class EngineError(RuntimeError):
    """An engine that cannot be used here (unknown name, PySpark or Java not installed, ...)."""


def engine_of(con: Any) -> str:
    """``"duckdb"`` or ``"spark"``: the engine of a backend made by :func:`connect`."""
    name = getattr(con, "name", "")
    if name == "duckdb":
        return "duckdb"
    if name == "pyspark":
        return "spark"
    raise EngineError(f"not a pipeline engine: {name!r}")


#: Spark settings for tiny data (tests): no code generation, one shuffle partition, no adaptive plans;
#: query compilation, not data, is what takes the time there.
SPARK_SMALL_DATA: Final = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
    # No automatic broadcast joins (sort-merge joins over the one partition instead): each broadcast is a job of
    # its own and a hash table built on the driver's heap, and late in a long test session, with the heap
    # filled by earlier plans, building one failed (notEnoughMemoryToBuildAndBroadcastTable). The join strategy
    # does not change a join's rows; the measures spec run gives the same output, with ~25% less JVM CPU.
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    # The JVM's quick compiler only (C1): a test session is many short, different queries, where the optimising
    # compiler (C2) costs CPU it never earns back; with both settings the measures spec run takes ~40% less
    # JVM CPU. Not for large data, where C2's code pays.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}


def spark_session(*, app_name: str = "pcnhub", partitions: int = 2, config: Mapping[str, str] | None = None) -> Any:
    """The active SparkSession, or a new local one (2 cores, no web UI, few shuffle partitions; ``config``:
    more settings, e.g. :data:`SPARK_SMALL_DATA`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise EngineError("the spark engine needs PySpark (pip install pyspark) and Java") from err
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.default.parallelism": str(partitions),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.memory": "2g",
        # the driver keeps each query's plan for the (disabled) UI, 1,000 by default: a long session of large
        # measure plans (the test suite, a national run) filled the 2 GB heap and a broadcast failed for memory
        "spark.sql.ui.retainedExecutions": "20",
        "spark.ui.retainedJobs": "50",
        "spark.ui.retainedStages": "50",
        **(config or {}),
    }
    try:
        builder = SparkSession.builder.master("local[2]").appName(app_name)
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    except Exception as err:  # pragma: no cover - no Java, etc.
        raise EngineError(f"could not start Spark: {err}") from err
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(
    engine: str = "duckdb",
    *,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    session: Any = None,
) -> Any:
    """An Ibis backend for ``engine`` ("duckdb" or "spark").

    DuckDB: in memory, with ``memory_limit`` (e.g. "8GB", "50%"; None: ``PCNHUB_DUCKDB_MEMORY_LIMIT`` or half the
    machine's memory, :mod:`pcnhub.analytics.limits`), a spill folder ``temp_directory`` and ``threads`` (None:
    ``PCNHUB_DUCKDB_THREADS`` or every core).  Spark: ``session`` or the active / a new local SparkSession
    (:func:`spark_session`).  A bad limit is a ``ValueError`` naming it.
    """
    if engine == "duckdb":
        config: dict[str, Any] = limits.duckdb_config(memory_limit, threads)
        if temp_directory is not None:
            Path(temp_directory).mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = str(temp_directory)
        con = ibis.duckdb.connect(**config)
        con.raw_sql("SET enable_progress_bar = false")
        # results that need an order say so (ORDER BY); the others may stream in any order, which
        # lets DuckDB keep less in memory
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        _spark_compile_rules()
        return ibis.pyspark.connect(session if session is not None else spark_session())
    raise EngineError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def _spark_compile_rules() -> None:
    """Rules Ibis's PySpark compiler lacks: the aggregate ``bit_or`` (Spark SQL has it since 3.0), which the
    pipeline's one pass over events uses (:mod:`pcnhub.analytics.pipeline.flags`)."""
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    def visit_BitOr(self, op, *, arg, where):  # noqa: N802 - Ibis's naming
        return self.agg.bit_or(arg, where=where)

    PySparkCompiler.visit_BitOr = visit_BitOr


def close(con: Any, *, stop_spark: bool = False) -> None:
    """Disconnect; a Spark session is left running (tests share one) unless ``stop_spark``."""
    if engine_of(con) == "duckdb":
        con.disconnect()
    elif stop_spark:
        con._session.stop()


def table_path(data_dir: str | os.PathLike[str], name: str) -> Path | None:
    """``DIR/name.parquet`` or the folder ``DIR/name`` of Parquet files, whichever exists (None if neither)."""
    folder = Path(data_dir)
    for path in (folder / f"{name}.parquet", folder / name):
        if path.exists():
            return path
    return None


def read_parquet(con: Any, path: str | os.PathLike[str]) -> ir.Table:
    """A Parquet file or a folder of Parquet files (e.g. one Spark wrote), as a lazy table."""
    path = Path(path)
    if engine_of(con) == "duckdb" and path.is_dir():
        return con.read_parquet(str(path / "**" / "*.parquet"))
    return con.read_parquet(str(path))


def load_tables(con: Any, data_dir: str | os.PathLike[str]) -> dict[str, ir.Table]:
    """The dataset's five tables (:data:`pcnhub.analytics.schema.TABLES`), read lazily.

    A table whose columns differ from the schema's (extra columns, another order, a type to cast, e.g.
    a nullable flag read as another type) is projected onto the schema's columns and types.  Raises ``FileNotFoundError`` naming a
    missing table; check the dataset with :func:`pcnhub.analytics.schema.validate_dataset` first.
    """
    tables = {}
    for name, table in TABLES.items():
        path = table_path(data_dir, name)
        if path is None:
            raise FileNotFoundError(f"{Path(data_dir) / table.file}: the table is missing")
        raw = read_parquet(con, path)
        wanted = {column.name: ibis.dtype(column.type) for column in table.columns}
        found = raw.schema()
        if list(found.names) == list(wanted) and all(found[c] == t for c, t in wanted.items()):
            # a plain table reference: a projection used several times in a query would become a common
            # table expression, which DuckDB may materialise in memory
            tables[name] = raw
        else:
            # an optional column absent from the file (SCHEMA.md: "may be absent") is read as null
            tables[name] = raw.select(*[
                ibis.null(t).name(c) if c not in found.names
                else raw[c].cast(t) if found[c] != t else raw[c]
                for c, t in wanted.items()
            ])
    return tables


def memtable(data: Mapping[str, list[Any]], schema: Mapping[str, str]) -> ir.Table:
    """A small in-memory table (codelists, the practice map) that works on every engine."""
    return ibis.memtable(pa.table({name: pa.array(data[name], type=ibis.dtype(dtype).to_pyarrow())
                                   for name, dtype in schema.items()}))


def write_parquet(con: Any, expr: ir.Table, path: str | os.PathLike[str], *, schema: pa.Schema | None = None) -> None:
    """Run ``expr`` and write the result to the single Parquet file ``path``.

    DuckDB streams the rows with ``COPY ... TO`` (memory bounded); Spark writes part files with its own
    distributed writer to a temporary folder beside ``path``, which :func:`merge_parquet` merges into one
    file row group by row group (nothing is collected on the driver; memory stays bounded).  ``schema``:
    the exact Arrow schema of the file (default: the expression's; Spark's result is cast to it).
    """
    path = Path(path)
    if path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine_of(con) == "duckdb":
        con.to_parquet(expr, str(path), compression="zstd")
        return
    if path.exists():
        path.unlink()
    parts = path.parent / f".{path.name}.parts"
    if parts.exists():
        shutil.rmtree(parts)
    try:
        _spark_frame(con, expr).write.mode("overwrite").parquet(str(parts))
        merge_parquet(parts, path, schema if schema is not None else expr.schema().to_pyarrow())
    finally:
        shutil.rmtree(parts, ignore_errors=True)


def merge_parquet(folder: str | os.PathLike[str], path: str | os.PathLike[str], schema: pa.Schema) -> int:
    """Merge the Parquet part files of ``folder`` (in name order) into the single file ``path``, cast to
    ``schema``; one row group at a time, so memory is bounded by the largest row group.  The row count."""
    files = sorted(Path(folder).glob("part-*.parquet")) or sorted(Path(folder).glob("*.parquet"))
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for file in files:
            source = pq.ParquetFile(file)
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                table = table.rename_columns(_spark_names(table.schema.names, schema.names))
                table = table.select(schema.names).cast(schema)
                writer.write_table(table)
                rows += table.num_rows
    return rows


def _spark_names(found: list[str], wanted: list[str]) -> list[str]:
    """``found`` with each name spelt as in ``wanted`` when they differ only in case."""
    by_lower = {name.lower(): name for name in wanted}
    return [name if name in wanted else by_lower.get(name.lower(), name) for name in found]


def to_arrow(con: Any, expr: ir.Table) -> pa.Table:
    """The (small) result of ``expr`` as an Arrow table."""
    if engine_of(con) == "duckdb":
        return con.to_pyarrow(expr)
    return _spark_arrow(con, expr)


def _spark_frame(con: Any, expr: ir.Table) -> Any:
    """``expr`` as a (lazy) Spark DataFrame with the expression's column names."""
    con._run_pre_execute_hooks(expr)  # registers the memtables the query uses
    return con._session.sql(con.compile(expr)).toDF(*expr.schema().names)


def _spark_arrow(con: Any, expr: ir.Table) -> pa.Table:
    table = _spark_frame(con, expr).toArrow()
    wanted = expr.schema().to_pyarrow()
    return table.rename_columns(wanted.names).cast(wanted)


def keep(con: Any, expr: ir.Table, path: str | os.PathLike[str]) -> ir.Table:
    """Compute an intermediate result that only this connection reads again, and open it (lazily).

    DuckDB keeps it as a temporary table in its own storage (named after ``path``'s stem, replaced if that
    name was kept before): no Parquet to encode and decode, and its buffer manager spills the table to the
    connection's ``temp_directory`` under the memory limit, so memory stays bounded.  Spark writes it to
    ``path`` as :func:`materialise` does.  Results other connections read (the measures' groups, each on a
    connection of its own) must be materialised to a file instead.
    """
    if engine_of(con) != "duckdb":
        return materialise(con, expr, path)
    name = "_kept_" + "".join(c if c.isalnum() else "_" for c in Path(path).stem)
    # dropped by hand: Ibis's own ``overwrite`` writes a DROP statement this DuckDB does not parse
    con.raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"').fetchall()
    return con.create_table(name, expr, temp=True)


def materialise(con: Any, expr: ir.Table, path: str | os.PathLike[str]) -> ir.Table:
    """Write an intermediate result to Parquet at ``path`` and open it again (lazily).

    Each pipeline step is materialised so that later steps (and several outputs) read a small
    per-patient table instead of recomputing it, and so that each step's time can be measured.
    DuckDB writes one file; Spark writes a folder of part files with its own writer.
    """
    path = Path(path)
    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if engine_of(con) == "duckdb":
        con.to_parquet(expr, str(path))
    else:
        con.to_parquet(expr, str(path), mode="overwrite")
    return read_parquet(con, path)
