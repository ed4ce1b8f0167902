"""import_all / import_file of a .zip: the CSV files in it imported in order, all or nothing together."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pcnhub.domain.errors import InputError
from pcnhub.register.loaders import import_all, import_file
from pcnhub.register.models import ImportRun, ListSize, Membership, Organisation

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
MAP = FIXTURES / "gp-reg-pat-prac-map_2026-02-excerpt.csv"
ALL = FIXTURES / "gp-reg-pat-prac-all_2026-04-excerpt.csv"


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_the_files_of_a_zip_are_imported_in_the_order_they_need(tmp_path: Path) -> None:
    # named so that the list sizes come first in the archive: they need the practices the map creates
    path = zipped(tmp_path / "gp-reg-pat-prac.zip",
                  {"gp-reg-pat-prac-all.csv": ALL.read_bytes(), "gp-reg-pat-prac-map.csv": MAP.read_bytes()})
    runs = import_all(path, progress=False)
    assert [(run.kind, run.file_name, str(run.extract_date)) for run in runs] == [
        ("practice-map", "gp-reg-pat-prac-map.csv", "2026-02-01"),
        ("list-sizes", "gp-reg-pat-prac-all.csv", "2026-04-01"),
    ]
    assert dict(ListSize.objects.values_list("organisation__code", "registered")) == {
        "A81001": 3747, "A81002": 18654, "A81004": 11437, "A81005": 7571}
    assert Membership.objects.filter(practice__code="A81005", pcn__code="U07842").exists()
    again = import_file(path, progress=False)  # the record of the last file; nothing changes
    assert (again.kind, again.created, again.updated) == ("list-sizes", 0, 0)


def test_a_bad_file_in_a_zip_leaves_the_register_as_it_was_and_is_named(tmp_path: Path) -> None:
    bad = ALL.read_bytes().replace(b",A81004,", b",A8100!,")
    path = zipped(tmp_path / "gp-reg-pat-prac.zip",
                  {"gp-reg-pat-prac-map.csv": MAP.read_bytes(), "gp-reg-pat-prac-all.csv": bad})
    with pytest.raises(InputError) as caught:
        import_all(path, progress=False)
    error = caught.value
    where = (error.file, error.row, error.field)
    assert where == ("gp-reg-pat-prac.zip/gp-reg-pat-prac-all.csv", 4, "CODE"), str(error)
    assert not Organisation.objects.exists() and not ImportRun.objects.exists()


def test_a_file_of_no_known_kind_in_a_zip_is_named(tmp_path: Path) -> None:
    path = zipped(tmp_path / "files.zip", {"notes.csv": b"a,b\n1,2\n", "gp-reg-pat-prac-map.csv": MAP.read_bytes()})
    with pytest.raises(InputError) as caught:
        import_all(path, progress=False)
    assert caught.value.file == "files.zip/notes.csv" and "not a file pcnhub can import" in caught.value.message
    assert not Organisation.objects.exists()


def test_a_plain_file_is_imported_as_before(tmp_path: Path) -> None:
    [run] = import_all(MAP, progress=False)
    assert (run.kind, run.rows) == ("practice-map", 4)
