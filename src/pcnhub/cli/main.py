"""The ``pcnhub`` command.

    pcnhub check FILE.csv [--lower N] [--upper N] [--max-edge-km KM] [--json]   rules and contiguity check of a file
    pcnhub check --pcn-date YYYY-MM-DD --icb CODE [--max-edge-km KM] [--json]   ... of the stored register
    pcnhub import FILE [FILE ...] [--kind K] [--date D]         import NHS open data files
    pcnhub demo [--users-only]                                  migrate and load the demo data and users
    pcnhub entitlements --year Y --registered N | --pcn CODE | --icb CODE [--json]   network payments
    pcnhub access --date D --registered N [--adjusted N] [--plan FILE.csv] [--json]   access hours
    pcnhub design FILE.csv [--lower N] [--upper N] [--networks K] [--seconds T] [--json]   propose networks
    pcnhub arrs plan FILE.csv --year Y --weighted N [--json]   ARRS workforce plan: claims, sum, headroom
    pcnhub maturity matrix | score FILE.json | offers [--json]  PCN maturity matrix, self-assessment, support
    pcnhub iif points --year Y --indicator ID --numerator N --denominator D [...] [--json]   IIF points and GBP
    pcnhub iif catalogue --year Y [--json]                      the year's IIF indicators, points and thresholds
    pcnhub phm qrisk3 --age A --sex S --ethnicity E ... [--json]  population health: QRISK3 10-year CVD risk
    pcnhub scenario --changes FILE.csv --date D [--area CODE] [--json]   a scenario before and after, per network
    pcnhub scenario apply-due [--date D] [--json]                apply approved scenarios whose date has come
    pcnhub export fhir --out DIR [--type T,...] [--since WHEN] [--json]   FHIR R4 NDJSON bulk export
    pcnhub serve [ADDRESS:PORT] [--production [--workers N]]     run the web app (gunicorn with --production)
    pcnhub manage ARGS...                                        any Django management command
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from pcnhub.cli.check import add_check_arguments, run_check
from pcnhub.cli.commands import EXIT_OK, Command, add_commands, fail, run_command
from pcnhub.cli.django import setup_database, setup_django

#: Commands in modules of their own, imported only when used (see :mod:`pcnhub.cli.commands`).
COMMANDS = {
    "access": Command("extended or enhanced access hours a network must offer", "pcnhub.cli.access",
                      "add_access_arguments", "run_access"),
    "design": Command("propose contiguous, in-band networks for practices", "pcnhub.cli.design",
                      "add_design_arguments", "run_design"),
    "arrs": Command("ARRS workforce plans: projected claims against the ARRS sum", "pcnhub.cli.arrs",
                    "add_arrs_arguments", "run_arrs"),
    "phm": Command("population health: risk scores, synthetic data, pipelines", "pcnhub.cli.phm.main",
                   "add_phm_arguments", "run_phm", nested=True),
    "measures": Command("measures by month for practices, PCNs, sub-ICBs, ICBs and England (reference/measures)",
                        "pcnhub.cli.measures", "add_measures_arguments", "run_measures_command"),
    "maturity": Command("PCN maturity matrix: self-assessment scores and support", "pcnhub.cli.maturity",
                        "add_maturity_arguments", "run_maturity"),
    "iif": Command("Investment and Impact Fund: the catalogue, and points and GBP of an indicator",
                   "pcnhub.cli.iif", "add_iif_arguments", "run_iif"),
    "serve": Command("run the web app: development server, or gunicorn with --production", "pcnhub.cli.serve",
                     "add_serve_arguments", "run_serve"),
    "scenario": Command("compare a scenario's changes with the register; apply approved scenarios that are due",
                        "pcnhub.cli.scenario", "add_scenario_arguments", "run_scenario", nested=True),
    "export": Command("export the register and measures as FHIR R4 NDJSON (the API's bulk export, offline)",
                      "pcnhub.cli.export", "add_export_arguments", "run_export"),
    "entitlements": Command("a network's Network Contract payments for a year",
                            "pcnhub.cli.entitlements", "add_entitlements_arguments",
                            "run_entitlements"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command named first in ``argv`` has its module imported for its arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="pcnhub", description="Run England's Primary Care Networks.")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check a PCN configuration against the Network Contract rules")
    add_check_arguments(check)

    from pcnhub.cli.import_files import add_import_arguments

    add_import_arguments(sub.add_parser("import", help="import NHS open data files into the register"))
    add_commands(sub, COMMANDS, argv)

    demo = sub.add_parser("demo", help="migrate the database and load the demo register and users")
    demo.add_argument("--users-only", action="store_true", help="only (re)create the demo users")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["pcnhub manage", *argv[1:]])
        return EXIT_OK
    args = build_parser(argv).parse_args(argv)
    if args.command == "check":
        return run_check(args, stdout, stderr)
    if args.command in COMMANDS:
        return run_command(COMMANDS, args.command, args, stdout, stderr)
    if args.command == "demo":
        setup_django()
        from django.conf import settings

        if not settings.PCNHUB_DEMO_ALLOWED:
            return fail(stderr, "pcnhub demo", "the demo's users have a published password, so it never runs with "
                        f"production settings ({settings.SETTINGS_MODULE}); unset DJANGO_SETTINGS_MODULE for a trial")
    setup_database()
    if args.command == "import":
        from pcnhub.cli.import_files import run_import

        return run_import(args)
    if args.command == "demo":
        from pcnhub.webapp.demo import load_demo

        load_demo(users_only=args.users_only, progress=not args.quiet, out=stdout)
        return EXIT_OK
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
