"""``pcnhub phm``: population health commands.

    pcnhub phm qrisk3 --age A --sex female|male --ethnicity E --chol-hdl R --sbp S --sbp-sd D --bmi B [flags] --json
    pcnhub phm synth --practices FILE --patients N --seed S --out DIR    synthetic patient-level Parquet dataset
    pcnhub phm run --data DIR --engine duckdb|spark --out DIR             the population health pipeline
    pcnhub phm import --fhir FILE_OR_DIR... | --csv DIR --out DIR         FHIR R4 bundles or CSV extracts to a dataset
"""

from __future__ import annotations

import argparse
from typing import TextIO


def add_phm_arguments(parser: argparse.ArgumentParser) -> None:
    from pcnhub.analytics.import_cli import add_import_arguments
    from pcnhub.analytics.run_cli import add_run_arguments
    from pcnhub.analytics.synth_cli import add_synth_arguments
    from pcnhub.domain.phm.qrisk3_cli import add_qrisk3_arguments

    sub = parser.add_subparsers(dest="phm_command", required=True)
    add_qrisk3_arguments(sub.add_parser("qrisk3", help="QRISK3-2017 10-year cardiovascular risk of one person",
                                        formatter_class=argparse.RawDescriptionHelpFormatter))
    add_synth_arguments(sub.add_parser("synth", help="generate a synthetic patient-level dataset (Parquet)"))
    add_run_arguments(sub.add_parser("run", help="run the population health pipeline on DuckDB or Spark"))
    add_import_arguments(sub.add_parser("import", help="import FHIR R4 bundles or CSV extracts as a dataset"))


def run_phm(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.phm_command == "qrisk3":
        from pcnhub.domain.phm.qrisk3_cli import run_qrisk3

        return run_qrisk3(args, stdout, stderr)
    if args.phm_command == "synth":
        from pcnhub.analytics.synth_cli import run_synth

        return run_synth(args, stdout, stderr)
    if args.phm_command == "import":
        from pcnhub.analytics.import_cli import run_import

        return run_import(args, stdout, stderr)
    if args.phm_command == "run":
        from pcnhub.analytics.run_cli import run_run

        return run_run(args, stdout, stderr)
    raise AssertionError(args.phm_command)
