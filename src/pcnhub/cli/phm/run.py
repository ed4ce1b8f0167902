"""``pcnhub phm run``: run the population health pipeline on a dataset (see :mod:`pcnhub.analytics.run`).

``pcnhub phm run --data DIR [--engine duckdb|spark] --out DIR [--practice-map FILE] [--as-of YYYY-MM-DD]
[--quiet] [--json]``

Reads the Parquet dataset in ``--data`` (checked first with
:func:`pcnhub.analytics.schema.validate_dataset`), runs every step with a progress display on stderr
(not with ``--quiet``) and writes ``patient_features.parquet``, ``aggregates.parquet``,
``variation.parquet`` and ``summary.json`` to ``--out``.  ``--practice-map`` is an NHS Digital
``gp-reg-pat-prac-map.csv``: it gives each practice its PCN and ICB (without it the PCN and ICB
columns are empty and there are no PCN or ICB aggregates).  Prints what was written (the summary as
JSON with ``--json``).

Exit codes: 0 when written, 2 on bad input (a missing table, column or type, a bad practice map or
date, an engine that cannot run), with the reasons on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.analytics.engines import ENGINES, EngineError
from pcnhub.analytics.practices import read_map
from pcnhub.cli.commands import EXIT_BAD_INPUT, EXIT_OK, bad_input
from pcnhub.cli.values import iso_date, usable_dataset

PROG: Final = "pcnhub phm run"


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``run`` command's arguments (values are checked by :func:`run_run`)."""
    parser.add_argument("--data", type=Path, required=True, metavar="DIR",
                        help="the dataset folder (patients, events, medications, hospital, appointments .parquet)")
    parser.add_argument("--engine", choices=ENGINES, default="duckdb", help="the engine to run on (default duckdb)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the outputs to")
    parser.add_argument("--practice-map", type=Path, metavar="FILE",
                        help="NHS gp-reg-pat-prac-map.csv: the PCN and ICB of each practice")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the date to compute on (default: the latest event or prescription date of the data)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run_run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check the input, run the pipeline, report; return the exit code."""
    from pcnhub.analytics.run import run_pipeline

    try:
        as_of = None if args.as_of is None else iso_date("--as-of", args.as_of)
        data = usable_dataset(args.data, stderr, PROG)
        if data is None:
            return EXIT_BAD_INPUT
        practice_map = None if args.practice_map is None else read_map(args.practice_map)
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise ValueError(f"--out: {args.out} is a file, not a folder")
        summary = run_pipeline(data, Path(args.out), engine=args.engine, practice_map=practice_map, as_of=as_of,
                               progress=not args.quiet, console=stderr)
    except (ValueError, OSError, EngineError) as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    if args.json:
        stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in summary["steps"].items())
        stdout.write(
            f"Wrote the pipeline outputs of {summary['patients']:,} registered patients (as of {summary['as_of']}, "
            f"{summary['engine']}) to {args.out} in {summary['seconds']:.1f} s.\n"
            f"Files: patient_features.parquet, aggregates.parquet, variation.parquet, summary.json\nSteps: {steps}\n"
        )
    return EXIT_OK
