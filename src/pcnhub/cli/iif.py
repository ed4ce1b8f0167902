"""``pcnhub iif``: the Investment and Impact Fund catalogue and points.

    pcnhub iif points --year Y --indicator ID --numerator N --denominator D
                      [--list-size N --average-list-size N --prevalence P --national-prevalence P] [--json]
    pcnhub iif catalogue --year Y [--json]

``points`` prints ``{"year", "indicator", "achievement", "points", "max_points", "value_per_point",
"gbp", "list_size_adjustment", "prevalence_adjustment", "status", "notes", ...}``
(:meth:`pcnhub.domain.iif.Result.to_dict`); ``gbp`` is null where the year's value of a point is
not known.  ``catalogue`` prints the year's value of a point, total points, national average PCN
list, aspiration rule and indicators, each with source and status (:meth:`IIFYear.to_dict`).

Exit codes: 0, or 2 on bad input (unknown year or indicator, negative counts, a numerator over its
denominator, an indicator without known thresholds), with the error on stderr.
"""

from __future__ import annotations

import argparse
import json
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.cli.values import financial_year
from pcnhub.domain import iif as d
from pcnhub.reference.iif import iif_year

PROG: Final = "pcnhub iif"


def add_iif_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="iif_command", required=True, metavar="COMMAND")
    points = sub.add_parser("points", help="achievement, points and GBP of one indicator",
                            description="Score one IIF indicator: achievement, points and GBP for a PCN.")
    points.add_argument("--year", required=True, type=financial_year, help="financial year, e.g. 2024/25")
    points.add_argument("--indicator", required=True, metavar="ID", help="indicator id, e.g. CAN-02")
    points.add_argument("--numerator", required=True, metavar="N", help="patients (or events) meeting the indicator")
    points.add_argument("--denominator", required=True, metavar="N",
                        help="the denominator after personalised care adjustments and exclusions")
    points.add_argument("--list-size", metavar="N", help="the PCN's registered list (default: an average PCN)")
    points.add_argument("--average-list-size", metavar="N",
                        help="national average PCN list (default: the catalogue's figure for the year)")
    points.add_argument("--prevalence", metavar="P", help="the PCN's prevalence for the indicator")
    points.add_argument("--national-prevalence", metavar="P", help="the national prevalence, in the same unit")
    points.add_argument("--json", action="store_true", help="print JSON")
    catalogue = sub.add_parser("catalogue", help="the year's indicators, points, thresholds and sources",
                               description="List the year's IIF indicators with points, thresholds and sources.")
    catalogue.add_argument("--year", required=True, type=financial_year, help="financial year, e.g. 2024/25")
    catalogue.add_argument("--json", action="store_true", help="print JSON")


def _money(value: float | None) -> str:
    return "not known" if value is None else f"GBP {value:,.2f}"


def _threshold(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    return f"{value:g}%" if unit == d.PERCENT else f"{value:g} per 1,000"


def _print_points(result: d.Result, stdout: TextIO) -> None:
    r = result.to_dict()
    stdout.write(
        f"{r['year']} {r['indicator']} {r['name']}\n"
        f"  achievement {_threshold(r['achievement'], r['unit'])} "
        f"(thresholds {_threshold(r['lower'], r['unit'])} to {_threshold(r['upper'], r['unit'])})\n"
        f"  points {r['points']:g} of {r['max_points']:g}\n"
        f"  value of a point {_money(r['value_per_point'])}, list-size adjustment {r['list_size_adjustment']:g}, "
        f"prevalence adjustment {r['prevalence_adjustment']:g}\n"
        f"  {_money(r['gbp'])} ({r['status']})\n")
    for note in r["notes"]:
        stdout.write(f"  note: {note}\n")


def _print_catalogue(catalogue: d.IIFYear, stdout: TextIO) -> None:
    def known(figure: d.Figure, label: str) -> str:
        return f"{label} {'not known' if figure.value is None else f'{figure.value:,}'} ({figure.status})"

    stdout.write(f"Investment and Impact Fund {catalogue.year}\n  "
                 + "; ".join([known(catalogue.point_value, "GBP a point"), known(catalogue.total_points, "points"),
                              known(catalogue.average_list, "average PCN list")]) + "\n")
    if catalogue.note:
        stdout.write(f"  {catalogue.note}\n")
    for i in catalogue.indicators:
        unit = i.unit
        points = "?" if i.points is None else f"{i.points:g}"
        stdout.write(f"{i.id:<12} {points:>4} points  {_threshold(None if i.lower is None else float(i.lower), unit)}"
                     f" to {_threshold(None if i.upper is None else float(i.upper), unit)}  ({i.status})  {i.name}\n")


def run_iif(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        catalogue = iif_year(args.year)
        if args.iif_command == "catalogue":
            if args.json:
                json.dump(catalogue.to_dict(), stdout, indent=2)
                stdout.write("\n")
            else:
                _print_catalogue(catalogue, stdout)
            return EXIT_OK
        result = d.score(catalogue, args.indicator, args.numerator, args.denominator,
                         list_size=args.list_size, average_list_size=args.average_list_size,
                         prevalence=args.prevalence, national_prevalence=args.national_prevalence)
    except ValueError as error:
        return bad_input(stderr, PROG, error)
    if args.json:
        json.dump(result.to_dict(), stdout, indent=2)
        stdout.write("\n")
    else:
        _print_points(result, stdout)
    return EXIT_OK
