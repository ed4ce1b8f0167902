"""Whether two ``pcnhub measures run`` output folders hold the same rows: ``bench/compare_measures.py A B``.

Every Parquet file of either folder is compared row by row (as multisets: order does not matter; floats compared to
the bit, nulls equal to nulls); ``measures.json`` is compared without its timings (``seconds``, ``steps``).
Prints JSON: each file's rows in A and B and the rows that differ (a few shown, and how many of each measure),
``identical``; exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: The summary's keys that are timings, not outputs.
TIMINGS = ("seconds", "steps")
SHOWN = 5


def _bits(path: Path) -> Any:
    """The file as an Arrow table whose floating columns are their bits (int64): equal only if equal to the bit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_floating(column.type):
            column = column.cast(pa.float64()).view(pa.int64())
        columns.append(column)
    return pa.table(columns, names=table.column_names), [f"{f.name}:{f.type}" for f in table.schema]


def compare_file(a: Path, b: Path) -> dict:
    """Rows of ``a`` not in ``b`` and of ``b`` not in ``a``, as multisets (DuckDB's EXCEPT ALL: nulls equal)."""
    import duckdb

    table_a, columns_a = _bits(a)
    table_b, columns_b = _bits(b)
    found: dict[str, Any] = {"rows_a": table_a.num_rows, "rows_b": table_b.num_rows}
    if columns_a != columns_b:
        found.update(identical=False, columns_a=columns_a, columns_b=columns_b)
        return found
    con = duckdb.connect()
    try:
        con.register("a", table_a)
        con.register("b", table_b)
        only = {}
        for name, (x, y) in {"only_in_a": ("a", "b"), "only_in_b": ("b", "a")}.items():
            query = f"SELECT * FROM {x} EXCEPT ALL SELECT * FROM {y}"
            only[name] = con.sql(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
            if only[name]:
                found[name.replace("only_in", "examples")] = [repr(r) for r in con.sql(query).limit(SHOWN).fetchall()]
                if "measure" in table_a.column_names:  # which measures the differing rows are of
                    by = con.sql(f"SELECT measure, count(*) FROM ({query}) GROUP BY 1 ORDER BY 1").fetchall()
                    found[name.replace("only_in", "measures_only_in")] = dict(by)
    finally:
        con.close()
    found.update(only, identical=not only["only_in_a"] and not only["only_in_b"])
    return found


def _summary(path: Path) -> dict:
    found = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in found.items() if k not in TIMINGS}


def compare(a: Path, b: Path) -> dict:
    names = sorted({p.name for p in a.iterdir() if p.is_file()} | {p.name for p in b.iterdir() if p.is_file()})
    files: dict[str, Any] = {}
    for name in names:
        if not (a / name).exists() or not (b / name).exists():
            files[name] = {"identical": False, "missing_in": "a" if not (a / name).exists() else "b"}
        elif name.endswith(".parquet"):
            files[name] = compare_file(a / name, b / name)
        elif name.endswith(".json"):
            files[name] = {"identical": _summary(a / name) == _summary(b / name)}
        else:
            files[name] = {"identical": (a / name).read_bytes() == (b / name).read_bytes()}
    return {"a": str(a), "b": str(b), "files": files,
            "identical": bool(files) and all(f["identical"] for f in files.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    found = compare(args.a, args.b)
    print(json.dumps(found, indent=2))
    return 0 if found["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
