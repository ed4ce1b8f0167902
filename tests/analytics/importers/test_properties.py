"""Property tests: random valid patients and events written as CSV or as a FHIR bundle read back equal;
a corrupted cell is reported at its row and field."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.analytics.importers.csv_extract import import_csv
from pcnhub.analytics.importers.fhir import (
    ETHNICITY_EXTENSION,
    ODS_SYSTEM,
    SNOMED,
    import_fhir,
    patient_key,
)
from pcnhub.analytics.schema import ETHNICITIES
from pcnhub.domain.errors import InputError

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CODES = ("59621000", "44054006", "60621009", "271649006", "313989009")
LETTER = {"white": "A", "indian": "H", "pakistani": "J", "bangladeshi": "K", "other_asian": "L",
          "black_caribbean": "M", "black_african": "N", "chinese": "R", "other": "S"}
PATIENT_COLUMNS = ("patient_id", "birth_month", "sex", "ethnicity", "practice_code", "registered_from",
                   "registered_to", "lsoa", "imd_decile", "townsend", "care_home")
#: An extract records what has happened: no date after today.
TODAY = dt.date.today()
dates = st.dates(dt.date(1900, 1, 1), TODAY)
values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: v if v != 0 else 0.0))


@st.composite
def datasets(draw) -> tuple[list[dict], list[dict]]:
    ids = draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=1, max_size=8, unique=True))
    patients = []
    for pid in ids:
        birth = draw(dates).replace(day=1)
        start = draw(dates)
        patients.append({
            "patient_id": pid, "birth_month": birth, "sex": draw(st.sampled_from("FM")),
            "ethnicity": draw(st.sampled_from(ETHNICITIES)),
            "practice_code": draw(st.from_regex(r"[A-Z][0-9A-Z]{5}", fullmatch=True)),
            "registered_from": start,
            "registered_to": draw(st.one_of(st.none(), st.dates(start, TODAY))),
            "lsoa": draw(st.one_of(st.none(), st.from_regex(r"E0[0-9]{7}", fullmatch=True))),
            "imd_decile": draw(st.one_of(st.none(), st.integers(1, 10))),
            "townsend": draw(st.one_of(st.none(), st.floats(-15, 20, allow_nan=False))),
            "care_home": draw(st.booleans()),
        })
    events = draw(st.lists(st.builds(
        lambda pid, code, date, value: {"patient_id": pid, "code": code, "date": date, "value": value},
        st.sampled_from(ids), st.sampled_from(CODES), dates, values), max_size=12))
    return patients, events


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(folder: Path, patients: list[dict], events: list[dict]) -> None:
    folder.mkdir()
    for name, columns, rows in (("patients", PATIENT_COLUMNS, patients),
                                ("events", ("patient_id", "code", "date", "value"), events)):
        with (folder / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([_text(row[c]) for c in columns] for row in rows)
    (folder / "medications.csv").write_text("patient_id,code,bnf_code,date,repeat\n")


def read(folder: Path, table: str) -> list[dict]:
    return pq.read_table(folder / f"{table}.parquet").to_pylist()


@SETTINGS
@given(datasets())
def test_csv_round_trip(data) -> None:
    patients, events = data
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_csv(root / "extract", patients, events)
        import_csv(root / "extract", root / "out")
        assert read(root / "out", "patients") == patients
        assert read(root / "out", "events") == events


def fhir_bundle(patients: list[dict], events: list[dict]) -> dict:
    entries = []
    for index, p in enumerate(patients):
        resource = {"resourceType": "Patient", "id": f"p{index}", "gender": {"F": "female", "M": "male"}[p["sex"]],
                    "birthDate": p["birth_month"].isoformat()[:7],
                    "generalPractitioner": [{"identifier": {"system": ODS_SYSTEM, "value": p["practice_code"]}}],
                    "extension": [{"url": "https://example.org/Extension-RegistrationPeriod", "valuePeriod": {
                        "start": p["registered_from"].isoformat(),
                        **({"end": p["registered_to"].isoformat()} if p["registered_to"] else {})}}]}
        if p["ethnicity"] != "unknown":
            resource["extension"].append({"url": ETHNICITY_EXTENSION, "valueCodeableConcept": {
                "coding": [{"code": LETTER[p["ethnicity"]]}]}})
        entries.append({"fullUrl": f"urn:uuid:{index}", "resource": resource})
    position = {p["patient_id"]: i for i, p in enumerate(patients)}
    for index, e in enumerate(events):
        coding = {"coding": [{"system": SNOMED, "code": e["code"]}]}
        subject = {"reference": f"Patient/p{position[e['patient_id']]}" if index % 2 else
                   f"urn:uuid:{position[e['patient_id']]}"}
        if e["value"] is None:
            resource = {"resourceType": "Condition", "id": f"e{index}", "subject": subject, "code": coding,
                        "onsetDateTime": e["date"].isoformat() + "T12:00:00Z"}
        else:
            resource = {"resourceType": "Observation", "id": f"e{index}", "subject": subject, "code": coding,
                        "effectiveDateTime": e["date"].isoformat(), "valueQuantity": {"value": e["value"]}}
        entries.append({"resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


@SETTINGS
@given(datasets())
def test_fhir_round_trip(data) -> None:
    patients, events = data
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "b.json").write_text(json.dumps(fhir_bundle(patients, events)))
        import_fhir([root / "b.json"], root / "out")
        key = {p["patient_id"]: patient_key(f"p{i}") for i, p in enumerate(patients)}
        expected = [{**p, "patient_id": key[p["patient_id"]], "lsoa": None, "imd_decile": None, "townsend": None,
                     "care_home": False} for p in patients]
        assert read(root / "out", "patients") == expected
        assert read(root / "out", "events") == [{**e, "patient_id": key[e["patient_id"]]} for e in events]


GARBAGE = {"patient_id": "1.5", "code": "abc", "date": "2020-02-30", "value": "lots"}


@SETTINGS
@given(datasets().filter(lambda d: d[1]), st.data())
def test_corrupted_cell_is_reported_at_its_row_and_field(data, pick) -> None:
    patients, events = data
    index = pick.draw(st.integers(0, len(events) - 1))
    field = pick.draw(st.sampled_from(sorted(GARBAGE)))
    events = [dict(e) for e in events]
    events[index][field] = GARBAGE[field]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_csv(root / "extract", patients, events)
        with pytest.raises(InputError) as caught:
            import_csv(root / "extract", root / "out")
        assert (caught.value.file, caught.value.row, caught.value.field) == ("events.csv", index + 2, field)
        assert GARBAGE[field] in caught.value.message
        assert not (root / "out").exists()
