"""``pcnhub phm qrisk3``: one person's QRISK3-2017 10-year cardiovascular risk.

    pcnhub phm qrisk3 --age A --sex female|male --ethnicity E --chol-hdl R --sbp S --sbp-sd D --bmi B
                      [--townsend T] [--smoking non|ex|light|moderate|heavy] [--af]
                      [--atypical-antipsychotics] [--corticosteroids] [--erectile-dysfunction]
                      [--migraine] [--rheumatoid-arthritis] [--ckd] [--smi] [--sle] [--bp-treatment]
                      [--type1-diabetes] [--type2-diabetes] [--family-history] [--json]

With ``--json`` it prints ``{"qrisk3": percent rounded to 2 dp, "inputs": {...}, "algorithm":
"QRISK3-2017", "disclaimer": "..."}`` (``inputs`` as :meth:`QRiskInputs.to_dict`; ClinRisk's terms
require the disclaimer to be held together with the score); otherwise one line with the risk and a
pointer to the disclaimer (printed in full by ``--help``).  The score is computed by
:mod:`pcnhub.analytics.qrisk3`, a port of ClinRisk's QRISK3-2017 under the GNU LGPL v3.

Exit codes: 0, or 2 on bad input (a value that is not a number, an unknown ethnic group or smoking
category, a value outside QRISK3's accepted ranges, a missing value, erectile dysfunction for a
female), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, Final, TextIO

from pcnhub.analytics.qrisk3 import (
    ALGORITHM,
    DISCLAIMER,
    Ethnicity,
    QRiskInputs,
    Smoking,
    qrisk3,
)
from pcnhub.cli.commands import EXIT_OK, fail

PROG: Final = "pcnhub phm qrisk3"

#: (option, QRiskInputs field, help) of the risk-factor switches.
_FLAG_OPTIONS: Final = (
    ("--af", "af", "atrial fibrillation"),
    ("--atypical-antipsychotics", "atypical_antipsychotics", "on atypical antipsychotic medication"),
    ("--corticosteroids", "corticosteroids", "on regular steroid tablets"),
    (
        "--erectile-dysfunction",
        "erectile_dysfunction",
        "diagnosis of or treatment for erectile dysfunction (male only)",
    ),
    ("--migraine", "migraine", "migraine"),
    ("--rheumatoid-arthritis", "rheumatoid_arthritis", "rheumatoid arthritis"),
    ("--ckd", "ckd_345", "chronic kidney disease stage 3, 4 or 5"),
    ("--smi", "severe_mental_illness", "severe mental illness"),
    ("--sle", "sle", "systemic lupus erythematosus"),
    ("--bp-treatment", "bp_treatment", "on blood pressure treatment"),
    ("--type1-diabetes", "type1_diabetes", "type 1 diabetes"),
    ("--type2-diabetes", "type2_diabetes", "type 2 diabetes"),
    ("--family-history", "family_history_chd", "angina or heart attack in a first-degree relative under 60"),
)

#: (option, QRiskInputs field, metavar, help) of the numbers.
_NUMBER_OPTIONS: Final = (
    ("--age", "age", "A", "age in years, 25-84"),
    ("--chol-hdl", "chol_hdl", "R", "total cholesterol / HDL cholesterol ratio, 1-12"),
    ("--sbp", "sbp", "S", "systolic blood pressure, mmHg, 70-210"),
    ("--sbp-sd", "sbp_sd", "D", "standard deviation of at least two recent systolic readings, mmHg"),
    ("--bmi", "bmi", "B", "body mass index, kg/m2, 20-40"),
)

_EPILOG: Final = (
    "QRISK3-2017 (c) 2017 ClinRisk Ltd., ported under the GNU LGPL v3; not the original, not endorsed "
    "by ClinRisk. Disclaimer (ClinRisk's terms): " + DISCLAIMER
)


def add_qrisk3_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``qrisk3`` command's arguments (values are checked by :func:`run_qrisk3`)."""
    parser.epilog = _EPILOG
    for option, dest, metavar, text in _NUMBER_OPTIONS[:1]:
        parser.add_argument(option, dest=dest, required=True, metavar=metavar, help=text)
    parser.add_argument("--sex", required=True, metavar="female|male", help="female or male")
    parser.add_argument(
        "--ethnicity",
        required=True,
        metavar="E",
        help="ethnic group: 1-9 or a name (white, indian, pakistani, bangladeshi, other-asian, "
        "black-caribbean, black-african, chinese, other)",
    )
    for option, dest, metavar, text in _NUMBER_OPTIONS[1:]:
        parser.add_argument(option, dest=dest, metavar=metavar, help=text + " (required)")
    parser.add_argument(
        "--townsend", metavar="T", default="0", help="Townsend deprivation score, -8 to 12 (default 0)"
    )
    parser.add_argument(
        "--smoking",
        metavar="non|ex|light|moderate|heavy",
        default="non",
        help="smoking: non, ex, light (under 10 a day), moderate (10-19), heavy (20 or more); default non",
    )
    for option, dest, text in _FLAG_OPTIONS:
        parser.add_argument(option, dest=dest, action="store_true", help=text)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run_qrisk3(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Score the person described by ``args``, report it, and return the exit code."""
    try:
        inputs = inputs_from_args(args)
        risk = qrisk3(inputs)
    except ValueError as err:
        return fail(stderr, PROG, str(err))
    if args.json:
        report = {
            "qrisk3": round(risk, 2),
            "inputs": inputs.to_dict(),
            "algorithm": ALGORITHM,
            "disclaimer": DISCLAIMER,
        }
        stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        stdout.write(format_line(inputs, risk))
    return EXIT_OK


def inputs_from_args(args: argparse.Namespace) -> QRiskInputs:
    """The :class:`QRiskInputs` of the parsed arguments; ``ValueError`` naming the option when one is bad."""
    values: dict[str, Any] = {}
    for option, dest, _metavar, _help in _NUMBER_OPTIONS:
        raw = getattr(args, dest)
        if raw is None:
            raise ValueError(f"{option} is required (QRISK3 needs it; this port estimates no missing value)")
        values[dest] = _number(option, raw)
    values["townsend"] = _number("--townsend", args.townsend)
    sex = str(args.sex).strip().lower()
    if sex not in ("female", "male"):
        raise ValueError(f"--sex: {args.sex!r} must be female or male")
    values["sex"] = sex
    values["ethnicity"] = _with_option("--ethnicity", Ethnicity.parse, args.ethnicity)
    values["smoking"] = _with_option("--smoking", Smoking.parse, args.smoking)
    for _option, dest, _help in _FLAG_OPTIONS:
        values[dest] = bool(getattr(args, dest))
    if values["erectile_dysfunction"] and sex == "female":
        raise ValueError(
            "--erectile-dysfunction applies to males only (QRISK3's female model has no such term)"
        )
    if values["type1_diabetes"] and values["type2_diabetes"]:
        raise ValueError("--type1-diabetes and --type2-diabetes cannot both be given")
    try:
        return QRiskInputs(**values)
    except ValueError as err:
        raise ValueError(_option_names(str(err))) from None


def _number(option: str, value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{option}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{option}: {value!r} is not a finite number")
    return number


def _with_option(option: str, parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except ValueError as err:
        raise ValueError(f"{option}: {err}") from None


def _option_names(message: str) -> str:
    """Name the command-line option rather than the field in a QRiskInputs error."""
    for option, dest, *_rest in (*_NUMBER_OPTIONS, ("--townsend", "townsend")):
        if message.startswith(f"{dest} "):
            return f"{option}: {message}"
    return message


def format_line(inputs: QRiskInputs, risk: float) -> str:
    """One line: the risk, who it is for, and where the disclaimer is."""
    return (
        f"QRISK3 10-year CVD risk: {risk:.2f}% ({inputs.sex}, {inputs.age:g}, {inputs.ethnicity.label}, "
        f"{inputs.smoking.label}) [{ALGORITHM} (c) ClinRisk Ltd., LGPL v3; disclaimer: {PROG} --help]\n"
    )
