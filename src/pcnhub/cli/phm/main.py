"""``pcnhub phm``: population health commands.

    pcnhub phm qrisk3 --age A --sex female|male --ethnicity E --chol-hdl R --sbp S --sbp-sd D --bmi B [flags] --json
    pcnhub phm synth --practices FILE --patients N --seed S --out DIR    synthetic patient-level Parquet dataset
    pcnhub phm run --data DIR --engine duckdb|spark --out DIR             the population health pipeline
    pcnhub phm import --fhir FILE_OR_DIR... | --csv DIR --out DIR         FHIR R4 bundles or CSV extracts to a dataset
"""

from __future__ import annotations

import argparse
from typing import TextIO

from pcnhub.cli.commands import Command, add_commands, run_command

PHM_COMMANDS = {
    "qrisk3": Command("QRISK3-2017 10-year cardiovascular risk of one person", "pcnhub.cli.phm.qrisk3",
                      "add_qrisk3_arguments", "run_qrisk3",
                      {"formatter_class": argparse.RawDescriptionHelpFormatter}),
    "synth": Command("generate a synthetic patient-level dataset (Parquet)", "pcnhub.cli.phm.synth",
                     "add_synth_arguments", "run_synth"),
    "run": Command("run the population health pipeline on DuckDB or Spark", "pcnhub.cli.phm.run",
                   "add_run_arguments", "run_run"),
    "import": Command("import FHIR R4 bundles or CSV extracts as a dataset", "pcnhub.cli.phm.import_data",
                      "add_import_arguments", "run_import"),
}


def add_phm_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """``argv``: the words after ``phm``, so that only the sub-command used is imported."""
    add_commands(parser.add_subparsers(dest="phm_command", required=True), PHM_COMMANDS, argv)


def run_phm(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return run_command(PHM_COMMANDS, args.phm_command, args, stdout, stderr)
