"""`pcnhub phm qrisk3`: JSON contract, text line and exit codes."""

import argparse
import io
import json

import pytest

from pcnhub.analytics.qrisk3 import DISCLAIMER
from pcnhub.cli.phm.qrisk3 import PROG, add_qrisk3_arguments, run_qrisk3
from tests.cli.helpers import command

BMI = str(70 / 1.7**2)
VECTOR = (
    "--age",
    "75",
    "--ethnicity",
    "white",
    "--chol-hdl",
    "4",
    "--sbp",
    "120",
    "--sbp-sd",
    "10",
    "--bmi",
    BMI,
)


run = command(PROG, add_qrisk3_arguments, run_qrisk3)


@pytest.mark.parametrize(("sex", "expected"), [("female", 18.11), ("male", 24.59)])
def test_json_contract_with_the_published_vectors(sex: str, expected: float) -> None:
    code, stdout, stderr = run(*VECTOR, "--sex", sex, "--json")
    report = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert report["qrisk3"] == expected
    assert report["inputs"]["sex"] == sex
    assert report["inputs"] | {"bmi": None} == {
        "sex": sex,
        "age": 75.0,
        "ethnicity": "white_or_not_stated",
        "smoking": "non",
        "chol_hdl": 4.0,
        "sbp": 120.0,
        "sbp_sd": 10.0,
        "bmi": None,
        "townsend": 0.0,
        "af": False,
        "atypical_antipsychotics": False,
        "corticosteroids": False,
        "erectile_dysfunction": False,
        "migraine": False,
        "rheumatoid_arthritis": False,
        "ckd_345": False,
        "severe_mental_illness": False,
        "sle": False,
        "bp_treatment": False,
        "type1_diabetes": False,
        "type2_diabetes": False,
        "family_history_chd": False,
    }
    assert report["disclaimer"] == DISCLAIMER and report["algorithm"] == "QRISK3-2017"


def test_json_risk_is_rounded_to_two_decimals() -> None:
    _, stdout, _ = run(*VECTOR, "--sex", "male", "--ethnicity", "indian", "--json")
    risk = json.loads(stdout)["qrisk3"]
    assert round(risk, 1) == 31.1 and risk == round(risk, 2)


def test_flags_and_options_reach_the_inputs() -> None:
    flags = (
        "--af",
        "--atypical-antipsychotics",
        "--corticosteroids",
        "--erectile-dysfunction",
        "--migraine",
        "--rheumatoid-arthritis",
        "--ckd",
        "--smi",
        "--sle",
        "--bp-treatment",
        "--type2-diabetes",
        "--family-history",
    )
    code, stdout, stderr = run(
        *VECTOR, "--sex", "male", "--smoking", "heavy", "--townsend", "3.5", *flags, "--json"
    )
    inputs = json.loads(stdout)["inputs"]
    assert (code, stderr) == (0, "")
    assert inputs["smoking"] == "heavy" and inputs["townsend"] == 3.5
    assert [name for name, value in inputs.items() if value is True] == [
        "af",
        "atypical_antipsychotics",
        "corticosteroids",
        "erectile_dysfunction",
        "migraine",
        "rheumatoid_arthritis",
        "ckd_345",
        "severe_mental_illness",
        "sle",
        "bp_treatment",
        "type2_diabetes",
        "family_history_chd",
    ]
    baseline = json.loads(run(*VECTOR, "--sex", "male", "--json")[1])["qrisk3"]
    assert json.loads(stdout)["qrisk3"] > baseline


def test_text_output_is_one_line_pointing_to_the_disclaimer() -> None:
    code, stdout, stderr = run(*VECTOR, "--sex", "female")
    assert (code, stderr) == (0, "")
    assert stdout.count("\n") == 1
    assert stdout.startswith("QRISK3 10-year CVD risk: 18.11% (female, 75, White or not stated, non-smoker)")
    assert "disclaimer: pcnhub phm qrisk3 --help" in stdout


def test_help_carries_the_disclaimer() -> None:
    parser = argparse.ArgumentParser(prog=PROG)
    add_qrisk3_arguments(parser)
    assert "Inaccurate implementations of risk scores" in parser.format_help()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--age", "90"), "--age: age 90 years is outside QRISK3's accepted range 25-84"),
        (("--age", "sixty"), "--age: 'sixty' is not a number"),
        (("--bmi", "45"), "--bmi: bmi 45 kg/m2 is outside QRISK3's accepted range 20-40"),
        (("--chol-hdl", "0.2"), "--chol-hdl: chol_hdl 0.2 is outside"),
        (("--sbp", "300"), "--sbp: sbp 300 mmHg is outside"),
        (("--sbp-sd", "-3"), "--sbp-sd: sbp_sd -3 mmHg is negative"),
        (("--sbp-sd", "nan"), "--sbp-sd: 'nan' is not a finite number"),
        (("--townsend", "20"), "--townsend: townsend 20 is outside"),
        (("--ethnicity", "martian"), "--ethnicity: ethnicity 'martian' is not a QRISK3 ethnic group"),
        (("--smoking", "lots"), "--smoking: smoking 'lots' is not a QRISK3 smoking category"),
        (("--sex", "unknown"), "--sex: 'unknown' must be female or male"),
        (("--sex", "female", "--erectile-dysfunction"), "--erectile-dysfunction applies to males only"),
        (("--type1-diabetes", "--type2-diabetes"), "cannot both be given"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(change: tuple[str, ...], message: str) -> None:
    argv = ["--sex", "male", *VECTOR, *change, "--json"]
    code, stdout, stderr = run(*argv)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"{PROG}: ") and message in stderr


def test_a_missing_measurement_exits_2() -> None:
    argv = [arg for arg in VECTOR]
    index = argv.index("--sbp-sd")
    del argv[index : index + 2]
    code, stdout, stderr = run(*argv, "--sex", "female")
    assert (code, stdout) == (2, "")
    assert "--sbp-sd is required" in stderr and "estimates no missing value" in stderr


def test_a_missing_required_option_is_an_argparse_error() -> None:
    parser = argparse.ArgumentParser(prog=PROG)
    add_qrisk3_arguments(parser)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--sex", "female"])
    assert exit_.value.code == 2


def test_pcnhub_phm_qrisk3_through_the_main_command():
    import json

    from pcnhub.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = main(["phm", "qrisk3", "--age", "75", "--sex", "male", "--ethnicity", "white", "--chol-hdl", "4",
                 "--sbp", "120", "--sbp-sd", "10", "--bmi", str(70 / 1.7**2), "--json"], out, err)
    assert code == 0, err.getvalue()
    assert json.loads(out.getvalue())["qrisk3"] == 24.59
