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
    pcnhub phm qrisk3 --age A --sex S --ethnicity E ... [--json]  population health: QRISK3 10-year CVD risk
    pcnhub serve [ADDRESS:PORT]                                  run the web app
    pcnhub manage ARGS...                                        any Django management command
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

from pcnhub.cli_commands import Command, add_commands, run_command
from pcnhub.domain.check_cli import add_check_arguments, run_file_check

EXIT_OK, EXIT_BROKEN, EXIT_BAD_INPUT = 0, 1, 2


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
    import django

    django.setup()


#: Commands in modules of their own, imported only when used (see :mod:`pcnhub.cli_commands`).
COMMANDS = {
    "access": Command("extended or enhanced access hours a network must offer", "pcnhub.domain.access_cli",
                      "add_access_arguments", "run_access"),
    "design": Command("propose contiguous, in-band networks for practices", "pcnhub.domain.design_cli",
                      "add_design_arguments", "run_design"),
    "arrs": Command("ARRS workforce plans: projected claims against the ARRS sum", "pcnhub.domain.money.arrs_cli",
                    "add_arrs_arguments", "run_arrs"),
    "phm": Command("population health: risk scores, synthetic data, pipelines", "pcnhub.analytics.phm_cli",
                   "add_phm_arguments", "run_phm", nested=True),
    "maturity": Command("PCN maturity matrix: self-assessment scores and support", "pcnhub.domain.maturity_cli",
                        "add_maturity_arguments", "run_maturity"),
    "entitlements": Command("a network's Network Contract payments for a year",
                            "pcnhub.domain.money.entitlements_cli", "add_entitlements_arguments",
                            "run_entitlements"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command named first in ``argv`` has its module imported for its arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="pcnhub", description="Run England's Primary Care Networks.")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check a PCN configuration against the Network Contract rules")
    add_check_arguments(check)

    from pcnhub.register.import_cli import add_import_arguments

    add_import_arguments(sub.add_parser("import", help="import NHS open data files into the register"))
    add_commands(sub, COMMANDS, argv)

    demo = sub.add_parser("demo", help="migrate the database and load the demo register and users")
    demo.add_argument("--users-only", action="store_true", help="only (re)create the demo users")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")

    serve = sub.add_parser("serve", help="run the web app (development server)")
    serve.add_argument("address", nargs="?", default="127.0.0.1:8000")

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
        if args.file is not None:
            return run_file_check(args, stdout, stderr)
        return run_register_check(args, stdout, stderr)
    if args.command == "entitlements" and (args.pcn or args.icb):
        from pcnhub.finance.cli import run_register_entitlements

        return run_register_entitlements(args, stdout, stderr)
    if args.command in COMMANDS:
        return run_command(COMMANDS, args.command, args, stdout, stderr)
    setup_django()
    if args.command == "import":
        from pcnhub.register.import_cli import run_import

        return run_import(args)
    if args.command == "demo":
        from pcnhub.register.demo import load_demo

        load_demo(users_only=args.users_only, progress=not args.quiet, out=stdout)
        return EXIT_OK
    if args.command == "serve":
        from django.core.management import call_command

        call_command("runserver", args.address)
        return EXIT_OK
    raise AssertionError(args.command)


def run_register_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """``pcnhub check --pcn-date D --icb CODE``: the stored register's configuration of an area."""
    if not args.icb:
        print("pcnhub check: give a FILE.csv, or --icb CODE (with --pcn-date) to check the register", file=stderr)
        return EXIT_BAD_INPUT
    setup_django()
    from django.db.utils import DatabaseError

    from pcnhub.domain import rules
    from pcnhub.register import services
    from pcnhub.register.models import Organisation

    try:
        date = services.parse_date(args.pcn_date) or services.latest_data_date()
        band = rules.Band(args.lower, args.upper)
        if not args.max_edge_km > 0:
            raise ValueError("--max-edge-km must be more than 0")
        area = Organisation.objects.filter(code=args.icb.strip().upper(), kind__in=services.AREA_KINDS).first()
    except ValueError as exc:
        print(f"pcnhub check: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    except DatabaseError as exc:
        print(f"pcnhub check: the register database is not ready ({exc}); run 'pcnhub demo' first", file=stderr)
        return EXIT_BAD_INPUT
    if area is None:
        print(f"pcnhub check: no ICB or area with code {args.icb!r} in the register", file=stderr)
        return EXIT_BAD_INPUT
    view = services.landscape(area, date, band, max_edge_km=args.max_edge_km)
    report = view.result.to_dict()
    report.update({"area": {"code": area.code, "name": area.name, "kind": area.kind}, "date": date.isoformat()})
    if view.contiguity is not None:
        report["contiguity"] = view.contiguity.to_dict()
    if args.json:
        json.dump(report, stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(f"{area.name} ({area.code}) on {date:%d %B %Y}, band {band}\n")
        for network in view.networks:
            status = "ok" if not any(f.severity == rules.ERROR for f in network.findings) else "BROKEN"
            stdout.write(f"  {network.pcn.name} ({network.pcn.code}): {len(network.members)} practices, "
                         f"{network.list_size:,} patients, {status}\n")
        for finding in view.result.findings:
            stdout.write(f"  [{finding.severity}] {finding.rule}: {finding.message}\n")
        if view.contiguity is not None:
            stdout.write(f"  Contiguity: {view.contiguity.note}\n")
    return EXIT_BROKEN if view.result.broken else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
