"""The same per-patient outputs as pcnhub's pipeline, written by hand: DuckDB SQL, Polars and pandas.

For ``bench/pipeline_floor.py`` (issue 18: pcnhub against the tools an analyst would write by hand).  The
outputs, one row per patient registered on ``as_of`` (:data:`.definitions.OUTPUTS`), as the columns of the
same names in pcnhub's ``patient_features.parquet``:

* ``patient_id``, ``age`` (whole years on ``as_of``: whole months from ``birth_month`` to ``as_of`` over 12);
* the Electronic Frailty Index of people aged 65 and over (null under 65): ``efi_deficits`` (the coded deficit
  groups recorded on or before ``as_of``, plus one when 5 or more BNF chemical substances, the first 9
  characters of ``bnf_code``, were issued, repeat or acute, in the 12 months before ``as_of``),
  ``efi_score`` (deficits over 36) and ``efi_category`` (fit below 0.12, mild below 0.24, moderate below 0.36,
  severe);
* ``repeat_medicines``: distinct dm+d products (``medications.code``) issued on repeat in the 6 months before
  ``as_of``; ``polypharmacy_10plus``: 10 or more;
* the Cambridge Multimorbidity Score: ``condition_count`` (the conditions with a code recorded on or before
  ``as_of``) and ``cms_score`` (the sum of their weights, added as whole ten-thousandths and divided at the end).

"In the N months before ``as_of``" is ``months_before(as_of, N) < date <= as_of`` (the day clamped to the
month's length).  Registered on ``as_of``: ``registered_from <= as_of``, ``registered_to`` null or after it,
born by then.  The codelists (eFI deficit groups, CMS conditions and weights) are read through pcnhub's
reference loaders (:mod:`pcnhub.reference.codelists`), so every tool matches the same codes; the logic of each
tool is written out in its module (:mod:`.duckdb_sql`, :mod:`.polars_frames`, :mod:`.pandas_frames`), not taken
from pcnhub.  :mod:`.pcnhub_steps` computes the same outputs with pcnhub's own step functions (the pipeline's
share of the work), and :mod:`.compare` joins two outputs on ``patient_id`` and counts the differences.

Each tool is ``tool(data, out, as_of, **options) -> rows written`` and writes ``out`` (Parquet).
"""

from __future__ import annotations

from collections.abc import Callable

from .compare import compare_outputs, compare_tables
from .definitions import OUTPUTS
from .duckdb_sql import duckdb_sql
from .pandas_frames import pandas_frames
from .pcnhub_steps import pcnhub_steps
from .polars_frames import polars_frames

#: The hand-written tools (and pcnhub's steps) by name, as bench/pipeline_floor.py runs them.
TOOLS: dict[str, Callable[..., int]] = {
    "pcnhub_steps": pcnhub_steps, "duckdb_sql": duckdb_sql, "polars": polars_frames, "pandas": pandas_frames,
}

__all__ = ["OUTPUTS", "TOOLS", "compare_outputs", "compare_tables", "duckdb_sql", "pandas_frames", "pcnhub_steps",
           "polars_frames"]
