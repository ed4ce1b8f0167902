"""Code maps and the import report of the FHIR importer (see :mod:`pcnhub.analytics.importers.fhir`).

* ``reference/codelists/loinc-snomed.csv``: LOINC codes (Observation.code, component.code) that map to the
  SNOMED CT concept pcnhub's codelists use; ``rxnorm-dmd.csv``: RxNorm clinical drugs that map to a dm+d
  product of ``medicines.csv`` (whose BNF code the medication row then takes).  Every row names its source (one
  LOINC row, 9830-1 total/HDL cholesterol ratio, is mapped by meaning, no published map row having been found);
  a code not in them is reported as unmapped, with counts per code system and code.
* :data:`RESOLVED_CODELISTS`: a condition codelist and the codelist of its "resolved" codes, for Conditions
  that are resolved, inactive or in remission.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

LOINC: Final = "http://loinc.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC_SNOMED: Final = "loinc-snomed.csv"
RXNORM_DMD: Final = "rxnorm-dmd.csv"
#: Code system URLs named in the report by a short name.
SYSTEM_NAMES: Final = {
    LOINC: "LOINC",
    RXNORM: "RxNorm",
    "http://snomed.info/sct": "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "urn:oid:2.16.840.1.113883.6.238": "CDC race and ethnicity",  # US Core's OMB race and ethnicity categories
}
#: A condition codelist -> the codelist of codes recording that the condition has resolved.
RESOLVED_CODELISTS: Final = {"hypertension": "hypertension-resolved"}
#: Observation codes (LOINC) whose answer is a SNOMED CT coded finding: the event takes the answer's code.
#: 72166-2 Tobacco smoking status: its LOINC answer list (LL2201-3) gives SNOMED CT findings, and Synthea
#: writes them as valueCodeableConcept (e.g. 266919005 Never smoked tobacco, 8517006 Ex-smoker).
VALUE_CODED_LOINC: Final = ("72166-2",)
#: How many example problems the report keeps per reason.
EXAMPLES_PER_REASON: Final = 3


def _rows(name: str, columns: list[str]) -> list[dict[str, str]]:
    text = resources.files("pcnhub.reference").joinpath("codelists", name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != columns:
        raise ValueError(f"codelists/{name}: the columns must be {', '.join(columns)}")
    rows = list(reader)
    for number, row in enumerate(rows, 2):
        if any(not (row.get(c) or "").strip() for c in columns):
            raise ValueError(f"codelists/{name} row {number}: every column must be given (source included)")
    return rows


@cache
def loinc_snomed() -> dict[str, str]:
    """LOINC code -> SNOMED CT concept id (``loinc-snomed.csv``)."""
    return {r["loinc"]: r["snomed"] for r in _rows(LOINC_SNOMED, ["loinc", "loinc_name", "snomed", "snomed_term",
                                                                  "source"])}


@cache
def rxnorm_dmd() -> dict[str, str]:
    """RxNorm code -> dm+d product id (``rxnorm-dmd.csv``); every dm+d id is in ``medicines.csv``."""
    from pcnhub.reference import codelists

    known = {m.dmd_code for m in codelists.medicines()}
    mapping = {r["rxnorm"]: r["dmd_code"] for r in _rows(RXNORM_DMD, ["rxnorm", "rxnorm_name", "dmd_code",
                                                                     "dmd_name", "source"])}
    missing = sorted(set(mapping.values()) - known)
    if missing:
        raise ValueError(f"codelists/{RXNORM_DMD}: dm+d {', '.join(missing)} not in medicines.csv")
    return mapping


@cache
def resolved_codes() -> dict[str, str]:
    """A condition's SNOMED CT code -> the code recording it resolved (first of its resolved codelist)."""
    from pcnhub.reference import codelists

    found: dict[str, str] = {}
    for condition, resolved in RESOLVED_CODELISTS.items():
        resolved_list = codelists.codelist(resolved)
        first = sorted(resolved_list.codes)[0]
        found.update({code: first for code in codelists.codelist(condition).codes})
    return found


def system_name(system: str) -> str:
    return SYSTEM_NAMES.get(system.rstrip("/"), system or "(no system)")


@dataclass
class Report:
    """What happened to every resource read: imported, ignored (by rule) or rejected (a problem).

    ``total == imported + sum(ignored) + sum(rejected)``.  ``unmapped`` counts the codes that no map
    takes, per code system; ``notes`` counts what was done to imported resources (deaths, resolutions,
    GP encounters as appointments); ``examples`` are a few rejected resources per reason, named by file,
    entry and resource id.
    """

    total: int = 0
    imported: int = 0
    ignored: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @staticmethod
    def _count(counts: dict[str, int], key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    def ignore(self, what: str) -> None:
        self._count(self.ignored, what)

    def note(self, what: str) -> None:
        self._count(self.notes, what)

    def reject(self, reason: str, example: str) -> None:
        if self.rejected.get(reason, 0) < EXAMPLES_PER_REASON:
            self.examples.append(example)
        self._count(self.rejected, reason)

    def unmapped_code(self, system: str, code: str) -> None:
        self._count(self.unmapped.setdefault(system_name(system), {}), code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "imported": self.imported,
            "ignored": dict(sorted(self.ignored.items())), "rejected": dict(sorted(self.rejected.items())),
            "unmapped": {s: dict(sorted(c.items())) for s, c in sorted(self.unmapped.items())},
            "notes": dict(sorted(self.notes.items())), "examples": list(self.examples),
        }
