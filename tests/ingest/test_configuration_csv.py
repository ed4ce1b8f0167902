"""Reading a configuration CSV, and the InputError it raises on bad input."""

from pathlib import Path

import pytest

from pcnhub.ingest.configuration import read_configuration_csv
from pcnhub.domain.errors import MAX_PROBLEMS
from pcnhub.domain.errors import InputError, Problem
from pcnhub.domain.rules import LIST_SIZE_BAND, UNKNOWN, Network, PracticeEntry

HEADER = "pcn,practice_code,practice_name,list_size\n"


def write(tmp_path: Path, text: str, name: str = "southend.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read_error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_configuration_csv(path)
    return caught.value


def only_problem(path: Path) -> Problem:
    error = read_error(path)
    assert error.file == path.name
    assert len(error.problems) == 1, str(error)
    return error.problems[0]


# Good input


def test_reads_networks_and_area_practices(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + 'Benfleet,F81001,Dr Khan & Ptns,"12,980"\n'
        + "Canvey,F81051,Third Avenue Health Centre,7186\n"
        + "Benfleet,F81032,Dr PA Patel,2931\n",
    )
    networks, area = read_configuration_csv(path)
    assert networks == [
        Network(
            "Benfleet",
            [
                PracticeEntry("F81001", "Dr Khan & Ptns", 12_980),
                PracticeEntry("F81032", "Dr PA Patel", 2_931),
            ],
        ),
        Network("Canvey", [PracticeEntry("F81051", "Third Avenue Health Centre", 7_186)]),
    ]
    assert area == ["F81001", "F81051", "F81032"]
    assert networks[0].clinical_director is UNKNOWN
    assert networks[0].network_agreement_signed is UNKNOWN
    assert networks[0].exceptions == {}


def test_header_is_case_insensitive_with_extra_columns_bom_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "southend.csv"
    path.write_bytes(
        "\ufeffArea, PCN ,Practice_Code,PRACTICE_NAME,List_Size\r\n"
        "Southend, North Road Plus , y02707 ,St Luke's HC, 6434 \r\n"
        "\r\n".encode()
    )
    networks, area = read_configuration_csv(path)
    assert networks == [Network("North Road Plus", [PracticeEntry("Y02707", "St Luke's HC", 6_434)])]
    assert area == ["Y02707"]


def test_blank_pcn_puts_the_practice_in_no_network(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Benfleet,F81001,Dr Khan,12980\n,Y02707,St Luke's HC,6434\n")
    networks, area = read_configuration_csv(path)
    assert networks[1] == Network("", [PracticeEntry("Y02707", "St Luke's HC", 6_434)])
    assert area == ["F81001", "Y02707"]


def test_same_practice_twice_with_the_same_list_size_is_left_to_the_rules(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + 'Benfleet,F81001,Dr Khan,12980\nCanvey,F81001,Dr Khan,"12,980"\n')
    networks, area = read_configuration_csv(path)
    assert [network.name for network in networks] == ["Benfleet", "Canvey"]
    assert area == ["F81001"]


def test_network_columns_apply_per_network(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pcn,practice_code,practice_name,list_size,clinical_director,nominated_payee,"
        "network_agreement,exception_reason\n"
        "Dengie,F81001,A,12000,Dr Shah,,Signed,rural area\n"
        "Dengie,F81002,B,9000,,Dr Khan & Ptns,,\n"
        "Canvey,F81051,C,36000,,,no,\n"
        "Rochford,F81007,D,40000,Dr Puzey,Dr Puzey,YES,\n",
    )
    networks, _ = read_configuration_csv(path)
    dengie, canvey, rochford = networks
    assert (dengie.clinical_director, dengie.nominated_payee, dengie.network_agreement_signed) == (
        "Dr Shah",
        "Dr Khan & Ptns",
        True,
    )
    assert dengie.exceptions == {LIST_SIZE_BAND: "rural area"}
    assert (canvey.clinical_director, canvey.nominated_payee, canvey.network_agreement_signed) == (
        None,
        None,
        False,
    )
    assert canvey.exceptions == {}
    assert rochford.network_agreement_signed is True


@pytest.mark.parametrize(
    ("answer", "signed"),
    [
        ("yes", True),
        ("TRUE", True),
        ("signed", True),
        ("No", False),
        ("false", False),
        ("unsigned", False),
        ("", None),
    ],
)
def test_network_agreement_answers(tmp_path: Path, answer: str, signed: bool | None) -> None:
    path = write(
        tmp_path, f"pcn,practice_code,practice_name,list_size,network_agreement\nX,F81001,A,40000,{answer}\n"
    )
    (network,) = read_configuration_csv(path)[0]
    assert network.network_agreement_signed is signed


# Bad input: every case names the file, row and field


def test_missing_file(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "southend.csv")
    assert problem == Problem(None, None, "the file does not exist")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "southend.csv").mkdir()
    assert only_problem(tmp_path / "southend.csv") == Problem(None, None, "this is a folder, not a CSV file")


def test_windows_1252_text_is_read_as_such(tmp_path: Path) -> None:
    path = tmp_path / "southend.csv"
    path.write_bytes(HEADER.encode() + b"Benfleet,F81001,Caf\xe9 Surgery,12980\n")
    networks, _ = read_configuration_csv(path)
    assert networks[0].practices[0].name == "Café Surgery"


@pytest.mark.parametrize("text", ["", "\n\n  \n", ",,,\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert only_problem(write(tmp_path, text)) == Problem(None, None, "the file is empty")


def test_header_without_rows(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, HEADER))
    assert problem == Problem(None, None, "the file has a header but no practice rows")


def test_missing_required_columns_are_all_listed(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "area,PCN,code\nSouthend,Canvey,F81001\n"))
    assert (error.file, error.row, error.field) == ("southend.csv", 1, "practice_code")
    assert [(problem.row, problem.field) for problem in error.problems] == [
        (1, "practice_code"),
        (1, "practice_name"),
        (1, "list_size"),
    ]
    assert "required column is missing (columns found: area, PCN, code)" in error.message


def test_repeated_column(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "pcn,practice_code,practice_name,list_size,PCN\n"))
    assert problem == Problem(1, "pcn", "column appears more than once")


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("Canvey,,Dr Richards,4481", "practice_code", "practice code is blank"),
        ("Canvey,F8170,Dr Richards,4481", "practice_code", "'F8170' is not an ODS practice code"),
        ("Canvey,881700,Dr Richards,4481", "practice_code", "'881700' is not an ODS practice code"),
        ("Canvey,F81-70,Dr Richards,4481", "practice_code", "'F81-70' is not an ODS practice code"),
        ("Canvey,F81700,Dr Richards,abc", "list_size", "'abc' is not a whole number"),
        ("Canvey,F81700,Dr Richards,4481.5", "list_size", "'4481.5' is not a whole number"),
        ('Canvey,F81700,Dr Richards,"44,81"', "list_size", "'44,81' is not a whole number"),
        ("Canvey,F81700,Dr Richards,", "list_size", "list size is blank"),
        ("Canvey,F81700,Dr Richards,-12", "list_size", "'-12' is negative"),
        ("Canvey,F81700,Dr Richards,4481,x", None, "the row has 5 values but the header has 4 columns"),
    ],
)
def test_bad_row(tmp_path: Path, line: str, field: str | None, message: str) -> None:
    path = write(tmp_path, HEADER + "Canvey,F81051,Third Avenue,7186\n" + line + "\n")
    error = read_error(path)
    assert (error.file, error.row, error.field) == ("southend.csv", 3, field)
    assert error.message.startswith(message)
    assert str(error).startswith(f"southend.csv row 3{f', field {field}' if field else ''}: {message}")


def test_bad_network_agreement_answer(tmp_path: Path) -> None:
    path = write(
        tmp_path, "pcn,practice_code,practice_name,list_size,network_agreement\nX,F81001,A,40000,maybe\n"
    )
    problem = only_problem(path)
    assert (problem.row, problem.field) == (2, "network_agreement")
    assert problem.message == "'maybe' is not one of yes, true, signed, no, false, unsigned (or blank)"


def test_practice_twice_with_different_list_sizes(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Canvey,F81051,A,7186\nCanvey,F81096,B,10178\nBenfleet,F81051,A,7190\n")
    problem = only_problem(path)
    assert problem == Problem(
        4, "list_size", "F81051 is listed on row 2 with list size 7,186 but here with 7,190"
    )


def test_conflicting_network_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pcn,practice_code,practice_name,list_size,clinical_director,network_agreement\n"
        "X,F81001,A,20000,Dr Shah,yes\n"
        "X,F81002,B,20000,Dr Jones,no\n",
    )
    error = read_error(path)
    assert [(problem.row, problem.field, problem.message) for problem in error.problems] == [
        (
            3,
            "clinical_director",
            "X has 'Dr Shah' on row 2 but 'Dr Jones' here; a network can have only one value",
        ),
        (
            3,
            "network_agreement",
            "X has signed on row 2 but unsigned here; a network can have only one value",
        ),
    ]


def test_row_numbers_count_blank_lines_and_multiline_values(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '\nCanvey,F81051,"Third\nAvenue",7186\nCanvey,F81096,Oaklands,x\n')
    problem = only_problem(path)
    assert (problem.row, problem.field) == (5, "list_size")


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Canvey,F81051,A,abc\nCanvey,,B,10\nCanvey,F81096,C,-1\n")
    error = read_error(path)
    assert (error.file, error.row, error.field) == ("southend.csv", 2, "list_size")
    assert str(error).splitlines() == [
        "southend.csv row 2, field list_size: 'abc' is not a whole number",
        "southend.csv row 3, field practice_code: practice code is blank",
        "southend.csv row 4, field list_size: '-1' is negative; a list size cannot be below zero",
    ]
    assert not error.truncated


def test_problems_are_capped(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(f"Canvey,F81{index:03d},A,x\n" for index in range(30)))
    error = read_error(path)
    assert len(error.problems) == MAX_PROBLEMS
    assert error.truncated
    assert str(error).splitlines()[-1] == f"southend.csv: stopped after the first {MAX_PROBLEMS} problems"


def test_exactly_max_problems_is_not_truncated(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(f"Canvey,F81{index:03d},A,x\n" for index in range(MAX_PROBLEMS)))
    error = read_error(path)
    assert len(error.problems) == MAX_PROBLEMS
    assert not error.truncated


# InputError itself


def test_input_error_single_and_to_dict() -> None:
    error = InputError.single("southend.csv", "'abc' is not a whole number", row=7, field="list_size")
    assert isinstance(error, ValueError)
    assert str(error) == "southend.csv row 7, field list_size: 'abc' is not a whole number"
    assert (error.file, error.row, error.field, error.message) == (
        "southend.csv",
        7,
        "list_size",
        "'abc' is not a whole number",
    )
    assert error.to_dict() == {
        "file": "southend.csv",
        "problems": [{"row": 7, "field": "list_size", "message": "'abc' is not a whole number"}],
        "truncated": False,
    }


def test_input_error_locations() -> None:
    error = InputError("x.csv", [Problem(None, None, "a"), Problem(3, None, "b"), Problem(None, "pcn", "c")])
    assert str(error).splitlines() == ["x.csv: a", "x.csv row 3: b", "x.csv, field pcn: c"]


def test_input_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        InputError("x.csv", [])


def test_a_list_size_beyond_any_practice_is_a_problem(tmp_path):
    path = tmp_path / "config.csv"
    path.write_text("pcn,practice_code,practice_name,list_size\nA,A81001,One,100000000000000000000\n")
    with pytest.raises(InputError) as caught:
        read_configuration_csv(path)
    assert (caught.value.row, caught.value.field) == (2, "list_size")
    assert "is more than 10,000,000" in caught.value.message
