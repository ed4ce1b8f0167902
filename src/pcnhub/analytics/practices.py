"""The practices a synthetic population is made for (:mod:`pcnhub.analytics.synth`), and the PCN and ICB
of each practice for the pipeline, read from files.

A practices file is one of:

* a CSV with the columns ``practice_code`` and ``list_size`` (others, such as ``pcn`` of a
  configuration file, are ignored);
* NHS Digital ``gp-reg-pat-prac-all.csv`` (list sizes);
* NHS Digital ``gp-reg-pat-prac-quin-age.csv`` (list sizes, and each practice's own age-sex pyramid);
* NHS Digital ``gp-reg-pat-prac-map.csv`` (practices only: each counts as 1, so the number of patients
  must be given).

Bad input raises :class:`~pcnhub.domain.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from pcnhub.analytics.synth import PracticeSize
from pcnhub.analytics.synth_model import BANDS
from pcnhub.domain.errors import InputError
from pcnhub.ingest import Kind, detect_kind, read_list_sizes, read_practice_map
from pcnhub.ingest.tabular import PRACTICE_CODE, Cells, Column, Header, Problems, csv_records, normalise_title

CODE_COLUMN: Final = "practice_code"
SIZE_COLUMN: Final = "list_size"
_WHOLE_NUMBER: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)")
EXPECTED: Final = (
    "a CSV with columns practice_code and list_size, gp-reg-pat-prac-all.csv, gp-reg-pat-prac-quin-age.csv "
    "or gp-reg-pat-prac-map.csv"
)


def read_practices(path: str | os.PathLike[str]) -> list[PracticeSize]:
    """The practices of a practices file (see the module docs); :class:`InputError` naming row and field."""
    source = Path(path)
    records = csv_records(source)
    try:
        first = next(records, None)
    finally:
        records.close()
    if first is None:
        raise InputError.single(source.name, "the file is empty")
    titles = {normalise_title(cell) for cell in first[1]}
    if {CODE_COLUMN, SIZE_COLUMN} <= titles:
        return _read_simple(source)
    try:
        kind = detect_kind(source)
    except InputError:
        raise InputError.single(
            source.name, f"not a practices file (first row: {', '.join(c.strip() for c in first[1][:10])}); "
            f"expected {EXPECTED}", row=first[0]) from None
    if kind == Kind.LIST_SIZES:
        return [PracticeSize(c.code, c.patients, row=c.row) for c in read_list_sizes(source) if c.org_type == "GP"]
    if kind == Kind.QUINARY_AGE:
        return _read_quinary(source)
    if kind == Kind.PRACTICE_MAP:
        return [PracticeSize(m.practice_code, 1, row=m.row, size_known=False) for m in read_practice_map(source)]
    raise InputError.single(source.name, f"this is a file of kind {kind}, not a practices file; expected {EXPECTED}",
                            row=first[0])


def _read_simple(source: Path) -> list[PracticeSize]:
    problems = Problems(source.name)
    records = csv_records(source)
    header_row, titles = next(records)
    header = Header(titles, (Column.of(CODE_COLUMN), Column.of(SIZE_COLUMN)), problems, header_row)
    problems.raise_if_any()
    found: dict[str, PracticeSize] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        code = cells.code(CODE_COLUMN, PRACTICE_CODE, what="an ODS practice code")
        text = cells.text(SIZE_COLUMN, required=True)
        size = 0
        if text:
            if _WHOLE_NUMBER.fullmatch(text):
                size = int(text.replace(",", ""))
            else:
                what = "negative" if text.startswith("-") else "not a whole number"
                cells.problem(SIZE_COLUMN, f"{text!r} is {what}; a list size must be a whole number of 0 or more")
        if not cells.ok:
            continue
        if code in found:
            problems.add(line, header.titles[CODE_COLUMN], f"{code} is also listed on row {found[code].row}")
            continue
        found[code] = PracticeSize(code, size, row=line)
    if not found and not problems.found:
        problems.add(None, None, "the file has a header but no practice rows")
    problems.raise_if_any()
    if sum(p.list_size for p in found.values()) == 0:
        raise InputError.single(source.name, "every list size is 0; there are no patients to make", field=SIZE_COLUMN)
    return list(found.values())


def _read_quinary(source: Path) -> list[PracticeSize]:
    totals: dict[str, int] = {}
    rows: dict[str, int] = {}
    pyramids: dict[str, list[list[float]]] = {}
    for count in read_list_sizes(source, "quinary"):
        if count.org_type != "GP":
            continue
        rows.setdefault(count.code, count.row)
        if count.age_from is None:
            if count.sex == "A":
                totals[count.code] = count.patients
            continue
        if count.sex not in ("F", "M"):
            continue
        pyramid = pyramids.setdefault(count.code, [[0.0] * BANDS, [0.0] * BANDS])
        pyramid[0 if count.sex == "F" else 1][min(count.age_from // 5, BANDS - 1)] += count.patients
    practices = []
    for code, row in rows.items():
        pyramid = pyramids.get(code)
        size = totals.get(code, int(sum(map(sum, pyramid))) if pyramid else 0)
        practices.append(PracticeSize(code, size, tuple(tuple(band) for band in pyramid) if pyramid else None, row=row))
    return practices


def read_map(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """``{practice_code: (pcn_code, icb_code)}`` from an NHS gp-reg-pat-prac-map CSV (InputError if bad)."""
    if not Path(path).is_file():
        raise ValueError(f"--practice-map: {path} does not exist")
    return {m.practice_code: (m.pcn_code, m.icb_code or None) for m in read_practice_map(path)}


def read_geography(path: Path) -> dict[str, tuple[str | None, str | None, str | None]]:
    """``{practice_code: (pcn_code, sub_icb_code, icb_code)}`` from an NHS gp-reg-pat-prac-map CSV (InputError
    if bad), for the measures' levels."""
    if not Path(path).is_file():
        raise ValueError(f"--practice-map: {path} does not exist")
    return {m.practice_code: (m.pcn_code or None, m.sub_icb_code or None, m.icb_code or None)
            for m in read_practice_map(path)}
