"""``pcnhub maturity``: the PCN maturity matrix, self-assessment scores and the support on offer.

    pcnhub maturity matrix [--matrix KEY] [--json]
    pcnhub maturity score FILE.json [--matrix KEY] [--audience pcn|system] [--json]
    pcnhub maturity offers [--json]

``matrix`` prints a matrix (default ``national-2019``; see ``pcnhub/reference/maturity/``):
with ``--json`` :meth:`Matrix.to_dict`, ``{"key", "version", "name", "source", "domains": [{"key",
"name", "steps": [{"name", "pcn_statements": [{"id", "text"}], "system_statements": [...]}]}]}``.

``score`` reads a self-assessment, either ``{"matrix": "national-2019", "audience": "pcn",
"answers": {"lpp-0-pcn-1": "achieved", ...}}`` (every key optional but ``answers``) or a flat object
of statement id -> status (``not_started``, ``in_progress``, ``achieved``), and prints the step
reached and the gap in each domain (:func:`pcnhub.domain.maturity.score`; with ``--json``
:meth:`Score.to_dict`).  ``--matrix`` and ``--audience`` default to the file's values, then to
``national-2019`` and ``pcn``; an option that contradicts the file is an error.  Ids that are not in
the matrix are ignored with a warning on stderr (and listed in ``unknown_statements``).

``offers`` lists the support offers (seed 003) with the statements each helps with.

Exit codes: 0, or 2 on bad input (an unreadable file, invalid JSON, a status that is not one of
the three, an unknown matrix or audience), with the error, naming the file and the key, on stderr.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Final, TextIO

from pcnhub.cli.commands import EXIT_OK, bad_input
from pcnhub.domain.errors import InputError
from pcnhub.domain.maturity import (
    AUDIENCE_LABELS,
    AUDIENCES,
    PCN,
    STATUS_LABELS,
    STATUSES,
    Matrix,
    Score,
    SupportOffer,
    offers_for,
    score,
)
from pcnhub.ingest.assessment import read_assessment

PROG: Final = "pcnhub maturity"
WIDTH: Final = 100
_FOR: Final = {"pcn": "self-assessment of a PCN", "system": "self-assessment of a system"}


def add_maturity_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``maturity`` sub-commands (``matrix``, ``score``, ``offers``) to ``parser``."""
    sub = parser.add_subparsers(dest="maturity_command", required=True, metavar="COMMAND")
    matrix = sub.add_parser(
        "matrix", help="print a maturity matrix", description="Print a PCN maturity matrix, domain by domain."
    )
    matrix.add_argument("--matrix", metavar="KEY", help="which matrix (default national-2019)")
    matrix.add_argument("--json", action="store_true", help="print the matrix as JSON")

    score_parser = sub.add_parser(
        "score",
        help="score a self-assessment: the step reached and the gap in each domain",
        description="Score a maturity matrix self-assessment: the step reached and the gap in each domain.",
    )
    score_parser.add_argument(
        "file", type=Path, metavar="FILE.json",
        help='{"matrix", "audience", "answers": {id: status}} or a flat object of statement id -> status',
    )
    score_parser.add_argument("--matrix", metavar="KEY", help="which matrix (default: the file's, or national-2019)")
    score_parser.add_argument(
        "--audience", choices=AUDIENCES, help="score the PCN or the system statements (default: the file's, or pcn)"
    )
    score_parser.add_argument("--json", action="store_true", help="print the score as JSON")

    offers = sub.add_parser(
        "offers", help="list the support offers", description="List the support offers and what each helps with."
    )
    offers.add_argument("--json", action="store_true", help="print the offers as JSON")


def run_maturity(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run the ``maturity`` sub-command in ``args``; return the exit code."""
    command = args.maturity_command
    try:
        if command == "matrix":
            return _run_matrix(args, stdout)
        if command == "score":
            return _run_score(args, stdout, stderr)
        if command == "offers":
            return _run_offers(args, stdout)
    except ValueError as err:  # InputError is a ValueError
        return bad_input(stderr, f"{PROG} {command}", err)
    raise AssertionError(command)


def _run_matrix(args: argparse.Namespace, stdout: TextIO) -> int:
    from pcnhub.reference.maturity import load_matrix

    matrix = load_matrix(args.matrix)
    if args.json:
        stdout.write(json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write(format_matrix(matrix))
    return EXIT_OK


def _run_offers(args: argparse.Namespace, stdout: TextIO) -> int:
    from pcnhub.reference.maturity import support_offers

    offers = support_offers()
    if args.json:
        data = {"offers": [offer.to_dict() for offer in offers]}
        stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write(format_offers(offers))
    return EXIT_OK


def _run_score(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from pcnhub.reference.maturity import DEFAULT_MATRIX, load_matrix, support_offers

    assessment = read_assessment(args.file)
    file = args.file.name
    matrix_key = _choose(file, "matrix", args.matrix, assessment.matrix) or DEFAULT_MATRIX
    audience = _choose(file, "audience", getattr(args, "audience", None), assessment.audience) or PCN
    try:
        matrix = load_matrix(matrix_key)
    except ValueError as err:
        if args.matrix is None:  # the key came from the file
            raise InputError.single(file, str(err), field="matrix") from None
        raise
    result = score(matrix, assessment.answers, audience)
    if result.unknown_ids:
        count = len(result.unknown_ids)
        stderr.write(
            f"{PROG} score: warning: {file}: {count} {'answer names a statement' if count == 1 else 'answers name statements'}"
            f" that {'is' if count == 1 else 'are'} not in {matrix.key} and {'was' if count == 1 else 'were'} ignored: "
            f"{', '.join(result.unknown_ids)}\n"
        )
    if args.json:
        stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write(format_score(result, assessment.answers, file, support_offers()))
    return EXIT_OK


def _choose(file: str, name: str, option: str | None, from_file: str | None) -> str | None:
    if option is not None and from_file is not None and option != from_file:
        raise InputError.single(
            file, f"the file says {name} {from_file!r} but --{name} {option} was given; drop one of them", field=name
        )
    return option if option is not None else from_file


def _wrap(text: str, indent: str, hanging: str = "") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + hanging, break_on_hyphens=False
    ) or [indent]


def format_matrix(matrix: Matrix) -> str:
    """A readable outline: domains, steps, then the PCN and system statements with their ids."""
    lines = [f"{matrix.name} [{matrix.key}, version {matrix.version}]"]
    lines += _wrap(f"Source: {matrix.source}", "", "  ")
    audiences = matrix.audiences()
    for number, domain in enumerate(matrix.domains, 1):
        lines += ["", f"{number}. {domain.name} ({domain.key})"]
        if domain.note:
            lines += _wrap(domain.note, "   ")
        for step in domain.steps:
            lines.append(f"   {step.name}")
            for audience in audiences:
                lines.append(f"     {AUDIENCE_LABELS[audience]}")
                statements = step.statements(audience)
                if not statements:
                    lines.append("       (no statements)")
                for statement in statements:
                    lines += _wrap(f"{statement.id}  {statement.text}", "       ", "  ")
    return "\n".join(lines) + "\n"


def format_score(result: Score, answers: dict[str, str], file: str, offers: list[SupportOffer]) -> str:
    """The step reached in each domain, the gap to the next step and the support offers that help."""
    matrix = result.matrix
    achieved = sum(d.achieved for d in result.domains)
    in_progress = sum(d.in_progress for d in result.domains)
    total = sum(d.total for d in result.domains)
    lines = [
        f"{file}: {matrix.name} [{matrix.key}], {_FOR[result.audience]}",
        f"{achieved} of {total} statements achieved, {in_progress} in progress",
    ]
    for domain_score in result.domains:
        counts = f"{domain_score.achieved} of {domain_score.total} achieved"
        if domain_score.in_progress:
            counts += f", {domain_score.in_progress} in progress"
        lines += ["", f"{domain_score.domain.name}: {domain_score.step_name} ({counts})"]
        if domain_score.complete:
            lines.append("  Top step reached.")
            continue
        count = len(domain_score.gap)
        lines.append(f"  To reach {domain_score.next_step_name} ({count} {'statement' if count == 1 else 'statements'}):")
        for statement in domain_score.gap:
            status = STATUS_LABELS[answers.get(statement.id, STATUSES[0])].lower()
            lines += _wrap(f"- [{status}] {statement.id}  {statement.text}", "    ", "  ")
        helpful = offers_for(domain_score.gap, offers)
        if helpful:
            lines += _wrap("Support that may help: " + "; ".join(offer.name for offer in helpful), "  ", "  ")
    return "\n".join(lines) + "\n"


def format_offers(offers: list[SupportOffer]) -> str:
    """The support offers by group, with what each is and the statements it helps with."""
    lines = [f"{len(offers)} support offers"]
    group = None
    for offer in offers:
        if offer.group != group:
            group = offer.group
            lines += ["", group]
        lines.append(f"  {offer.name} ({offer.key})")
        lines += _wrap(offer.description, "    ")
        lines += _wrap("Helps with: " + ", ".join(offer.statements), "    ", "  ")
    sources = sorted({offer.source for offer in offers})
    if sources:
        lines.append("")
        for source in sources:
            lines += _wrap(f"Source: {source}", "", "  ")
    return "\n".join(lines) + "\n"
