"""Excerpts of the published files imported into the register whole, as ``pcnhub import`` reads them (plain or
zipped): the counts recorded are those of the excerpt's rows, worked out here from the rows themselves."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest

from pcnhub.register.loaders import import_all, import_file
from pcnhub.register.models import ListSize, ListSizeBand, Organisation, OrgKind, Parentage
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
QUINARY_2017 = FIXTURES / "gp-reg-pat-prac-quin-age_2017-10-excerpt.csv"
EPRACCUR_2026 = FIXTURES / "epraccur_2026-excerpt.csv"
EPRACCUR_2019 = SHARED_DATA / "nhs-open-data" / "epraccur_2019.csv"


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def practices_from_2019(codes: set[str], folder: Path) -> Path:
    """The rows of the real 2019 epraccur for ``codes``, bytes unchanged, as a file of their own."""
    lines = [line for line in EPRACCUR_2019.read_bytes().splitlines(keepends=True) if line[1:7].decode() in codes]
    assert len(lines) == len(codes)
    path = folder / "epraccur.csv"
    path.write_bytes(b"".join(lines))
    return path


def zipped(path: Path, folder: Path, name: str) -> Path:
    archive = folder / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(path, f"{name}.csv")
    return archive


@pytest.mark.parametrize("packed", [False, True], ids=["csv", "zip"])
def test_the_quinary_file_of_october_2017_records_each_practices_list_and_bands(tmp_path: Path, packed: bool) -> None:
    header, *rows = rows_of(QUINARY_2017)
    column = {title: index for index, title in enumerate(header)}
    code, sex, band, patients = (column[title] for title in ("ORG_CODE", "SEX", "AGE_GROUP_5", "NUMBER_OF_PATIENTS"))
    import_file(practices_from_2019({row[code] for row in rows}, tmp_path), progress=False)
    source = zipped(QUINARY_2017, tmp_path, "gp-reg-pat-prac-quin-age") if packed else QUINARY_2017
    [run] = import_all(source, progress=False)
    assert (run.kind, run.file_name, run.extract_date, run.rows) == (
        "quinary-age", "gp-reg-pat-prac-quin-age.csv" if packed else QUINARY_2017.name, dt.date(2017, 10, 1), len(rows))
    registered = {row[code]: int(row[patients]) for row in rows if row[sex] == row[band] == "ALL"}
    assert dict(ListSize.objects.values_list("organisation__code", "registered")) == registered
    assert set(ListSize.objects.values_list("date", flat=True)) == {dt.date(2017, 10, 1)}
    bands = sorted(
        (row[code], row[sex][0], row[band], int(row[band].split("_")[0].rstrip("+")), int(row[patients]))
        for row in rows if row[band] != "ALL"
    )
    recorded = ListSizeBand.objects.values_list("organisation__code", "sex", "age_band", "age_from", "patients")
    assert sorted(recorded) == bands
    assert set(ListSizeBand.objects.values_list("scheme", "date")) == {("quinary", dt.date(2017, 10, 1))}


def test_the_epraccur_of_2026_records_englands_gp_practices_only() -> None:
    rows = rows_of(EPRACCUR_2026)
    run = import_file(EPRACCUR_2026, progress=False)
    practices = dict(Organisation.objects.filter(kind=OrgKind.PRACTICE).values_list("code", "status"))
    english_gp_practices = [row for row in rows if row[25] == "RO76" and not row[0].startswith("W")]
    assert sorted(practices) == sorted(row[0] for row in english_gp_practices)
    assert practices["A81065"] == "dormant" and practices["A81630"] == "closed"
    assert not Organisation.objects.filter(code__startswith="W").exists()  # Wales, no national grouping given
    commissioners = {row[0]: row[14] for row in english_gp_practices}
    links = Parentage.objects.filter(child__kind=OrgKind.PRACTICE, parent__isnull=False)
    assert {link.child.code: link.parent.code for link in links.select_related("child", "parent")} == commissioners
    assert run.kind == "epraccur"
