"""CSV extract importer: happy path, bad rows named by file, row and field, all-or-nothing, CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pcnhub.cli.phm.import_data import add_import_arguments, run_import
from pcnhub.analytics.importers.csv_extract import import_csv
from pcnhub.analytics.schema import ERROR, validate_dataset
from pcnhub.domain.errors import InputError

EXTRACT = Path(__file__).parent / "fixtures" / "csv_extract"
D = dt.date


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    shutil.copytree(EXTRACT, folder)
    return folder


def test_happy_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = import_csv(EXTRACT, out)
    assert not [p for p in validate_dataset(out) if p.severity == ERROR]
    assert result.rows == {"patients": 2, "events": 2, "medications": 1, "hospital": 1, "appointments": 0}
    patients = pq.read_table(out / "patients.parquet").to_pylist()
    assert patients[0] == {
        "patient_id": 1, "birth_month": D(1950, 7, 1), "sex": "F", "ethnicity": "indian", "practice_code": "A81001",
        "registered_from": D(2001, 2, 3), "registered_to": None, "lsoa": "E01000001", "imd_decile": 3,
        "townsend": 1.5, "care_home": False}
    assert (patients[1]["registered_to"], patients[1]["care_home"], patients[1]["imd_decile"]) == (
        D(2023, 12, 31), True, None)
    assert pq.read_table(out / "events.parquet").to_pylist()[1] == {
        "patient_id": 2, "code": "271649006", "date": D(2023, 5, 6), "value": 142.0}
    assert pq.read_table(out / "medications.parquet").to_pylist()[0]["repeat"] is True


def test_optional_columns_and_files_may_be_absent(extract: Path, tmp_path: Path) -> None:
    (extract / "hospital.csv").unlink()
    (extract / "events.csv").write_text("code,date,patient_id\n59621000,2020-01-01,1\n")
    result = import_csv(extract, tmp_path / "out")
    assert result.rows["hospital"] == 0
    assert pq.read_table(tmp_path / "out" / "events.parquet").to_pylist() == [
        {"patient_id": 1, "code": "59621000", "date": D(2020, 1, 1), "value": None}]


def test_a_diagnosis_is_stored_without_its_dot(extract: Path, tmp_path: Path) -> None:
    (extract / "hospital.csv").write_text("patient_id,kind,start,end,diagnosis\n1,ae,2023-11-01,2023-11-01,j44.1\n"
                                          "1,emergency_admission,2023-11-02,,I10X\n2,outpatient,2024-01-02,,\n")
    import_csv(extract, tmp_path / "out")
    assert [r["diagnosis"] for r in pq.read_table(tmp_path / "out" / "hospital.parquet").to_pylist()] == [
        "J441", "I10X", None]


BAD = [
    ("patients.csv", "1,1950-07", "1,1950-07-02", 2, "birth_month", "not the first of a month"),
    ("patients.csv", "2,1980-02-01,M", "1,1980-02-01,M", 3, "patient_id", "1 is also on row 2"),
    ("patients.csv", ",no", ",maybe", 2, "care_home", "not a boolean"),
    ("patients.csv", ",F,indian", ",X,indian", 2, "sex", "not one of F, M"),
    ("patients.csv", "3,1.5", "11,1.5", 2, "imd_decile", "outside 1 to 10"),
    ("patients.csv", "A81001", "", 2, "practice_code", "is blank"),
    ("events.csv", "2,271649006", "3,271649006", 3, "patient_id", "3 is not a patient_id of patients.csv"),
    ("events.csv", "2023-05-06", "06/05/2023", 3, "date", "not a date"),
    ("events.csv", ",142", ",high", 3, "value", "'high' is not a number"),
    ("events.csv", "59621000", "hypertension", 2, "code", "not a SNOMED CT concept id"),
    ("medications.csv", "0212000B0AAABAB", "B0AAABAB", 2, "bnf_code", "not a BNF code"),
    ("hospital.csv", ",ae,", ",gp,", 2, "kind", "not one of ae"),
    ("hospital.csv", "1,ae", "x,ae", 2, "patient_id", "'x' is not a whole number"),
    ("hospital.csv", "patient_id,kind,start,end\n1,ae,2023-11-01,2023-11-01",
     "patient_id,kind,start,end,diagnosis\n1,ae,2023-11-01,2023-11-01,44.1", 2, "diagnosis",
     "'44.1' is not an ICD-10 code without the dot"),
]


@pytest.mark.parametrize(("file", "old", "new", "row", "field", "message"), BAD, ids=[f"{b[0]}:{b[4]}" for b in BAD])
def test_bad_cell_is_named(extract: Path, tmp_path: Path, file, old, new, row, field, message) -> None:
    path = extract / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        import_csv(extract, out)
    err = caught.value
    assert (err.file, err.row, err.field) == (file, row, field)
    assert message in err.message
    assert f"{file} row {row}, field {field}: " in str(err)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract"]


def test_missing_file_and_column(extract: Path, tmp_path: Path) -> None:
    (extract / "medications.csv").unlink()
    with pytest.raises(InputError, match="medications.csv: the file is missing"):
        import_csv(extract, tmp_path / "out")
    (extract / "medications.csv").write_text("patient_id,code,date,repeat\n1,320030001,2024-01-01,0\n")
    with pytest.raises(InputError) as caught:
        import_csv(extract, tmp_path / "out")
    assert (caught.value.file, caught.value.row, caught.value.field) == ("medications.csv", 1, "bnf_code")
    assert not (tmp_path / "out").exists()


def cli(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_import_arguments(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    return run_import(parser.parse_args(argv), stdout, stderr), stdout.getvalue(), stderr.getvalue()


def test_cli_csv(extract: Path, tmp_path: Path) -> None:
    code, out, err = cli("--csv", str(EXTRACT), "--out", str(tmp_path / "o"))
    assert (code, err) == (0, "")
    assert "Rows: patients 2, events 2, medications 1, hospital 1, appointments 0" in out
    (extract / "events.csv").write_text("patient_id,code,date\n1,59621000,2020-02-30\n")
    code, out, err = cli("--csv", str(extract), "--out", str(tmp_path / "p"))
    assert (code, out) == (2, "")
    assert err.startswith("events.csv row 2, field date: '2020-02-30' is not a date")
    assert not (tmp_path / "p").exists()
    code, _, err = cli("--csv", str(EXTRACT), "--out", str(tmp_path / "o"))
    assert code == 2 and "already exists" in err
    code, _, err = cli("--csv", str(EXTRACT), "--out", str(tmp_path / "q"), "--practice", "A81001")
    assert code == 2 and "--practice is for --fhir only" in err
    with pytest.raises(SystemExit):
        cli("--csv", str(EXTRACT), "--fhir", "x", "--out", str(tmp_path / "r"))


def test_pcnhub_phm_import_through_the_main_command(tmp_path):
    import io
    from pathlib import Path

    from pcnhub.cli.main import main

    fixtures = Path(__file__).parent / "fixtures" / "csv_extract"
    out, err = io.StringIO(), io.StringIO()
    assert main(["phm", "import", "--csv", str(fixtures), "--out", str(tmp_path / "dataset")], out, err) == 0, err.getvalue()
    assert (tmp_path / "dataset" / "patients.parquet").exists()


@pytest.mark.parametrize(("file", "old", "new", "row", "field"), [
    ("patients.csv", "1950-07", "2090-07", 2, "birth_month"),
    ("events.csv", "2015-03-04", "2095-03-04", 2, "date"),
])
def test_a_date_after_today_is_named(extract: Path, tmp_path: Path, file, old, new, row, field) -> None:
    path = extract / file
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        import_csv(extract, tmp_path / "out")
    assert (caught.value.file, caught.value.row, caught.value.field) == (file, row, field)
    assert f"{new!r} is after today" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_an_extract_saved_as_utf16_or_windows_1252_imports_the_same(extract: Path, tmp_path: Path) -> None:
    plain = import_csv(extract, tmp_path / "plain")
    for encoding in ("utf-16", "cp1252"):
        for path in extract.glob("*.csv"):
            path.write_bytes((EXTRACT / path.name).read_text(encoding="utf-8").encode(encoding))
        assert import_csv(extract, tmp_path / encoding).rows == plain.rows
