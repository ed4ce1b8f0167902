"""How often a measures run reads the events and prescriptions: ``python bench/measures_scans.py --data DIR``.

Runs ``run_measures`` on DuckDB on a dataset, recording the SQL of every query it runs (each expression written
with ``engines.materialise`` or ``engines.write_parquet``), and counts, for each of the dataset's tables, the
queries that read it and its references in their SQL (a table read by the SQL of a query: DuckDB scans it once a
reference).  ``--baseline-src DIR`` also counts with another checkout's ``src`` (e.g. a worktree of main), in a
child process.  Prints JSON: ``{"after": {...}, "before": {...}}``, each ``{"queries": n, "tables": {table:
{"queries": n, "references": n}}}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 4, 1)
#: The tables counted (the dataset's big ones first).
COUNTED = ("events", "medications", "hospital", "patients", "appointments")


def count_scans(data: Path, *, months: int = 24, as_of: dt.date = AS_OF, only: list[str] | None = None,
                workers: int | None = None) -> dict[str, Any]:
    """Run the measures on ``data`` (DuckDB, in a temporary folder) and count the reads of each table in the SQL
    of the run's queries (see the module docs)."""
    import ibis

    from pcnhub.analytics import engines
    from pcnhub.analytics.measures import run

    names: dict[str, str] = {}  # the name DuckDB gives a Parquet file read -> the dataset's table
    queries: list[str] = []
    read_parquet, materialise, write_parquet = engines.read_parquet, engines.materialise, engines.write_parquet
    tables = {table: Path(data).resolve() / f"{table}.parquet" for table in COUNTED}

    def reading(con: Any, path: Any) -> Any:
        table = read_parquet(con, path)
        for name, file in tables.items():
            if Path(path).resolve() == file:
                names[table.get_name()] = name
        return table

    def compiled(expr: Any) -> None:
        queries.append(ibis.to_sql(expr, dialect="duckdb"))

    def materialising(con: Any, expr: Any, path: Any) -> Any:
        compiled(expr)
        return materialise(con, expr, path)

    def writing(con: Any, expr: Any, path: Any, **kwargs: Any) -> None:
        compiled(expr)
        write_parquet(con, expr, path, **kwargs)

    engines.read_parquet, engines.materialise, engines.write_parquet = reading, materialising, writing
    try:
        with tempfile.TemporaryDirectory(prefix="pcnhub-measures-scans-") as out:
            run.run_measures(Path(data), Path(out), months=months, as_of=as_of, only=only, workers=workers)
    finally:
        engines.read_parquet, engines.materialise, engines.write_parquet = read_parquet, materialise, write_parquet
    found = {table: {"queries": 0, "references": 0} for table in COUNTED}
    for sql in queries:
        for name, table in names.items():
            references = len(re.findall(rf'"{re.escape(name)}"|\b{re.escape(name)}\b', sql))
            found[table]["references"] += references
            found[table]["queries"] += bool(references)
    return {"queries": len(queries), "tables": found}


def _child(src: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--data", str(args.data), "--months", str(args.months), "--as-of",
               args.as_of.isoformat(), "--no-baseline-child"]
    for measure in args.only or ():
        command += ["--measure", measure]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode:
        raise RuntimeError(f"the baseline count failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)["after"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a dataset folder (pcnhub phm synth)")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    parser.add_argument("--measure", dest="only", action="append", help="only this measure (repeatable)")
    parser.add_argument("--baseline-src", type=Path, help="also count with this src folder (e.g. main's)")
    parser.add_argument("--no-baseline-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"data": str(args.data)}
    if args.baseline_src is not None:
        report["before"] = _child(args.baseline_src.resolve(), args)
    report["after"] = count_scans(args.data, months=args.months, as_of=args.as_of, only=args.only)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
