"""The dataset schema: documented, in step with SCHEMA.md, and a checker that names file and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import schema, synth
from pcnhub.analytics.schema import ERROR, TABLES, WARNING, DatasetError, check_dataset, validate_dataset

SCHEMA_MD = Path(schema.__file__).with_name("SCHEMA.md")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("valid")
    synth.generate([synth.PracticeSize("A81001", 3000), synth.PracticeSize("A81002", 2000)], folder,
                   patients=600, seed=3)
    return folder


def _copy(dataset: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(dataset, target)
    return target


def _rewrite(folder: Path, table: str, change) -> None:
    path = folder / f"{table}.parquet"
    data = pq.read_table(path)
    pq.write_table(change(data), path)


def _messages(problems, severity=ERROR) -> list[str]:
    return [p.describe() for p in problems if p.severity == severity]


def test_schema_md_is_generated_from_schema_py():
    assert SCHEMA_MD.read_text(encoding="utf-8") == schema.markdown(), (
        "SCHEMA.md is out of date: run python -m pcnhub.analytics.schema > src/pcnhub/analytics/SCHEMA.md")


def test_the_tables_and_their_key_columns():
    assert list(TABLES) == ["patients", "events", "medications", "hospital", "appointments"]
    patients = TABLES["patients"].schema
    assert patients.field("patient_id").type == pa.int64()
    assert patients.field("birth_month").type == pa.date32()
    assert patients.field("imd_decile").type == pa.int8()
    assert patients.field("registered_to").nullable and not patients.field("registered_from").nullable
    assert TABLES["events"].schema.field("value").type == pa.float64()
    assert TABLES["medications"].schema.field("repeat").type == pa.bool_()
    assert TABLES["hospital"].column("kind").allowed == (
        "ae", "emergency_admission", "elective_admission", "outpatient_first", "outpatient_follow_up", "outpatient")
    cost = TABLES["medications"].column("cost")
    assert (cost.type, cost.required, cost.optional) == (pa.float64(), False, True)
    assert "synthetic" in cost.description
    assert TABLES["appointments"].column("status").allowed == ("attended", "did_not_attend", "cancelled")
    assert len(TABLES["patients"].column("ethnicity").allowed) == 10


def test_every_column_is_described_in_the_field_metadata():
    for table in TABLES.values():
        assert table.description
        for field in table.schema:
            assert field.metadata[b"description"].decode() == table.column_descriptions[field.name]
            assert table.column_descriptions[field.name].strip()


def test_a_generated_dataset_has_no_problem(dataset):
    assert validate_dataset(dataset) == []
    assert check_dataset(dataset) == []


def test_a_missing_folder_or_table_is_named(dataset, tmp_path):
    assert _messages(validate_dataset(tmp_path / "nowhere"))[0].endswith("the dataset folder does not exist")
    folder = _copy(dataset, tmp_path)
    (folder / "hospital.parquet").unlink()
    assert _messages(validate_dataset(folder)) == ["hospital.parquet: error: the table is missing"]


def test_an_optional_column_may_be_absent_and_is_read_as_null(dataset, tmp_path):
    from pcnhub.analytics import engines

    folder = _copy(dataset, tmp_path)
    _rewrite(folder, "medications", lambda t: t.drop_columns(["cost"]))
    assert _messages(validate_dataset(folder)) == []
    con = engines.connect("duckdb")
    try:
        medications = engines.load_tables(con, folder)["medications"]
        assert medications.schema()["cost"].is_floating()
        assert con.to_pyarrow(medications.aggregate(n=medications.count(), known=medications.cost.count())).to_pylist() \
            == [{"n": pq.read_metadata(folder / "medications.parquet").num_rows, "known": 0}]
    finally:
        engines.close(con)


def test_a_missing_column_and_a_wrong_type_are_named(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)
    _rewrite(folder, "events", lambda t: t.drop_columns(["value"]))
    _rewrite(folder, "appointments", lambda t: t.set_column(1, "date", pc.cast(t["date"], pa.timestamp("ms"))))
    messages = _messages(validate_dataset(folder))
    assert "events.parquet, column value: error: the column is missing" in messages
    assert "appointments.parquet, column date: error: the type is timestamp[ms], expected date32[day]" in messages


def test_nulls_values_ranges_and_months_are_checked(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)

    def spoil(t: pa.Table) -> pa.Table:
        n = t.num_rows
        sex = pa.array(["X"] + t["sex"].to_pylist()[1:])
        decile = pa.array([11] + t["imd_decile"].to_pylist()[1:], type=pa.int8())
        practice = pa.array([None] + t["practice_code"].to_pylist()[1:], type=pa.string())
        birth = t["birth_month"].to_pylist()
        birth[2] = birth[2].replace(day=15)
        ids = t["patient_id"].to_pylist()
        ids[n - 1] = ids[0]
        t = t.set_column(t.schema.get_field_index("sex"), "sex", sex)
        t = t.set_column(t.schema.get_field_index("imd_decile"), "imd_decile", decile)
        t = t.set_column(t.schema.get_field_index("practice_code"), "practice_code", practice)
        t = t.set_column(t.schema.get_field_index("birth_month"), "birth_month", pa.array(birth, pa.date32()))
        return t.set_column(0, "patient_id", pa.array(ids, pa.int64()))

    _rewrite(folder, "patients", spoil)
    messages = _messages(validate_dataset(folder))
    assert "patients.parquet, column sex: error: values outside the allowed set (F, M): 'X'" in messages
    assert any(m.startswith("patients.parquet, column imd_decile: error: values from ")
               and m.endswith(" to 11, outside 1 to 10") for m in messages)
    assert "patients.parquet, column practice_code: error: 1 rows are null in a required column" in messages
    assert any(m.startswith("patients.parquet, column birth_month: error: dates that are not the first of a month")
               for m in messages)
    assert "patients.parquet, column patient_id: error: 1 duplicate values" in messages


def test_unknown_codes_are_warnings_and_unknown_patients_errors(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)

    def spoil(t: pa.Table) -> pa.Table:
        codes = t["code"].to_pylist()
        codes[0] = "999999999"
        ids = t["patient_id"].to_pylist()
        ids[1] = 10**12
        t = t.set_column(1, "code", pa.array(codes, pa.string()))
        return t.set_column(0, "patient_id", pa.array(ids, pa.int64()))

    _rewrite(folder, "events", spoil)
    problems = validate_dataset(folder)
    assert _messages(problems, WARNING) == [
        "events.parquet, column code: warning: 1 distinct snomedct codes are in no pcnhub codelist: '999999999'"]
    assert _messages(problems) == [
        "events.parquet, column patient_id: error: 1 rows are of patients not in patients.parquet"]
    assert validate_dataset(folder, codes=False) == [p for p in problems if p.severity == ERROR]
    with pytest.raises(DatasetError, match="1 error"):
        check_dataset(folder)


def test_extra_columns_are_a_warning(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)
    _rewrite(folder, "hospital", lambda t: t.append_column("ward", pa.array(["x"] * t.num_rows)))
    assert _messages(validate_dataset(folder), WARNING) == [
        "hospital.parquet, column ward: warning: the column is not in the schema (ignored)"]


def test_a_table_may_be_a_folder_of_parquet_files(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)
    data = pq.read_table(folder / "events.parquet")
    (folder / "events.parquet").unlink()
    (folder / "events").mkdir()
    half = data.num_rows // 2
    pq.write_table(data.slice(0, half), folder / "events" / "part-0.parquet")
    pq.write_table(data.slice(half), folder / "events" / "part-1.parquet")
    assert validate_dataset(folder) == []


def test_a_diagnosis_is_icd10_without_the_dot_and_may_be_absent(dataset, tmp_path):
    from pcnhub.analytics import engines

    column = TABLES["hospital"].column("diagnosis")
    assert (column.type, column.required, column.optional) == (pa.string(), False, True)
    assert "ICD-10" in column.rule() and "`J441`" in column.rule()
    folder = _copy(dataset, tmp_path)

    def spoil(t: pa.Table) -> pa.Table:
        values = t["diagnosis"].to_pylist()
        values[:4] = ["J44.1", "j441", "I10X", None]  # the last two are fine
        return t.set_column(t.schema.get_field_index("diagnosis"), "diagnosis", pa.array(values, pa.string()))

    _rewrite(folder, "hospital", spoil)
    assert _messages(validate_dataset(folder)) == [
        "hospital.parquet, column diagnosis: error: values that are not an ICD-10 code without the dot, upper case "
        "(a letter, two digits and up to two more letters or digits: `J441`, `I10X`): 'J44.1', 'j441'"]
    _rewrite(folder, "hospital", lambda t: t.drop_columns(["diagnosis"]))
    assert _messages(validate_dataset(folder)) == []
    con = engines.connect("duckdb")
    try:
        hospital = engines.load_tables(con, folder)["hospital"]
        assert con.to_pyarrow(hospital.aggregate(known=hospital.diagnosis.count())).to_pylist() == [{"known": 0}]
    finally:
        engines.close(con)
