"""The dataset schema: documented, in step with SCHEMA.md, and a checker that names file and column."""

from __future__ import annotations

import functools
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


# --- the check in DuckDB gives the messages of the check that read every column with pyarrow ----------------------


@pytest.fixture(autouse=True)
def duckdb_only(monkeypatch):
    """Every check here runs in DuckDB: reading a whole table with pyarrow is only for files DuckDB cannot read (a
    test that wants it sets ``duckdb_only.allowed``)."""
    arrow_rows = schema._arrow_rows

    class Switch:
        allowed = False

    @functools.wraps(arrow_rows)
    def guarded(*args, **kwargs):
        assert Switch.allowed, "validate_dataset read a table with pyarrow instead of DuckDB"
        return arrow_rows(*args, **kwargs)

    monkeypatch.setattr(schema, "_arrow_rows", guarded)
    return Switch


def _reference(folder: Path, codes: bool = True) -> list[schema.Problem]:
    """The problems as the check found them before it ran in DuckDB: every column of every table read with pyarrow
    (the functions it used, kept for files DuckDB cannot read)."""
    known = schema._codelist_codes() if codes else {}
    problems, found = [], {}
    for table in TABLES.values():
        dataset = schema._open(folder, table)
        if dataset is None:
            problems.append(schema.Problem(table.file, None, "the table is missing"))
            continue
        table_problems, present = schema._check_columns(table, dataset)
        problems += table_problems
        found[table.name] = (dataset, present)
    patients = found.get("patients")
    ids = schema._arrow_ids(patients[0]) if patients and any(c.name == "patient_id" for c in patients[1]) else None
    for name, (dataset, present) in found.items():
        problems += schema._arrow_rows.__wrapped__(TABLES[name], dataset, present, known,
                                                   None if name == "patients" else ids)
    order = list(TABLES)
    return sorted(problems, key=lambda p: order.index(p.file.removesuffix(".parquet")))


def _set(t: pa.Table, name: str, values: list, type_: pa.DataType | None = None) -> pa.Table:
    return t.set_column(t.schema.get_field_index(name), name, pa.array(values, type_ or t.schema.field(name).type))


def _spoil_everything(folder: Path, statistics: bool, null_patient: bool) -> None:
    def patients(t: pa.Table) -> pa.Table:
        sex, ethnicity = t["sex"].to_pylist(), t["ethnicity"].to_pylist()
        sex[3], ethnicity[4], ethnicity[5] = "X", "martian", "Venusian"
        deciles, townsend = t["imd_decile"].to_pylist(), t["townsend"].to_pylist()
        deciles[6], townsend[7], townsend[8] = 11, 25.5, float("nan")
        births = t["birth_month"].to_pylist()
        for i in range(10, 17):  # more than five: five are shown
            births[i] = births[i].replace(day=2 + i)
        practices, homes, ids = t["practice_code"].to_pylist(), t["care_home"].to_pylist(), t["patient_id"].to_pylist()
        practices[20], homes[21] = None, None
        ids[30], ids[31] = ids[0], ids[1]
        if null_patient:
            ids[32] = None
        t = _set(_set(t, "sex", sex), "ethnicity", ethnicity)
        t = _set(_set(t, "imd_decile", deciles), "townsend", townsend)
        t = _set(_set(t, "birth_month", births), "practice_code", practices)
        return _set(_set(t, "care_home", homes), "patient_id", ids)

    def events(t: pa.Table) -> pa.Table:
        ids, codes, dates = t["patient_id"].to_pylist(), t["code"].to_pylist(), t["date"].to_pylist()
        ids[0], ids[1], ids[2], codes[3], dates[4] = 10**12, 10**12 + 1, None, None, None
        return _set(_set(_set(t, "patient_id", ids), "code", codes), "date", dates)

    def medications(t: pa.Table) -> pa.Table:
        costs, repeats = t["cost"].to_pylist(), t["repeat"].to_pylist()
        costs[0], costs[1], repeats[2] = -1.0, 250_000.0, None
        return _set(_set(t, "cost", costs), "repeat", repeats)

    def hospital(t: pa.Table) -> pa.Table:
        kinds, diagnoses, starts = t["kind"].to_pylist(), t["diagnosis"].to_pylist(), t["start"].to_pylist()
        kinds[0], diagnoses[1], diagnoses[2], starts[3] = "ward", "J44.1", "j441", None
        return _set(_set(_set(t, "kind", kinds), "diagnosis", diagnoses), "start", starts)

    def appointments(t: pa.Table) -> pa.Table:
        statuses, staff, ids = t["status"].to_pylist(), t["staff_type"].to_pylist(), t["patient_id"].to_pylist()
        statuses[0], staff[1], ids[2] = "late", None, None
        return _set(_set(_set(t, "status", statuses), "staff_type", staff), "patient_id", ids)

    for name, change in (("patients", patients), ("events", events), ("medications", medications),
                         ("hospital", hospital), ("appointments", appointments)):
        path = folder / f"{name}.parquet"
        pq.write_table(change(pq.read_table(path)), path, write_statistics=statistics, row_group_size=700)


@pytest.mark.parametrize(("statistics", "null_patient"), [(True, False), (False, False), (True, True)])
def test_every_problem_is_found_as_reading_every_column_found_it(dataset, tmp_path, statistics, null_patient):
    folder = _copy(dataset, tmp_path)
    _spoil_everything(folder, statistics, null_patient)
    problems = validate_dataset(folder)
    assert problems == _reference(folder)
    messages = _messages(problems)
    assert "patients.parquet, column sex: error: values outside the allowed set (F, M): 'X'" in messages
    assert "patients.parquet, column ethnicity: error: values outside the allowed set (white, indian, pakistani, " \
           "bangladeshi, other_asian, black_caribbean, black_african, chinese, other, unknown): 'Venusian', 'martian'" \
           in messages
    assert any(m.startswith("patients.parquet, column imd_decile: error: values from ") and m.endswith(" to 11, "
               "outside 1 to 10") for m in messages)
    assert any(m.startswith("patients.parquet, column townsend: error: values from ") and m.endswith(" to 25.5, "
               "outside -15 to 20") for m in messages)
    assert [m for m in messages if "birth_month" in m][0].count("datetime.date(") == 5  # five examples shown
    assert "patients.parquet, column practice_code: error: 1 rows are null in a required column" in messages
    assert "patients.parquet, column care_home: error: 1 rows are null in a required column" in messages
    assert "patients.parquet, column patient_id: error: 2 duplicate values" in messages  # a null is no duplicate
    assert ("patients.parquet, column patient_id: error: 1 rows are null in a required column" in messages) \
        == null_patient
    known = set(pq.read_table(folder / "patients.parquet")["patient_id"].to_pylist())
    unknown = [i for i in pq.read_table(folder / "events.parquet")["patient_id"].to_pylist() if i not in known]
    assert (None in unknown) != null_patient  # a null id matches the null id of patients, as pyarrow's is_in has it
    assert f"events.parquet, column patient_id: error: {len(unknown)} rows are of patients not in " \
           "patients.parquet" in messages
    assert "events.parquet, column code: error: 1 rows are null in a required column" in messages
    assert "medications.parquet, column cost: error: values from -1.0 to 250000.0, outside 0 to 100000" in messages
    assert "medications.parquet, column repeat: error: 1 rows are null in a required column" in messages
    assert "hospital.parquet, column kind: error: values outside the allowed set (ae, emergency_admission, " \
           "elective_admission, outpatient_first, outpatient_follow_up, outpatient): 'ward'" in messages
    assert any(m.startswith("hospital.parquet, column diagnosis: error: values that are not an ICD-10 code")
               and m.endswith(": 'J44.1', 'j441'") for m in messages)
    assert "appointments.parquet, column status: error: values outside the allowed set (attended, " \
           "did_not_attend, cancelled): 'late'" in messages
    assert "appointments.parquet, column staff_type: error: 1 rows are null in a required column" in messages
    assert validate_dataset(folder, codes=False) == _reference(folder, codes=False)


def test_only_the_tables_asked_for_have_their_rows_checked(dataset, tmp_path):
    folder = _copy(dataset, tmp_path)
    _rewrite(folder, "appointments", lambda t: _set(t, "status", ["late"] * t.num_rows))
    _rewrite(folder, "hospital", lambda t: _set(t, "kind", ["ward"] * t.num_rows))
    assert schema.PIPELINE_TABLES == ("patients", "events", "medications", "hospital")
    assert [p.file for p in validate_dataset(folder)] == ["hospital.parquet", "appointments.parquet"]
    assert [p.file for p in validate_dataset(folder, tables=schema.PIPELINE_TABLES)] == ["hospital.parquet"]
    assert validate_dataset(folder, tables=["events"]) == []
    # the files and columns of every table are checked all the same
    _rewrite(folder, "appointments", lambda t: t.drop_columns(["staff_type"]))
    assert _messages(validate_dataset(folder, tables=["events"])) == [
        "appointments.parquet, column staff_type: error: the column is missing"]
    (folder / "appointments.parquet").unlink()
    assert _messages(validate_dataset(folder, tables=["events"])) == [
        "appointments.parquet: error: the table is missing"]
    with pytest.raises(ValueError, match=r"^no such table: appointment \(the tables: patients, events, "):
        validate_dataset(folder, tables=["appointment"])


def test_the_check_has_duckdbs_limits(dataset):
    with pytest.raises(ValueError, match="^--memory-limit: 'lots' is not a memory size"):
        validate_dataset(dataset, memory_limit="lots")
    assert validate_dataset(dataset, memory_limit="256MB", threads=1) == []


def test_files_duckdb_cannot_read_as_one_are_read_with_pyarrow(dataset, tmp_path, monkeypatch, duckdb_only):
    import duckdb

    folder = _copy(dataset, tmp_path)
    _spoil_everything(folder, statistics=True, null_patient=False)

    def unreadable(*args, **kwargs):
        raise duckdb.IOException("IO Error: the files cannot be read as one table")

    monkeypatch.setattr(schema._Scanner, "_rows", unreadable)
    duckdb_only.allowed = True
    assert validate_dataset(folder) == _reference(folder)


def test_running_out_of_memory_is_not_hidden(dataset, monkeypatch):
    import duckdb

    def short(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(schema._Scanner, "_rows", short)
    with pytest.raises(duckdb.OutOfMemoryException):
        validate_dataset(dataset)
