"""FHIR importer on generator output as written: a Synthea-style R4 transaction Bundle, a Bulk Data NDJSON
export folder, batch and searchset Bundles; LOINC/RxNorm maps, deaths, resolved Conditions, GP encounters,
and lenient import (what is sound imported, the rest reported) against --strict."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import ibis
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics.importers.fhir import import_fhir, patient_key
from pcnhub.analytics.importers.fhir_codes import loinc_snomed, resolved_codes, rxnorm_dmd
from pcnhub.analytics.schema import ERROR, validate_dataset
from pcnhub.cli.phm.import_data import add_import_arguments, run_import
from pcnhub.domain.errors import InputError
from pcnhub.reference import codelists

FIXTURES = Path(__file__).parent / "fixtures"
SYNTHEA = FIXTURES / "synthea_transaction.json"
BULK = FIXTURES / "fhir_bulk_export"
S = patient_key("5cbc121b-cd71-4428-b8b7-31e53eba8184")
B1, B2 = patient_key("b7c1d2e3-0001"), patient_key("b7c1d2e3-0002")
D = dt.date


def rows(folder: Path, table: str) -> list[dict]:
    return pq.read_table(folder / f"{table}.parquet").to_pylist()


def balanced(report: dict) -> bool:
    return report["total"] == report["imported"] + sum(report["ignored"].values()) + sum(report["rejected"].values())


def test_synthea_transaction_bundle(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = import_fhir([SYNTHEA], out, practice="Y01234")
    assert not [p for p in validate_dataset(out) if p.severity == ERROR]
    [patient] = rows(out, "patients")
    assert (patient["patient_id"], patient["sex"], patient["ethnicity"], patient["practice_code"]) == (
        S, "M", "unknown", "Y01234")  # US Core race/ethnicity are not NHS ethnic categories
    assert (patient["registered_from"], patient["registered_to"]) == (D(1958, 4, 22), D(2024, 2, 10))  # died
    assert rows(out, "events") == [
        {"patient_id": S, "code": "59621000", "date": D(2019, 5, 21), "value": None},
        {"patient_id": S, "code": "271650006", "date": D(2019, 5, 21), "value": 84.0},  # LOINC 8462-4
        {"patient_id": S, "code": "271649006", "date": D(2019, 5, 21), "value": 148.0},  # LOINC 8480-6
        {"patient_id": S, "code": "60621009", "date": D(2019, 5, 21), "value": 29.4},  # LOINC 39156-5
        {"patient_id": S, "code": "8517006", "date": D(2019, 5, 21), "value": None},  # 72166-2 answer
        {"patient_id": S, "code": "430193006", "date": D(2019, 5, 21), "value": None},  # Procedure
        {"patient_id": S, "code": "444814009", "date": D(2022, 11, 8), "value": None},  # resolved: kept
    ]
    assert rows(out, "medications") == [
        {"patient_id": S, "code": "318859000", "bnf_code": "0205051L0AAACAC", "date": D(2019, 5, 21),
         "repeat": False, "cost": None},  # RxNorm 314076
        {"patient_id": S, "code": "319283006", "bnf_code": "0206020A0AAAAAA", "date": D(2019, 5, 21),
         "repeat": False, "cost": None},  # medicationReference to a Medication coded RxNorm 197361
    ]
    # The wellness encounter (AMB, General examination of patient) is a GP appointment, not outpatient; so is the
    # "Encounter for symptom" (AMB) of 2022, at the same organisation (PCP5417) as the wellness visit.
    assert rows(out, "appointments") == [
        {"patient_id": S, "date": D(2019, 5, 21), "status": "attended", "staff_type": "gp"},
        {"patient_id": S, "date": D(2022, 11, 8), "status": "attended", "staff_type": "gp"}]
    assert [(r["kind"], r["start"]) for r in rows(out, "hospital")] == [("ae", D(2023, 7, 2))]
    report = result.report
    assert (report["total"], report["imported"]) == (18, 12) and balanced(report)
    assert report["ignored"] == {"Claim": 1, "Immunization": 1, "Medication (read for medicationReference)": 1,
                                 "Organization": 1}
    assert report["rejected"] == {"MedicationRequest: unmapped code (no dm+d)": 1,
                                  "Observation: unmapped code (no SNOMED CT)": 1}
    assert report["unmapped"] == {"LOINC": {"8302-2": 1}, "RxNorm": {"1049221": 1},
                                  "CDC race and ethnicity": {"2106-3": 1, "2186-5": 1}}  # White, not Hispanic
    assert report["notes"]["Patient deceased: registered_to = date of death"] == 1
    assert report["notes"]["Patient with US Core race or ethnicity only: ethnicity unknown"] == 1
    assert any("entry 6 (Observation/f3d5c3a8-height)" in e and "LOINC 8302-2" in e for e in report["examples"])


def test_strict_fails_the_whole_import_on_an_unmapped_code(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        import_fhir([SYNTHEA], tmp_path / "out", practice="Y01234", strict=True)
    assert "synthea_transaction.json entry 6 (Observation/f3d5c3a8-height), field code.coding" in str(caught.value)
    assert "LOINC 8302-2" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_bulk_export_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = import_fhir([BULK], out)
    patients = {r["patient_id"]: r for r in rows(out, "patients")}
    # deceasedBoolean only: registered to the last date known (the check-up appointment, after the last
    # prescription); deceasedBoolean false: still registered.
    assert patients[B1]["registered_to"] == D(2019, 11, 5)
    assert patients[B2]["registered_to"] is None
    assert rows(out, "events") == [
        {"patient_id": B1, "code": "59621000", "date": D(2010, 3, 1), "value": None},
        {"patient_id": B1, "code": "162659009", "date": D(2016, 6, 15), "value": None},  # hypertension resolved
        {"patient_id": B2, "code": "44054006", "date": D(2020, 1, 20), "value": None},
        {"patient_id": B1, "code": "60621009", "date": D(2018, 4, 4), "value": 31.2},
        {"patient_id": B2, "code": "430193006", "date": D(2021, 2, 2), "value": None},
    ]
    assert [(r["code"], r["bnf_code"]) for r in rows(out, "medications")] == [("376209006", "0202010L0AAABAB")]
    assert rows(out, "hospital") == []
    assert rows(out, "appointments") == [{"patient_id": B1, "date": D(2019, 11, 5), "status": "attended",
                                          "staff_type": "gp"}]
    assert result.report["unmapped"] == {"LOINC": {"4548-4": 1}}
    assert (result.report["total"], result.report["imported"]) == (9, 8) and balanced(result.report)
    # Single NDJSON files of the export read the same as the folder.
    single = import_fhir(sorted(BULK.iterdir()), tmp_path / "files")
    assert single.rows == result.rows


def test_dead_patients_are_not_in_the_registered_population(tmp_path: Path) -> None:
    from pcnhub.analytics.pipeline.population import registered

    out = tmp_path / "out"
    import_fhir([BULK, SYNTHEA], out, practice="Y01234")
    table = ibis.memtable(pq.read_table(out / "patients.parquet"))
    on_list = set(registered(table, as_of=D(2025, 1, 1)).execute()["patient_id"])
    assert on_list == {B2}  # S died 2024-02-10; B1 is deceased (no date), last known 2019-11-05
    assert S in set(registered(table, as_of=D(2024, 2, 9)).execute()["patient_id"])


def test_malformed_and_unmapped_resources_do_not_fail_the_import(tmp_path: Path) -> None:
    source = tmp_path / "export"
    shutil.copytree(BULK, source)
    with (source / "Observation.ndjson").open("a") as handle:
        handle.write('{"resourceType": "Observation", "id": "cut\n')  # a truncated line
        handle.write('["not", "a", "resource"]\n')
        handle.write(json.dumps({"resourceType": "Observation", "id": "late", "status": "final",
                                 "subject": {"reference": "Patient/b7c1d2e3-0002"},
                                 "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
                                 "effectiveDateTime": "2099-01-01", "valueQuantity": {"value": 30}}) + "\n")
        handle.write(json.dumps({"resourceType": "Observation", "id": "odd", "status": "final",
                                 "subject": {"reference": "Patient/b7c1d2e3-0002"}, "component": ["x"],
                                 "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
                                 "effectiveDateTime": "2020-01-01"}) + "\n")
    with (source / "Patient.ndjson").open("a") as handle:
        handle.write(json.dumps({"resourceType": "Patient", "id": "nobirth", "gender": "female"}) + "\n")
    with (source / "Condition.ndjson").open("a") as handle:
        handle.write(json.dumps({"resourceType": "Condition", "id": "orphan", "subject": {"reference":
                                 "Patient/nobirth"}, "code": {"coding": [{"system": "http://snomed.info/sct",
                                                                          "code": "44054006"}]},
                                 "onsetDateTime": "2020-01-01"}) + "\n")
    result = import_fhir([source], tmp_path / "out")
    report = result.report
    assert report["rejected"] == {
        "Condition: subject not an imported Patient": 1, "Observation: effectiveDateTime": 1,
        "Observation: malformed resource": 1, "Observation: unmapped code (no SNOMED CT)": 1,
        "Patient: birthDate": 1, "not JSON": 1, "not a resource": 1}
    assert (report["total"], report["imported"]) == (15, 8) and balanced(report)
    assert result.rows["patients"] == 2 and result.rows["events"] == 5
    assert any(e.startswith("Observation.ndjson line 3: line 3 is not JSON") for e in report["examples"])
    assert any("Observation.ndjson line 5 (Observation/late), field effectiveDateTime" in e
               for e in report["examples"])
    with pytest.raises(InputError) as caught:
        import_fhir([source], tmp_path / "strict", strict=True)
    assert caught.value.file == "Observation.ndjson" and caught.value.row == 3  # files are read first
    assert not (tmp_path / "strict").exists()


@pytest.mark.parametrize("kind", ["batch", "collection", "searchset", "transaction"])
def test_bundle_types(tmp_path: Path, kind: str) -> None:
    document = json.loads(SYNTHEA.read_text())
    document["type"] = kind
    if kind == "searchset":
        for item in document["entry"]:
            item.pop("request")
            item["search"] = {"mode": "match"}
        document["entry"].append({"resource": {"resourceType": "OperationOutcome", "issue": []},
                                  "search": {"mode": "outcome"}})
    source = tmp_path / "b.json"
    source.write_text(json.dumps(document))
    result = import_fhir([source], tmp_path / "out", practice="Y01234")
    assert result.rows == {"patients": 1, "events": 7, "medications": 2, "hospital": 1, "appointments": 2}


def test_maps_are_sourced_and_point_at_codes_pcnhub_knows() -> None:
    known = {code for c in codelists.all_codelists() if c.system == "snomedct" for code in c.codes}
    assert loinc_snomed() == {"8480-6": "271649006", "8462-4": "271650006", "39156-5": "60621009",
                              "9830-1": "313989009"}
    assert {"271649006", "60621009", "313989009"} <= known  # 271650006 is the diastolic code the importer already reads
    medicines = {m.dmd_code for m in codelists.medicines()}
    assert set(rxnorm_dmd().values()) <= medicines and len(rxnorm_dmd()) == 4
    assert resolved_codes()["59621000"] == "162659009"


def cli(*argv: str) -> tuple[int, str, str]:
    import argparse

    parser = argparse.ArgumentParser()
    add_import_arguments(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    return run_import(parser.parse_args(argv), stdout, stderr), stdout.getvalue(), stderr.getvalue()


def test_cli_reports_and_strict(tmp_path: Path) -> None:
    code, out, err = cli("--fhir", str(SYNTHEA), "--out", str(tmp_path / "o"), "--practice", "Y01234")
    assert (code, err) == (0, "")
    assert "Resources: 18 read, 12 imported, 4 ignored, 2 rejected" in out
    assert "Rejected: Observation: unmapped code (no SNOMED CT) 1" in out
    assert "Unmapped LOINC codes: 1 (8302-2 1)" in out and "Unmapped RxNorm codes: 1 (1049221 1)" in out
    assert "Note: Patient deceased: registered_to = date of death 1" in out
    code, out, err = cli("--fhir", str(SYNTHEA), "--out", str(tmp_path / "p"), "--practice", "Y01234", "--strict")
    assert code == 2 and "LOINC 8302-2" in err and not (tmp_path / "p").exists()
    code, out, _ = cli("--fhir", str(BULK), "--out", str(tmp_path / "q"), "--json")
    assert code == 0 and json.loads(out)["report"]["unmapped"] == {"LOINC": {"4548-4": 1}}
    code, _, err = cli("--csv", str(BULK), "--out", str(tmp_path / "r"), "--strict")
    assert code == 2 and "--strict is for --fhir only" in err


def test_a_cholesterol_hdl_ratio_coded_only_loinc_9830_1_is_qrisk3s_chol_hdl(tmp_path: Path) -> None:
    """LOINC 9830-1 (Cholesterol.total/Cholesterol in HDL [Mass Ratio] in Serum or Plasma) is mapped by meaning to
    SNOMED CT 313989009, the one code of the cholesterol-hdl-ratio codelist QRISK3 reads, so the value is
    chol_hdl."""
    from pcnhub.analytics import engines
    from pcnhub.analytics.pipeline import flags
    from pcnhub.analytics.pipeline.qrisk3 import needs

    ratio = {"resourceType": "Observation", "id": "ratio", "status": "final",
             "subject": {"reference": "Patient/chol-1"}, "effectiveDateTime": "2024-01-10",
             "code": {"coding": [{"system": "http://loinc.org", "code": "9830-1",
                                  "display": "Cholesterol.total/Cholesterol in HDL [Mass Ratio] in Serum or Plasma"}]},
             "valueQuantity": {"value": 4.2, "unit": "{ratio}"}}
    patient = {"resourceType": "Patient", "id": "chol-1", "gender": "female", "birthDate": "1964-03-02"}
    source = tmp_path / "chol.json"
    source.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": patient}, {"resource": ratio}]}))
    result = import_fhir([source], tmp_path / "out", practice="Y01234")
    assert result.report["unmapped"] == {} and result.report["rejected"] == {}
    person = patient_key("chol-1")
    assert rows(tmp_path / "out", "events") == [
        {"patient_id": person, "code": "313989009", "date": D(2024, 1, 10), "value": 4.2}]
    assert codelists.codelist("cholesterol-hdl-ratio").codes == {"313989009"}

    as_of = D(2025, 1, 1)
    wanted = needs(as_of)
    con = engines.connect("duckdb")
    try:
        events = ibis.memtable(pq.read_table(tmp_path / "out" / "events.parquet"))
        table = flags.events_table(flags.coded_stream(events, wanted, as_of), wanted)
        [row] = engines.to_arrow(con, table).to_pylist()
    finally:
        engines.close(con)
    assert (row["patient_id"], row["qrisk_chol_hdl"]) == (person, 4.2)


# --- AMB encounters: GP activity or hospital outpatient activity -------------------------------------------------

SCT = "http://snomed.info/sct"
SYNTHEA_ID = "https://github.com/synthetichealth/synthea"


def organization(oid: str, name: str) -> dict:
    """An Organization as Synthea's FHIR R4 exporter writes one: its type is always "prov"."""
    return {"resourceType": "Organization", "id": oid, "identifier": [{"system": SYNTHEA_ID, "value": oid}],
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                                  "code": "prov", "display": "Healthcare Provider"}]}], "name": name}


def encounter(eid: str, cls: str, code: str, display: str, day: str, provider: str, patient: str = "urn:uuid:p1",
              transaction: bool = True) -> dict:
    """An Encounter as Synthea writes one: class from its EncounterType, type its first code, serviceProvider its
    provider's Organization (a conditional reference in a transaction Bundle, else a plain one), no serviceType."""
    reference = f"Organization?identifier={SYNTHEA_ID}|{provider}" if transaction else f"Organization/{provider}"
    return {"resourceType": "Encounter", "id": eid, "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls},
            "type": [{"coding": [{"system": SCT, "code": code, "display": display}], "text": display}],
            "subject": {"reference": patient},
            "period": {"start": f"{day}T09:00:00-05:00", "end": f"{day}T09:15:00-05:00"},
            "serviceProvider": {"reference": reference, "display": provider}}


def test_an_amb_encounter_at_the_practice_of_a_gp_visit_is_gp_activity_and_at_a_hospital_outpatient(
        tmp_path: Path) -> None:
    """Synthea serves wellness visits at primary-care facilities and ambulatory visits at hospitals (Provider.
    loadProviders): an "Encounter for symptom" at the organisation of the patient's wellness visit is a GP
    appointment; the same at a hospital is outpatient activity."""
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-06-01"}
    resources = [
        organization("pcp-1", "PCP1234"), organization("hosp-1", "GENERAL HOSPITAL"), patient,
        encounter("e1", "AMB", "162673000", "General examination of patient (procedure)", "2021-03-01", "pcp-1"),
        encounter("e2", "AMB", "185345009", "Encounter for symptom", "2021-06-01", "pcp-1"),
        encounter("e3", "AMB", "185345009", "Encounter for symptom", "2021-09-01", "hosp-1"),
        encounter("e4", "AMB", "185347001", "Encounter for problem", "2021-10-01", "hosp-1"),
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:uuid:{r['id']}", "resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
        for r in resources]}
    source = tmp_path / "synthea.json"
    source.write_text(json.dumps(bundle))
    result = import_fhir([source], tmp_path / "out", practice="Y01234")
    person = patient_key("p1")
    assert rows(tmp_path / "out", "appointments") == [
        {"patient_id": person, "date": D(2021, 3, 1), "status": "attended", "staff_type": "gp"},
        {"patient_id": person, "date": D(2021, 6, 1), "status": "attended", "staff_type": "gp"}]
    assert rows(tmp_path / "out", "hospital") == [
        {"patient_id": person, "kind": "outpatient", "start": D(2021, 9, 1), "end": D(2021, 9, 1), "diagnosis": None},
        {"patient_id": person, "kind": "outpatient", "start": D(2021, 10, 1), "end": D(2021, 10, 1),
         "diagnosis": None}]
    assert (result.rows["appointments"], result.rows["hospital"]) == (2, 2)
    notes = result.report["notes"]
    assert notes["Encounter AMB GP/check-up: appointment (attended, gp), not outpatient"] == 1
    assert notes["Encounter AMB at a GP practice (serviceProvider of a GP visit): appointment (attended, gp), "
                 "not outpatient"] == 1
    assert result.report["ignored"] == {"Organization": 2} and balanced(result.report)


def test_the_practice_is_known_from_a_gp_visit_in_another_file_and_virtual_visits_follow_the_same_rule(
        tmp_path: Path) -> None:
    """A Bulk Data export (plain Organization/<id> references): the wellness visit in one file makes pcp-1 a
    practice for the visits of another, read before it (files are read in name order); VR (Synthea's VIRTUAL)
    encounters are told apart the same way. A symptom-driven check-up (185349003) is GP activity by its type, but
    its organisation (in Synthea a hospital, which serves OUTPATIENT encounters) is not made a practice by it."""
    folder = tmp_path / "export"
    folder.mkdir()
    patient = {"resourceType": "Patient", "id": "p2", "gender": "male", "birthDate": "2010-01-01"}
    (folder / "Patient.ndjson").write_text(json.dumps(patient) + "\n")
    visits = [
        encounter("a", "AMB", "410620009", "Well child visit (procedure)", "2020-02-03", "pcp-1",
                  "Patient/p2", transaction=False),
        encounter("b", "AMB", "185349003", "Encounter for check up (procedure)", "2020-05-06", "hosp-1",
                  "Patient/p2", transaction=False),
    ]
    (folder / "Encounter.ndjson").write_text("".join(json.dumps(v) + "\n" for v in visits))
    later = [
        encounter("c", "VR", "185347001", "Encounter for problem", "2020-07-08", "pcp-1", "Patient/p2",
                  transaction=False),
        encounter("d", "VR", "185347001", "Encounter for problem", "2020-08-09", "hosp-1", "Patient/p2",
                  transaction=False),
        encounter("e", "AMB", "185345009", "Encounter for symptom", "2020-09-10", "hosp-1", "Patient/p2",
                  transaction=False),
    ]
    (folder / "Encounter.2.ndjson").write_text("".join(json.dumps(v) + "\n" for v in later))
    result = import_fhir([folder], tmp_path / "out", practice="Y01234")
    assert sorted(r["date"] for r in rows(tmp_path / "out", "appointments")) == [
        D(2020, 2, 3), D(2020, 5, 6), D(2020, 7, 8)]
    assert [(r["kind"], r["start"]) for r in rows(tmp_path / "out", "hospital")] == [
        ("outpatient", D(2020, 8, 9)), ("outpatient", D(2020, 9, 10))]
    assert result.report["ignored"] == {} and balanced(result.report)
