"""``pcnhub measures``: the measures of ``reference/measures/`` on a dataset (see :mod:`pcnhub.analytics.measures.run`).

``pcnhub measures run --data DIR [--engine duckdb|spark] --out DIR [--practice-map FILE] [--features FILE]
[--months N] [--as-of YYYY-MM-DD] [--measure ID ...] [--by-imd] [--by-neighbourhood] [--workers N]
[--memory-limit SIZE] [--threads N] [--quiet] [--json]``

Writes ``measure_values.parquet``, ``measure_deciles.parquet`` and ``measures.json`` to ``--out``, with a
progress bar on stderr (not with ``--quiet``); ``--by-imd`` also ``measure_inequalities.parquet`` (by IMD decile),
``--by-neighbourhood`` also ``measure_neighbourhoods.parquet`` (by each PCN's neighbourhoods, the LSOAs of its
patients; needs ``--practice-map`` to know the PCNs).  ``--practice-map``: NHS Digital ``gp-reg-pat-prac-map.csv``
(each practice's PCN, sub-ICB and ICB; without it only practices and England).  ``--features``: the
``patient_features.parquet`` of ``pcnhub phm run``, for measures that use its results (QRISK3).  ``--memory-limit``
and ``--threads``: DuckDB's, for the check of the dataset and the run (the memory limit shared by the ``--workers``
connections; :mod:`pcnhub.analytics.limits`).

Exit codes: 0 when written, 2 on bad input (a dataset that cannot be used, an unknown measure, a bad
map, date or memory limit, an engine that cannot run, DuckDB out of memory within its limit), with the reasons
on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_BAD_INPUT, EXIT_OK, bad_input, fail
from pcnhub.cli.values import add_duckdb_arguments, duckdb_limits, iso_date, out_of_memory, usable_dataset

PROG: Final = "pcnhub measures run"


def add_measures_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="measures_command", metavar="run")
    run = sub.add_parser("run", help="compute every measure by month for practices, PCNs, sub-ICBs, ICBs, England")
    run.add_argument("--data", type=Path, required=True, metavar="DIR", help="the dataset folder (Parquet)")
    run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="default duckdb")
    run.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the outputs to")
    run.add_argument("--practice-map", type=Path, metavar="FILE", help="NHS gp-reg-pat-prac-map.csv")
    run.add_argument("--features", type=Path, metavar="FILE", help="patient_features.parquet of pcnhub phm run")
    run.add_argument("--months", type=int, default=24, metavar="N", help="months to compute (default 24)")
    run.add_argument("--as-of", metavar="YYYY-MM-DD", help="the last month is the last whole one on this date")
    run.add_argument("--measure", action="append", metavar="ID", help="only this measure (repeatable)")
    run.add_argument("--by-imd", action="store_true",
                     help="also write measure_inequalities.parquet: every measure by IMD decile (PCN and above)")
    run.add_argument("--by-neighbourhood", action="store_true",
                     help="also write measure_neighbourhoods.parquet: every measure by each PCN's LSOAs")
    run.add_argument("--workers", type=int, metavar="N",
                     help="DuckDB: count the groups of measures that share no work on N connections side by side "
                          "(default 2; 1: one after the other)")
    add_duckdb_arguments(run)
    run.add_argument("--quiet", action="store_true", help="no progress display")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")


def run_measures_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.measures_command != "run":
        return fail(stderr, "pcnhub measures", "choose a sub-command: run")
    import duckdb

    from pcnhub.analytics.engines import EngineError
    from pcnhub.analytics.measures.run import BREAKDOWN_FILES, DECILES_FILE, SUMMARY_FILE, VALUES_FILE, run_measures
    from pcnhub.analytics.practices import read_geography
    from pcnhub.analytics.schema import PIPELINE_TABLES
    from pcnhub.reference.measures import MeasureError

    memory_limit = None
    try:
        as_of = None if args.as_of is None else iso_date("--as-of", args.as_of)
        if args.months < 1:
            raise ValueError(f"--months: {args.months} is not 1 or more")
        if args.workers is not None and args.workers < 1:
            raise ValueError(f"--workers: {args.workers} is not 1 or more")
        memory_limit, threads = duckdb_limits(args)
        data = usable_dataset(args.data, stderr, PROG, tables=PIPELINE_TABLES, memory_limit=memory_limit,
                              threads=threads)
        if data is None:
            return EXIT_BAD_INPUT
        if args.features is not None and not Path(args.features).is_file():
            raise ValueError(f"--features: {args.features} does not exist")
        geography = None if args.practice_map is None else read_geography(args.practice_map)
        if geography is None and args.by_neighbourhood:
            raise ValueError("--by-neighbourhood needs --practice-map (a neighbourhood is a PCN's)")
        summary = run_measures(data, Path(args.out), engine=args.engine, geography=geography,
                               features=args.features, months=args.months, as_of=as_of, only=args.measure,
                               progress=not args.quiet, console=stderr, by_imd=args.by_imd,
                               by_neighbourhood=args.by_neighbourhood, workers=args.workers,
                               memory_limit=memory_limit, threads=threads)
    except duckdb.OutOfMemoryException as err:
        return fail(stderr, PROG, out_of_memory(err, memory_limit))
    except (ValueError, OSError, EngineError, MeasureError) as err:
        return bad_input(stderr, PROG, err)
    if args.json:
        stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        files = [VALUES_FILE, DECILES_FILE, *(BREAKDOWN_FILES[b] for b in summary["breakdowns"]), SUMMARY_FILE]
        stdout.write(
            f"Wrote {len(summary['measures'])} measures for {summary['months'][0]} to {summary['months'][1]} "
            f"({summary['engine']}) to {args.out} in {summary['seconds']:.1f} s.\n"
            f"Files: {', '.join(files)}\n")
        for measure_id, reason in summary["skipped"].items():
            stdout.write(f"Skipped {measure_id}: {reason}\n")
    return EXIT_OK
