"""``pcnhub phm run``: run the population health pipeline on a dataset (see :mod:`pcnhub.analytics.run`).

``pcnhub phm run --data DIR [--engine duckdb|spark] --out DIR [--practice-map FILE] [--as-of YYYY-MM-DD]
[--memory-limit SIZE] [--threads N] [--quiet] [--json]``

Reads the Parquet dataset in ``--data`` (checked first with
:func:`pcnhub.analytics.schema.validate_dataset`: the rows of the tables the pipeline reads,
:data:`pcnhub.analytics.schema.PIPELINE_TABLES`, and the files and columns of the others), runs every step with
a progress display on stderr (not with ``--quiet``) and writes ``patient_features.parquet``, ``aggregates.parquet``,
``variation.parquet`` and ``summary.json`` to ``--out``.  ``--practice-map`` is an NHS Digital
``gp-reg-pat-prac-map.csv``: it gives each practice its PCN and ICB (without it the PCN and ICB
columns are empty and there are no PCN or ICB aggregates).  ``--memory-limit`` and ``--threads``: DuckDB's, for
the check and the run (:mod:`pcnhub.analytics.limits`: default ``PCNHUB_DUCKDB_MEMORY_LIMIT``, else half of the
machine's memory; what does not fit spills to a folder inside ``--out``).  Prints what was written (the summary as
JSON with ``--json``).

Exit codes: 0 when written, 2 on bad input (a missing table, column or type, a bad practice map, date or memory
limit, an engine that cannot run, DuckDB out of memory within its limit), with the reasons on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.analytics.engines import ENGINES, EngineError
from pcnhub.analytics.practices import read_map
from pcnhub.cli.commands import EXIT_BAD_INPUT, EXIT_OK, bad_input, fail
from pcnhub.cli.values import add_duckdb_arguments, duckdb_limits, iso_date, out_of_memory, usable_dataset

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
    add_duckdb_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run_run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check the input, run the pipeline, report; return the exit code."""
    import duckdb

    from pcnhub.analytics.run import run_pipeline
    from pcnhub.analytics.schema import PIPELINE_TABLES

    memory_limit = None
    try:
        as_of = None if args.as_of is None else iso_date("--as-of", args.as_of)
        memory_limit, threads = duckdb_limits(args)
        data = usable_dataset(args.data, stderr, PROG, tables=PIPELINE_TABLES, memory_limit=memory_limit,
                              threads=threads)
        if data is None:
            return EXIT_BAD_INPUT
        practice_map = None if args.practice_map is None else read_map(args.practice_map)
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise ValueError(f"--out: {args.out} is a file, not a folder")
        summary = run_pipeline(data, Path(args.out), engine=args.engine, practice_map=practice_map, as_of=as_of,
                               progress=not args.quiet, console=stderr, memory_limit=memory_limit, threads=threads)
    except duckdb.OutOfMemoryException as err:
        return fail(stderr, PROG, out_of_memory(err, memory_limit))
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
