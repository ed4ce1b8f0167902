"""The packaged maturity matrices and support offers: complete, well-formed, sourced and linked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from pcnhub.domain.maturity import AUDIENCES, PCN, SYSTEM
from pcnhub.reference.maturity import (
    OFFERS_FILE,
    STATEMENT_ID,
    MaturityFileError,
    load_matrix,
    matrices,
    packaged_folder,
    parse_matrix,
    parse_offers,
    read_matrices,
    read_offers,
    support_offers,
)

NATIONAL_DOMAINS = ["lpp", "phm", "ic", "mr", "wpc"]


def test_both_matrices_load_sorted_by_key() -> None:
    assert [matrix.key for matrix in matrices()] == ["bnssg-2019", "national-2019"]
    assert load_matrix().key == "national-2019"
    assert load_matrix() is load_matrix("national-2019")


def test_an_unknown_matrix_lists_the_keys() -> None:
    with pytest.raises(ValueError, match=r"no maturity matrix 'x'; the matrices are bnssg-2019, national-2019"):
        load_matrix("x")


def test_national_has_5_domains_of_4_steps_with_both_audiences_in_every_cell() -> None:
    national = load_matrix("national-2019")
    assert [domain.key for domain in national.domains] == NATIONAL_DOMAINS
    assert national.audiences() == (PCN, SYSTEM)
    for domain in national.domains:
        assert [step.name for step in domain.steps] == ["Foundation", "Step 1", "Step 2", "Step 3"]
        assert [step.index for step in domain.steps] == [0, 1, 2, 3]
        for step in domain.steps:
            assert step.pcn_statements, f"{domain.key} step {step.index}: no PCN statement"
            assert step.system_statements, f"{domain.key} step {step.index}: no system statement"
    assert all(domain.note.startswith("Prospectus domain") for domain in national.domains if domain.key != "mr")


def test_bnssg_has_5_rows_of_4_steps_for_pcns_only() -> None:
    bnssg = load_matrix("bnssg-2019")
    assert [domain.name for domain in bnssg.domains] == [
        "Right scale", "Integrated working", "Targeting care", "Managing resources", "Empowered primary care",
    ]
    assert bnssg.audiences() == (PCN,)
    assert all(len(domain.steps) == 4 for domain in bnssg.domains)
    assert bnssg.domains[0].steps[0].name == "Foundations for transformation"
    assert "ambiguous" in bnssg.note or "pcnhub's reading" in bnssg.note


@pytest.mark.parametrize("key", ["national-2019", "bnssg-2019"])
def test_ids_are_well_formed_and_match_their_cell(key: str) -> None:
    matrix = load_matrix(key)
    for statement in matrix.statements():
        match = STATEMENT_ID.fullmatch(statement.id)
        assert match, statement.id
        assert (match[1], int(match[2]), match[3]) == (statement.domain, statement.step, statement.audience)
        assert statement.audience in AUDIENCES
        assert statement in matrix.domain(statement.domain).steps[statement.step].statements(statement.audience)


def test_ids_are_unique_across_matrices() -> None:
    ids = [statement.id for matrix in matrices() for statement in matrix.statements()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("key", ["national-2019", "bnssg-2019"])
def test_every_statement_has_text_and_a_source_citing_its_seed(key: str) -> None:
    seed = {"national-2019": "seed 004", "bnssg-2019": "seed 000"}[key]
    matrix = load_matrix(key)
    assert seed in matrix.source
    for statement in matrix.statements():
        assert statement.text.strip() and statement.text == " ".join(statement.text.split())
        assert seed in statement.source, statement.id


def test_support_offers_link_to_existing_statements_and_cover_every_national_domain() -> None:
    offers = support_offers()
    assert len(offers) >= 10
    known = {statement.id for matrix in matrices() for statement in matrix.statements()}
    for offer in offers:
        assert offer.statements and set(offer.statements) <= known, offer.key
        assert "seed 003" in offer.source
        assert offer.name and offer.description and offer.group
    national = load_matrix("national-2019")
    covered = {national.statement(i).domain for offer in offers for i in offer.statements if i in national}
    assert covered == set(NATIONAL_DOMAINS)
    by_key = {offer.key: offer for offer in offers}
    assert all(i.startswith("phm-") for i in by_key["business-intelligence"].statements[:10])
    assert any(i.startswith("wpc-") for i in by_key["ppg-and-community-relationships"].statements)
    assert any(i.startswith("lpp-") for i in by_key["od-and-leadership"].statements)
    assert {offer.group for offer in offers} == {
        "Plan to support PCNs", "Additional support in kind", "Workforce", "Communications and engagement",
    }


# --- the loader on files of our own --------------------------------------------------------------

NEW_MATRIX = """
key = "national-2021"
version = "2021"
name = "A later matrix"
source = "somewhere (test)"

[[domains]]
key = "lpp21"
name = "Leadership"

[[domains.steps]]
step = 0
pcn = [{ id = "lpp21-0-pcn-1", text = "Foundation for PCNs." }]
system = [{ id = "lpp21-0-system-1", text = "Foundation for systems." }]

[[domains.steps]]
step = 1
pcn = [{ id = "lpp21-1-pcn-1", text = "Step 1 for PCNs.", source = "elsewhere" }]

[[domains.steps]]
step = 2
pcn = [{ id = "lpp21-2-pcn-1", text = "Step 2." }]

[[domains.steps]]
step = 3
pcn = [{ id = "lpp21-3-pcn-1", text = "Step 3." }]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the packaged maturity folder."""
    copy = tmp_path / "maturity"
    copy.mkdir()
    for item in packaged_folder().iterdir():
        if item.is_file():
            (copy / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def test_a_new_matrix_file_loads_without_code_changes(folder: Path) -> None:
    (folder / "national-2021.toml").write_text(NEW_MATRIX, encoding="utf-8")
    found = read_matrices(folder)
    assert [matrix.key for matrix in found] == ["bnssg-2019", "national-2019", "national-2021"]
    new = found[2]
    assert new.statement("lpp21-1-pcn-1").source == "elsewhere"
    assert new.statement("lpp21-0-pcn-1").source == "somewhere (test)"
    assert new.domain("lpp21").steps[3].name == "Step 3"
    assert len(read_offers(folder, found)) == len(support_offers())


def test_a_copied_matrix_reusing_ids_is_refused(folder: Path) -> None:
    text = (folder / "national-2019.toml").read_text(encoding="utf-8")
    (folder / "national-2020.toml").write_text(text.replace('"national-2019"', '"national-2020"'), encoding="utf-8")
    with pytest.raises(MaturityFileError, match=r"maturity/national-20(19|20).toml, statement lpp-0-pcn-1: .*unique"):
        read_matrices(folder)


def _data() -> dict:
    return tomllib.loads(NEW_MATRIX)


def _expect(data: dict, pattern: str) -> None:
    with pytest.raises(MaturityFileError, match=pattern):
        parse_matrix(data, "maturity/national-2021.toml", expected_key="national-2021")


def test_unknown_fields_are_refused() -> None:
    data = _data()
    data["domains"][0]["steps"][0]["pcn"][0]["colour"] = "red"
    _expect(data, r"national-2021.toml, domain lpp21, step 0, pcn statement 1 \(lpp21-0-pcn-1\): unknown field colour")
    data = _data()
    data["author"] = "me"
    _expect(data, r"national-2021.toml: unknown field author")


def test_duplicate_ids_are_refused() -> None:
    data = _data()
    data["domains"][0]["steps"][0]["pcn"].append({"id": "lpp21-0-pcn-1", "text": "again"})
    _expect(data, r"pcn statement 2 \(lpp21-0-pcn-1\): the id 'lpp21-0-pcn-1' appears twice")


@pytest.mark.parametrize(
    ("bad_id", "says"),
    [
        ("lpp21-1-pcn-1", "the id says domain lpp21, step 1, pcn, but the statement sits in domain lpp21, step 0"),
        ("lpp-0-pcn-1", "the id says domain lpp,"),
        ("lpp21-0-system-2", "sits in domain lpp21, step 0, pcn"),
        ("LPP21-0-pcn-1", "is not a statement id"),
        ("lpp21-0-pcn-0", "is not a statement id"),
    ],
)
def test_ids_must_match_the_cell_they_sit_in(bad_id: str, says: str) -> None:
    data = _data()
    data["domains"][0]["steps"][0]["pcn"][0]["id"] = bad_id
    _expect(data, re.escape(says))


def test_empty_text_and_missing_source_are_refused() -> None:
    data = _data()
    data["domains"][0]["steps"][0]["pcn"][0]["text"] = "  "
    _expect(data, r"pcn statement 1 \(lpp21-0-pcn-1\): text is empty")
    data = _data()
    del data["source"]
    _expect(data, r"national-2021.toml: missing source")
    data = _data()
    data["domains"][0]["steps"][1]["pcn"][0]["source"] = ""
    _expect(data, r"step 1, pcn statement 1 \(lpp21-1-pcn-1\): source is empty")


def test_steps_must_be_complete_and_in_order() -> None:
    data = _data()
    del data["domains"][0]["steps"][3]
    _expect(data, r"domain lpp21: 3 steps; the matrix has 4")
    data = _data()
    data["domains"][0]["steps"][1]["step"] = 2
    _expect(data, r"domain lpp21, step 1: says step = 2")


def test_the_key_must_match_the_file_name_and_domains_be_unique() -> None:
    data = _data()
    data["key"] = "national-2022"
    _expect(data, r"the key 'national-2022' must match the file name")
    data = _data()
    data["domains"].append(data["domains"][0])
    _expect(data, r"domain lpp21: the domain key 'lpp21' appears twice")


def test_bad_toml_names_the_file(folder: Path) -> None:
    (folder / "broken.toml").write_text("key = ", encoding="utf-8")
    with pytest.raises(MaturityFileError, match=r"maturity/broken.toml: not valid TOML"):
        read_matrices(folder)


def test_offers_must_link_to_existing_statements() -> None:
    national = load_matrix("national-2019")
    data = {"source": "s", "offers": [
        {"key": "a", "name": "A", "description": "d", "group": "g", "statements": ["lpp-0-pcn-1", "lpp-9-pcn-1"]},
    ]}
    with pytest.raises(MaturityFileError, match=r"support-offers.toml, offer 1 \(a\): no matrix has the statement lpp-9-pcn-1"):
        parse_offers(data, f"maturity/{OFFERS_FILE}", [national])
    data["offers"][0]["statements"] = []
    with pytest.raises(MaturityFileError, match="one or more statement ids"):
        parse_offers(data, f"maturity/{OFFERS_FILE}", [national])
    data["offers"][0]["statements"] = ["lpp-0-pcn-1"]
    del data["source"]
    with pytest.raises(MaturityFileError, match=r"offer 1 \(a\): missing source"):
        parse_offers(data, f"maturity/{OFFERS_FILE}", [national])
    data["source"] = "s"
    data["offers"].append(dict(data["offers"][0]))
    with pytest.raises(MaturityFileError, match=r"offer 2 \(a\): the key 'a' appears twice"):
        parse_offers(data, f"maturity/{OFFERS_FILE}", [national])
