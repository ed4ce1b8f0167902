"""Two Parquet outputs joined on their keys, value by value (DuckDB; out of core, so any size)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .definitions import OUTPUTS


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(path: Path) -> str:
    path = Path(path)
    target = path / "**" / "*.parquet" if path.is_dir() else path
    return "read_parquet('" + str(target).replace("'", "''") + "')"


def compare_tables(reference: Path, other: Path, keys: Sequence[str], columns: Sequence[str] | None = None,
                   tolerance: float = 1e-9) -> dict:
    """Rows of ``other`` against ``reference`` joined on ``keys`` (each key unique on each side): rows of each,
    keys found on one side only, duplicate keys, and for each of ``columns`` (default: every column of
    ``reference`` but the keys) the rows whose values differ (``IS DISTINCT FROM``: null equals null only).  For
    a floating-point column also the rows differing by more than ``tolerance`` relative (at least 1 absolute unit
    of ``tolerance``) and the largest absolute difference.  ``identical``: no key on one side only, no duplicate
    and no value different."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP VIEW a AS SELECT * FROM {_source(reference)}")
        con.execute(f"CREATE TEMP VIEW b AS SELECT * FROM {_source(other)}")
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE a)").fetchall())
        names_b = {name for (name,) in con.execute("SELECT column_name FROM (DESCRIBE b)").fetchall()}
        con.execute("CREATE TEMP VIEW sa AS SELECT *, TRUE AS __side FROM a")
        con.execute("CREATE TEMP VIEW sb AS SELECT *, TRUE AS __side FROM b")
        columns = [c for c in (columns or types) if c not in keys]
        absent = [c for c in [*keys, *columns] if c not in types or c not in names_b]
        if absent:
            raise ValueError(f"{other} against {reference}: column(s) {', '.join(absent)} missing on a side")
        # keys match null to null (an aggregate's organisation may be null); __side tells the two sides apart
        on = " AND ".join(f"a.{_quoted(k)} IS NOT DISTINCT FROM b.{_quoted(k)}" for k in keys)
        parts = ["count(*) FILTER (WHERE b.__side IS NULL)", "count(*) FILTER (WHERE a.__side IS NULL)"]
        floats = [c for c in columns if types[c] in ("DOUBLE", "FLOAT")]
        for column in columns:
            q = _quoted(column)
            parts.append(f"count(*) FILTER (WHERE a.__side AND b.__side AND a.{q} IS DISTINCT FROM b.{q})")
        for column in floats:
            q = _quoted(column)
            parts.append(f"count(*) FILTER (WHERE a.__side AND b.__side AND ((a.{q} IS NULL) <> (b.{q} IS NULL) "
                         f"OR abs(a.{q} - b.{q}) > {tolerance} * greatest(1, abs(a.{q}))))")
            parts.append(f"max(abs(a.{q} - b.{q}))")
        found = con.execute(f"SELECT {', '.join(parts)} FROM sa a FULL JOIN sb b ON {on}").fetchone()
        key_list = ", ".join(_quoted(k) for k in keys)
        rows, duplicates = {}, {}
        for side in ("a", "b"):
            rows[side], distinct = con.execute(
                f"SELECT count(*), count(DISTINCT ({key_list})) FROM {side}").fetchone()
            duplicates[side] = rows[side] - distinct
    finally:
        con.close()
    only_reference, only_other = found[0], found[1]
    differ = dict(zip(columns, found[2:2 + len(columns)], strict=True))
    rest = found[2 + len(columns):]
    beyond = {c: rest[2 * i] for i, c in enumerate(floats)}
    largest = {c: rest[2 * i + 1] for i, c in enumerate(floats)}
    return {
        "rows_reference": rows["a"], "rows": rows["b"], "only_reference": only_reference, "only_other": only_other,
        "duplicate_keys": duplicates["a"] + duplicates["b"],
        "mismatches": {c: n for c, n in differ.items() if n},
        "mismatched_values": sum(differ.values()),
        "floats_beyond_tolerance": {c: n for c, n in beyond.items() if n},
        "largest_float_difference": {c: v for c, v in largest.items() if v},
        "identical": only_reference == only_other == duplicates["a"] == duplicates["b"] == sum(differ.values()) == 0,
    }


def compare_outputs(reference: Path, other: Path) -> dict:
    """A tool's outputs (:data:`.definitions.OUTPUTS`) against the reference's (pcnhub's
    ``patient_features.parquet``, or another tool's outputs), patient by patient: :func:`compare_tables`."""
    return compare_tables(reference, other, ["patient_id"], [c for c in OUTPUTS.names if c != "patient_id"])
