"""Load the PCN maturity matrices and the support offers from ``pcnhub/reference/maturity/``.

Every ``*.toml`` file of the folder except ``support-offers.toml`` is one matrix version (see the
folder's README for the format); a new version is a new file, without code changes.  Every entry
is validated, and a file that cannot be used raises :class:`MaturityFileError` naming the file and
the entry, e.g. ``maturity/national-2019.toml, domain lpp, step 1, pcn statement 2 (lpp-1-pcn-9):
the id says step 1 statement ... ``.  The packaged files are read once (``functools.cache``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Final

from pcnhub.domain.maturity import (
    AUDIENCES,
    STEP_NAMES,
    Domain,
    Matrix,
    Statement,
    Step,
    SupportOffer,
)

PACKAGE: Final = "pcnhub.reference"
FOLDER: Final = "maturity"
OFFERS_FILE: Final = "support-offers.toml"
DEFAULT_MATRIX: Final = "national-2019"

#: A statement id: DOMAIN-STEP-AUDIENCE-N, e.g. ``lpp-1-pcn-2``.
STATEMENT_ID: Final = re.compile(r"([a-z][a-z0-9]*)-(\d+)-(pcn|system)-([1-9]\d*)")
_DOMAIN_KEY: Final = re.compile(r"[a-z][a-z0-9]*")
_KEY: Final = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")

_MATRIX_FIELDS: Final = {"key", "version", "name", "source", "note", "step_names", "domains"}
_DOMAIN_FIELDS: Final = {"key", "name", "note", "steps"}
_STEP_FIELDS: Final = {"step", *AUDIENCES}
_STATEMENT_FIELDS: Final = {"id", "text", "source"}
_OFFERS_FIELDS: Final = {"source", "offers"}
_OFFER_FIELDS: Final = {"key", "name", "description", "group", "source", "statements"}


class MaturityFileError(ValueError):
    """A maturity matrix or support offers file that cannot be used: names the file and the entry."""


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MaturityFileError(f"{where}: expected a table, found {value!r}")
    return value


def _tables(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise MaturityFileError(f"{where}: expected a list, found {value!r}")
    return [_table(item, f"{where}[{number}]") for number, item in enumerate(value, 1)]


def _fields(entry: dict[str, Any], known: set[str], required: Iterable[str], where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise MaturityFileError(
            f"{where}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    missing = [name for name in required if name not in entry]
    if missing:
        raise MaturityFileError(f"{where}: missing {', '.join(missing)}")


def _text(entry: dict[str, Any], name: str, where: str, default: str | None = None) -> str:
    value = entry.get(name, default)
    if value is None:
        raise MaturityFileError(f"{where}: missing {name}")
    if not isinstance(value, str):
        raise MaturityFileError(f"{where}: {name} must be text, found {value!r}")
    if not value.strip():
        raise MaturityFileError(f"{where}: {name} is empty")
    return " ".join(value.split())


def _key(value: Any, pattern: re.Pattern[str], where: str, example: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise MaturityFileError(f"{where}: {value!r} is not a valid key (write e.g. {example!r})")
    return value


def parse_matrix(data: dict[str, Any], file: str, expected_key: str | None = None) -> Matrix:
    """Validate one matrix file's data (as read from TOML) and build the :class:`Matrix`.

    ``file`` names the file in error messages; ``expected_key``, when given, is the key the file
    must declare (the loaders pass the file name without ``.toml``).
    """
    _fields(data, _MATRIX_FIELDS, ("key", "version", "name", "source", "domains"), file)
    key = _key(data["key"], _KEY, f"{file}, key", "national-2019")
    if expected_key is not None and key != expected_key:
        raise MaturityFileError(f"{file}: the key {key!r} must match the file name ({expected_key!r})")
    version = data["version"]
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    version = _text({"version": version}, "version", file)
    name = _text(data, "name", file)
    source = _text(data, "source", file)
    note = _text(data, "note", file) if "note" in data else ""
    step_names = data.get("step_names", list(STEP_NAMES))
    if not isinstance(step_names, list) or not step_names:
        raise MaturityFileError(f"{file}: step_names must be a list of names, lowest step first")
    step_names = [_text({"name": n}, "name", f"{file}, step_names[{i}]") for i, n in enumerate(step_names, 1)]
    domains = []
    domain_keys: set[str] = set()
    seen_ids: dict[str, str] = {}
    tables = _tables(data["domains"], f"{file}, domains")
    if not tables:
        raise MaturityFileError(f"{file}: a matrix needs at least one domain ([[domains]])")
    for number, entry in enumerate(tables, 1):
        where = f"{file}, domain {number}"
        _fields(entry, _DOMAIN_FIELDS, ("key", "name", "steps"), where)
        domain_key = _key(entry["key"], _DOMAIN_KEY, f"{where}, key", "lpp")
        where = f"{file}, domain {domain_key}"
        if domain_key in domain_keys:
            raise MaturityFileError(f"{where}: the domain key {domain_key!r} appears twice")
        domain_keys.add(domain_key)
        steps = _parse_steps(entry["steps"], domain_key, step_names, source, seen_ids, where)
        domains.append(Domain(
            key=domain_key,
            name=_text(entry, "name", where),
            note=_text(entry, "note", where) if "note" in entry else "",
            steps=steps,
        ))
    return Matrix(key=key, version=version, name=name, source=source, note=note, domains=tuple(domains))


def _parse_steps(
    value: Any, domain_key: str, step_names: list[str], source: str, seen_ids: dict[str, str], where: str
) -> tuple[Step, ...]:
    tables = _tables(value, f"{where}, steps")
    if len(tables) != len(step_names):
        raise MaturityFileError(
            f"{where}: {len(tables)} steps; the matrix has {len(step_names)} ({', '.join(step_names)})"
        )
    steps = []
    for index, entry in enumerate(tables):
        step_where = f"{where}, step {index}"
        _fields(entry, _STEP_FIELDS, ("step",), step_where)
        if entry["step"] != index or isinstance(entry["step"], bool):
            raise MaturityFileError(
                f"{step_where}: says step = {entry['step']!r}; the steps must be numbered 0, 1, 2 ... in order"
            )
        by_audience: dict[str, tuple[Statement, ...]] = {}
        for audience in AUDIENCES:
            statements = []
            for number, item in enumerate(_tables(entry.get(audience, []), f"{step_where}, {audience}"), 1):
                item_where = f"{step_where}, {audience} statement {number} ({item.get('id', '?')})"
                statements.append(_parse_statement(item, domain_key, index, audience, source, seen_ids, item_where))
            by_audience[audience] = tuple(statements)
        steps.append(Step(index, step_names[index], by_audience["pcn"], by_audience["system"]))
    return tuple(steps)


def _parse_statement(
    entry: dict[str, Any], domain_key: str, step: int, audience: str, source: str,
    seen_ids: dict[str, str], where: str,
) -> Statement:
    _fields(entry, _STATEMENT_FIELDS, ("id", "text"), where)
    statement_id = entry["id"]
    match = STATEMENT_ID.fullmatch(statement_id) if isinstance(statement_id, str) else None
    if match is None:
        raise MaturityFileError(
            f"{where}: {statement_id!r} is not a statement id (write DOMAIN-STEP-AUDIENCE-N, "
            f"e.g. {domain_key}-{step}-{audience}-1)"
        )
    if (match[1], int(match[2]), match[3]) != (domain_key, step, audience):
        raise MaturityFileError(
            f"{where}: the id says domain {match[1]}, step {int(match[2])}, {match[3]}, but the statement "
            f"sits in domain {domain_key}, step {step}, {audience} (write {domain_key}-{step}-{audience}-N)"
        )
    if statement_id in seen_ids:
        raise MaturityFileError(f"{where}: the id {statement_id!r} appears twice (also at {seen_ids[statement_id]})")
    seen_ids[statement_id] = where
    return Statement(
        id=statement_id,
        audience=audience,
        text=_text(entry, "text", where),
        domain=domain_key,
        step=step,
        source=_text(entry, "source", where, default=source),
    )


def parse_offers(data: dict[str, Any], file: str, matrices: Sequence[Matrix]) -> list[SupportOffer]:
    """Validate the support offers file's data; every linked statement must exist in one of ``matrices``."""
    _fields(data, _OFFERS_FIELDS, ("offers",), file)
    default_source = _text(data, "source", file) if "source" in data else None
    known = {statement.id for matrix in matrices for statement in matrix.statements()}
    offers = []
    keys: set[str] = set()
    for number, entry in enumerate(_tables(data["offers"], f"{file}, offers"), 1):
        where = f"{file}, offer {number} ({entry.get('key', '?')})"
        _fields(entry, _OFFER_FIELDS, ("key", "name", "description", "group", "statements"), where)
        key = _key(entry["key"], _KEY, f"{where}, key", "business-intelligence")
        if key in keys:
            raise MaturityFileError(f"{where}: the key {key!r} appears twice")
        keys.add(key)
        ids = entry["statements"]
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise MaturityFileError(f"{where}: statements must be a list of one or more statement ids")
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise MaturityFileError(f"{where}: no matrix has the statement{'s' if len(unknown) > 1 else ''} "
                                    f"{', '.join(unknown)}")
        if len(set(ids)) != len(ids):
            raise MaturityFileError(f"{where}: a statement is listed twice")
        offers.append(SupportOffer(
            key=key,
            name=_text(entry, "name", where),
            description=_text(entry, "description", where),
            group=_text(entry, "group", where),
            source=_text(entry, "source", where, default=default_source),
            statements=tuple(ids),
        ))
    return offers


def _read_toml(path: Traversable, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise MaturityFileError(f"{file}: not valid TOML ({err})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise MaturityFileError(f"{file}: cannot be read ({err})") from None


def read_matrices(folder: Traversable) -> list[Matrix]:
    """Every matrix file (``*.toml`` except the support offers) of ``folder``, sorted by key.

    Statement ids must be unique across the matrices, so that support offers and stored answers
    can name a statement by its id alone.
    """
    found = []
    owner: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".toml") or path.name == OFFERS_FILE or not path.is_file():
            continue
        file = f"{folder.name}/{path.name}"
        matrix = parse_matrix(_read_toml(path, file), file, expected_key=path.name.removesuffix(".toml"))
        for statement in matrix.statements():
            if statement.id in owner:
                raise MaturityFileError(
                    f"{file}, statement {statement.id}: the id is also used by {owner[statement.id]}; "
                    "statement ids must be unique across matrices"
                )
            owner[statement.id] = file
        found.append(matrix)
    if not found:
        raise MaturityFileError(f"{folder.name}: no maturity matrix files (*.toml)")
    return sorted(found, key=lambda matrix: matrix.key)


def read_offers(folder: Traversable, matrices: Sequence[Matrix]) -> list[SupportOffer]:
    """The support offers of ``folder`` (none when it has no ``support-offers.toml``)."""
    path = folder.joinpath(OFFERS_FILE)
    if not path.is_file():
        return []
    file = f"{folder.name}/{OFFERS_FILE}"
    return parse_offers(_read_toml(path, file), file, matrices)


def packaged_folder() -> Traversable:
    """The packaged ``maturity`` folder."""
    return resources.files(PACKAGE).joinpath(FOLDER)


@functools.cache
def _packaged_matrices() -> tuple[Matrix, ...]:
    return tuple(read_matrices(packaged_folder()))


@functools.cache
def _packaged_offers() -> tuple[SupportOffer, ...]:
    return tuple(read_offers(packaged_folder(), _packaged_matrices()))


def matrices() -> list[Matrix]:
    """Every packaged matrix, sorted by key."""
    return list(_packaged_matrices())


def load_matrix(key: str | None = None) -> Matrix:
    """The packaged matrix ``key`` (default ``national-2019``); ValueError listing the keys there are."""
    wanted = DEFAULT_MATRIX if key is None else key
    for matrix in _packaged_matrices():
        if matrix.key == wanted:
            return matrix
    available = ", ".join(matrix.key for matrix in _packaged_matrices())
    raise ValueError(f"there is no maturity matrix {wanted!r}; the matrices are {available}")


def support_offers() -> list[SupportOffer]:
    """The packaged support offers, each linked to statements that exist in the packaged matrices."""
    return list(_packaged_offers())
