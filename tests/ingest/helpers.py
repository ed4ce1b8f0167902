"""Writing small fixture files in the NHS formats, and catching the InputError of reading them."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from pcnhub.domain.errors import InputError

MAP_HEADER = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_CCG_CODE,"
    "CCG_CODE,CCG_NAME,ONS_STP_CODE,STP_CODE,STP_NAME,ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME"
).split(",")
MAP_HEADER_NEW = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
    "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_SUB_ICB_LOCATION_CODE,ICB_CODE,ICB_NAME,ONS_ICB_CODE,"
    "COMM_REGION_CODE,COMM_REGION_NAME,ONS_COMM_REGION_CODE"
).split(",")
ALL_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS".split(",")
QUIN_HEADER = "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS".split(
    ","
)
SINGLE_HEADER = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,POSTCODE,SEX,AGE,"
    "NUMBER_OF_PATIENTS"
).split(",")


def write_csv(path: Path, rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def epraccur_row(
    code: str = "A81001",
    name: str = "THE DENSHAM SURGERY",
    *,
    grouping: str = "Y63",
    hlhg: str = "Q74",
    postcode: str = "TS18 1HU",
    opened: str = "19740401",
    closed: str = "",
    status: str = "A",
    commissioner: str = "00K",
    joined: str = "20130401",
    left: str = "",
    setting: str = "4",
) -> list[str]:
    """One epraccur row: 27 columns, as ODS publishes them."""
    return [
        code,
        name,
        grouping,
        hlhg,
        "THE HEALTH CENTRE",
        "LAWSON STREET",
        "STOCKTON-ON-TEES",
        "CLEVELAND",
        "",
        postcode,
        opened,
        closed,
        status,
        "B",
        commissioner,
        joined,
        left,
        "01642 672351",
        "",
        "",
        "",
        "0",
        "",
        commissioner,
        "",
        setting,
        "",
    ]


def map_row(
    practice: str = "A81001",
    pcn: str = "U89141",
    *,
    date: str = "01Jan2022",
    practice_name: str = "THE DENSHAM SURGERY",
    pcn_name: str = "STOCKTON PCN",
    ccg: str = "16C",
    ccg_name: str = "NHS Tees Valley CCG",
    stp: str = "QHM",
    stp_name: str = "Cumbria and North East",
    region: str = "Y63",
    region_name: str = "North East and Yorkshire",
) -> list[str]:
    """One gp-reg-pat-prac-map row in the old (CCG / STP) column order of :data:`MAP_HEADER`."""
    return [
        "GP_PRAC_PAT_LIST",
        date,
        practice,
        practice_name,
        "TS18 1HU",
        pcn,
        pcn_name,
        "E38000247",
        ccg,
        ccg_name,
        "E54000050",
        stp,
        stp_name,
        "E40000009",
        region,
        region_name,
    ]


def all_row(code: str = "A81001", patients: Any = 5903, *, date: str = "01JAN2021", ccg: str = "00K") -> list[Any]:
    return ["GP_PRAC_PAT_LIST", date, "GP", ccg, "E38000130", code, "TS18 1HU", "ALL", "ALL", patients]


def raises_input_error(read: Callable[[], Any]) -> InputError:
    """Run ``read`` (consuming what it returns) and return the InputError it raises."""
    with pytest.raises(InputError) as caught:
        result = read()
        if isinstance(result, Iterator):
            list(result)
    return caught.value


EPCN_DETAILS_HEADER = [
    "PCN Code",
    "PCN Name",
    "Current Sub ICB\nLoc Code",
    "Sub ICB Location",
    "Open Date",
    "Close Date",
    "Address Line 1",
    "Address Line 2",
    "Address Line 3",
    "Address Line 4",
    "Postcode",
]
EPCN_PARTNERS_HEADER = [
    "Partner\nOrganisation\nCode",
    "Partner\nName",
    "Practice\nParent\nSub ICB Loc Code",
    "Practice\nParent\nSub ICB Loc Name",
    "PCN Code",
    "PCN Name",
    "PCN Parent\nSub ICB Loc Code",
    "PCN Parent\nSub ICB Loc Name",
    "Practice to PCN\nRelationship\nStart Date",
    "Practice to PCN\nRelationship\nEnd Date",
]


def epcn_network(
    code: str = "U89141",
    name: str = "STOCKTON PCN",
    *,
    sub_icb: str = "16C",
    opened: Any = dt.datetime(2019, 7, 1),
    closed: Any = None,
) -> list[Any]:
    return [
        code,
        name,
        sub_icb,
        "NHS TEES VALLEY CCG",
        opened,
        closed,
        "THE HEALTH CENTRE",
        "LAWSON STREET",
        "STOCKTON-ON-TEES",
        None,
        "TS18 1HU",
    ]


def epcn_member(
    practice: str = "A81001",
    pcn: str = "U89141",
    *,
    start: Any = dt.datetime(2019, 7, 1),
    end: Any = None,
    name: str = "THE DENSHAM SURGERY",
    pcn_name: str = "STOCKTON PCN",
) -> list[Any]:
    return [practice, name, "16C", "NHS TEES VALLEY CCG", pcn, pcn_name, "16C", "NHS TEES VALLEY CCG", start, end]


def write_epcn(
    path: Path,
    networks: Iterable[Sequence[Any]],
    members: Iterable[Sequence[Any]],
    *,
    details_header: Sequence[str] = EPCN_DETAILS_HEADER,
    partners_header: Sequence[str] = EPCN_PARTNERS_HEADER,
    sheets: Sequence[str] = ("PCNDetails", "PCN Core Partner Details"),
) -> Path:
    """An ePCN.xlsx as ODS publishes it: a notes sheet, then the PCN details and core partner sheets."""
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["ePCN: PCNs and their core partners"])
    for title, header, rows in zip(sheets, (details_header, partners_header), (networks, members)):
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path
