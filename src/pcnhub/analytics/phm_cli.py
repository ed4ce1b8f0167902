"""``pcnhub phm``: population health commands.

    pcnhub phm qrisk3 --age A --sex female|male --ethnicity E --chol-hdl R --sbp S --sbp-sd D --bmi B [flags] --json
"""

from __future__ import annotations

import argparse
from typing import TextIO


def add_phm_arguments(parser: argparse.ArgumentParser) -> None:
    from pcnhub.domain.phm.qrisk3_cli import add_qrisk3_arguments

    sub = parser.add_subparsers(dest="phm_command", required=True)
    add_qrisk3_arguments(sub.add_parser("qrisk3", help="QRISK3-2017 10-year cardiovascular risk of one person",
                                        formatter_class=argparse.RawDescriptionHelpFormatter))


def run_phm(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.phm_command == "qrisk3":
        from pcnhub.domain.phm.qrisk3_cli import run_qrisk3

        return run_qrisk3(args, stdout, stderr)
    raise AssertionError(args.phm_command)
