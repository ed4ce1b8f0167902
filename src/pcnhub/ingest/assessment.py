"""A maturity self-assessment from a JSON file (``pcnhub maturity score FILE.json``).

Either ``{"matrix": "national-2019", "audience": "pcn", "answers": {"lpp-0-pcn-1": "achieved", ...}}``
(every key optional but ``answers``) or a flat object of statement id -> status (``not_started``,
``in_progress``, ``achieved``).  Every problem in the file is raised as one
:class:`~pcnhub.domain.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pcnhub.domain.errors import InputError, Problems
from pcnhub.domain.maturity import AUDIENCES, STATUSES
from pcnhub.ingest.tabular import open_input

_WRAPPER_KEYS: Final = ("matrix", "audience", "answers")


@dataclass(frozen=True)
class Assessment:
    """A self-assessment as read from a file: the matrix and audience it names (if any) and its answers."""

    matrix: str | None
    audience: str | None
    answers: dict[str, str]


def read_assessment(path: Path) -> Assessment:
    """Read a self-assessment JSON file; every problem in it becomes one :class:`InputError`."""
    file = path.name
    with open_input(path, "a JSON file") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.single(file, f"the file is not UTF-8 text (byte {err.start})") from None
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as err:
        raise InputError.single(
            file, f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
        ) from None
    except RecursionError:
        raise InputError.single(file, "the file nests too deeply to be a self-assessment") from None
    if not isinstance(data, dict):
        raise InputError.single(
            file, 'expected a JSON object: {"matrix": ..., "audience": ..., "answers": {id: status}} '
            "or {id: status}",
        )
    problems = Problems(file)
    matrix = audience = None
    if any(key in data for key in _WRAPPER_KEYS):
        for key in sorted(set(data) - set(_WRAPPER_KEYS)):
            problems.add(None, key, f"unknown key (expected {', '.join(_WRAPPER_KEYS)})")
        matrix = data.get("matrix")
        if matrix is not None and (not isinstance(matrix, str) or not matrix.strip()):
            problems.add(None, "matrix", f"{json.dumps(matrix)} is not a matrix key (e.g. \"national-2019\")")
            matrix = None
        audience = data.get("audience")
        if audience is not None and audience not in AUDIENCES:
            problems.add(None, "audience", f"{json.dumps(audience)} is not an audience; use {' or '.join(AUDIENCES)}")
            audience = None
        answers = data.get("answers")
        if not isinstance(answers, dict):
            problems.fail(None, "answers", "expected an object of statement id -> status")
    else:
        answers = data
    for key in duplicates:
        if key in answers:
            problems.add(None, key, "the statement appears twice")
    for statement_id, status in answers.items():
        if status not in STATUSES:
            problems.add(
                None, statement_id, f"{json.dumps(status)} is not a status; use {', '.join(STATUSES)}"
            )
    problems.raise_if_any()
    return Assessment(matrix=matrix, audience=audience, answers=answers)
