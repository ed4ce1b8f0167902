"""Compare two ``pcnhub phm run`` output folders: are they the same, row by row and bit by bit?

    .venv/bin/python bench/compare_outputs.py A B

Reads ``patient_features.parquet``, ``aggregates.parquet`` and ``variation.parquet`` of both folders, sorts each
by its key columns and compares every column exactly (floats as their 64-bit patterns, so -0.0 and 0.0 differ
and NaN equals NaN; nulls equal nulls), and the ``measures`` (and ``patients``, ``as_of``) of ``summary.json``.
Prints JSON (per file: rows, the columns that differ with the number of rows and a first example); exit status
1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: The key columns each output is sorted by (together unique).
KEYS = {
    "patient_features.parquet": ("patient_id",),
    "aggregates.parquet": ("level", "org_code", "measure", "breakdown"),
    "variation.parquet": ("measure", "practice_code"),
}
SUMMARY_FIELDS = ("as_of", "patients", "measures")


def _sorted(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    # the keys first, then every other column, so that the order is total even if the keys were not unique
    order = [k for k in keys if k in table.column_names] + [c for c in table.column_names if c not in keys]
    return table.sort_by([(k, "ascending") for k in order])


def _bits(column: pa.Array) -> pa.Array:
    if pa.types.is_floating(column.type):
        return column.view({16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[column.type.bit_width])
    return column


def compare_table(a: Path, b: Path, keys: tuple[str, ...]) -> dict:
    left, right = pq.read_table(a), pq.read_table(b)
    found: dict = {"rows": [left.num_rows, right.num_rows]}
    if left.schema != right.schema:
        found["schema"] = [str(left.schema), str(right.schema)]
        return found
    if left.num_rows != right.num_rows:
        return found
    left, right = _sorted(left, keys), _sorted(right, keys)
    columns = {}
    for name in left.column_names:
        x, y = _bits(left[name].combine_chunks()), _bits(right[name].combine_chunks())
        same = pc.fill_null(pc.equal(x, y), False)
        both_null = pc.and_(pc.is_null(x), pc.is_null(y))
        differ = pc.invert(pc.or_(same, both_null))
        count = pc.sum(differ.cast(pa.int64())).as_py() or 0
        if count:
            index = pc.index(differ, True).as_py()
            columns[name] = {"rows": count, "first": {"keys": {k: left[k][index].as_py() for k in keys
                                                              if k in left.column_names},
                                                     "a": left[name][index].as_py(), "b": right[name][index].as_py()}}
    if columns:
        found["differ"] = columns
    return found


def compare(a: Path, b: Path) -> dict:
    report: dict = {"a": str(a), "b": str(b), "files": {}}
    same = True
    for file, keys in KEYS.items():
        if not (a / file).exists() or not (b / file).exists():
            report["files"][file] = {"missing": [str(p) for p in (a / file, b / file) if not p.exists()]}
            same = False
            continue
        result = compare_table(a / file, b / file, keys)
        report["files"][file] = result
        same = same and "differ" not in result and "schema" not in result and result["rows"][0] == result["rows"][1]
    summaries = [json.loads((folder / "summary.json").read_text()) for folder in (a, b)]
    differ = [field for field in SUMMARY_FIELDS if summaries[0].get(field) != summaries[1].get(field)]
    report["summary"] = {"differ": differ} if differ else {"same": list(SUMMARY_FIELDS)}
    report["identical"] = same and not differ
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args()
    report = compare(args.a, args.b)
    print(json.dumps(report, indent=2))
    return 0 if report["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
