"""Recognise which kind of file a path holds, from its header (or shape), not its name."""

from __future__ import annotations

import enum
import os
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
            second = next(records, None)
            sex_column = [normalise_title(cell) for cell in cells].index("sex")
            if second is not None and sex_column < len(second[1]):
                sex = second[1][sex_column].strip().upper()
                return Kind.LIST_SIZES if sex == "ALL" else Kind.SINGLE_AGE
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


def _workbook_kind(source: Path) -> Kind:
    workbook = open_workbook(source)
    sheets = workbook.sheetnames
    workbook.close()
    if find_sheet(sheets, DETAILS_SHEET) is not None:
        return Kind.EPCN
    raise InputError.single(
        source.name, f"not an ePCN workbook: no sheet {DETAILS_SHEET!r} (sheets: {', '.join(sheets)})"
    )
