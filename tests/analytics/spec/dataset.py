"""Hand-made patients for the pipeline's spec tests, written as a dataset (Parquet, the schema's types).

:class:`Builder` adds patients (by age on :data:`AS_OF`), events, prescriptions and hospital activity;
:func:`codes_only_in` picks codes that are in one codelist and no other, so that a case changes only
what it means to change.  :func:`spec_dataset` builds every case of the spec tests into one dataset
(added to a small synthetic population, so that one pipeline run per engine checks both the cases
and the engines' agreement) and returns the names of the cases' patients.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pcnhub.analytics import synth
from pcnhub.analytics.schema import TABLES
from pcnhub.reference import codelists as cl

AS_OF = dt.date(2024, 4, 1)
CASE_PRACTICE = "C00001"
CASE_PCN = "U00003"
ICB = "QAA"
#: Practices made only for the disclosure control tests: their code says how many patients they have.
SIZED_PRACTICES = {"S00006": 6, "S00007": 7, "S00012": 12, "S00013": 13}
PRACTICE_MAP = {
    "S00006": ("U00001", ICB),
    "S00007": ("U00001", ICB),
    "S00012": ("U00002", ICB),
    "S00013": ("U00002", ICB),
    CASE_PRACTICE: (CASE_PCN, "QBB"),
}
FIRST_CASE_ID = 1_000_001
SYNTHETIC_PATIENTS = 2_000


def days_ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


def months_ago(months: int) -> dt.date:
    index = AS_OF.year * 12 + AS_OF.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@functools.cache
def _snomed_lists() -> tuple[cl.Codelist, ...]:
    return tuple(c for c in cl.all_codelists() if c.system == "snomedct")


def codes_only_in(key: str, count: int = 1) -> list[str]:
    """``count`` codes of codelist ``key`` that are in no other codelist."""
    others = [c for c in _snomed_lists() if c.key != key]
    found = [code for code in sorted(cl.codelist(key).codes) if not any(code in c.codes for c in others)]
    assert len(found) >= count, f"codelist {key} has {len(found)} codes of its own, {count} wanted"
    return found[:count]


def code_of(key: str) -> str:
    return codes_only_in(key)[0]


def flag_code(key: str) -> str:
    """A code of codelist ``key``: one of its own when it has one, else its first."""
    own = [code for code in sorted(cl.codelist(key).codes)
           if not any(code in c.codes for c in _snomed_lists() if c.key != key)]
    return own[0] if own else sorted(cl.codelist(key).codes)[0]


def efi_codes(count: int) -> list[str]:
    """One code each of ``count`` different eFI deficit groups (each code in its group only)."""
    groups = cl.efi_deficits()
    assert count <= len(groups)
    return [code_of(group.key) for group in groups[:count]]


@dataclass
class Builder:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in TABLES})
    names: dict[str, int] = field(default_factory=dict)
    next_id: int = FIRST_CASE_ID

    def patient(self, name: str, *, age: int, sex: str = "F", practice: str = CASE_PRACTICE,
                ethnicity: str = "white", imd: int | None = 5, townsend: float | None = 0.0, care_home: bool = False,
                registered_from: dt.date = dt.date(2010, 1, 1), registered_to: dt.date | None = None,
                months_to_birthday: int = 0, lsoa: str | None = None) -> int:
        """A patient ``age`` years old on AS_OF; with ``months_to_birthday`` m > 0, one who turns ``age``
        m months after AS_OF's month (so is a year younger on AS_OF)."""
        assert name not in self.names, name
        pid = self.next_id
        self.next_id += 1
        self.names[name] = pid
        index = (AS_OF.year - age) * 12 + AS_OF.month - 1 + months_to_birthday
        birth = dt.date(index // 12, index % 12 + 1, 1)
        self.rows["patients"].append({
            "patient_id": pid, "birth_month": birth, "sex": sex, "ethnicity": ethnicity, "practice_code": practice,
            "registered_from": registered_from, "registered_to": registered_to, "lsoa": lsoa,
            "imd_decile": imd, "townsend": townsend, "care_home": care_home,
        })
        return pid

    def event(self, pid: int, code: str, date: dt.date, value: float | None = None) -> None:
        self.rows["events"].append({"patient_id": pid, "code": code, "date": date, "value": value})

    def events(self, pid: int, codes: list[str], date: dt.date) -> None:
        for code in codes:
            self.event(pid, code, date)

    def medicine(self, pid: int, key: str, date: dt.date, repeat: bool = True) -> None:
        item = cl.medicine(key)
        self.prescription(pid, item.dmd_code, item.bnf_code, date, repeat)

    def prescription(self, pid: int, dmd: str, bnf: str, date: dt.date, repeat: bool = True) -> None:
        self.rows["medications"].append({"patient_id": pid, "code": dmd, "bnf_code": bnf, "date": date,
                                         "repeat": repeat})

    def hospital(self, pid: int, kind: str, start: dt.date, end: dt.date | None = None,
                 diagnosis: str | None = None) -> None:
        self.rows["hospital"].append({"patient_id": pid, "kind": kind, "start": start, "end": end,
                                      "diagnosis": diagnosis})

    def appointment(self, pid: int, date: dt.date) -> None:
        self.rows["appointments"].append({"patient_id": pid, "date": date, "status": "attended", "staff_type": "gp"})

    def tables(self) -> dict[str, pa.Table]:
        return {name: pa.Table.from_pylist(rows, schema=TABLES[name].schema) for name, rows in self.rows.items()}


def write(folder: Path, tables: dict[str, pa.Table]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, folder / TABLES[name].file)
    return folder


def spec_dataset(folder: Path) -> dict[str, int]:
    """The synthetic population plus every hand-made case, written to ``folder``; the cases' ids by name."""
    practices = [synth.PracticeSize(f"Y{i:05d}", 1000 + 100 * i) for i in range(8)]
    synthetic = folder / "synthetic"
    synth.generate(practices, synthetic, patients=SYNTHETIC_PATIENTS, seed=5, as_of=AS_OF)
    builder = Builder()
    add_cases(builder)
    cases = builder.tables()
    tables = {}
    for name, table in cases.items():
        made = pq.read_table(synthetic / TABLES[name].file).cast(TABLES[name].schema)
        tables[name] = pa.concat_tables([made, table])
    write(folder / "dataset", tables)
    return builder.names


# --- the cases ------------------------------------------------------------------------------------------


def add_cases(b: Builder) -> None:
    add_registration(b)
    add_frailty(b)
    add_polypharmacy(b)
    add_multimorbidity(b)
    add_qrisk3(b)
    add_segments(b)
    add_cohorts(b)
    add_disclosure(b)


def add_registration(b: Builder) -> None:
    left = b.patient("left", age=40, registered_to=days_ago(100))
    b.event(left, code_of("asthma"), days_ago(400))
    b.patient("registers_later", age=40, registered_from=AS_OF + dt.timedelta(days=1))
    b.patient("age_0", age=1, months_to_birthday=3)
    b.patient("age_90", age=90)
    b.patient("age_89", age=90, months_to_birthday=1)


def add_frailty(b: Builder) -> None:
    for count in (0, 4, 5, 8, 9, 12, 13):
        pid = b.patient(f"efi_{count}", age=70)
        b.events(pid, efi_codes(count), days_ago(500))
    # the same group recorded twice and with two codes counts once; a record after as_of does not count
    pid = b.patient("efi_repeats", age=75)
    falls = codes_only_in("efi-falls", 2)
    b.events(pid, falls + falls, days_ago(30))
    b.event(pid, code_of("efi-anaemia"), AS_OF + dt.timedelta(days=1))
    # polypharmacy: 5 drug classes (BNF chemical substances) in the last year make the 36th deficit
    pid = b.patient("efi_poly", age=80, sex="M")
    b.events(pid, efi_codes(4), days_ago(900))
    for key in ("atorvastatin-20", "amlodipine-5", "ramipril-5", "bisoprolol-2.5", "metformin-500"):
        b.medicine(pid, key, days_ago(200), repeat=False)
    b.medicine(pid, "bisoprolol-5", days_ago(100))  # the same substance as bisoprolol 2.5 mg
    # four classes in the last year (the fifth was 13 months ago): no polypharmacy deficit
    pid = b.patient("efi_poly_4", age=80, sex="M")
    b.events(pid, efi_codes(4), days_ago(900))
    for key in ("atorvastatin-20", "amlodipine-5", "ramipril-5", "bisoprolol-2.5"):
        b.medicine(pid, key, days_ago(200))
    b.medicine(pid, "metformin-500", days_ago(400))
    for name, age, months in (("efi_age_65", 65, 0), ("efi_age_64", 65, 1), ("efi_age_40", 40, 0)):
        pid = b.patient(name, age=age, months_to_birthday=months)
        b.events(pid, efi_codes(13), days_ago(100))


POLY_MEDICINES = (
    "atorvastatin-20", "amlodipine-5", "ramipril-5", "bisoprolol-2.5", "bisoprolol-5", "metformin-500",
    "gliclazide-80", "omeprazole-20", "salbutamol-inhaler", "citalopram-20", "indapamide-2.5",
)


def add_polypharmacy(b: Builder) -> None:
    pid = b.patient("poly_10", age=60)
    for key in POLY_MEDICINES[:10]:  # bisoprolol 2.5 and 5 mg are different dm+d products
        for months in (1, 2, 3):
            b.medicine(pid, key, months_ago(months))
    pid = b.patient("poly_9", age=60)
    for key in POLY_MEDICINES[:9]:
        b.medicine(pid, key, months_ago(1))
    b.medicine(pid, POLY_MEDICINES[9], days_ago(200))  # before the 6 months
    b.medicine(pid, POLY_MEDICINES[10], days_ago(20), repeat=False)  # acute
    b.medicine(pid, POLY_MEDICINES[0], AS_OF + dt.timedelta(days=3))  # after as_of


def add_multimorbidity(b: Builder) -> None:
    pid = b.patient("cms_two", age=50)
    b.event(pid, code_of("hypertension"), days_ago(1000))
    b.event(pid, code_of("asthma"), days_ago(2000))
    b.event(pid, code_of("asthma"), days_ago(20))
    pid = b.patient("cms_diabetes_dementia", age=70)
    b.event(pid, "46635009", days_ago(5000))  # type 1 diabetes (also in efi-diabetes)
    b.event(pid, "44054006", days_ago(3000))  # type 2 diabetes: still one condition
    b.event(pid, "52448006", days_ago(300))  # dementia
    b.patient("cms_none", age=50)
    pid = b.patient("cms_hearing", age=50)
    b.event(pid, "15188001", days_ago(300))  # hearing loss: an eFI group used by the CMS
    pid = b.patient("cms_anxiety_depression", age=40)
    b.event(pid, code_of("anxiety"), days_ago(900))
    b.event(pid, code_of("depression"), days_ago(400))  # anxiety or depression: one condition


@dataclass(frozen=True)
class QCase:
    """A QRISK3 case: the record written, and the inputs the port should be given (None: no score)."""

    name: str
    sex: str
    age: int
    ethnicity: str
    ratios: tuple[float, ...] = ()
    sbps: tuple[float, ...] = ()
    bmis: tuple[float, ...] = ()
    townsend: float | None = 0.0
    smoking_codes: tuple[tuple[str, float | None, int], ...] = ()  # (code, value, days ago)
    flags: tuple[str, ...] = ()  # events: codelist keys
    medicines: tuple[tuple[str, str, bool, int], ...] = ()  # (dmd, bnf, repeat, days ago)
    expect: dict | None = None  # QRiskInputs arguments (before bounding), None: no score


QRISK_CASES = (
    QCase("q_woman", "F", 60, "white", ratios=(5.0, 4.5), sbps=(130, 140), bmis=(30.0, 27.5), townsend=1.5,
          smoking_codes=(("266919005", None, 300),),
          expect={"sex": "female", "age": 60, "ethnicity": "white", "chol_hdl": 4.5, "sbp_values": (130, 140),
                  "bmi": 27.5, "townsend": 1.5, "smoking": 0}),
    QCase("q_man", "M", 70, "indian", ratios=(6.0,), sbps=(150, 160, 155, 145, 150, 200), bmis=(32.0,),
          smoking_codes=(("8517006", None, 2000), ("160604004", None, 100)),
          flags=("atrial-fibrillation", "diabetes-type-2"),
          medicines=(("318902004", "0205051R0AAACAC", True, 30),),
          expect={"sex": "male", "age": 70, "ethnicity": "indian", "chol_hdl": 6.0,
                  "sbp_values": (150, 160, 155, 145, 150), "bmi": 32.0, "townsend": 0.0, "smoking": 3,
                  "af": True, "type2_diabetes": True, "bp_treatment": True}),
    QCase("q_young_man", "M", 45, "black_african", ratios=(3.0,), sbps=(120, 124, 118), bmis=(18.0,),
          townsend=None, smoking_codes=(("77176002", None, 900), ("8517006", None, 400)),
          flags=("family-history-chd", "migraine"),
          medicines=(("320083005", "0704050Z0AAAAAA", False, 2000),),
          expect={"sex": "male", "age": 45, "ethnicity": "black_african", "chol_hdl": 3.0,
                  "sbp_values": (120, 124, 118), "bmi": 18.0, "townsend": 0.0, "smoking": 1,
                  "family_history_chd": True, "migraine": True, "erectile_dysfunction": True}),
    QCase("q_old_woman", "F", 84, "unknown", ratios=(13.0,), sbps=(220, 230), bmis=(45.0,), townsend=14.0,
          smoking_codes=(("230056004", 5.0, 50), ("77176002", None, 50)),
          flags=("ckd-3-5", "rheumatoid-arthritis", "sle", "smi", "diabetes-type-1", "diabetes-type-2"),
          medicines=(("321612002", "040201060", True, 40), ("325427002", "0603020T0AAACAC", True, 60),
                     ("325427002", "0603020T0AAACAC", True, 250)),
          expect={"sex": "female", "age": 84, "ethnicity": "white", "chol_hdl": 13.0, "sbp_values": (220, 230),
                  "bmi": 45.0, "townsend": 14.0, "smoking": 2, "ckd_345": True, "rheumatoid_arthritis": True,
                  "sle": True, "severe_mental_illness": True, "type1_diabetes": True, "atypical_antipsychotics": True,
                  "corticosteroids": True}),
    QCase("q_never_after_smoking", "F", 50, "chinese", ratios=(4.0,), sbps=(110, 112), bmis=(22.0,),
          smoking_codes=(("160603005", None, 3000), ("266919005", None, 10)),
          medicines=(("325427002", "0603020T0AAACAC", False, 30),),  # acute steroids: not "regular"
          expect={"sex": "female", "age": 50, "ethnicity": "chinese", "chol_hdl": 4.0, "sbp_values": (110, 112),
                  "bmi": 22.0, "townsend": 0.0, "smoking": 1}),
    QCase("q_heavy_by_count", "M", 55, "pakistani", ratios=(5.5,), sbps=(140, 150), bmis=(29.0,),
          smoking_codes=(("160603005", None, 800), ("230056004", 25.0, 100)),
          expect={"sex": "male", "age": 55, "ethnicity": "pakistani", "chol_hdl": 5.5, "sbp_values": (140, 150),
                  "bmi": 29.0, "townsend": 0.0, "smoking": 4}),
    QCase("q_one_sbp", "F", 60, "white", ratios=(4.0,), sbps=(130,), bmis=(25.0,)),
    QCase("q_old_sbps", "F", 60, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,)),  # over 5 years ago
    QCase("q_no_bmi", "F", 60, "white", ratios=(4.0,), sbps=(130, 135)),
    QCase("q_no_ratio", "F", 60, "white", sbps=(130, 135), bmis=(25.0,)),
    QCase("q_cvd", "M", 60, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,), flags=("chd",)),
    QCase("q_age_24", "M", 24, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,)),
    QCase("q_age_85", "M", 85, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,)),
    QCase("q_age_84", "M", 85, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,),
          expect={"sex": "male", "age": 84, "ethnicity": "white", "chol_hdl": 4.0, "sbp_values": (130, 135),
                  "bmi": 25.0, "townsend": 0.0, "smoking": 0}),
    # on a statin (one issued, even acute, in the 12 months before): QRISK3 is for people not on one
    QCase("q_statin", "F", 60, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,),
          medicines=(("320030001", "0212000B0AAABAB", False, 100),)),
    # a statin last issued over 12 months ago: scored
    QCase("q_statin_stopped", "F", 60, "white", ratios=(4.0,), sbps=(130, 135), bmis=(25.0,),
          medicines=(("320000009", "0212000Y0AAADAD", True, 400),),
          expect={"sex": "female", "age": 60, "ethnicity": "white", "chol_hdl": 4.0, "sbp_values": (130, 135),
                  "bmi": 25.0, "townsend": 0.0, "smoking": 0}),
)


def add_qrisk3(b: Builder) -> None:
    for case in QRISK_CASES:
        months = 1 if case.name == "q_age_84" else 0
        pid = b.patient(case.name, age=case.age, sex=case.sex, ethnicity=case.ethnicity, townsend=case.townsend,
                        months_to_birthday=months)
        for i, ratio in enumerate(case.ratios):  # oldest first: the last is the latest
            b.event(pid, "313989009", days_ago(1000 - 300 * i), ratio)
        old = case.name == "q_old_sbps"
        for i, sbp in enumerate(case.sbps):  # the first listed is the latest
            b.event(pid, "72313002" if i % 2 else "163030003", days_ago((2000 if old else 20) + 40 * i), sbp)
        for i, bmi in enumerate(case.bmis):
            b.event(pid, "60621009", days_ago(1500 - 400 * i), bmi)
        for code, value, ago in case.smoking_codes:
            b.event(pid, code, days_ago(ago), value)
        for key in case.flags:
            b.event(pid, flag_code(key), days_ago(700))
        for dmd, bnf, repeat, ago in case.medicines:
            b.prescription(pid, dmd, bnf, days_ago(ago), repeat)


def add_segments(b: Builder) -> None:
    palliative, dementia, copd = code_of("palliative-care"), "52448006", "13645005"
    pid = b.patient("seg_end_of_life", age=80)
    b.events(pid, [dementia, copd], days_ago(800))
    b.event(pid, palliative, days_ago(60))
    pid = b.patient("seg_palliative_long_ago", age=40)
    b.event(pid, palliative, days_ago(500))
    pid = b.patient("seg_dementia", age=80)
    b.events(pid, [dementia, copd], days_ago(800))
    pid = b.patient("seg_coded_severe_frailty", age=60)
    b.event(pid, "925861000000102", days_ago(30))
    b.event(pid, "84114007", days_ago(30))  # heart failure too
    pid = b.patient("seg_organ_failure", age=60)
    b.event(pid, "84114007", days_ago(300))
    b.event(pid, code_of("asthma"), days_ago(300))
    pid = b.patient("seg_learning_disability", age=30)
    b.event(pid, code_of("learning-disability"), days_ago(3000))
    b.event(pid, code_of("pregnancy"), days_ago(50))
    pid = b.patient("seg_care_home", age=88, care_home=True)
    b.event(pid, code_of("hypertension"), days_ago(3000))
    pid = b.patient("seg_housebound", age=50)
    b.event(pid, code_of("efi-housebound"), days_ago(300))
    pid = b.patient("seg_pregnant", age=30)
    b.event(pid, code_of("pregnancy"), days_ago(100))
    b.event(pid, code_of("asthma"), days_ago(3000))
    pid = b.patient("seg_pregnant_last_year", age=30)
    b.event(pid, code_of("pregnancy"), days_ago(300))
    b.patient("seg_infant", age=0)
    pid = b.patient("seg_chronic", age=50)
    b.event(pid, code_of("hypertension"), days_ago(3000))
    b.hospital(pid, "ae", days_ago(20), days_ago(20))
    pid = b.patient("seg_depression", age=30)
    b.event(pid, code_of("depression"), days_ago(3000))
    pid = b.patient("seg_ae", age=30)
    b.hospital(pid, "ae", days_ago(30), days_ago(30))
    pid = b.patient("seg_admission", age=30)
    b.hospital(pid, "emergency_admission", days_ago(10))
    pid = b.patient("seg_outpatient", age=30)
    b.hospital(pid, "outpatient", days_ago(10))
    pid = b.patient("seg_ae_long_ago", age=30)
    b.hospital(pid, "ae", days_ago(100), days_ago(100))
    b.patient("seg_healthy", age=30)


def add_cohorts(b: Builder) -> None:
    b.patient("smr_care_home", age=85, care_home=True)
    pid = b.patient("smr_nsaid", age=50)
    b.medicine(pid, "naproxen-500", days_ago(60))
    pid = b.patient("smr_nsaid_acute", age=50)
    b.medicine(pid, "naproxen-500", days_ago(60), repeat=False)
    pid = b.patient("smr_anticoagulant_antiplatelet", age=50)
    b.medicine(pid, "apixaban-5", days_ago(60))
    b.medicine(pid, "aspirin-75", days_ago(30))
    pid = b.patient("smr_anticoagulant_only", age=50)
    b.medicine(pid, "apixaban-5", days_ago(60))
    pid = b.patient("smr_autism", age=20)
    b.event(pid, code_of("autism"), days_ago(5000))
    # anticipatory care: moderate/severe frailty and 2+ conditions of the CMS
    extra = [code_of("anxiety"), code_of("irritable-bowel")]
    for name, deficits, conditions in (("ac_moderate_multimorbid", 9, 2), ("ac_moderate_one_condition", 9, 1),
                                       ("ac_mild_multimorbid", 8, 2), ("ac_severe_multimorbid", 13, 2)):
        pid = b.patient(name, age=78)
        b.events(pid, efi_codes(deficits), days_ago(400))
        b.events(pid, extra[:conditions], days_ago(400))
    # CVD prevention: statin cohort by QRISK3 (q_man has no statin); the same man with a statin issued
    pid = b.patient("cvd_statin_on_statin", age=70, sex="M", ethnicity="indian")
    for day, value in ((20, 150), (60, 160)):
        b.event(pid, "72313002", days_ago(day), value)
    b.event(pid, "313989009", days_ago(100), 6.0)
    b.event(pid, "60621009", days_ago(100), 32.0)
    b.medicine(pid, "atorvastatin-20", days_ago(300), repeat=False)
    # raised blood pressure without a hypertension diagnosis
    hypertension, resolved = code_of("hypertension"), "162659009"
    for name, age, readings, diagnosed, resolved_ago in (
        ("bp_raised", 50, ((10, 150), (400, 120)), None, None),
        ("bp_raised_diagnosed", 50, ((10, 150),), 1000, None),
        ("bp_raised_resolved", 50, ((10, 150),), 1000, 500),
        ("bp_raised_resolved_rediagnosed", 50, ((10, 150),), 300, 500),
        ("bp_normal_now", 50, ((10, 130), (400, 160)), None, None),
        ("bp_raised_same_day", 50, ((10, 130), (10, 145)), None, None),
        ("bp_raised_child", 17, ((10, 150),), None, None),
        ("bp_raised_long_ago", 50, ((2000, 150),), None, None),
    ):
        pid = b.patient(name, age=age)
        for ago, value in readings:
            b.event(pid, "72313002", days_ago(ago), value)
        if diagnosed is not None:
            b.event(pid, hypertension, days_ago(diagnosed))
        if resolved_ago is not None:
            b.event(pid, resolved, days_ago(resolved_ago))
    # cancer screening
    cervical, breast, bowel = "171149006", "268547008", "275820003"
    for name, age, sex, screens in (
        ("screen_cervical_done", 30, "F", ((cervical, 700),)),
        ("screen_cervical_due", 30, "F", ((cervical, 1400),)),
        ("screen_55_done", 55, "F", ((cervical, 1800), (breast, 400))),
        ("screen_55_breast_due", 55, "F", ((cervical, 1800), (breast, 1200))),
        ("screen_55_cervical_due", 55, "F", ((cervical, 2100), (breast, 400))),
        ("screen_bowel_done", 65, "M", ((bowel, 300),)),
        ("screen_bowel_due", 65, "M", ()),
        ("screen_too_old", 80, "M", ()),
        ("screen_too_young", 20, "F", ()),
        ("screen_man_30", 30, "M", ()),
    ):
        pid = b.patient(name, age=age, sex=sex)
        for code, ago in screens:
            b.event(pid, code, days_ago(ago))


def add_disclosure(b: Builder) -> None:
    """The sized practices: S00013 has 7 women and 6 men of whom 6 (all men) live in care homes."""
    for practice, size in SIZED_PRACTICES.items():
        for i in range(size):
            man = practice == "S00013" and i >= 7
            b.patient(f"{practice}_{i}", age=30 + i, sex="M" if man else "F", practice=practice,
                      care_home=man, ethnicity="white", imd=3)
