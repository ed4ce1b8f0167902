"""The packaged codelists: all load, 35 eFI deficit groups, every list has a source and a status."""

from __future__ import annotations

import csv
import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest

from pcnhub.reference import codelists as cl
from pcnhub.reference.codelists import CodelistError, parse_codes, parse_entry

FACTS_CMS_WEIGHTS = {
    "alcohol problems": 0.65, "anxiety or depression": 0.50, "atrial fibrillation": 1.34, "cancer": 1.53,
    "chronic kidney disease": 0.53, "connective tissue disorders": 0.43, "COPD": 1.46, "coronary heart disease": 0.49,
    "dementia": 2.50, "diabetes": 0.75, "epilepsy": 0.92, "hearing loss": 0.09, "heart failure": 1.18,
    "irritable bowel syndrome": 0.21, "psychosis": 0.64, "stroke and TIA": 0.80, "asthma": 0.19,
    "hypertension": 0.08, "constipation": 1.12, "painful condition": 0.92,
}


def _rows(key: str) -> list[dict[str, str]]:
    text = resources.files("pcnhub.reference").joinpath("codelists", f"{key}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_codelist_loads_with_a_source_a_status_and_a_version():
    lists = cl.all_codelists()
    assert len(lists) == len(cl.keys()) >= 90
    for c in lists:
        assert c.source.strip(), c.key
        assert c.status in cl.STATUSES, c.key
        assert isinstance(c.version, dt.date), c.key
        assert c.system in cl.SYSTEMS, c.key
        assert len(c) > 0, c.key
        assert all(c.terms[code].strip() for code in c.codes), c.key
        if c.status == "uncertain" or not c.complete:
            assert c.note.strip(), f"{c.key}: say why it is uncertain or partial"


def test_no_codelist_lists_a_code_twice():
    for key in cl.keys():
        codes = [row["code"] for row in _rows(key)]
        assert len(codes) == len(set(codes)), key
        assert len(codes) == len(cl.codelist(key).codes), key


def test_the_efi_has_35_coded_deficit_groups_of_snomed_codes():
    deficits = cl.efi_deficits()
    assert len(deficits) == 35
    assert len({c.group for c in deficits}) == 35
    assert all(c.system == "snomedct" and c.key.startswith("efi-") for c in deficits)
    groups = {c.group for c in deficits}
    assert {"Falls", "Hypertension", "Memory and cognitive problems", "Requirement for care", "Skin ulcer"} <= groups
    assert "Polypharmacy" not in groups  # the 36th deficit comes from prescriptions


def test_the_efi_lists_come_from_the_gm_sde_code_sets():
    for c in cl.efi_deficits():
        assert "UoM-Data-Science-Platforms/gm-sde" in c.source
        assert c.status == "verified"


def test_the_qrisk3_inputs_have_codelists():
    for key in ("cholesterol-hdl-ratio", "systolic-bp", "bmi", "smoking-current", "smoking-ex", "smoking-never",
                "atrial-fibrillation", "ckd-3-5", "diabetes-type-1", "diabetes-type-2", "rheumatoid-arthritis", "sle",
                "migraine", "smi", "erectile-dysfunction", "atypical-antipsychotics", "oral-corticosteroids",
                "antihypertensives", "family-history-chd"):
        assert cl.codelist(key), key
    assert cl.codelist("cholesterol-hdl-ratio").codes == {"313989009"}
    assert "160605003" in cl.codelist("smoking-current").codes  # heavy smoker, with amount


def test_bnf_lists_match_by_prefix():
    nsaids = cl.codelist("nsaids")
    assert nsaids.match == "prefix"
    assert nsaids.matches("1001010J0AAAEAE") and not nsaids.matches("0209000A0AAABAB")
    assert cl.codelist("antihypertensives").matches("0206020A0AAAAAA")  # amlodipine, BNF 2.6.2
    assert cl.codelist("hypertension").match == "exact"


def test_statins_are_the_statin_substances_of_section_2_12_and_every_statin_of_the_medicines():
    statins = cl.codelist("statins")
    assert statins.system == "bnf" and statins.match == "prefix"
    lipid = cl.codelist("lipid-regulating")
    assert all(lipid.matches(code) for code in statins.codes)
    # bezafibrate (0212000C0) and ezetimibe alone (0212000AE) regulate lipids but are not statins
    assert not statins.matches("0212000C0AAAAAA") and not statins.matches("0212000AEAAAAAA")
    named = {m.key for m in cl.medicines() if statins.matches(m.bnf_code)}
    assert named == {m.key for m in cl.medicines() if m.key.split("-")[0].endswith("statin")}
    assert "atorvastatin-20" in named


def test_every_medicine_has_a_bnf_codelist_and_a_unique_dmd_code():
    medicines = cl.medicines()
    assert len(medicines) >= 40
    bnf_lists = [c for c in cl.all_codelists() if c.system == "bnf"]
    for medicine in medicines:
        assert any(c.matches(medicine.bnf_code) for c in bnf_lists), medicine.key
        assert medicine.source and medicine.status in cl.STATUSES
    assert len({m.dmd_code for m in medicines}) == len(medicines)
    assert cl.medicine("apixaban-5").bnf_code.startswith("0208")


def test_cms_weights_are_those_of_the_facts_sheet():
    conditions = cl.cms_conditions()
    assert {c.condition: c.weight for c in conditions} == FACTS_CMS_WEIGHTS
    assert all(c.codelists for c in conditions)


def test_codes_look_like_codes_of_their_system():
    patterns = {"bnf": r"[0-9]{2}[0-9A-Z]{0,13}", "icd10": r"[A-Z][0-9]{2}[0-9A-Z]{0,2}"}
    for c in cl.all_codelists():
        pattern = patterns.get(c.system, r"[1-9][0-9]{5,17}")
        assert all(re.fullmatch(pattern, code) for code in c.codes), c.key


def test_an_unknown_key_is_a_clear_error():
    with pytest.raises(CodelistError, match="no codelist 'nope'; known: "):
        cl.codelist("nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "x.csv: the file is empty"),
        ("id,name\n123456,a\n", "x.csv row 1: the columns must be code, term"),
        ("code,term\n12x456,a\n", "x.csv row 2, field code: '12x456' is not a snomedct code"),
        ("code,term\n123456,\n", "x.csv row 2, field term: the term is blank"),
        ("code,term\n123456,a\n123456,b\n", "x.csv row 3, field code: 123456 is listed twice"),
        ("code,term\n", "x.csv: the codelist has no codes"),
    ],
)
def test_a_bad_codelist_file_names_the_row_and_field(text, message):
    with pytest.raises(CodelistError) as caught:
        parse_codes(text, "x.csv", "snomedct")
    assert str(caught.value).startswith(message)


def test_a_bad_index_entry_is_named():
    good = {"key": "a-b", "name": "A", "system": "snomedct", "status": "verified", "version": dt.date(2026, 1, 1),
            "source": "s"}
    assert parse_entry(good, "where")["match"] == "exact"
    with pytest.raises(CodelistError, match="where: missing source"):
        parse_entry({**good, "source": ""}, "where")
    with pytest.raises(CodelistError, match="where, field status: 'sure' is not one of"):
        parse_entry({**good, "status": "sure"}, "where")
    with pytest.raises(CodelistError, match="where, field version"):
        parse_entry({**good, "version": "2026"}, "where")
    with pytest.raises(CodelistError, match="unknown fields colour"):
        parse_entry({**good, "colour": "red"}, "where")


def test_cms_is_the_published_20_condition_general_score():
    conditions = {c.condition: c for c in cl.cms_conditions()}
    assert len(conditions) == 20
    # Payne et al. 2020 general-outcome weights (population-health-facts.md); they sum to 16.33.
    assert sum(round(c.weight * 100) for c in conditions.values()) == 1633
    assert conditions["dementia"].weight == 2.5 and conditions["hypertension"].weight == 0.08
    # As in the authors' code, anxiety or depression is one condition.
    assert {cl_.key for cl_ in conditions["anxiety or depression"].codelists} == {"anxiety", "depression"}
    readme = (Path(cl.__file__).parent / "codelists" / "README.md").read_text()
    assert "the published 20-condition score" in readme
    assert "CSDEC_COD" in readme and "stay in `cohort_cancer_screening`" in readme


#: NHS Digital, CCG OIS 2.6 (NHS Outcomes Framework 2.3.i) specification v1.15, appendix 2: the chronic ambulatory
#: care sensitive conditions, without the dot (J20, acute bronchitis, is left out: see the acsc-copd note).
ACS_APPENDIX_2 = {
    "B180", "B181", "E10", "E11", "E12", "E13", "E14", "D501", "D508", "D509", "D51", "D52", "F00", "F01", "F02", "F03",
    "G40", "G41", "I10", "I110", "I119", "I130", "I20", "I25", "I50", "I48", "J81", "J41", "J42", "J43", "J44", "J45",
    "J46", "J47",
}


def test_the_chronic_ambulatory_care_sensitive_conditions_are_the_specifications():
    lists = [c for c in cl.all_codelists() if c.system == "icd10"]
    assert len(lists) == 11 and all(c.key.startswith("acsc-") and c.match == "prefix" for c in lists)
    assert set().union(*(c.codes for c in lists)) == ACS_APPENDIX_2
    assert all("CCG Outcomes Indicator Set 2.6" in c.source and "2.3.i" in c.source for c in lists)
    assert all(c.note for c in lists if c.status != "verified")


def test_icd10_lists_match_by_prefix_without_the_dot():
    assert cl.codelist("acsc-copd").matches("J441") and cl.codelist("acsc-copd").matches("J44")
    assert not cl.codelist("acsc-copd").matches("J209")  # acute bronchitis: left out
    assert cl.codelist("acsc-hypertension").matches("I10X")  # HES's filler X
    assert cl.codelist("acsc-hypertension").matches("I119") and not cl.codelist("acsc-hypertension").matches("I11")
    assert not cl.codelist("acsc-asthma").matches("J44.1")
    with pytest.raises(CodelistError, match=r"row 2, field code: 'J44.1' is not a icd10 code"):
        cl.parse_codes("code,term\nJ44.1,COPD\n", "x.csv", "icd10")
