"""Local lists of networks that give names, not ODS codes, as board papers do.

* Practice clusters (:func:`read_clusters`): columns ``cluster`` and ``practices``, and optionally
  ``population``.  ``practices`` lists the cluster's practices by short name, separated by ";"
  ("Stony; Watling Vale; Hilltops"); a name may carry its postcode in brackets ("Stony (MK11 1YA)"),
  which the import uses to confirm or choose the practice.  ``population`` is the cluster's registered
  population as the paper gives it (a whole number, commas allowed).
* Networks by place (:func:`read_place_networks`): columns ``place`` and ``pcn``, one network a row
  ("Leicester City", "Aegis Healthcare"), no practices.

Header titles are compared without case; other columns are ignored.  Every problem is reported by
file, row and field (:class:`~pcnhub.domain.errors.InputError`); the names are matched to the register
by :mod:`pcnhub.register.local_lists`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pcnhub.domain.errors import Problems
from pcnhub.domain.rules import MAX_LIST_SIZE
from pcnhub.ingest.tabular import Cells, Column, csv_table

CLUSTER: Final = "cluster"
PRACTICES: Final = "practices"
POPULATION: Final = "population"
PLACE: Final = "place"
PCN: Final = "pcn"

#: A UK postcode in brackets at the end of a practice's name: "Stony (MK11 1YA)".
_POSTCODE_AFTER: Final = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<postcode>[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\s*\)$",
                                    re.IGNORECASE)
_WHOLE: Final = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


@dataclass(frozen=True, slots=True)
class NamedPractice:
    """A practice as a local list names it, with its postcode when the list gives one."""

    name: str
    postcode: str = ""


@dataclass(frozen=True, slots=True)
class ClusterRow:
    """A cluster of practices: its name, its practices as named, its population (None if not given)."""

    cluster: str
    practices: tuple[NamedPractice, ...]
    population: int | None
    row: int


@dataclass(frozen=True, slots=True)
class PlaceNetworkRow:
    """A network named in a place."""

    place: str
    pcn: str
    row: int


def read_clusters(path: str | os.PathLike[str]) -> list[ClusterRow]:
    """The clusters of a cluster file, in file order; raises InputError for any problem."""
    source = Path(path)
    problems = Problems(source.name)
    header, records = csv_table(
        source, (Column.of(CLUSTER), Column.of(PRACTICES), Column.of(POPULATION, required=False)), problems
    )
    rows: list[ClusterRow] = []
    first_row: dict[str, int] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        cluster = cells.text(CLUSTER, required=True)
        named = _practices(cells)
        population = _population(cells)
        if cluster:
            earlier = first_row.setdefault(cluster.casefold(), line)
            if earlier != line:
                cells.problem(CLUSTER, f"{cluster!r} is listed again (first on row {earlier}); give each cluster one row")
        if cells.ok:
            rows.append(ClusterRow(cluster, named, population, line))
    if not rows and not problems.found:
        problems.add(None, None, "the file has a header but no cluster rows")
    problems.raise_if_any()
    return rows


def read_place_networks(path: str | os.PathLike[str]) -> list[PlaceNetworkRow]:
    """The networks of a place-and-network file, in file order; raises InputError for any problem."""
    source = Path(path)
    problems = Problems(source.name)
    header, records = csv_table(source, (Column.of(PLACE), Column.of(PCN)), problems)
    rows: list[PlaceNetworkRow] = []
    first_row: dict[tuple[str, str], int] = {}
    for line, record in records:
        cells = Cells(header, record, line, problems)
        place = cells.text(PLACE, required=True)
        pcn = cells.text(PCN, required=True)
        if place and pcn:
            earlier = first_row.setdefault((place.casefold(), pcn.casefold()), line)
            if earlier != line:
                cells.problem(PCN, f"{pcn!r} in {place!r} is listed again (first on row {earlier})")
        if cells.ok:
            rows.append(PlaceNetworkRow(place, pcn, line))
    if not rows and not problems.found:
        problems.add(None, None, "the file has a header but no network rows")
    problems.raise_if_any()
    return rows


def _practices(cells: Cells) -> tuple[NamedPractice, ...]:
    text = cells.text(PRACTICES, required=True)
    named = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue  # "a;; b": a doubled separator is not a practice
        found = _POSTCODE_AFTER.match(part)
        if found and found["name"].strip():
            named.append(NamedPractice(found["name"].strip(), " ".join(found["postcode"].upper().split())))
        else:
            named.append(NamedPractice(part))
    if text and not named:
        cells.problem(PRACTICES, f"{text!r} names no practice; separate the practices' names with ';'")
    seen: set[str] = set()
    for practice in named:
        if practice.name.casefold() in seen:
            cells.problem(PRACTICES, f"{practice.name!r} is listed twice")
        seen.add(practice.name.casefold())
    return tuple(named)


def _population(cells: Cells) -> int | None:
    text = cells.text(POPULATION)
    if not text:
        return None
    if not _WHOLE.fullmatch(text):
        cells.problem(POPULATION, f"{text!r} is not a whole number of patients")
        return None
    value = int(text.replace(",", ""))
    if value > MAX_LIST_SIZE * 100:
        cells.problem(POPULATION, f"{text!r} is more than {MAX_LIST_SIZE * 100:,}; no cluster has so many patients")
        return None
    return value
