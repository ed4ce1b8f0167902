"""Recognise which kind of file a path holds, from its header (or shape), not its name."""

from __future__ import annotations

import enum
import itertools
import os
import re
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from pcnhub.domain.errors import InputError
from pcnhub.ingest.archives import is_archive
from pcnhub.ingest.tabular import ORG_CODE, csv_records, normalise_title
from pcnhub.ingest.epcn import DETAILS_SHEET, find_sheet, open_workbook
from pcnhub.ingest.epraccur import EPRACCUR_COLUMNS, is_header as is_epraccur_header


class Kind(enum.StrEnum):
    """The kinds of file the register imports."""

    EPRACCUR = "epraccur"  # ODS GP practices (27 columns, no header or one added)
    EPCN = "epcn"  # ODS ePCN.xlsx
    PRACTICE_MAP = "practice-map"  # gp-reg-pat-prac-map.csv
    LIST_SIZES = "list-sizes"  # gp-reg-pat-prac-all.csv
    QUINARY_AGE = "quinary-age"  # gp-reg-pat-prac-quin-age.csv
    SINGLE_AGE = "single-age"  # gp-reg-pat-prac-sing-age-{male,female}.csv
    CONFIGURATION = "configuration"  # pcn, practice_code, practice_name, list_size
    CLUSTERS = "clusters"  # cluster, practices (short names, ';'-separated), population
    PLACE_NETWORKS = "place-networks"  # place, pcn (network names, no practices)


#: Rows read to tell list-size files apart (a national single-age file's regions, ICBs and sub-ICB locations
#: come before its practices; their rows already show the ages and sexes).
SCAN_ROWS = 1000
_QUINARY_BAND = re.compile(r"\d{1,3}_\d{1,3}")

_EXPECTED = (
    "epraccur.csv (27 columns, no header), ePCN.xlsx, gp-reg-pat-prac-map.csv, gp-reg-pat-prac-all.csv, "
    "gp-reg-pat-prac-quin-age.csv, gp-reg-pat-prac-sing-age-*.csv, or a CSV with columns "
    "pcn, practice_code, practice_name, list_size, a CSV with columns cluster, practices (and population), "
    "or a CSV with columns place, pcn"
)


def detect_kind(path: str | os.PathLike[str]) -> Kind:
    """The kind of a file, recognised from its contents.

    Raises :class:`~pcnhub.domain.errors.InputError` for a file that is missing, empty or of none of
    the kinds in :class:`Kind`.
    """
    source = Path(path)
    if is_archive(source):
        raise InputError.single(source.name, "a .zip archive: pcnhub import unpacks it and imports each CSV "
                                "file in it (recognise the kind of each of those)")
    if source.suffix.lower() in {".xlsx", ".xlsm"}:
        return _workbook_kind(source)
    with closing(csv_records(source)) as records:
        first = next(records, None)
        if first is None:
            raise InputError.single(source.name, "the file is empty")
        line, cells = first
        if len(cells) == EPRACCUR_COLUMNS and (
            ORG_CODE.fullmatch(cells[0].strip().upper()) or is_epraccur_header(cells)
        ):
            return Kind.EPRACCUR
        titles = {normalise_title(cell) for cell in cells}
        if {"practice_code", "pcn_code"} <= titles:
            return Kind.PRACTICE_MAP
        if {"org_code", "age_group_5"} <= titles:
            return Kind.QUINARY_AGE
        if {"sex", "age", "number_of_patients"} <= titles and titles & {"code", "org_code"}:
            kind = _age_kind([normalise_title(cell) for cell in cells], itertools.islice(records, SCAN_ROWS))
            if kind is not None:
                return kind
            raise InputError.single(source.name, "a list-size file with no rows", row=line)
        if {"pcn", "practice_code"} <= titles:
            return Kind.CONFIGURATION
        if {"cluster", "practices"} <= titles and not titles & {"practice_code", "pcn"}:
            return Kind.CLUSTERS
        if {"place", "pcn"} <= titles and not titles & {"practice_code", "practices"}:
            return Kind.PLACE_NETWORKS
    found = ", ".join(cell.strip() for cell in cells[:12])
    raise InputError.single(
        source.name, f"not a file pcnhub can import (first row: {found}); expected {_EXPECTED}", row=line
    )


def _age_kind(titles: list[str], records: Iterable[tuple[int, list[str]]]) -> Kind | None:
    """Which list-size file has an AGE column, from its first rows' ages and sexes: five-year bands (0_4) make
    it quinary, single years or one sex (rows for regions may come first, all ALL) single-age, ALL only the
    registered list.  None for a file with no rows."""
    sex_column, age_column = titles.index("sex"), titles.index("age")
    sexes, ages = set(), set()
    for _, record in records:
        if max(sex_column, age_column) < len(record):
            sexes.add(record[sex_column].strip().upper())
            ages.add(record[age_column].strip().upper())
    if not sexes:
        return None
    if any(_QUINARY_BAND.fullmatch(age) for age in ages):
        return Kind.QUINARY_AGE
    return Kind.LIST_SIZES if sexes == {"ALL"} and ages == {"ALL"} else Kind.SINGLE_AGE


def _workbook_kind(source: Path) -> Kind:
    workbook = open_workbook(source)
    sheets = workbook.sheetnames
    workbook.close()
    if find_sheet(sheets, DETAILS_SHEET) is not None:
        return Kind.EPCN
    raise InputError.single(
        source.name, f"not an ePCN workbook: no sheet {DETAILS_SHEET!r} (sheets: {', '.join(sheets)})"
    )
