"""Errors raised when input data cannot be used.

Every importer reports bad input as one :class:`InputError` carrying all the
problems it found, so the user can fix a file in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

#: How many problems a reader collects before it stops and reports them.
MAX_PROBLEMS: Final = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` is the line number in the file (the header is line 1) and ``field``
    the column name; either is ``None`` when the problem concerns the whole
    file or the whole row.
    """

    row: int | None
    field: str | None
    message: str

    def describe(self, file: str) -> str:
        """Return the problem as "FILE row R, field F: message"."""
        location = file
        if self.row is not None:
            location += f" row {self.row}"
        if self.field is not None:
            location += f", field {self.field}"
        return f"{location}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class InputError(ValueError):
    """Input data that cannot be used, with every problem found in it.

    ``file``, ``row``, ``field`` and ``message`` describe the first problem;
    ``problems`` holds them all and ``str()`` lists one per line.  ``truncated``
    is true when the reader stopped collecting before the end of the file.
    """

    def __init__(self, file: str, problems: Sequence[Problem], *, truncated: bool = False) -> None:
        if not problems:
            raise ValueError("an InputError needs at least one problem")
        self.file = file
        self.problems = tuple(problems)
        self.truncated = truncated
        first = self.problems[0]
        self.row = first.row
        self.field = first.field
        self.message = first.message
        lines = [problem.describe(file) for problem in self.problems]
        if truncated:
            lines.append(f"{file}: stopped after the first {len(self.problems)} problems")
        super().__init__("\n".join(lines))

    @classmethod
    def single(
        cls, file: str, message: str, *, row: int | None = None, field: str | None = None
    ) -> InputError:
        """Build an error for one problem."""
        return cls(file, [Problem(row, field, message)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "problems": [problem.to_dict() for problem in self.problems],
            "truncated": self.truncated,
        }


class Problems:
    """Problems found in one file; raises :class:`InputError` once there are too many, or on request."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []
        self.context = ""  # put before each message, e.g. "sheet PCNDetails: "

    def add(self, row: int | None, field: str | None, message: str) -> None:
        """Record a problem; the one after :data:`MAX_PROBLEMS` stops the reading."""
        if len(self.found) == MAX_PROBLEMS:
            raise InputError(self.file, self.found, truncated=True)
        self.found.append(Problem(row, field, self.context + message))

    def fail(self, row: int | None, field: str | None, message: str) -> NoReturn:
        """Record a problem that makes reading on pointless, and raise."""
        self.add(row, field, message)
        raise InputError(self.file, self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise InputError(self.file, self.found)
