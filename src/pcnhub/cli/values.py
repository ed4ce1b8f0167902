"""Values typed on the command line, checked the same way for every ``pcnhub`` command.

One ISO-date reader (:func:`iso_date`, and :func:`date_argument` as an argparse type), one
financial-year reader (:func:`financial_year`, an argparse type), one reader of counts of patients
or beds (:func:`count_argument`), and DuckDB's memory limit and threads for every command that runs it over
patient data (:func:`add_duckdb_arguments`, :func:`duckdb_limits`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TextIO

from pcnhub.domain.money.years import FinancialYear

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
#: More than England's registered population (about 63 million in 2026): the bound of any count typed.
MAX_COUNT: Final = 100_000_000


def _date(value: str | dt.date, example: str) -> dt.date:
    """``value`` as a date written YYYY-MM-DD; ValueError (without a flag) otherwise."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    hint = f", e.g. {example}" if example else ""
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD{hint})")


def iso_date(flag: str, value: str | dt.date, example: str = "") -> dt.date:
    """``value`` as a date written YYYY-MM-DD; ValueError naming ``flag`` otherwise."""
    try:
        return _date(value, example)
    except ValueError as err:
        raise ValueError(f"{flag}: {err}") from None


def date_argument(example: str = "") -> Callable[[str], dt.date]:
    """An argparse ``type`` reading a date written YYYY-MM-DD (argparse names the flag in its error)."""

    def parse(text: str) -> dt.date:
        try:
            return _date(text, example)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def financial_year(text: str) -> FinancialYear:
    """An argparse ``type`` reading a financial year such as 2023/24 or 2023-24."""
    try:
        return FinancialYear.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def count_argument(minimum: int, below: str) -> Callable[[str], int]:
    """An argparse ``type`` reading a whole number (commas and underscores allowed) from ``minimum`` to
    :data:`MAX_COUNT`; ``below`` (with ``{text}``) says why a smaller one is refused."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(below.format(text=text))
        if value > MAX_COUNT:
            raise argparse.ArgumentTypeError(f"{text} is more than {MAX_COUNT:,}, more than England's population")
        return value

    return parse


def usable_dataset(text: str, stderr: TextIO, prog: str, *, tables: Sequence[str] | None = None,
                   memory_limit: str | None = None, threads: int | None = None) -> Path | None:
    """The patient-level dataset folder ``--data`` names: ValueError if it is not a folder; None, after writing every
    error that makes it unusable to ``stderr``, if its files do not pass the schema.  ``tables``: the tables whose
    rows are checked (default every one; the others' files and columns only); ``memory_limit`` and ``threads``: the
    check's DuckDB's (:func:`duckdb_limits`)."""
    from pcnhub.analytics.schema import ERROR, validate_dataset

    data = Path(text)
    if not data.is_dir():
        raise ValueError(f"--data: {data} is not a folder")
    problems = validate_dataset(data, codes=False, tables=tables, memory_limit=memory_limit, threads=threads)
    errors = [p for p in problems if p.severity == ERROR]
    if not errors:
        return data
    stderr.write(f"{prog}: the dataset in {data} cannot be used:\n")
    for problem in errors:
        stderr.write(f"  {problem.describe()}\n")
    return None


def add_duckdb_arguments(parser: argparse.ArgumentParser) -> None:
    """``--memory-limit`` and ``--threads``, DuckDB's, for a command that runs DuckDB over patient data (read with
    :func:`duckdb_limits`)."""
    parser.add_argument("--memory-limit", metavar="SIZE",
                        help="DuckDB's memory limit: 8GB, 512MB, 1.5GiB, or a share of this machine's memory, 50%% "
                             "(default: $PCNHUB_DUCKDB_MEMORY_LIMIT, else half of this machine's memory); what does "
                             "not fit spills to disk")
    parser.add_argument("--threads", metavar="N",
                        help="DuckDB's threads (default: $PCNHUB_DUCKDB_THREADS, else one a core)")


def duckdb_limits(args: argparse.Namespace) -> tuple[str, int | None]:
    """``(memory_limit, threads)`` from ``--memory-limit`` and ``--threads``, else the environment, else the
    defaults (:mod:`pcnhub.analytics.limits`); ValueError naming the option (or variable) with a bad value."""
    from pcnhub.analytics import limits

    return limits.memory_limit(args.memory_limit), limits.threads(args.threads)


def out_of_memory(error: Exception, memory_limit: str) -> str:
    """What to say when DuckDB could not keep to its memory limit (an operation that cannot spill to disk)."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (f"DuckDB ran out of memory within its limit of {memory_limit} ({first}); give it more with "
            f"--memory-limit or PCNHUB_DUCKDB_MEMORY_LIMIT (e.g. 75%), or fewer --threads")
