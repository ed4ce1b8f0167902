"""A tiny hand-made patient dataset for the IIF achievement: social prescribing referrals of one PCN."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.analytics.spec.dataset import Builder, code_of, write

PCN, OTHER_PCN = "U00001", "U00002"
MAP_HEADER = ("PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_CCG_CODE,"
              "CCG_CODE,CCG_NAME,ONS_STP_CODE,STP_CODE,STP_NAME,ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME")
PRACTICES = {"A00001": PCN, "A00002": PCN, "A00003": OTHER_PCN}


def dataset(folder: Path, year: int) -> Path:
    """In the IIF year starting April ``year``, counted to June (as of 1 July):

    PCN U00001 (A00001, A00002): six patients registered all along and p7 from 10 June, so 6, 6 and 7
    registered at the ends of April, May and June; referrals to social prescribing: p1 in April, p2 and p3
    in May, p4 and p5 in June (and p1 again the March before, outside the year): 1, 2, 2 a month.
    PCN U00002 (A00003): two patients, one referral in June.  England: 8, 8, 9 registered; 1, 2, 3 referrals.
    """
    b = Builder()
    referral = code_of("social-prescribing-referral")
    day = lambda month, d: dt.date(year + (month < 4), month, d)  # noqa: E731
    ids = {}
    for name, practice in [("p1", "A00001"), ("p2", "A00001"), ("p3", "A00001"), ("p4", "A00002"),
                           ("p5", "A00002"), ("p6", "A00002"), ("q1", "A00003"), ("q2", "A00003")]:
        ids[name] = b.patient(name, age=50, practice=practice)
    ids["p7"] = b.patient("p7", age=30, practice="A00001", registered_from=dt.date(year, 6, 10))
    b.event(ids["p1"], referral, dt.date(year, 3, 20))
    for name, month, d in [("p1", 4, 12), ("p2", 5, 3), ("p3", 5, 20), ("p4", 6, 1), ("p5", 6, 30), ("q1", 6, 15)]:
        b.event(ids[name], referral, day(month, d))
    return write(folder, b.tables())


def practice_map(path: Path) -> Path:
    rows = [f"GP_PRAC_PAT_LIST,01Jan2022,{p},PRACTICE {p},AB1 2CD,{pcn},PCN {pcn},E38000001,00A,CCG,E54000001,QAA,"
            f"ICB,E40000001,Y01,REGION" for p, pcn in PRACTICES.items()]
    path.write_text("\n".join([MAP_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def write_measures_output(folder: Path) -> Path:
    """A hand-made measures output: social prescribing referrals of U00001, 10, 20 and 15 in April to June 2022
    of 5,000 registered (England: 100, 200, 150 of 60,000)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ["measure", "level", "org_code", "month", "numerator", "denominator"]
    rows = []
    for month, (pcn, england) in zip((4, 5, 6), ((10, 100), (20, 200), (15, 150)), strict=True):
        day = dt.date(2022, month, 1)
        rows.append(("iif_social_prescribing_referrals", "pcn", PCN, day, pcn, 5000))
        rows.append(("iif_social_prescribing_referrals", "england", "ENG", day, england, 60000))
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows]),
                   folder / "measure_values.parquet")
    return folder


def price_2022(monkeypatch) -> None:
    """Make the pages read a test catalogue, not the published one: 2022/23 as read, with GBP 100 a point and 10
    points for PC-01 (neither is published in the sources held), so the output above earns money: PC-01 at
    45 / 5,000 = 0.9%, thresholds 0.8% to 1.2%, earns 10 x 0.1 / 0.4 = 2.5 points, GBP 250.00 (no national average
    list for 2022/23, so no list-size adjustment)."""
    import dataclasses
    from decimal import Decimal

    from pcnhub.domain import iif as d
    from pcnhub.domain.money.years import FinancialYear
    from pcnhub.finance import iif_output

    real = iif_output.catalogue

    def catalogue(year: FinancialYear) -> d.IIFYear:
        found = real(year)
        if year != FinancialYear(2022):
            return found
        pc01 = dataclasses.replace(found.indicator("PC-01"), points=Decimal(10))
        return dataclasses.replace(found, point_value=d.Figure(Decimal(100), d.VERIFIED, "test: not published"),
                                   indicators=tuple(pc01 if i.id == "PC-01" else i for i in found.indicators))

    monkeypatch.setattr(iif_output, "catalogue", catalogue)


def rewrite_measures_output(folder: Path, referrals: tuple[int, int, int]) -> None:
    """Write the output again with other monthly referrals of U00001 (a new run: a new modification time)."""
    import os

    import pyarrow.parquet as pq

    path = folder / "measure_values.parquet"
    table = pq.read_table(path).to_pylist()
    by_month = dict(zip((4, 5, 6), referrals, strict=True))
    for row in table:
        if row["level"] == "pcn":
            row["numerator"] = by_month[row["month"].month]
    import pyarrow as pa

    stat = path.stat()
    pq.write_table(pa.Table.from_pylist(table), path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
