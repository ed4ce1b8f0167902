"""Import FHIR R4 resources into a population health dataset (see ``analytics/SCHEMA.md``).

Input: files or folders (``*.json`` and ``*.ndjson`` inside, sorted by name), each perhaps gzip-compressed
(``.json.gz``, ``.ndjson.gz``).  A ``.json`` file holds a Bundle of type transaction, batch, collection or
searchset (Synthea writes transaction Bundles with ``urn:uuid:`` fullUrls), or one resource; an ``.ndjson``
file holds one resource a line (a FHIR Bulk Data export is a folder of ``<Type>.ndjson`` files).  Entries are
numbered from 0 in a Bundle (``entry 12`` is ``Bundle.entry[12]``) and from 1 (the line number) in NDJSON.
Every problem names the file, the entry (and resource id) and the field path, e.g. ``bundle.json entry 12
(Observation/abc), field valueQuantity.value: 'x' is not a number``.

Lenient (the default) or strict: by default every resource read is imported, ignored by rule or rejected,
and :attr:`ImportResult.report` counts them (``total == imported + ignored + rejected``; rejected by
reason, with examples; codes no map takes per code system and code; notes on what was done); an NDJSON
line that is not a JSON object is rejected too, but a file that is not JSON at all fails the import.  With
``strict=True`` (``--strict``) a rejected resource fails the import: the problems of one file are reported
together (the first file with problems is reported) and nothing is written.

The mapping rules are the tables just below.  Other rules:

* ``patient_id`` is a stable pseudonymous int64 made from the Patient id (:func:`patient_key`: the
  first 63 bits of its SHA-256), so the same Patient gets the same id in every import.
* ``registered_from`` is the ``valuePeriod.start`` of a Patient extension whose url contains
  ``registration`` (directly or nested), and ``registered_to`` its ``end``; without one the
  registration is taken to start at the birth date (the first of the birth month if only the month is
  known) and to be current.
* ``lsoa``, ``imd_decile`` and ``townsend`` are null; ``care_home`` is false (care home residence
  codes are not looked for).
* Codes (:mod:`~pcnhub.analytics.importers.fhir_codes`): events need SNOMED CT, taken from a SNOMED CT
  coding or mapped from LOINC by ``reference/codelists/loinc-snomed.csv`` (an Observation coded LOINC
  72166-2, tobacco smoking status, takes the SNOMED CT code of its answer); medications need dm+d, taken
  from a dm+d coding or mapped from RxNorm by ``rxnorm-dmd.csv``, and the BNF code of ``medicines.csv``.
  ``medicationReference`` may point to a Medication of the input (by ``Medication/<id>`` or fullUrl).
* ``Patient.deceasedDateTime`` ends the registration (``registered_to`` is the date of death, or the
  registration's own end if earlier); ``deceasedBoolean`` true without a date ends it on the last date the
  input knows for the patient (latest event, prescription, hospital activity or appointment, or the
  registration start).  The pipeline's registered population leaves them out from that day.
* Conditions: the diagnosis event is dated by onset (or recorded date).  One that is ``resolved``,
  ``inactive`` or in ``remission`` (or has an abatement and no clinicalStatus) also gets, where pcnhub has a
  resolved code for the condition (:data:`~pcnhub.analytics.importers.fhir_codes.RESOLVED_CODELISTS`:
  hypertension), that code as an event at ``abatementDateTime`` (or ``abatementPeriod.start``); otherwise
  nothing more is written and the report's notes count it.  ``refuted`` or ``entered-in-error``
  verification statuses are ignored.
* Procedures (not ``not-done``) are events dated by ``performedDateTime`` or ``performedPeriod.start``.
* Encounters of class AMB or VR are GP activity (appointments: attended, staff type ``gp``) or hospital outpatient
  activity (``hospital``, kind ``outpatient``), by this rule: GP activity when typed as a GP visit (a check-up,
  general examination or well child visit: :data:`GP_ENCOUNTER_CODES`, :data:`GP_ENCOUNTER_PHRASES`), or when its
  ``serviceProvider`` is a GP practice: an organisation that serves a practice visit (a general examination, well
  child or wellness visit: :data:`PRACTICE_VISIT_CODES`, :data:`PRACTICE_VISIT_PHRASES`) anywhere in the input;
  otherwise outpatient (AMB typed as A&E is an A&E attendance).  The evidence, from Synthea (abridgeai/synthea
  @2b0a55bab0ab9ae22204320c80f5880ceb8925aa, upstream master merged): ``HealthRecord.EncounterType`` gives the
  class (WELLNESS, AMBULATORY, OUTPATIENT and URGENTCARE are AMB, VIRTUAL is VR); ``Provider.loadProviders``
  lets hospitals serve AMBULATORY, OUTPATIENT and INPATIENT (and EMERGENCY), primary-care and IHS primary-care
  facilities only WELLNESS (VA facilities all of these), and an encounter goes to the nearest provider serving its
  type (``person.getProvider(type, time)``); ``EncounterModule`` makes scheduled wellness visits WELLNESS, typed
  410620009 Well child visit (under 18) or 162673000 General examination of patient, and symptom-driven visits
  OUTPATIENT, typed 185349003 Encounter for check up, both with a general practice clinician; ``FhirR4`` writes
  the class from the type, Encounter.type as the first code (185349003 when there is none), serviceProvider as
  the provider's Organization (whose type is always "prov") and no serviceType.  So a disease module's
  ambulatory "Encounter for symptom" (185345009) or "Encounter for problem" (185347001) is at a hospital, which
  is outpatient activity, unless its organisation is one where wellness visits happen.  A check-up (185349003)
  is GP activity by its type but does not make its organisation a practice (Synthea serves it at a hospital).
  (A VA facility serves both, so there an ambulatory visit counts as GP activity once a wellness visit is seen.)
  Organisations are compared by the last part of the reference: ``Organization/<id>``, ``urn:uuid:<id>`` or
  ``Organization?identifier=<system>|<value>`` (Synthea's transaction Bundles), or ``serviceProvider.identifier``.
* Dates are the date part of the FHIR date/dateTime as written (no time zone shift); an event,
  prescription or encounter needs a full date (YYYY-MM-DD).
* Resources with status ``entered-in-error`` (and Encounters ``cancelled``), resources of other types
  and Encounters of other classes are skipped and counted in :attr:`ImportResult.ignored`.
* References are ``Patient/<id>`` (also at the end of an absolute URL) or the ``fullUrl`` of a
  Patient entry (``urn:uuid:...``); they may point to a Patient in any input file.
* Not supported (an error names the field): ``medicationReference`` to a Medication not in the input,
  Patient ``gender`` other than male/female.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pcnhub.analytics.importers import ImportResult, Rows, check_out, write_dataset
from pcnhub.analytics.importers.fhir_codes import (
    LOINC,
    RXNORM,
    VALUE_CODED_LOINC,
    Report,
    loinc_snomed,
    resolved_codes,
    rxnorm_dmd,
    system_name,
)
from pcnhub.domain.errors import InputError, Problem, Problems
from pcnhub.ingest.tabular import PRACTICE_CODE

# --- mapping rules ------------------------------------------------------------------------------------

SNOMED: Final = "http://snomed.info/sct"
#: Coding systems of dm+d product codes (dm+d ids are SNOMED CT ids).
DMD_SYSTEMS: Final = ("https://dmd.nhs.uk", "http://dmd.nhs.uk", SNOMED)
#: A coding whose system contains this (case-insensitive) gives the BNF code.
BNF_SYSTEM_MARK: Final = "bnf"
ODS_SYSTEM: Final = "https://fhir.nhs.uk/Id/ods-organization-code"
ETHNICITY_EXTENSION: Final = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
#: US Core's race and ethnicity extensions (as Synthea writes them): OMB categories, which no map takes to a UK
#: ethnic category (a US "Asian" or "Black or African American" is none of QRISK3's groups in particular).
US_CORE_ETHNICITY_EXTENSIONS: Final = ("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
                                       "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity")
REPEAT_EXTENSION_MARK: Final = "repeatinformation"  # e.g. Extension-UKCore-MedicationRepeatInformation
REGISTRATION_EXTENSION_MARK: Final = "registration"
BUNDLE_TYPES: Final = ("collection", "transaction", "batch", "searchset")

#: Patient.gender -> patients.sex (other and unknown are errors: the schema has only F and M).
SEXES: Final = {"female": "F", "male": "M"}

#: NHS ethnic category (data dictionary, 2001 census letters) -> the schema's QRISK3 group.
ETHNIC_CATEGORIES: Final = {
    "A": "white",  # White British
    "B": "white",  # White Irish
    "C": "white",  # Any other White background
    "D": "other",  # Mixed: White and Black Caribbean
    "E": "other",  # Mixed: White and Black African
    "F": "other",  # Mixed: White and Asian
    "G": "other",  # Any other mixed background
    "H": "indian",
    "J": "pakistani",
    "K": "bangladeshi",
    "L": "other_asian",  # Any other Asian background
    "M": "black_caribbean",
    "N": "black_african",
    "P": "other",  # Any other Black background (QRISK3 puts it in "other")
    "R": "chinese",
    "S": "other",  # Any other ethnic group
    "Z": "unknown",  # Not stated
    "99": "unknown",  # Not known
}

#: Observation component codes emitted as their own events (blood pressure: systolic, diastolic).
COMPONENT_CODES: Final = ("271649006", "271650006")

#: Date fields tried in order, per resource type.
DATE_FIELDS: Final = {
    "Condition": ("onsetDateTime", "recordedDate"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod.start", "dateAsserted"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
}
#: Condition.clinicalStatus codes of a condition that is not current, and where its end date is.
NOT_CURRENT_STATUSES: Final = ("resolved", "inactive", "remission")
ABATEMENT_FIELDS: Final = ("abatementDateTime", "abatementPeriod.start")
#: Condition.verificationStatus codes of a diagnosis that was not made.
SKIPPED_VERIFICATIONS: Final = ("refuted", "entered-in-error")

#: MedicationRequest.courseOfTherapyType codes meaning a repeat prescription.
REPEAT_COURSES: Final = ("continuous",)

#: Encounter.class code -> hospital.kind.  "emergency" kinds need an emergency priority (IMP, ACUTE)
#: or count as A&E when the type or serviceType names A&E (EMER, AMB); None: ignored.
ENCOUNTER_CLASSES: Final = {
    "EMER": "emergency_admission",  # ae when typed as A&E
    "IMP": "emergency_admission if emergency",  # elective inpatient stays are ignored
    "ACUTE": "emergency_admission if emergency",
    "AMB": "outpatient",  # ae when typed as A&E; GP activity by the rule of the module docs
    "VR": "outpatient",  # GP activity by the same rule
}
#: Encounter classes that are GP activity or hospital outpatient activity (the rule of the module docs).
GP_OR_OUTPATIENT_CLASSES: Final = ("AMB", "VR")
#: Encounter.priority codes (v3 ActPriority) that make an inpatient stay an emergency admission.
EMERGENCY_PRIORITIES: Final = ("EM", "A", "CR", "S")
#: A type/serviceType coding with one of these SNOMED codes, or text or display containing one of the
#: phrases, makes an EMER or AMB encounter an A&E attendance.
AE_CODES: Final = ("4525004", "225728007", "50849002")
AE_PHRASES: Final = ("a&e", "a & e", "accident and emergency", "emergency department")

#: An AMB encounter typed with one of these SNOMED CT codes, or whose type text or display contains one of
#: the phrases, is a GP practice appointment (appointments table), not hospital outpatient activity:
#: 185349003 Encounter for check up, 162673000 General examination of patient, 410620009 Well child visit
#: (the types of Synthea's wellness encounters).
GP_ENCOUNTER_CODES: Final = ("185349003", "162673000", "410620009")
GP_ENCOUNTER_PHRASES: Final = ("general examination", "check up", "check-up", "well child", "wellness",
                               "general practi")
#: An encounter typed as one of these (Synthea's WELLNESS encounters: EncounterModule.getWellnessVisitCode), or
#: whose type text or display holds one of the phrases, is a practice visit: its serviceProvider is a GP practice.
#: 185349003 Encounter for check up is not one: Synthea's symptom-driven check-ups are served by hospitals.
PRACTICE_VISIT_CODES: Final = ("162673000", "410620009")
PRACTICE_VISIT_PHRASES: Final = ("general examination", "well child", "wellness", "general practi")

SKIPPED_STATUSES: Final = ("entered-in-error",)
SKIPPED_ENCOUNTER_STATUSES: Final = ("entered-in-error", "cancelled")

_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?")
_CODE: Final = re.compile(r"[1-9][0-9]{5,17}")
_BNF: Final = re.compile(r"[0-9]{2}[0-9A-Z]{0,13}")
_CLINICAL: Final = ("Condition", "Observation", "MedicationRequest", "MedicationStatement", "Encounter", "Procedure")


def patient_key(resource_id: str) -> int:
    """The pseudonymous patient_id of a Patient id: the first 63 bits of its SHA-256 (stable)."""
    return int.from_bytes(hashlib.sha256(resource_id.encode("utf-8")).digest()[:8], "big") >> 1


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryProblem(Problem):
    """A problem in one entry of a FHIR file: ``row`` is the entry index, ``entry`` its label."""

    entry: str = ""

    def describe(self, file: str) -> str:
        location = f"{file} {self.entry}" if self.entry else file
        if self.field is not None:
            location += f", field {self.field}"
        return f"{location}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "entry": self.entry}


class FileProblems(Problems):
    def entry(self, entry: Entry, field: str | None, message: str) -> None:
        self.add(entry.index, field, message)
        self.found[-1] = EntryProblem(entry.index, field, message, entry=entry.label)


@dataclass(frozen=True)
class Entry:
    """One resource of an input file."""

    file: str
    index: int
    resource: dict[str, Any]
    full_url: str | None
    line: bool = False

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def label(self) -> str:
        where = f"line {self.index}" if self.line else f"entry {self.index}"
        rid = self.resource.get("id")
        return f"{where} ({self.type or '?'}/{rid})" if rid else f"{where} ({self.type or '?'})"


#: The files a folder is read for: JSON and NDJSON, and either gzip-compressed (as Bulk Data servers may send them).
SUFFIXES: Final = (".json", ".ndjson", ".json.gz", ".ndjson.gz")


def _is_ndjson(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith(".ndjson")


def input_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files to read: each file given, and the ``*.json``/``*.ndjson`` files (gzipped or not) of each folder
    given."""
    files: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES))
            if not found:
                raise InputError.single(item.name, "the folder has no .json or .ndjson files (gzipped or not)")
            files += found
        elif item.exists():
            files.append(item)
        else:
            raise InputError.single(item.name, "the file does not exist")
    if not files:
        raise ValueError("no FHIR input files given")
    return files


def read_entries(path: Path, problems: FileProblems, report: Report | None = None) -> list[Entry]:
    """The resources of one file (a Bundle, one resource, or NDJSON).

    With a ``report`` (a lenient import), an NDJSON line that is not a JSON object and a Bundle entry
    without a resource are counted in it as rejected instead of being problems; a file that cannot be
    read as a whole (not JSON, not a resource or Bundle, a Bundle of another type) is a problem either way.
    """

    def bad(number: int, message: str, reason: str, label: str) -> None:
        if report is None:
            problems.add(number, None, message)
        else:
            report.total += 1
            report.reject(reason, f"{path.name} {label}: {message}")

    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                text = handle.read().decode("utf-8-sig")
        else:
            text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problems.fail(None, None, f"the file is not UTF-8 text ({err.reason} at byte {err.start})")
    except gzip.BadGzipFile:
        problems.fail(None, None, "the file's name ends in .gz but it is not gzip-compressed")
    except (EOFError, zlib.error):
        problems.fail(None, None, "the gzip-compressed file is cut short or damaged")
    except OSError as err:
        problems.fail(None, None, f"the file cannot be read ({err.strerror or err})")
    if _is_ndjson(path):
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                resource = json.loads(line)
            except json.JSONDecodeError as err:
                bad(number, f"line {number} is not JSON ({err.msg} at column {err.colno})", "not JSON",
                    f"line {number}")
                continue
            except RecursionError:
                bad(number, f"line {number} nests too deeply to be a FHIR resource", "not JSON", f"line {number}")
                continue
            if not isinstance(resource, dict):
                bad(number, f"line {number} is not a FHIR resource (a JSON object)", "not a resource",
                    f"line {number}")
                continue
            entries.append(Entry(path.name, number, resource, None, line=True))
        problems.raise_if_any()
        return entries
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        problems.fail(err.lineno, None, f"the file is not JSON ({err.msg} at line {err.lineno} column {err.colno})")
    except RecursionError:
        problems.fail(None, None, "the file nests too deeply to be a FHIR resource or Bundle")
    if not isinstance(document, dict) or "resourceType" not in document:
        problems.fail(None, "resourceType", "the file is not a FHIR resource or Bundle (no resourceType)")
    if document["resourceType"] != "Bundle":
        return [Entry(path.name, 0, document, None)]
    kind = document.get("type")
    if kind not in BUNDLE_TYPES:
        problems.fail(None, "type", f"Bundle type {kind!r} is not one of {', '.join(BUNDLE_TYPES)}")
    raw = document.get("entry", [])
    if not isinstance(raw, list):
        problems.fail(None, "entry", "Bundle.entry is not a list")
    entries = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            if report is None:
                problems.entry(Entry(path.name, index, {}, None), "resource", "the entry has no resource")
            else:
                report.total += 1
                report.reject("not a resource", f"{path.name} entry {index}: the entry has no resource")
            continue
        url = item.get("fullUrl")
        entries.append(Entry(path.name, index, resource, url if isinstance(url, str) else None))
    problems.raise_if_any()
    return entries


# --- field access ---------------------------------------------------------------------------------------


def _get(resource: dict[str, Any], path: str) -> Any:
    value: Any = resource
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _codings(concept: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, c) for i, c in enumerate(_list(_get(concept, "coding") if isinstance(concept, dict) else None))
            if isinstance(c, dict)]


class _Bad(Exception):
    """A field that cannot be used: ``field`` and message."""

    def __init__(self, field: str, message: str, *, reason: str | None = None,
                 unmapped: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.reason = reason  # the report's reason; the field (without indices) when None
        self.unmapped = unmapped  # (system, code) of a code no map takes


def _parse_date(value: Any, field: str, *, month_ok: bool = False) -> dt.date:
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise _Bad(field, f"{value!r} is not a FHIR date (YYYY-MM-DD)")
    year, month, day = match.groups()
    if day is None and not (month_ok and month is not None):
        raise _Bad(field, f"{value!r} is not a full date (YYYY-MM-DD{' or YYYY-MM' if month_ok else ''})")
    try:
        day_of = dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        raise _Bad(field, f"{value!r} is not a valid date") from None
    if day_of > dt.date.today():
        raise _Bad(field, f"{value!r} is after today: the record says what has happened")
    return day_of


def _first_date(resource: dict[str, Any], fields: Sequence[str]) -> dt.date:
    for field in fields:
        value = _get(resource, field)
        if value is not None:
            return _parse_date(value, field)
    raise _Bad(fields[0], f"no date (looked for {', '.join(fields)})")


def _snomed(concept: Any, field: str) -> str | None:
    for i, coding in _codings(concept):
        if coding.get("system") == SNOMED:
            code = coding.get("code")
            if not isinstance(code, str) or not _CODE.fullmatch(code):
                raise _Bad(f"{field}.coding[{i}].code", f"{code!r} is not a SNOMED CT concept id")
            return code
    return None


def _event_code(concept: Any, field: str) -> str | None:
    """The SNOMED CT code of a concept: its SNOMED CT coding, else a LOINC coding that maps to one."""
    code = _snomed(concept, field)
    if code is not None:
        return code
    mapping = loinc_snomed()
    for _, coding in _codings(concept):
        code = coding.get("code")
        if coding.get("system") == LOINC and isinstance(code, str) and code in mapping:
            return mapping[code]
    return None


def _unmapped(concept: Any, field: str, target: str) -> _Bad:
    """The problem of a concept with no code the dataset takes: reported per code system and code."""
    codings = [c for _, c in _codings(concept)]
    if not codings:
        return _Bad(f"{field}.coding", f"no coding (the dataset needs {target})", reason="no code")
    system, code = str(codings[0].get("system") or ""), str(codings[0].get("code") or "")
    return _Bad(f"{field}.coding", f"no {target} coding, and {system_name(system)} {code} is not in pcnhub's maps",
                reason=f"unmapped code (no {target})", unmapped=(system, code))


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(field, f"{value!r} is not a number")
    return float(value)


# --- conversion ------------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, practice: str | None, report: Report) -> None:
        self.practice = practice
        self.report = report
        self.rows = Rows()
        self.patients: dict[str, int] = {}  # "Patient/<id>" and fullUrl -> patient_id
        self.seen: dict[int, str] = {}  # patient_id -> where the Patient is
        self.deceased_no_date: list[int] = []  # patients with deceasedBoolean true only
        self.medication_codes: dict[str, Any] = {}  # "Medication/<id>" and fullUrl -> Medication.code
        self.medicines: dict[str, str] | None = None
        self.practices: set[str] = set()  # organisations serving practice visits (see practice_organisations)

    def ignore(self, what: str) -> None:
        self.report.ignore(what)

    def medication_resource(self, entry: Entry) -> None:
        """Remember a Medication's code, for MedicationRequests that reference it."""
        rid = entry.resource.get("id")
        for key in ([f"Medication/{rid}"] if isinstance(rid, str) and rid else []) + (
                [entry.full_url] if entry.full_url else []):
            self.medication_codes[key] = entry.resource.get("code")
        self.ignore("Medication (read for medicationReference)")

    def patient(self, entry: Entry) -> None:
        r = entry.resource
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            raise _Bad("id", "the Patient has no id")
        key = patient_key(rid)
        where = f"{entry.file} {entry.label}"
        if key in self.seen:
            raise _Bad("id", f"Patient {rid} is also in {self.seen[key]}")
        birth = _parse_date(r.get("birthDate"), "birthDate", month_ok=True)
        gender = r.get("gender")
        if gender not in SEXES:
            raise _Bad("gender", f"{gender!r} cannot be imported: the dataset records sex as male or female only")
        ethnicity = "unknown"
        us_core: list[tuple[str, str]] = []  # (system, code) of the OMB categories, reported as codes no map takes
        registered_from, registered_to = birth, None
        for i, extension in enumerate(_list(r.get("extension"))):
            url = str(_get(extension, "url") or "")
            if url == ETHNICITY_EXTENSION:
                for j, coding in _codings(extension.get("valueCodeableConcept")):
                    code = coding.get("code")
                    if code not in ETHNIC_CATEGORIES:
                        raise _Bad(f"extension[{i}].valueCodeableConcept.coding[{j}].code",
                                   f"{code!r} is not an NHS ethnic category code (A-Z)")
                    ethnicity = ETHNIC_CATEGORIES[code]
                    break
            elif url in US_CORE_ETHNICITY_EXTENSIONS:
                for part in _list(extension.get("extension")):
                    if _get(part, "url") == "ombCategory":
                        us_core.append((str(_get(part, "valueCoding.system") or "?"),
                                        str(_get(part, "valueCoding.code") or "?")))
            elif REGISTRATION_EXTENSION_MARK in url.lower():
                period = _registration_period(extension, f"extension[{i}]")
                if period is not None:
                    registered_from, registered_to = period
        died = self.death(r, registered_from)
        if died is not None and (registered_to is None or died < registered_to):
            registered_to = died
        practice = None
        for field in ("generalPractitioner", "managingOrganization"):
            values = r.get(field)
            for i, reference in enumerate(values if isinstance(values, list) else [values]):
                if _get(reference, "identifier.system") == ODS_SYSTEM:
                    code = str(_get(reference, "identifier.value") or "").strip().upper()
                    path = f"{field}[{i}].identifier.value" if isinstance(values, list) else f"{field}.identifier.value"
                    if not PRACTICE_CODE.fullmatch(code):
                        raise _Bad(path, f"{code!r} is not an ODS practice code")
                    practice = code
                    break
            if practice:
                break
        if practice is None:
            if not self.practice:
                raise _Bad("generalPractitioner", "no ODS practice code (identifier system "
                           f"{ODS_SYSTEM}) and no default practice (--practice) given")
            practice = self.practice
        self.seen[key] = where
        self.patients[f"Patient/{rid}"] = key
        if entry.full_url:
            self.patients[entry.full_url] = key
        if r.get("deceasedBoolean") is True and died is None:
            self.deceased_no_date.append(key)
        elif died is not None:
            self.report.note("Patient deceased: registered_to = date of death")
        if us_core and ethnicity == "unknown":
            self.report.note("Patient with US Core race or ethnicity only: ethnicity unknown")
            for system, code in us_core:
                self.report.unmapped_code(system, code)
        self.rows.add("patients", patient_id=key, birth_month=birth.replace(day=1), sex=SEXES[gender],
                      ethnicity=ethnicity, practice_code=practice, registered_from=registered_from,
                      registered_to=registered_to, care_home=False)

    @staticmethod
    def death(r: dict[str, Any], registered_from: dt.date) -> dt.date | None:
        """The date of death (``deceasedDateTime``), which ends the registration."""
        value = r.get("deceasedDateTime")
        if value is None:
            return None
        died = _parse_date(value, "deceasedDateTime")
        if died < registered_from:
            raise _Bad("deceasedDateTime", f"{value!r} is before the registration start {registered_from}")
        return died

    def close_deceased_without_date(self) -> None:
        """``deceasedBoolean`` true without a date: the registration ends at the last date known for the
        patient (the latest event, prescription, hospital activity or appointment, else its start)."""
        if not self.deceased_no_date:
            return
        last: dict[int, dt.date] = {}
        for table, column in (("events", "date"), ("medications", "date"), ("hospital", "start"),
                              ("appointments", "date")):
            for pid, day in zip(self.rows.columns[table]["patient_id"], self.rows.columns[table][column],
                                strict=True):
                if day is not None and (pid not in last or day > last[pid]):
                    last[pid] = day
        patients = self.rows.columns["patients"]
        wanted = set(self.deceased_no_date)
        for i, pid in enumerate(patients["patient_id"]):
            if pid in wanted:
                start, end = patients["registered_from"][i], patients["registered_to"][i]
                day = max(last.get(pid, start), start)
                if end is None or day < end:
                    patients["registered_to"][i] = day
                self.report.note("Patient deceased (no date): registered_to = last date known")

    def subject(self, resource: dict[str, Any]) -> int:
        reference = _get(resource, "subject.reference")
        if not isinstance(reference, str) or not reference:
            raise _Bad("subject.reference", "no reference to the Patient")
        if reference in self.patients:
            return self.patients[reference]
        tail = "Patient/" + reference.rsplit("Patient/", 1)[-1] if "Patient/" in reference else None
        tail = tail.split("/_history", 1)[0] if tail else None
        if tail in self.patients:
            return self.patients[tail]
        raise _Bad("subject.reference", f"{reference!r} is not a Patient of the input",
                   reason="subject not an imported Patient")

    def clinical(self, entry: Entry) -> None:
        r = entry.resource
        status = r.get("status")
        kind = entry.type
        if status in (SKIPPED_ENCOUNTER_STATUSES if kind == "Encounter" else SKIPPED_STATUSES):
            self.ignore(f"{kind} ({status})")
            return
        if kind == "Procedure" and status == "not-done":
            self.ignore("Procedure (not-done)")
            return
        verification = [c.get("code") for _, c in _codings(r.get("verificationStatus"))]
        if kind == "Condition" and any(v in SKIPPED_VERIFICATIONS for v in verification):
            self.ignore(f"Condition ({next(v for v in verification if v in SKIPPED_VERIFICATIONS)})")
            return
        patient = self.subject(r)
        if kind == "Condition":
            self.condition(r, patient)
        elif kind == "Procedure":
            code = _snomed(r.get("code"), "code")
            if code is None:
                raise _unmapped(r.get("code"), "code", "SNOMED CT")
            self.rows.add("events", patient_id=patient, code=code, date=_first_date(r, DATE_FIELDS[kind]))
        elif kind == "Observation":
            self.observation(r, patient)
        elif kind in ("MedicationRequest", "MedicationStatement"):
            self.medication(r, patient, kind)
        else:
            self.encounter(r, patient)

    def condition(self, r: dict[str, Any], patient: int) -> None:
        code = _snomed(r.get("code"), "code")
        if code is None:
            raise _unmapped(r.get("code"), "code", "SNOMED CT")
        date = _first_date(r, DATE_FIELDS["Condition"])
        status = next((c.get("code") for _, c in _codings(r.get("clinicalStatus"))), None)
        abated = next((f for f in ABATEMENT_FIELDS if _get(r, f) is not None), None)
        resolved = status in NOT_CURRENT_STATUSES or (status is None and abated is not None)
        ended = None
        if resolved and abated is not None:
            ended = _parse_date(_get(r, abated), abated)
            if ended < date:
                raise _Bad(abated, f"{ended} is before the onset {date}")
        self.rows.add("events", patient_id=patient, code=code, date=date)
        if not resolved:
            return
        resolved_code = resolved_codes().get(code)
        if resolved_code is None:
            self.report.note(f"Condition {status or 'abated'}: no pcnhub resolved code, diagnosis kept as is")
        elif ended is None:
            self.report.note(f"Condition {status}: resolved code not added (no abatement date)")
        else:
            self.rows.add("events", patient_id=patient, code=resolved_code, date=ended)
            self.report.note(f"Condition {status or 'abated'}: resolved code {resolved_code} added at abatement")

    def observation(self, r: dict[str, Any], patient: int) -> None:
        date = _first_date(r, DATE_FIELDS["Observation"])
        components = []
        for i, component in enumerate(_list(r.get("component"))):
            code = _event_code(component.get("code"), f"component[{i}].code")
            if code in COMPONENT_CODES:
                value = component.get("valueQuantity")
                number = None if value is None else _number(_get(value, "value"), f"component[{i}].valueQuantity.value")
                components.append((code, number))
        own = r.get("valueQuantity")
        code = _event_code(r.get("code"), "code")
        if code is None and any(c.get("system") == LOINC and c.get("code") in VALUE_CODED_LOINC
                                for _, c in _codings(r.get("code"))):
            answer = _snomed(r.get("valueCodeableConcept"), "valueCodeableConcept")
            if answer is None:
                raise _unmapped(r.get("valueCodeableConcept"), "valueCodeableConcept", "SNOMED CT")
            self.rows.add("events", patient_id=patient, code=answer, date=date, value=None)
            return
        if components:
            for component_code, number in components:
                self.rows.add("events", patient_id=patient, code=component_code, date=date, value=number)
            if own is None or code is None:
                return
        if code is None:
            raise _unmapped(r.get("code"), "code", "SNOMED CT")
        value = None if own is None else _number(_get(own, "value"), "valueQuantity.value")
        self.rows.add("events", patient_id=patient, code=code, date=date, value=value)

    def medication(self, r: dict[str, Any], patient: int, kind: str) -> None:
        concept = r.get("medicationCodeableConcept")
        field = "medicationCodeableConcept"
        if concept is None and isinstance(_get(r, "medicationReference.reference"), str):
            reference = _get(r, "medicationReference.reference")
            if reference not in self.medication_codes:
                raise _Bad("medicationReference.reference", f"{reference!r} is not a Medication of the input",
                           reason="medicationReference not found")
            concept, field = self.medication_codes[reference], "medicationReference"
        if concept is None:
            field = "medicationReference" if "medicationReference" in r else "medicationCodeableConcept"
            raise _Bad(field, "no medicationCodeableConcept and no medicationReference to a Medication of the input")
        code = bnf = None
        for i, coding in _codings(concept):
            system = str(coding.get("system") or "")
            value = coding.get("code")
            if code is None and system.rstrip("/") in DMD_SYSTEMS:
                if not isinstance(value, str) or not _CODE.fullmatch(value):
                    raise _Bad(f"{field}.coding[{i}].code", f"{value!r} is not a dm+d code")
                code = value
            elif bnf is None and BNF_SYSTEM_MARK in system.lower():
                if not isinstance(value, str) or not _BNF.fullmatch(value):
                    raise _Bad(f"{field}.coding[{i}].code", f"{value!r} is not a BNF code")
                bnf = value
        if code is None:
            mapping = rxnorm_dmd()
            code = next((mapping[c["code"]] for _, c in _codings(concept)
                         if c.get("system") == RXNORM and isinstance(c.get("code"), str) and c["code"] in mapping),
                        None)
        if code is None:
            raise _unmapped(concept, field, "dm+d")
        if bnf is None:
            bnf = self.bnf_of(code)
            if bnf is None:
                raise _Bad(f"{field}.coding", f"no BNF coding, and dm+d {code} is not in the pcnhub medicines codelist",
                           reason="dm+d code not in medicines.csv (no BNF code)")
        repeat = any(c.get("code") in REPEAT_COURSES for _, c in _codings(r.get("courseOfTherapyType")))
        repeat = repeat or any(REPEAT_EXTENSION_MARK in str(_get(e, "url") or "").lower()
                               for e in _list(r.get("extension")))
        self.rows.add("medications", patient_id=patient, code=code, bnf_code=bnf,
                      date=_first_date(r, DATE_FIELDS[kind]), repeat=repeat)

    def bnf_of(self, code: str) -> str | None:
        if self.medicines is None:
            from pcnhub.reference import codelists

            self.medicines = {m.dmd_code: m.bnf_code for m in codelists.medicines()}
        return self.medicines.get(code)

    def encounter(self, r: dict[str, Any], patient: int) -> None:
        cls = _get(r, "class.code")
        rule = ENCOUNTER_CLASSES.get(cls) if isinstance(cls, str) else None
        kind: str | None = None
        if cls in ("EMER", "AMB") and _is_ae(r):
            kind = "ae"
        elif cls in GP_OR_OUTPATIENT_CLASSES and ((gp_visit := _is_gp(r)) or _organisation(r) in self.practices):
            start = _parse_date(_get(r, "period.start"), "period.start")
            self.rows.add("appointments", patient_id=patient, date=start, status="attended", staff_type="gp")
            why = "GP/check-up" if gp_visit else "at a GP practice (serviceProvider of a GP visit)"
            self.report.note(f"Encounter {cls} {why}: appointment (attended, gp), not outpatient")
            return
        elif rule == "emergency_admission if emergency":
            emergency = any(c.get("code") in EMERGENCY_PRIORITIES for _, c in _codings(r.get("priority")))
            kind = "emergency_admission" if emergency else None
        elif rule is not None:
            kind = rule
        if kind is None:
            self.ignore(f"Encounter (class {cls})")
            return
        start = _parse_date(_get(r, "period.start"), "period.start")
        end_value = _get(r, "period.end")
        end = None if end_value is None else _parse_date(end_value, "period.end")
        if end is not None and end < start:
            raise _Bad("period.end", f"{end} is before the start {start}")
        self.rows.add("hospital", patient_id=patient, kind=kind, start=start, end=end)


def _registration_period(extension: dict[str, Any], path: str) -> tuple[dt.date, dt.date | None] | None:
    if isinstance(extension.get("valuePeriod"), dict):
        period, where = extension["valuePeriod"], f"{path}.valuePeriod"
    else:
        for i, inner in enumerate(_list(extension.get("extension"))):
            if isinstance(_get(inner, "valuePeriod"), dict):
                period, where = inner["valuePeriod"], f"{path}.extension[{i}].valuePeriod"
                break
        else:
            return None
    start = _parse_date(period.get("start"), f"{where}.start")
    end = None if period.get("end") is None else _parse_date(period["end"], f"{where}.end")
    return start, end


def _is_gp(r: dict[str, Any]) -> bool:
    return _typed(r, GP_ENCOUNTER_CODES, GP_ENCOUNTER_PHRASES)


def _organisation(r: dict[str, Any]) -> str | None:
    """The key of an encounter's serviceProvider: the last part of its reference (``Organization/<id>``,
    ``urn:uuid:<id>``, ``Organization?identifier=<system>|<value>``), else its identifier's value."""
    provider = r.get("serviceProvider")
    if not isinstance(provider, dict):
        return None
    reference = provider.get("reference")
    if isinstance(reference, str) and reference.strip():
        reference = reference.strip().split("/_history", 1)[0]
        return re.split(r"[/|:=]", reference)[-1] or None
    value = _get(provider, "identifier.value")
    return value if isinstance(value, str) and value else None


def practice_organisations(encounters: Iterable[dict[str, Any]]) -> set[str]:
    """The organisations (:func:`_organisation`) that serve a practice visit among ``encounters`` (those not
    entered in error or cancelled): the GP practices of the rule in the module docs."""
    found = set()
    for r in encounters:
        if not isinstance(r, dict) or r.get("status") in SKIPPED_ENCOUNTER_STATUSES:
            continue
        try:
            organisation = _organisation(r) if _typed(r, PRACTICE_VISIT_CODES, PRACTICE_VISIT_PHRASES) else None
            if organisation is not None:
                found.add(organisation)
        except (AttributeError, TypeError, KeyError, IndexError):  # a malformed resource, rejected when converted
            continue
    return found


def _is_ae(r: dict[str, Any]) -> bool:
    return _typed(r, AE_CODES, AE_PHRASES)


def _typed(r: dict[str, Any], codes, phrases) -> bool:
    """Whether an encounter's type or service type has a SNOMED CT code of ``codes``, or a text or display holding
    one of ``phrases``."""
    concepts = _list(r.get("type")) + ([r["serviceType"]] if isinstance(r.get("serviceType"), dict) else [])
    for concept in concepts:
        texts = [str(_get(concept, "text") or "")]
        for _, coding in _codings(concept):
            if coding.get("system") == SNOMED and coding.get("code") in codes:
                return True
            texts.append(str(coding.get("display") or ""))
        if any(phrase in text.lower() for text in texts for phrase in phrases):
            return True
    return False


def _convert(files: Sequence[Path], practice: str | None, strict: bool) -> _Importer:
    report = Report()
    importer = _Importer(practice, report)
    read: list[tuple[FileProblems, list[Entry]]] = []
    for path in files:
        problems = FileProblems(path.name)
        entries = read_entries(path, problems, None if strict else report)
        report.total += len(entries)
        read.append((problems, entries))
    # The GP practices (organisations serving practice visits) from every file, before any Encounter is converted.
    importer.practices = practice_organisations(entry.resource for _, entries in read for entry in entries
                                                if entry.type == "Encounter")
    # Patients (and Medications) first, from any file, so that references resolve across files; then the
    # clinical resources.
    for first_pass in (True, False):
        for problems, entries in read:
            for entry in entries:
                if (entry.type in ("Patient", "Medication")) != first_pass:
                    continue
                if entry.type == "Medication":
                    importer.medication_resource(entry)
                    continue
                if entry.type != "Patient" and entry.type not in _CLINICAL:
                    importer.ignore(entry.type or "(no resourceType)")
                    continue
                _one(importer, entry, problems, strict)
        if strict:
            for problems, _ in read:
                problems.raise_if_any()
    importer.close_deceased_without_date()
    return importer


def _one(importer: _Importer, entry: Entry, problems: FileProblems, strict: bool) -> None:
    """Convert one resource: imported, ignored (counted by the importer) or rejected, never half-written."""
    report = importer.report
    counts = {name: importer.rows.count(name) for name in importer.rows.columns}
    ignored = sum(report.ignored.values())
    try:
        try:
            (importer.patient if entry.type == "Patient" else importer.clinical)(entry)
        except (AttributeError, TypeError, KeyError, IndexError) as err:  # a part that is not the FHIR JSON shape
            raise _Bad("(structure)", f"the resource is not FHIR R4 JSON where expected ({type(err).__name__}: "
                       f"{err})", reason="malformed resource") from err
    except _Bad as bad:
        for name, count in counts.items():  # drop the rows this resource added before its problem
            for column in importer.rows.columns[name].values():
                del column[count:]
        if bad.unmapped is not None:
            report.unmapped_code(*bad.unmapped)
        if strict:
            problems.entry(entry, bad.field, bad.message)
        else:
            reason = bad.reason or re.sub(r"\[\d+\]", "", bad.field)
            report.reject(f"{entry.type}: {reason}", f"{entry.file} {entry.label}, field {bad.field}: {bad.message}")
        return
    if sum(report.ignored.values()) == ignored:
        report.imported += 1


def import_fhir(paths: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str], *,
                practice: str | None = None, strict: bool = False) -> ImportResult:
    """Read FHIR files and folders (see the module docs) and write the dataset folder ``out``.

    By default what is sound is imported and every other resource is counted in ``result.report``
    (ignored by rule or rejected, by reason, with examples; unmapped codes per code system).  With
    ``strict`` any rejected resource fails the import (:class:`InputError`) and nothing is written.
    """
    if practice is not None and not PRACTICE_CODE.fullmatch(practice.strip().upper()):
        raise ValueError(f"--practice: {practice!r} is not an ODS practice code")
    check_out(out)
    files = input_files(paths)
    importer = _convert(files, practice.strip().upper() if practice else None, strict)
    result = write_dataset(importer.rows, out, source=", ".join(p.name for p in files),
                           ignored=importer.report.ignored)
    result.report = importer.report.to_dict()
    return result


def iter_resources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[dict[str, Any]]:
    """Every resource of the input files (for inspection and tests)."""
    for path in input_files(paths):
        for entry in read_entries(path, FileProblems(path.name)):
            yield entry.resource
