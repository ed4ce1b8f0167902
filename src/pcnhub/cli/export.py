"""``pcnhub export fhir``: the FHIR API's bulk export, offline.

    pcnhub export fhir --out DIR [--type Organization,OrganizationAffiliation,Measure,MeasureReport]
                       [--since YYYY-MM-DD[THH:MM:SSZ]] [--quiet] [--json]

Writes ``<Type>.ndjson`` (one FHIR R4 resource a line, as ``GET /fhir/$export`` writes them, for the whole register
and measures output, as an analyst sees them) and ``manifest.json`` (``transactionTime``, ``output`` with each
file's name and count) into ``--out``, for a shared care record or an ICB data platform to take nightly.  ``--since``
keeps the resources changed at or after it.  The files are written into a new folder beside ``--out`` and moved into
place when all are done, so a failed export leaves no half-written files.  Exit 2 for a bad type or date.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.cli.django import setup_database

PROG: Final = "pcnhub export fhir"


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="export_command", required=True, metavar="fhir")
    fhir = sub.add_parser("fhir", help="FHIR R4 NDJSON of the register and the measures (FHIR Bulk Data layout)")
    fhir.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write (made if missing)")
    fhir.add_argument("--type", metavar="T[,T...]", help="resource types (default every exported one)")
    fhir.add_argument("--since", metavar="WHEN", help="only resources changed at or after this date or instant")
    fhir.add_argument("--quiet", action="store_true", help="no progress display")
    fhir.add_argument("--json", action="store_true", help="print the manifest as JSON")


def run_export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from pcnhub.fhir.search import FhirError, instant

    setup_database()
    from pcnhub.accounts.models import Role
    from pcnhub.accounts.scope import Scope
    from pcnhub.fhir import bulk
    from pcnhub.webapp.fhir import server

    try:
        exported = [t.name for t in server.types.values() if t.exported]
        names = bulk.parse_types(args.type, exported)
        since = None if args.since is None else bulk.since_range(args.since)
    except FhirError as problem:
        return bad_input(stderr, PROG, ValueError(problem.diagnostics.replace("_type", "--type").replace(
            "_since", "--since")))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pcnhub-export-", dir=out.parent))
    try:
        transaction_time = instant()
        progress = None if args.quiet else (lambda name, count: stderr.write(f"\r{name}: {count:,} resources"))
        output = bulk.write_export([server.types[n] for n in names], bulk.Caller(Scope(Role.ANALYST, None)), staging,
                                   since, progress)
        if progress is not None:
            stderr.write("\n")
        manifest = {"transactionTime": transaction_time, "request": f"{PROG} --type {','.join(names)}"
                    + (f" --since {args.since}" if args.since else ""), "requiresAccessToken": False,
                    "output": [{"type": o["type"], "url": o["file"], "count": o["count"]} for o in output],
                    "error": []}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        out.mkdir(exist_ok=True)
        for path in staging.iterdir():
            path.replace(out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if args.json:
        json.dump(manifest, stdout, indent=2)
        stdout.write("\n")
    else:
        for o in manifest["output"]:
            stdout.write(f"{out / o['url']}: {o['count']:,} {o['type']}\n")
    return EXIT_OK
