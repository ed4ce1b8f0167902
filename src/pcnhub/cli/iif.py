"""``pcnhub iif``: the Investment and Impact Fund catalogue and points.

    pcnhub iif points --year Y --indicator ID --numerator N --denominator D
                      [--list-size N --average-list-size N --prevalence P --national-prevalence P] [--json]
    pcnhub iif catalogue --year Y [--json]
    pcnhub iif --year Y --pcn CODE --data DIR [--practice-map FILE] [--as-of YYYY-MM-DD] [--list-size N] [--json]
               [--memory-limit SIZE] [--threads N]

``points`` prints ``{"year", "indicator", "achievement", "points", "max_points", "value_per_point",
"gbp", "list_size_adjustment", "prevalence_adjustment", "status", "notes", ...}``
(:meth:`pcnhub.domain.iif.Result.to_dict`); ``gbp`` is null where the year's value of a point is
not known.  ``catalogue`` prints the year's value of a point, total points, national average PCN
list, aspiration rule and indicators, each with source and status (:meth:`IIFYear.to_dict`).

The third form is a PCN's achievement over the IIF year to date (April to the last whole month before
``--as-of``, or the data's last month): for each indicator linked to a measure, its numerator,
denominator, achievement, points and GBP, a forecast of the year end (its method stated) and the
patients to act on; the year's other indicators with the reason they cannot be computed; and totals
(:meth:`pcnhub.finance.iif.PCNAchievement.to_dict`).  ``--data`` is either a measures output
(``measure_values.parquet``: disclosure-controlled counts, said so) or a patient dataset, whose exact
counts are computed for the PCN's practices in ``--practice-map`` (NHS ``gp-reg-pat-prac-map.csv``), once
the dataset passes the schema as for ``pcnhub measures run`` (else exit 2, every error named by file and column).
``--list-size`` defaults to the PCN's registered patients in the data's last month.  ``--memory-limit`` and
``--threads``: DuckDB's, counting a patient dataset (:mod:`pcnhub.analytics.limits`).

Exit codes: 0, or 2 on bad input (unknown year or indicator, negative counts, a numerator over its
denominator, an indicator without known thresholds), with the error on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from collections.abc import Callable
from typing import Any, Final, TextIO

from pcnhub.cli.commands import EXIT_BAD_INPUT, EXIT_OK, bad_input, fail
from pcnhub.cli.values import (
    add_duckdb_arguments, duckdb_limits, financial_year, iso_date, out_of_memory, usable_dataset,
)
from pcnhub.domain import iif as d
from pcnhub.reference.iif import iif_year

PROG: Final = "pcnhub iif"


def add_iif_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=financial_year, help="financial year, e.g. 2022/23 (with --pcn)")
    parser.add_argument("--pcn", metavar="CODE", help="the PCN's ODS code: its achievement over the year to date")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="a measures output (measure_values.parquet) or a patient dataset folder")
    parser.add_argument("--practice-map", type=Path, metavar="FILE",
                        help="NHS gp-reg-pat-prac-map.csv: the PCN's practices (with a patient dataset)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="count the whole months before this date")
    parser.add_argument("--list-size", metavar="N", help="the PCN's registered list (default: from the data)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_duckdb_arguments(parser)
    sub = parser.add_subparsers(dest="iif_command", metavar="COMMAND")
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


def _money(value: float | None, unknown: str = "not known") -> str:
    return unknown if value is None else f"GBP {value:,.2f}"


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
        f"  value of a point {_money(r['value_per_point'], d.NOT_PUBLISHED)}, "
        f"list-size adjustment {r['list_size_adjustment']:g}, "
        f"prevalence adjustment {r['prevalence_adjustment']:g}\n"
        f"  {_money(r['gbp'])} ({r['status']})\n")
    for note in r["notes"]:
        stdout.write(f"  note: {note}\n")


def _print_catalogue(catalogue: d.IIFYear, stdout: TextIO) -> None:
    def known(figure: d.Figure, label: str) -> str:
        return f"{label} {d.NOT_PUBLISHED if figure.value is None else f'{figure.value:,}'} ({figure.status})"

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


class IIFInputError(ValueError):
    """A bad combination of ``pcnhub iif`` options or data that cannot be used."""


def _pcn_achievement(args: argparse.Namespace, stderr: TextIO):
    """The PCN's achievement, or None when ``--data`` is a patient dataset that fails the schema (every error
    written to ``stderr``)."""
    from pcnhub.finance import iif as service

    for name in ("year", "pcn", "data"):
        if getattr(args, name) is None:
            raise IIFInputError(f"--{name} is needed (pcnhub iif --year Y --pcn CODE --data DIR)")
    catalogue = iif_year(args.year)
    data, pcn_code = Path(args.data), args.pcn.strip().upper()
    as_of = None if args.as_of is None else iso_date("--as-of", args.as_of)
    if (data / service.VALUES_FILE).is_file():
        series = service.read_output(data, pcn_code, catalogue,
                                     None if as_of is None else service.last_whole_month(as_of))
        if not series.pcn and not series.england:
            raise IIFInputError(f"{data / service.VALUES_FILE}: no counts for {pcn_code} in {catalogue.year} "
                                "(is the PCN in the practice map the measures were run with, and the year in its months?)")
    elif (data / "patients.parquet").exists():
        if args.practice_map is None:
            raise IIFInputError("--practice-map is needed with a patient dataset (to find the PCN's practices)")
        from pcnhub.analytics.practices import read_geography
        from pcnhub.analytics.run import default_as_of

        practices = sorted(p for p, g in read_geography(args.practice_map).items() if g[0] == pcn_code)
        if not practices:
            raise IIFInputError(f"--practice-map: no practice of PCN {pcn_code}")
        memory_limit, threads = duckdb_limits(args)
        from pcnhub.analytics.schema import PIPELINE_TABLES

        # the measures engine reads these tables' rows (not appointments): check them as `measures run` does
        if usable_dataset(str(data), stderr, PROG, tables=PIPELINE_TABLES, memory_limit=memory_limit,
                          threads=threads) is None:
            return None
        series = service.compute_from_dataset(data, practices, catalogue, as_of or default_as_of(data),
                                              memory_limit=memory_limit, threads=threads)
    else:
        raise IIFInputError(f"--data: {data} has neither {service.VALUES_FILE} nor a patient dataset")
    list_size = None
    if args.list_size is not None:
        list_size = int(d._count(args.list_size, "list size", "--list-size"))
    elif series.registered:
        list_size = int(series.registered[max(series.registered)])
    return service.achievement(catalogue, pcn_code, series, list_size=list_size)


def _print_achievement(result, stdout: TextIO) -> None:
    r = result.to_dict()
    stdout.write(f"Investment and Impact Fund {r['year']}, PCN {r['pcn']}: year to date to "
                 f"{r['last_month'] or 'no month'}; list size {r['list_size'] or 'not known'}\n"
                 f"  counts: {r['counts']}\n")
    for i in r["indicators"]:
        unit = i["unit"]
        points = "not known" if i["points"] is None else f"{i['points']:g} of {i['max_points']:g}"
        forecast = i["forecast"]
        stdout.write(
            f"{i['indicator']} {i['name']}\n"
            f"  {_threshold(i['achievement'], unit)} ({i['numerator']:g} / {i['denominator']:g}), thresholds "
            f"{_threshold(i['lower'], unit)} to {_threshold(i['upper'], unit)}; points {points}; {_money(i['gbp'])}\n"
            f"  forecast {_threshold(forecast['achievement'], unit)}, {_money(forecast['gbp'])} "
            f"({forecast['method']})\n"
            f"  patients to act on {i['to_act_on']}; to reach the upper threshold {i['to_upper_threshold']}"
            + (f"; worklist: {i['worklist']}" if i["worklist"] else "") + "\n")
        for note in i["notes"]:
            stdout.write(f"  note: {note}\n")
    for i in r["not_computed"]:
        stdout.write(f"{i['indicator']} not computed: {i['reason']}\n")
    t = r["total"]
    total_points = "not known" if t["points"] is None else f"{t['points']:g}"
    stdout.write(f"Total: points {total_points}, {_money(t['gbp'])}; "
                 f"forecast {_money(t['forecast_gbp'])} ({t['status']})\n")


def _show(result: Any, as_json: bool, printer: Callable[[Any, TextIO], None], stdout: TextIO) -> int:
    """``result`` as JSON (its ``to_dict()``) or as ``printer`` writes it for people."""
    if as_json:
        json.dump(result.to_dict(), stdout, indent=2)
        stdout.write("\n")
    else:
        printer(result, stdout)
    return EXIT_OK


def run_iif(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.iif_command is None:
        import duckdb

        try:
            result = _pcn_achievement(args, stderr)
            if result is None:
                return EXIT_BAD_INPUT
        except duckdb.OutOfMemoryException as error:
            from pcnhub.analytics import limits

            return fail(stderr, PROG, out_of_memory(error, limits.memory_limit(args.memory_limit)))
        except (ValueError, OSError) as error:
            return bad_input(stderr, PROG, error)
        return _show(result, args.json, _print_achievement, stdout)
    try:
        catalogue = iif_year(args.year)
        if args.iif_command == "catalogue":
            return _show(catalogue, args.json, _print_catalogue, stdout)
        result = d.score(catalogue, args.indicator, args.numerator, args.denominator,
                         list_size=args.list_size, average_list_size=args.average_list_size,
                         prevalence=args.prevalence, national_prevalence=args.national_prevalence)
    except ValueError as error:
        return bad_input(stderr, PROG, error)
    return _show(result, args.json, _print_points, stdout)
