"""Load the clinical codelists (``codelists/*.csv`` described by ``codelists/codelists.toml``).

Every codelist is a CSV file with the columns ``code`` and ``term``; ``codelists.toml`` gives each its
key, name, coding system (``snomedct``, ``dmd``, ``bnf`` or ``icd10``), how codes match (``exact``, or
``prefix`` for BNF and ICD-10 code prefixes), source, status (verified, derived, uncertain), version date and,
for the 35 coded deficits of the Electronic Frailty Index, the deficit group.  ``medicines.csv`` is
the catalogue of dm+d products (with their BNF codes) that the synthetic population prescribes.

>>> codelist("hypertension").matches("59621000")
True
>>> len(efi_deficits())
35
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

FOLDER: Final = "codelists"
INDEX: Final = "codelists.toml"
MEDICINES: Final = "medicines.csv"
SYSTEMS: Final = ("snomedct", "dmd", "bnf", "icd10")
#: Systems whose lists match by prefix unless the index says otherwise.
PREFIX_SYSTEMS: Final = ("bnf", "icd10")
STATUSES: Final = ("verified", "derived", "uncertain")
MATCHES: Final = ("exact", "prefix")
#: The number of coded eFI deficits (the 36th, polypharmacy, comes from prescriptions).
EFI_CODED_DEFICITS: Final = 35

_PATTERNS: Final = {
    "snomedct": re.compile(r"[1-9][0-9]{5,17}"),
    "dmd": re.compile(r"[1-9][0-9]{5,17}"),
    "bnf": re.compile(r"[0-9]{2}[0-9A-Z]{0,13}"),
    #: ICD-10 without the dot, upper case: a letter, two digits and up to two more characters (J44, J441,
    #: I10X with the filler X of Hospital Episode Statistics); the form of ``hospital.diagnosis``.
    "icd10": re.compile(r"[A-Z][0-9]{2}[0-9A-Z]{0,2}"),
}
_REQUIRED: Final = ("key", "name", "system", "status", "version", "source")
_KNOWN: Final = set(_REQUIRED) | {"match", "efi_group", "complete", "note"}


class CodelistError(ValueError):
    """A codelist file or index entry that cannot be used: names the file, row and field."""


@dataclass(frozen=True)
class Codelist:
    """One codelist: its codes (with terms) and where they come from."""

    key: str
    name: str
    system: str
    codes: frozenset[str]
    terms: dict[str, str] = field(compare=False, repr=False)
    source: str
    status: str
    version: dt.date
    group: str | None = None
    match: str = "exact"
    complete: bool = True
    note: str = ""

    def matches(self, code: str) -> bool:
        """Whether ``code`` is in the list (or, for a prefix list, starts with one of its codes)."""
        if self.match == "prefix":
            return any(code.startswith(prefix) for prefix in self.codes)
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class CmsCondition:
    """A condition of the Cambridge Multimorbidity Score with its general-outcome weight."""

    condition: str
    weight: float
    codelists: tuple[Codelist, ...]
    source: str
    status: str


@dataclass(frozen=True)
class Medicine:
    """A dm+d product the synthetic generator prescribes, with its BNF code."""

    key: str
    dmd_code: str
    bnf_code: str
    name: str
    status: str
    source: str


def _text(name: str) -> str:
    path = resources.files("pcnhub.reference").joinpath(FOLDER, name)
    if not path.is_file():
        raise CodelistError(f"{FOLDER}/{name}: the file does not exist")
    return path.read_text(encoding="utf-8")


def parse_codes(text: str, file: str, system: str) -> dict[str, str]:
    """The ``code -> term`` pairs of a codelist CSV, checked: header, code format, no duplicates."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise CodelistError(f"{file}: the file is empty")
    if [h.strip().lower() for h in header[:2]] != ["code", "term"]:
        raise CodelistError(f"{file} row 1: the columns must be code, term (found {', '.join(header)})")
    pattern = _PATTERNS[system]
    terms: dict[str, str] = {}
    for row_number, row in enumerate(reader, 2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[0].strip()
        term = row[1].strip() if len(row) > 1 else ""
        if not pattern.fullmatch(code):
            raise CodelistError(f"{file} row {row_number}, field code: {code!r} is not a {system} code")
        if not term:
            raise CodelistError(f"{file} row {row_number}, field term: the term is blank")
        if code in terms:
            raise CodelistError(f"{file} row {row_number}, field code: {code} is listed twice")
        terms[code] = term
    if not terms:
        raise CodelistError(f"{file}: the codelist has no codes")
    return terms


def parse_entry(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """Check one ``[[codelist]]`` entry of the index and return it with defaults filled in."""
    missing = [name for name in _REQUIRED if entry.get(name) in (None, "")]
    if missing:
        raise CodelistError(f"{where}: missing {', '.join(missing)}")
    unknown = set(entry) - _KNOWN
    if unknown:
        raise CodelistError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    checked = dict(entry)
    checked.setdefault("match", "prefix" if entry["system"] in PREFIX_SYSTEMS else "exact")
    for name, allowed in (("system", SYSTEMS), ("status", STATUSES), ("match", MATCHES)):
        if checked[name] not in allowed:
            raise CodelistError(f"{where}, field {name}: {checked[name]!r} is not one of {', '.join(allowed)}")
    if not isinstance(checked["version"], dt.date) or isinstance(checked["version"], dt.datetime):
        raise CodelistError(f"{where}, field version: {checked['version']!r} is not a date (write 2026-11-23)")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", str(checked["key"])):
        raise CodelistError(f"{where}, field key: {checked['key']!r} must be lower-case words joined by hyphens")
    return checked


@functools.cache
def _index() -> dict[str, Any]:
    try:
        return tomllib.loads(_text(INDEX))
    except tomllib.TOMLDecodeError as err:
        raise CodelistError(f"{FOLDER}/{INDEX}: not valid TOML ({err})") from None


@functools.cache
def _entries() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for number, raw in enumerate(_index().get("codelist") or [], 1):
        where = f"{FOLDER}/{INDEX} codelist {number} ({raw.get('key', '?')})"
        entry = parse_entry(raw, where)
        if entry["key"] in entries:
            raise CodelistError(f"{where}, field key: {entry['key']!r} appears twice")
        entries[entry["key"]] = entry
    return entries


@functools.cache
def codelist(key: str) -> Codelist:
    """The codelist ``key``; :class:`CodelistError` if there is none or its file is not valid."""
    entries = _entries()
    if key not in entries:
        raise CodelistError(f"no codelist {key!r}; known: {', '.join(sorted(entries))}")
    entry = entries[key]
    file = f"{key}.csv"
    terms = parse_codes(_text(file), f"{FOLDER}/{file}", entry["system"])
    return Codelist(
        key=key, name=entry["name"], system=entry["system"], codes=frozenset(terms), terms=terms,
        source=entry["source"], status=entry["status"], version=entry["version"], group=entry.get("efi_group"),
        match=entry["match"], complete=bool(entry.get("complete", True)), note=entry.get("note", ""),
    )


def keys() -> list[str]:
    """The keys of every codelist, in index order."""
    return list(_entries())


def all_codelists() -> list[Codelist]:
    """Every codelist, in index order."""
    return [codelist(key) for key in _entries()]


def efi_deficits() -> list[Codelist]:
    """The 35 coded deficit groups of the Electronic Frailty Index (polypharmacy is the 36th)."""
    found = [c for c in all_codelists() if c.group]
    if len(found) != EFI_CODED_DEFICITS or len({c.group for c in found}) != EFI_CODED_DEFICITS:
        raise CodelistError(
            f"{FOLDER}/{INDEX}: {len(found)} codelists with an efi_group ({len({c.group for c in found})} groups); "
            f"the eFI has {EFI_CODED_DEFICITS} coded deficits"
        )
    return found


@functools.cache
def cms_conditions() -> tuple[CmsCondition, ...]:
    """The Cambridge Multimorbidity Score conditions with published weights, and their codelists."""
    conditions = []
    for number, entry in enumerate(_index().get("cms") or [], 1):
        where = f"{FOLDER}/{INDEX} cms {number} ({entry.get('condition', '?')})"
        for name in ("condition", "weight", "codelists", "source", "status"):
            if name not in entry:
                raise CodelistError(f"{where}: missing {name}")
        weight = entry["weight"]
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise CodelistError(f"{where}, field weight: {weight!r} is not a weight of 0 or more")
        lists = tuple(codelist(key) for key in entry["codelists"])
        conditions.append(CmsCondition(entry["condition"], float(weight), lists, entry["source"], entry["status"]))
    return tuple(conditions)


@functools.cache
def medicines() -> tuple[Medicine, ...]:
    """The dm+d products of ``medicines.csv`` (the synthetic generator's prescribing catalogue)."""
    file = f"{FOLDER}/{MEDICINES}"
    reader = csv.DictReader(io.StringIO(_text(MEDICINES)))
    wanted = ["key", "dmd_code", "bnf_code", "name", "status", "source"]
    if reader.fieldnames != wanted:
        raise CodelistError(f"{file} row 1: the columns must be {', '.join(wanted)}")
    found: list[Medicine] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(reader, 2):
        medicine = Medicine(**{name: (row[name] or "").strip() for name in wanted})
        for name, system in (("dmd_code", "dmd"), ("bnf_code", "bnf")):
            if not _PATTERNS[system].fullmatch(getattr(medicine, name)):
                raise CodelistError(f"{file} row {row_number}, field {name}: {getattr(medicine, name)!r} is not a {system} code")
        if medicine.status not in STATUSES:
            raise CodelistError(f"{file} row {row_number}, field status: {medicine.status!r} is not one of {', '.join(STATUSES)}")
        if not medicine.source:
            raise CodelistError(f"{file} row {row_number}, field source: the source is blank")
        for name in ("key", "dmd_code"):
            value = getattr(medicine, name)
            if (name, value) in seen:
                raise CodelistError(f"{file} row {row_number}, field {name}: {value} is also on row {seen[(name, value)]}")
            seen[(name, value)] = row_number
        found.append(medicine)
    return tuple(found)


def medicine(key: str) -> Medicine:
    for item in medicines():
        if item.key == key:
            return item
    raise CodelistError(f"no medicine {key!r} in {FOLDER}/{MEDICINES}")


def codes_of(system: str, lists: Iterable[Codelist] | None = None) -> frozenset[str]:
    """Every code of the exact-match codelists of one coding system."""
    lists = all_codelists() if lists is None else lists
    return frozenset(code for c in lists if c.system == system and c.match == "exact" for code in c.codes)


def icd10_pattern() -> re.Pattern[str]:
    """The form of an ICD-10 code in pcnhub (codelists and ``hospital.diagnosis``): no dot, upper case."""
    return _PATTERNS["icd10"]


def bnf_prefixes() -> frozenset[str]:
    """Every BNF prefix of the prefix codelists."""
    return frozenset(code for c in all_codelists() if c.system == "bnf" for code in c.codes)
