"""``pcnhub phm synth``: write a synthetic registered population as Parquet (see :mod:`pcnhub.analytics.synth`).

``pcnhub phm synth --practices FILE [--patients N] [--seed S] --out DIR [--as-of YYYY-MM-DD] [--quiet] [--json]``
``pcnhub phm synth --from-register [YYYY-MM-DD] [--patients N] [--seed S] --out DIR``

The practices come from ``--practices FILE``, which is one of:

* a CSV with the columns ``practice_code`` and ``list_size`` (others, such as ``pcn`` of a
  configuration file, are ignored);
* NHS Digital ``gp-reg-pat-prac-all.csv`` (list sizes);
* NHS Digital ``gp-reg-pat-prac-quin-age.csv`` (list sizes, and each practice's own age-sex pyramid);
* NHS Digital ``gp-reg-pat-prac-map.csv`` (practices only: each gets an equal share, so ``--patients``
  is needed);

or, with ``--from-register``, the list sizes stored in the register on a date (the latest by default).
``--patients`` defaults to the sum of the list sizes; practices get patients in proportion to their
list size.  The same seed writes the same data.

Exit codes: 0 when written, 2 on bad input (a bad file is named by file, row and field on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final, TextIO

from pcnhub.analytics import synth
from pcnhub.analytics.synth import PracticeSize
from pcnhub.analytics.practices import EXPECTED, read_practices
from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.cli.values import iso_date
from pcnhub.progress import progress_bars

PROG: Final = "pcnhub phm synth"
_WHOLE_NUMBER: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)")


def add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``synth`` command's arguments (values are checked by :func:`run_synth`)."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--practices", type=Path, metavar="FILE",
                        help=f"the practices and their list sizes: {EXPECTED}")
    source.add_argument("--from-register", nargs="?", const="latest", metavar="YYYY-MM-DD",
                        help="list sizes stored in the register on a date (default: the latest)")
    parser.add_argument("--patients", metavar="N", help="patients in all (default: the sum of the list sizes)")
    parser.add_argument("--seed", default="0", metavar="S", help="random seed, a whole number (default 0)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the Parquet files to")
    parser.add_argument("--as-of", default=synth.AS_OF.isoformat(), metavar="YYYY-MM-DD",
                        help=f"the extract date of the data (default {synth.AS_OF.isoformat()})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")


def run_synth(args: argparse.Namespace, stdout: TextIO, stderr: TextIO,
              register: Callable[[dt.date | None], list[PracticeSize]] | None = None) -> int:
    """Read the practices, write the dataset, report it; return the exit code."""
    try:
        patients = None if args.patients is None else _whole("--patients", args.patients, minimum=1)
        seed = _whole("--seed", args.seed, minimum=0)
        as_of = iso_date("--as-of", args.as_of)
        if args.practices is not None:
            practices = read_practices(args.practices)
            if patients is None and not all(p.size_known for p in practices):
                raise ValueError("--patients is needed with a practice map file (it has no list sizes)")
        else:
            day = None if args.from_register == "latest" else iso_date("--from-register", args.from_register)
            practices = (register or practices_from_register)(day)
            if not practices:
                raise ValueError("the register has no practice list sizes" + (f" on or before {day}" if day else ""))
        result = _generate(practices, args.out, patients, seed, as_of, quiet=args.quiet, stderr=stderr)
    except (ValueError, OSError) as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
        stdout.write(
            f"Wrote {result.patients:,} synthetic patients of {result.practices:,} practices to {result.folder} "
            f"in {result.seconds:.1f} s (seed {result.seed}, as of {result.as_of}).\nRows: {rows}\n"
        )
    return EXIT_OK


def _generate(practices, out, patients, seed, as_of, *, quiet: bool, stderr: TextIO) -> synth.SynthResult:
    total = sum(p.list_size for p in practices) if patients is None else patients
    if quiet:
        return synth.generate(practices, out, patients=patients, seed=seed, as_of=as_of)
    with progress_bars(stderr) as progress:
        task = progress.add_task("synthetic patients", total=total)
        return synth.generate(practices, out, patients=patients, seed=seed, as_of=as_of,
                              progress=lambda done: progress.advance(task, done))


def _whole(flag: str, value: str | int, *, minimum: int) -> int:
    text = str(value).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"{flag}: {value!r} is not a whole number")
    number = int(text.replace(",", ""))
    if number < minimum:
        raise ValueError(f"{flag}: {value!r} must be {minimum} or more")
    return number


# --- the register ------------------------------------------------------------------------------------


def practices_from_register(day: dt.date | None = None) -> list[PracticeSize]:
    """Practice list sizes from the Django register: each practice's latest list size on or before ``day``."""
    from pcnhub.cli.django import setup_database

    setup_database()
    from pcnhub.register.models import ListSize, OrgKind

    rows = ListSize.objects.filter(organisation__kind=OrgKind.PRACTICE)
    if day is not None:
        rows = rows.filter(date__lte=day)
    latest: dict[str, tuple[dt.date, int]] = {}
    for code, date, registered in rows.values_list("organisation__code", "date", "registered"):
        if code not in latest or date > latest[code][0]:
            latest[code] = (date, registered)
    return synth.practices_from_pairs(sorted((code, size) for code, (_, size) in latest.items()))
