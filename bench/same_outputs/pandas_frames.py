"""The outputs in pandas: each table read whole (the columns needed, the date window pushed into the read)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .definitions import (
    CMS_UNITS, DRUG_CLASS_CHARACTERS, EFI_CATEGORIES, EFI_CLASSES, EFI_FIT, EFI_MIN_AGE, REPEAT_THRESHOLD, codes,
    windows,
)


def _path(data: Path, name: str) -> Path:
    path = Path(data) / f"{name}.parquet"
    return path if path.exists() else Path(data) / name


def pandas_frames(data: Path, out: Path, as_of: dt.date, **_options) -> int:
    """Write the outputs of the dataset ``data`` to ``out`` in pandas; the rows written."""
    import numpy as np
    import pandas as pd

    w = windows(as_of)
    found = codes()
    day = pd.Timestamp(as_of)
    patients = pd.read_parquet(_path(data, "patients"),
                               columns=["patient_id", "birth_month", "registered_from", "registered_to"])
    birth = pd.to_datetime(patients.birth_month)
    left = pd.to_datetime(patients.registered_to)
    on_list = (pd.to_datetime(patients.registered_from) <= day) & (left.isna() | (left > day)) & (birth <= day)
    pop = patients.loc[on_list, ["patient_id"]]
    born = birth[on_list]
    pop["age"] = (((as_of.year * 12 + as_of.month) - (born.dt.year * 12 + born.dt.month)) // 12).astype("int32")

    events = pd.read_parquet(_path(data, "events"), columns=["patient_id", "code"],
                             filters=[("date", "<=", as_of)])
    hits = events.merge(found.table().to_pandas(), on="code")[["patient_id", "kind", "grp", "units"]]
    hits = hits.drop_duplicates()
    cms = hits[hits.kind == "cms"]
    coded = pd.DataFrame({
        "groups": hits[hits.kind == "efi"].groupby("patient_id").size(),
        "conditions": cms.groupby("patient_id").size(),
        "units": cms.groupby("patient_id").units.sum(),
    })

    meds = pd.read_parquet(_path(data, "medications"), columns=["patient_id", "code", "bnf_code", "date", "repeat"],
                           filters=[("date", ">", w.efi_start), ("date", "<=", as_of)])
    recent = meds[meds.repeat & (pd.to_datetime(meds.date) > pd.Timestamp(w.repeat_start))]
    issued = pd.DataFrame({
        "classes": meds.bnf_code.str[:DRUG_CLASS_CHARACTERS].groupby(meds.patient_id).nunique(),
        "medicines": recent.groupby("patient_id").code.nunique(),
    })

    result = pop.join(coded, on="patient_id").join(issued, on="patient_id")
    older = result.age >= EFI_MIN_AGE
    deficits = result.groups.fillna(0) + (result.classes.fillna(0) >= EFI_CLASSES)
    result["efi_deficits"] = deficits.where(older).astype("Int32")
    result["efi_score"] = deficits.where(older) / found.deficits
    score = result.efi_score
    result["efi_category"] = np.select([score >= low for low, _ in EFI_CATEGORIES],
                                       [name for _, name in EFI_CATEGORIES], EFI_FIT).astype(object)
    result.loc[score.isna(), "efi_category"] = None
    result["repeat_medicines"] = result.medicines.fillna(0).astype("int32")
    result["polypharmacy_10plus"] = result.repeat_medicines >= REPEAT_THRESHOLD
    result["condition_count"] = result.conditions.fillna(0).astype("int32")
    result["cms_score"] = result.units.fillna(0).astype("float64") / CMS_UNITS
    columns = ["patient_id", "age", "efi_deficits", "efi_score", "efi_category", "repeat_medicines",
               "polypharmacy_10plus", "condition_count", "cms_score"]
    result[columns].to_parquet(out, index=False)
    return len(result)
