"""``pcnhub import FILE [FILE ...] [--kind K] [--date YYYY-MM-DD] [--area NAME] [--quiet]``.

Each file is imported in its own transaction, in the order given (epraccur, then the practice map,
then list sizes; a .zip's CSV files together, in one); one summary line per file goes to stdout,
followed by what the import found (names matched, populations compared), indented; what it could
not do (names not matched) goes to stderr as warnings, which do not change the exit status.  Bad input
stops the run with exit status 2 and the problems on stderr; files imported before it stay imported.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from pcnhub.cli.commands import EXIT_OK, fail
from pcnhub.cli.values import date_argument
from pcnhub.domain.errors import InputError
from pcnhub.ingest import Kind

PROG = "pcnhub import"


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``import`` command's arguments to ``parser``."""
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to import, in order")
    parser.add_argument(
        "--kind", choices=[kind.value for kind in Kind], help="kind of file (default: recognised from its contents)"
    )
    parser.add_argument(
        "--date", type=date_argument("2019-04-01"), metavar="YYYY-MM-DD", help="date a configuration CSV or local list applies from (required for one)"
    )
    parser.add_argument("--area", metavar="NAME", help="place of a configuration's or cluster file's PCNs, if it has no area column")
    parser.add_argument(
        "--skip-unknown",
        action="store_true",
        help="skip list-size and configuration rows for practices not in the register",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_import(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Import ``args.files`` (Django must be set up); return the exit status."""
    from pcnhub.register.loaders import import_all

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    for path in args.files:
        try:
            runs = import_all(
                path,
                args.kind,
                date=args.date,
                area=args.area,
                user=_user(),
                progress=not args.quiet,
                skip_unknown=args.skip_unknown,
            )
        except InputError as err:
            return fail(stderr, PROG, str(err))
        for run in runs:
            _report(run, stdout, stderr)
    return EXIT_OK


def _report(run: Any, stdout: TextIO, stderr: TextIO) -> None:
    """The summary line of one import, what it found, and (on stderr) what it could not do."""
    when = f" of {run.extract_date}" if run.extract_date else ""
    print(
        f"{run.file_name}: {run.kind}{when}, {run.rows:,} rows: {run.created:,} created, "
        f"{run.updated:,} updated, {run.unchanged:,} unchanged in {run.seconds:.1f} s",
        file=stdout,
    )
    for note in filter(None, run.notes.splitlines()):
        print(f"  {note}", file=stdout)
    for warning in filter(None, run.warnings.splitlines()):
        print(f"{PROG}: warning: {run.file_name}: {warning}", file=stderr)


def _user() -> str:
    """The login name of whoever runs the import, for the record of it."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
