"""One row per registered patient with every per-patient result: ``patient_features.parquet``.

:data:`SCHEMA` is the output contract (names, order and types).  ``pcn_code`` and ``icb_code`` come
from a practice map (:func:`practice_table`); a practice not in the map, or no map, gives nulls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.codes import left_join
from pcnhub.analytics.pipeline.cohorts import COHORTS

SCHEMA: Final = ibis.schema(
    {
        "patient_id": "int64",
        "practice_code": "string",
        "pcn_code": "string",
        "icb_code": "string",
        "age": "int32",
        "age_band": "string",
        "sex": "string",
        "ethnicity": "string",
        "imd_decile": "int8",
        "care_home": "boolean",
        "efi_deficits": "int32",
        "efi_score": "float64",
        "efi_category": "string",
        "repeat_medicines": "int32",
        "polypharmacy_10plus": "boolean",
        "cms_score": "float64",
        "condition_count": "int32",
        "qrisk3": "float64",
        "segment": "string",
        **{name: "boolean" for name in COHORTS},
    }
)


def practice_table(practice_map: Mapping[str, tuple[str | None, str | None]] | None) -> ir.Table:
    """``(practice_code, pcn_code, icb_code)`` from ``{practice_code: (pcn_code, icb_code)}``."""
    rows = sorted((practice_map or {}).items())
    return memtable(
        {
            "practice_code": [code for code, _ in rows],
            "pcn_code": [pcn for _, (pcn, _) in rows],
            "icb_code": [icb for _, (_, icb) in rows],
        },
        {"practice_code": "string", "pcn_code": "string", "icb_code": "string"},
    )


def features(
    population: ir.Table,
    practices: ir.Table,
    frailty: ir.Table,
    polypharmacy: ir.Table,
    multimorbidity: ir.Table,
    qrisk3: ir.Table,
    segments: ir.Table,
    cohorts: ir.Table,
) -> ir.Table:
    """The contract table :data:`SCHEMA`, ordered by ``patient_id``."""
    joined = left_join(
        left_join(population, practices, key="practice_code"),
        frailty.select("patient_id", "efi_deficits", "efi_score", "efi_category"),
        polypharmacy.select("patient_id", "repeat_medicines", "polypharmacy_10plus"),
        multimorbidity.select("patient_id", "cms_score", "condition_count"),
        qrisk3.select("patient_id", "qrisk3"),
        segments.select("patient_id", "segment"),
        cohorts.select("patient_id", *COHORTS),
    )
    defaults = {
        "repeat_medicines": 0,
        "polypharmacy_10plus": False,
        "cms_score": 0.0,
        "condition_count": 0,
        "segment": "healthy",
        **{name: False for name in COHORTS},
    }
    columns = []
    for name, dtype in SCHEMA.items():
        column = joined[name]
        if name in defaults:
            column = column.fill_null(defaults[name])
        columns.append(column.cast(dtype).name(name))
    return joined.select(*columns).order_by("patient_id")
