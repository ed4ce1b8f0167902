"""FHIR R4 importer: fixture bundle and NDJSON to rows, and bad input named by file, entry and field."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.importers.fhir import import_fhir, patient_key
from pcnhub.analytics.schema import ERROR, validate_dataset
from pcnhub.cli.phm.import_data import add_import_arguments, run_import
from pcnhub.domain.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLE = FIXTURES / "fhir_bundle.json"
NDJSON = FIXTURES / "fhir_resources.ndjson"
P1, P2, P3 = patient_key("pat-1"), patient_key("pat-2"), patient_key("nd-1")
D = dt.date


def rows(folder: Path, table: str) -> list[dict]:
    return pq.read_table(folder / f"{table}.parquet").to_pylist()


def test_bundle_and_ndjson_give_expected_rows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = import_fhir([BUNDLE, NDJSON], out, practice="y01234")
    assert not [p for p in validate_dataset(out) if p.severity == ERROR]
    patients = {r["patient_id"]: r for r in rows(out, "patients")}
    assert patients[P1] == {
        "patient_id": P1, "birth_month": D(1950, 7, 1), "sex": "F", "ethnicity": "indian", "practice_code": "A81001",
        "registered_from": D(2001, 2, 3), "registered_to": None, "lsoa": None, "imd_decile": None, "townsend": None,
        "care_home": False}
    assert (patients[P2]["practice_code"], patients[P2]["birth_month"], patients[P2]["registered_from"]) == (
        "Y01234", D(1980, 2, 1), D(1980, 2, 1))
    assert (patients[P3]["practice_code"], patients[P3]["sex"]) == ("B82005", "M")
    assert rows(out, "events") == [
        {"patient_id": P1, "code": "59621000", "date": D(2015, 3, 4), "value": None},
        {"patient_id": P2, "code": "271649006", "date": D(2023, 5, 6), "value": 142.0},
        {"patient_id": P2, "code": "271650006", "date": D(2023, 5, 6), "value": 88.5},
        {"patient_id": P1, "code": "60621009", "date": D(2022, 1, 2), "value": 27.5},
        {"patient_id": P3, "code": "44054006", "date": D(2019, 6, 7), "value": None},
    ]
    assert rows(out, "medications") == [
        {"patient_id": P1, "code": "320030001", "bnf_code": "0212000B0AAABAB", "date": D(2024, 1, 15), "repeat": True,
         "cost": None},
        {"patient_id": P2, "code": "319283006", "bnf_code": "0206020A0AAAAAA", "date": D(2024, 2, 1), "repeat": False,
         "cost": None},  # FHIR MedicationRequest carries no cost
    ]
    assert rows(out, "hospital") == [
        {"patient_id": P1, "kind": "ae", "start": D(2023, 11, 1), "end": D(2023, 11, 2), "diagnosis": None},
        {"patient_id": P1, "kind": "emergency_admission", "start": D(2023, 11, 2), "end": D(2023, 11, 9),
         "diagnosis": None},  # the importer reads no Encounter diagnosis
        {"patient_id": P2, "kind": "outpatient", "start": D(2024, 3, 1), "end": None, "diagnosis": None},
    ]
    assert rows(out, "appointments") == []
    assert result.ignored == {"Encounter (class HH)": 1, "Observation (entered-in-error)": 1, "Organization": 1}
    assert result.rows["events"] == 5


def test_folder_input_reads_json_and_ndjson(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.json").write_text(BUNDLE.read_text())
    (source / "b.ndjson").write_text(NDJSON.read_text())
    (source / "notes.txt").write_text("ignored")
    result = import_fhir([source], tmp_path / "out", practice="Y01234")
    assert result.rows["patients"] == 3


def bundle() -> dict:
    return json.loads(BUNDLE.read_text())


def entry_of(document: dict, rid: str) -> tuple[int, dict]:
    for index, item in enumerate(document["entry"]):
        if item["resource"]["id"] == rid:
            return index, item["resource"]
    raise KeyError(rid)


def _set(resource: dict, path: str, value: object) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        resource = resource[int(part)] if part.isdigit() else resource[part]
    if value is _DELETE:
        del resource[parts[-1]]
    else:
        resource[parts[-1]] = value


_DELETE = object()

BAD = [
    ("bmi-1", "valueQuantity.value", "x", "valueQuantity.value", "'x' is not a number"),
    ("pat-1", "gender", "other", "gender", "male or female"),
    ("pat-1", "birthDate", "1950", "birthDate", "not a full date"),
    ("pat-1", "extension.0.valueCodeableConcept.coding.0.code", "Q",
     "extension[0].valueCodeableConcept.coding[0].code", "not an NHS ethnic category"),
    ("cond-1", "subject.reference", "Patient/nobody", "subject.reference", "not a Patient of the input"),
    ("cond-1", "onsetDateTime", "2015-13-04", "onsetDateTime", "not a valid date"),
    ("cond-1", "code.coding.0.system", "http://read.info/ctv3", "code.coding", "no SNOMED CT coding"),
    ("bp-1", "component.0.valueQuantity.value", "142", "component[0].valueQuantity.value", "not a number"),
    ("med-1", "medicationCodeableConcept.coding.0.code", "999999999", "medicationCodeableConcept.coding",
     "no BNF coding"),
    ("med-1", "authoredOn", _DELETE, "authoredOn", "no date"),
    ("enc-2", "period.end", "2023-11-01", "period.end", "before the start"),
    ("pat-2", "birthDate", _DELETE, "birthDate", "not a FHIR date"),
    ("pat-1", "birthDate", "2090-01-01", "birthDate", "'2090-01-01' is after today"),
    ("cond-1", "onsetDateTime", "2095-03-04", "onsetDateTime", "'2095-03-04' is after today"),
]


@pytest.mark.parametrize(("rid", "path", "value", "field", "message"), BAD, ids=[b[0] + ":" + b[1] for b in BAD])
def test_bad_entry_is_named_and_out_is_absent(tmp_path: Path, rid, path, value, field, message) -> None:
    document = bundle()
    index, resource = entry_of(document, rid)
    _set(resource, path, value)
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(document))
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        import_fhir([source], out, practice="Y01234", strict=True)
    err = caught.value
    assert (err.file, err.row, err.field) == ("bundle.json", index, field)
    assert message in err.message
    kind = resource["resourceType"]
    assert f"bundle.json entry {index} ({kind}/{rid}), field {field}: " in str(err)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary folder left


def test_missing_practice_without_default(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        import_fhir([BUNDLE], out, strict=True)
    assert caught.value.field == "generalPractitioner"
    assert "entry 2 (Patient/pat-2)" in str(caught.value)
    assert not out.exists()


def test_several_problems_reported_together(tmp_path: Path) -> None:
    document = bundle()
    entry_of(document, "bmi-1")[1]["valueQuantity"]["value"] = "x"
    entry_of(document, "cond-1")[1]["onsetDateTime"] = "soon"
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        import_fhir([source], tmp_path / "out", practice="Y01234", strict=True)
    assert [p.field for p in caught.value.problems] == ["onsetDateTime", "valueQuantity.value"]


def test_duplicate_patient_and_bad_bundle_type(tmp_path: Path) -> None:
    document = bundle()
    document["entry"].append(copy.deepcopy(document["entry"][1]))
    source = tmp_path / "dup.json"
    source.write_text(json.dumps(document))
    with pytest.raises(InputError, match=r"dup.json entry 13 \(Patient/pat-1\), field id: Patient pat-1 is also in"):
        import_fhir([source], tmp_path / "out", practice="Y01234", strict=True)
    document = bundle()
    document["type"] = "history"
    source.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        import_fhir([source], tmp_path / "out", practice="Y01234", strict=True)
    assert caught.value.field == "type"


def test_bad_json_and_ndjson_lines(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", ')
    with pytest.raises(InputError, match="not JSON"):
        import_fhir([broken], tmp_path / "out", strict=True)
    lines = tmp_path / "r.ndjson"
    lines.write_text(NDJSON.read_text() + "{not json}\n")
    with pytest.raises(InputError) as caught:
        import_fhir([lines], tmp_path / "out", strict=True)
    assert (caught.value.file, caught.value.row) == ("r.ndjson", 4)
    lines.write_text(NDJSON.read_text().replace('"44054006"', '"abc"'))
    with pytest.raises(InputError, match=r"r.ndjson line 3 \(Condition/c1\), field code.coding\[0\].code"):
        import_fhir([lines], tmp_path / "out", strict=True)
    assert not (tmp_path / "out").exists()


def test_out_must_be_new(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="already exists"):
        import_fhir([NDJSON], out, strict=True)
    assert (out / "keep.txt").read_text() == "x"
    empty = tmp_path / "empty"
    empty.mkdir()
    import_fhir([NDJSON], empty)
    assert (empty / "patients.parquet").exists()


def cli(*argv: str) -> tuple[int, str, str]:
    import argparse

    parser = argparse.ArgumentParser()
    add_import_arguments(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    return run_import(parser.parse_args(argv), stdout, stderr), stdout.getvalue(), stderr.getvalue()


def test_cli_fhir(tmp_path: Path) -> None:
    code, out, err = cli("--fhir", str(BUNDLE), str(NDJSON), "--out", str(tmp_path / "o"), "--practice", "Y01234")
    assert (code, err) == (0, "")
    assert "patients 3, events 5, medications 2, hospital 3, appointments 0" in out
    assert "Ignored: Encounter (class HH) 1" in out
    code, out, err = cli("--fhir", str(BUNDLE), "--out", str(tmp_path / "p"), "--json", "--strict")
    assert code == 2 and out == ""
    assert "fhir_bundle.json entry 2 (Patient/pat-2), field generalPractitioner" in err
    code, out, err = cli("--fhir", str(NDJSON), "--out", str(tmp_path / "q"), "--json", "--practice", "nope")
    assert code == 2 and "--practice" in err
    code, out, _ = cli("--fhir", str(NDJSON), "--out", str(tmp_path / "r"), "--json")
    assert code == 0 and json.loads(out)["rows"]["patients"] == 1


def test_a_bundle_nested_too_deeply_is_named(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [' + "[" * 100_000 + "]" * 100_000 + "]}")
    with pytest.raises(InputError) as caught:
        import_fhir([path], tmp_path / "out", strict=True)
    assert caught.value.file == "deep.json" and "nests too deeply" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_an_ndjson_line_nested_too_deeply_is_named_by_its_line(tmp_path):
    path = tmp_path / "deep.ndjson"
    path.write_text('{"resourceType": "Patient", "id": "1"}\n' + "[" * 100_000 + "\n")
    with pytest.raises(InputError) as caught:
        import_fhir([path], tmp_path / "out", strict=True)
    assert (caught.value.file, caught.value.row) == ("deep.ndjson", 2) and "nests too deeply" in caught.value.message


def test_gzipped_bundles_and_ndjson_read_as_the_plain_files(tmp_path: Path) -> None:
    import gzip

    source = tmp_path / "export"
    source.mkdir()
    (source / "a.json.gz").write_bytes(gzip.compress(BUNDLE.read_bytes()))
    (source / "b.ndjson.gz").write_bytes(gzip.compress(NDJSON.read_bytes()))
    zipped = import_fhir([source], tmp_path / "zipped", practice="Y01234")
    plain = import_fhir([BUNDLE, NDJSON], tmp_path / "plain", practice="Y01234")
    assert zipped.rows == plain.rows and zipped.rows["patients"] == 3
    for table in ("patients", "events", "medications", "hospital"):
        assert rows(tmp_path / "zipped", table) == rows(tmp_path / "plain", table)


@pytest.mark.parametrize(("content", "message"), [
    (b"not gzip at all", "not gzip-compressed"),
    (None, "cut short or damaged"),
])
def test_a_bad_gzip_file_is_named(tmp_path: Path, content, message) -> None:
    import gzip

    path = tmp_path / "Patient.ndjson.gz"
    path.write_bytes(content if content is not None else gzip.compress(NDJSON.read_bytes())[:40])
    with pytest.raises(InputError, match=message) as caught:
        import_fhir([path], tmp_path / "out", practice="Y01234")
    assert caught.value.file == "Patient.ndjson.gz"
