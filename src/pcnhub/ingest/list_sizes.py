"""Patients Registered at a GP Practice (NHS Digital, monthly): registered lists by sex and age.

* gp-reg-pat-prac-all.csv: one row per practice, SEX=ALL and AGE=ALL (``scheme=None``);
* gp-reg-pat-prac-quin-age.csv: five-year bands (0_4 ... 90_94, 95+, ALL) by sex, for practices
  (ORG_TYPE GP), PCNs and larger areas (``scheme="quinary"``: GP and PCN rows are kept);
* gp-reg-pat-prac-sing-age-{male,female}.csv: single years of age (0 ... 94, 95+, ALL)
  (``scheme="single"``).

Older files name the area column CCG_CODE, newer ones SUB_ICB_LOCATION_CODE; the code column is
CODE or ORG_CODE, the type column TYPE or ORG_TYPE.  The files for PCNs and larger areas count the practices in no
network as a PCN with code U (the practice map's PCN_CODE U, "Unallocated"): those rows are skipped, as are the
areas' (ORG_TYPE Comm Region, ICB, SUB_ICB_LOCATION_CODE ...).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from pcnhub.ingest.tabular import ORG_CODE, PRACTICE_CODE, Cells, Column, Problems, csv_table

Scheme = Literal["quinary", "single"]

GP: Final = "GP"
PCN: Final = "PCN"
ALL: Final = "ALL"
#: ORG_CODE of the PCN rows that count the practices in no network (gp-reg-pat-prac-sing-age-regions.csv, 2026).
UNALLOCATED_PCN: Final = "U"
SEXES: Final = {"ALL": "A", "A": "A", "FEMALE": "F", "F": "F", "MALE": "M", "M": "M"}
_BANDS: Final[dict[Scheme | None, re.Pattern[str]]] = {
    None: re.compile(r"ALL"),
    "quinary": re.compile(r"ALL|(\d{1,3})(?:_\d{1,3}|\+)"),
    "single": re.compile(r"ALL|(\d{1,3})\+?"),
}
_BAND_EXAMPLES: Final[dict[Scheme | None, str]] = {
    None: "ALL",
    "quinary": "0_4, 90_94, 95+ or ALL",
    "single": "0, 37, 95+ or ALL",
}

COLUMNS: Final = (
    Column.of("EXTRACT_DATE"),
    Column.of("TYPE", "ORG_TYPE", required=False),
    Column.of("CODE", "ORG_CODE"),
    Column.of("CCG_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOC_CODE", required=False),
    Column.of("POSTCODE", required=False),
    Column.of("SEX"),
    Column.of("AGE", "AGE_GROUP_5"),
    Column.of("NUMBER_OF_PATIENTS"),
)


@dataclass(frozen=True, slots=True)
class PatientCount:
    """Registered patients of one practice or PCN of one sex (A: all) in one age band (ALL: all ages).

    ``age_from`` is the lowest age in the band (None for ALL); ``code_field`` is the title of the
    code column in the file, for reporting problems with the code.
    """

    extract_date: dt.date
    org_type: str
    code: str
    sex: str
    age_band: str
    age_from: int | None
    patients: int
    sub_icb_code: str = ""
    postcode: str = ""
    row: int = field(default=0, compare=False)
    code_field: str = field(default="CODE", compare=False, repr=False)


def read_list_sizes(path: str | os.PathLike[str], scheme: Scheme | None = None) -> Iterator[PatientCount]:
    """Yield the practice and PCN counts of a list-size file, checking the file as it goes.

    With ``scheme=None`` the file must have only all-ages, both-sexes rows (the registered list);
    otherwise any age band of that scheme.  Rows for other organisation types (sub-ICB, ICB, region) and for the
    practices in no network (PCN U) are skipped.  Raises :class:`~pcnhub.domain.errors.InputError` naming each bad
    row and column.
    """
    source = Path(path)
    problems = Problems(source.name)
    header, records = csv_table(source, COLUMNS, problems)
    code_field = header.titles["CODE"]
    band_pattern = _BANDS[scheme]
    extract: tuple[dt.date, int] | None = None
    seen: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        org_type = (cells.text("TYPE") or GP).upper()
        sex_text = cells.text("SEX", required=True).upper()
        age = cells.text("AGE", required=True).upper()
        if org_type not in (GP, PCN) or (org_type == PCN and cells.text("CODE").upper() == UNALLOCATED_PCN):
            continue
        count = _count(cells, org_type, sex_text, age, band_pattern, scheme, code_field)
        if count is None:
            continue
        if extract is None:
            extract = (count.extract_date, line)
        elif count.extract_date != extract[0]:
            problems.add(
                line,
                header.titles["EXTRACT_DATE"],
                f"{count.extract_date} differs from {extract[0]} on row {extract[1]}",
            )
            continue
        key = (count.org_type, count.code, count.sex, count.age_band)
        patients, row = seen.setdefault(key, (count.patients, line))
        if row == line:
            yield count
        elif patients != count.patients:
            problems.add(
                line,
                header.titles["NUMBER_OF_PATIENTS"],
                f"{count.code} {sex_text} {age} is {patients} on row {row} but {count.patients} here",
            )
    if not seen and not problems.found:
        problems.add(None, None, "the file has a header but no practice rows")
    problems.raise_if_any()


def _count(
    cells: Cells, org_type: str, sex_text: str, age: str, bands: re.Pattern[str], scheme: Scheme | None, code_field: str
) -> PatientCount | None:
    pattern, what = (PRACTICE_CODE, "an ODS practice code") if org_type == GP else (ORG_CODE, "a PCN code")
    sex = SEXES.get(sex_text)
    if scheme is None and sex_text and sex != "A":
        cells.problem("SEX", f"{sex_text!r} is not ALL (this file has one row per practice, for all patients)")
    elif sex is None and sex_text:
        cells.problem("SEX", f"{sex_text!r} is not ALL, FEMALE or MALE")
    band = bands.fullmatch(age)
    if band is None and age:
        cells.problem("AGE", f"{age!r} is not an age band of this file (expected {_BAND_EXAMPLES[scheme]})")
    count = PatientCount(
        extract_date=cells.date("EXTRACT_DATE", required=True) or dt.date.min,
        org_type=org_type,
        code=cells.code("CODE", pattern, what=what),
        sex=sex or "",
        age_band=age,
        age_from=int(band[1]) if band is not None and band.lastindex else None,
        patients=cells.count("NUMBER_OF_PATIENTS"),
        sub_icb_code=cells.code("CCG_CODE", required=False),
        postcode=cells.text("POSTCODE").upper(),
        row=cells.row,
        code_field=code_field,
    )
    return count if cells.ok else None
