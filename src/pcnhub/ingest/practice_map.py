"""gp-reg-pat-prac-map.csv: each practice's PCN, sub-ICB location (CCG), ICB (STP) and region.

Published monthly by NHS Digital with "Patients Registered at a GP Practice".  Older files name the
geography CCG / STP, newer ones SUB_ICB_LOCATION / ICB; both are accepted.  A practice in no PCN has
PCN_CODE ``U`` ("Unallocated") or a blank one: its :attr:`PracticeMapping.pcn_code` is ``None``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pcnhub.ingest.tabular import PRACTICE_CODE, Cells, Column, Header, Problems, csv_table

#: PCN_CODE values that mean "in no PCN".
UNALLOCATED: Final = frozenset({"", "U"})

COLUMNS: Final = (
    Column.of("EXTRACT_DATE"),
    Column.of("PRACTICE_CODE"),
    Column.of("PRACTICE_NAME"),
    Column.of("PRACTICE_POSTCODE", required=False),
    Column.of("PCN_CODE"),
    Column.of("PCN_NAME"),
    Column.of("CCG_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOC_CODE"),
    Column.of("CCG_NAME", "SUB_ICB_LOCATION_NAME", "SUB_ICB_LOC_NAME"),
    Column.of("ONS_CCG_CODE", "ONS_SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOC_CODE", required=False),
    Column.of("STP_CODE", "ICB_CODE"),
    Column.of("STP_NAME", "ICB_NAME"),
    Column.of("ONS_STP_CODE", "ONS_ICB_CODE", required=False),
    Column.of("COMM_REGION_CODE"),
    Column.of("COMM_REGION_NAME"),
    Column.of("ONS_COMM_REGION_CODE", required=False),
)


@dataclass(frozen=True, slots=True)
class PracticeMapping:
    """One practice's place in the NHS geography on the extract date."""

    extract_date: dt.date
    practice_code: str
    practice_name: str
    practice_postcode: str
    pcn_code: str | None
    pcn_name: str
    sub_icb_code: str
    sub_icb_name: str
    sub_icb_ons_code: str
    icb_code: str
    icb_name: str
    icb_ons_code: str
    region_code: str
    region_name: str
    region_ons_code: str
    row: int = field(default=0, compare=False)


def read_practice_map(path: str | os.PathLike[str]) -> Iterator[PracticeMapping]:
    """Yield each practice's mapping, checking the file as it goes.

    Besides each value's format, the file must be consistent: one extract date, and every PCN,
    sub-ICB location, ICB and region with the same name (and parent) on every row.  A practice listed
    twice with the same details is yielded once.  Raises
    :class:`~pcnhub.domain.errors.InputError` naming the row and column of each problem.
    """
    source = Path(path)
    problems = Problems(source.name)
    header, records = csv_table(source, COLUMNS, problems)
    checker = _Consistency(problems)
    seen: dict[str, PracticeMapping] = {}
    for line, record in records:
        mapping = _mapping(Cells(header, record, line, problems))
        if mapping is None or not checker.consistent(mapping, header):
            continue
        earlier = seen.setdefault(mapping.practice_code, mapping)
        if earlier is mapping:
            yield mapping
        elif earlier != mapping:
            problems.add(
                line,
                header.titles["PRACTICE_CODE"],
                f"{mapping.practice_code} is also on row {earlier.row} with different details",
            )
    if not seen and not problems.found:
        problems.add(None, None, "the file has a header but no practice rows")
    problems.raise_if_any()


def _mapping(cells: Cells) -> PracticeMapping | None:
    extract_date = cells.date("EXTRACT_DATE", required=True)
    pcn = cells.text("PCN_CODE").upper()
    mapping = PracticeMapping(
        extract_date=extract_date or dt.date.min,
        practice_code=cells.code("PRACTICE_CODE", PRACTICE_CODE, what="an ODS practice code"),
        practice_name=cells.text("PRACTICE_NAME", required=True),
        practice_postcode=cells.text("PRACTICE_POSTCODE").upper(),
        pcn_code=None if pcn in UNALLOCATED else cells.code("PCN_CODE", what="a PCN code"),
        pcn_name="" if pcn in UNALLOCATED else cells.text("PCN_NAME", required=True),
        sub_icb_code=cells.code("CCG_CODE"),
        sub_icb_name=cells.text("CCG_NAME", required=True),
        sub_icb_ons_code=cells.text("ONS_CCG_CODE").upper(),
        icb_code=cells.code("STP_CODE"),
        icb_name=cells.text("STP_NAME", required=True),
        icb_ons_code=cells.text("ONS_STP_CODE").upper(),
        region_code=cells.code("COMM_REGION_CODE"),
        region_name=cells.text("COMM_REGION_NAME", required=True),
        region_ons_code=cells.text("ONS_COMM_REGION_CODE").upper(),
        row=cells.row,
    )
    return mapping if cells.ok else None


class _Consistency:
    """Checks that codes mean the same thing on every row: one date, one name and parent per code."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.first: dict[tuple[str, str], tuple[tuple[str, ...], int]] = {}
        self.extract_date: tuple[dt.date, int] | None = None

    def consistent(self, m: PracticeMapping, header: Header) -> bool:
        if self.extract_date is None:
            self.extract_date = (m.extract_date, m.row)
        elif self.extract_date[0] != m.extract_date:
            date, row = self.extract_date
            self.problems.add(
                m.row, header.titles["EXTRACT_DATE"], f"{m.extract_date} differs from {date} on row {row}"
            )
            return False
        checks = [
            (
                "CCG_CODE",
                m.sub_icb_code,
                ("CCG_NAME", "ONS_CCG_CODE", "STP_CODE"),
                (m.sub_icb_name, m.sub_icb_ons_code, m.icb_code),
            ),
            (
                "STP_CODE",
                m.icb_code,
                ("STP_NAME", "ONS_STP_CODE", "COMM_REGION_CODE"),
                (m.icb_name, m.icb_ons_code, m.region_code),
            ),
            (
                "COMM_REGION_CODE",
                m.region_code,
                ("COMM_REGION_NAME", "ONS_COMM_REGION_CODE"),
                (m.region_name, m.region_ons_code),
            ),
        ]
        if m.pcn_code is not None:
            checks.append(("PCN_CODE", m.pcn_code, ("PCN_NAME",), (m.pcn_name,)))
        ok = True
        for code_column, code, columns, values in checks:
            earlier, row = self.first.setdefault((code_column, code), (values, m.row))
            for column, before, now in zip(columns, earlier, values, strict=True):
                if before != now:
                    ok = False
                    self.problems.add(
                        m.row,
                        header.titles[column],
                        f"{header.titles[code_column]} {code} has {before!r} on row {row} but {now!r} here",
                    )
        return ok
