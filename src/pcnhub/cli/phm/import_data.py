"""``pcnhub phm import``: import FHIR R4 or CSV extracts as a population health dataset folder.

``pcnhub phm import --fhir FILE_OR_DIR... --out DIR [--practice CODE] [--strict] [--json]``
``pcnhub phm import --csv DIR --out DIR [--json]``

``--fhir`` reads Bundles (``.json``: transaction, batch, collection, searchset, as Synthea writes them)
and NDJSON files (``.ndjson``, a FHIR Bulk Data export), gzipped (``.gz``) or not, or such files in folders
(see :mod:`pcnhub.analytics.importers.fhir`); ``--practice`` is the ODS code of patients without a
practice identifier.  It imports what is sound and reports the rest (resources ignored by rule,
rejected by reason with examples, unmapped codes per code system); ``--strict`` makes any rejected
resource fail the whole import instead.  ``--csv`` reads a folder of CSV extracts (see
:mod:`pcnhub.analytics.importers.csv_extract`), all-or-nothing.  ``--out`` must not exist (or be an
empty folder); it is never left half-written.

Exit codes: 0 when written, 2 on bad input (named by file, row or entry, and field on stderr).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input

PROG: Final = "pcnhub phm import"


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``import`` command's arguments."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--fhir", nargs="+", type=Path, metavar="FILE_OR_DIR",
                        help="FHIR R4 Bundle (.json) or NDJSON (.ndjson) files, gzipped (.gz) or not, or folders "
                             "of them")
    source.add_argument("--csv", type=Path, metavar="DIR",
                        help="folder of CSV extracts: patients.csv, events.csv, medications.csv "
                        "[, hospital.csv, appointments.csv]")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="dataset folder to write (must not exist, or be empty)")
    parser.add_argument("--practice", metavar="CODE",
                        help="ODS practice code of FHIR patients without a generalPractitioner/"
                        "managingOrganization ODS identifier")
    parser.add_argument("--strict", action="store_true",
                        help="FHIR: fail the whole import on any rejected resource (default: import what is "
                        "sound and report the rest)")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")


def run_import(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Import, report; return the exit code."""
    from pcnhub.analytics.importers.csv_extract import import_csv
    from pcnhub.analytics.importers.fhir import import_fhir

    try:
        if args.fhir:
            result = import_fhir(args.fhir, args.out, practice=args.practice, strict=args.strict)
        else:
            if args.practice:
                raise ValueError("--practice is for --fhir only (CSV extracts have a practice_code column)")
            if args.strict:
                raise ValueError("--strict is for --fhir only (CSV extracts are always imported all-or-nothing)")
            result = import_csv(args.csv, args.out)
    except (ValueError, OSError) as err:  # InputError is a ValueError
        return bad_input(stderr, PROG, err)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return EXIT_OK
    rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
    stdout.write(f"Wrote {result.folder}.\nRows: {rows}\n")
    if result.ignored:
        stdout.write("Ignored: " + ", ".join(f"{what} {count:,}" for what, count in result.ignored.items()) + "\n")
    report = result.report
    if report:
        stdout.write(f"Resources: {report['total']:,} read, {report['imported']:,} imported, "
                     f"{sum(report['ignored'].values()):,} ignored, {sum(report['rejected'].values()):,} rejected\n")
        for reason, count in report["rejected"].items():
            stdout.write(f"Rejected: {reason} {count:,}\n")
        for system, codes in report["unmapped"].items():
            top = sorted(codes.items(), key=lambda item: (-item[1], item[0]))[:10]
            stdout.write(f"Unmapped {system} codes: {sum(codes.values()):,} ("
                         + ", ".join(f"{code} {count:,}" for code, count in top)
                         + (", ..." if len(codes) > len(top) else "") + ")\n")
        for note, count in report["notes"].items():
            stdout.write(f"Note: {note} {count:,}\n")
        stdout.writelines(f"Example: {example}\n" for example in report["examples"])
    stdout.writelines(f"Warning: {warning}\n" for warning in result.warnings)
    return EXIT_OK
