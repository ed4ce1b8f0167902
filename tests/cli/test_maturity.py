"""`pcnhub maturity`: JSON contracts, text output, and bad files (exit 2, naming file and key)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pcnhub.cli.main import main
from pcnhub.cli.maturity import add_maturity_arguments, run_maturity
from pcnhub.reference.maturity import load_matrix
from tests.cli.helpers import command

run = command("pcnhub maturity", add_maturity_arguments, run_maturity)


def write(tmp_path: Path, content: object, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


NATIONAL_PCN_IDS = [s.id for s in load_matrix("national-2019").statements("pcn")]


def test_matrix_json_contract() -> None:
    code, stdout, stderr = run("matrix", "--json")
    data = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert {"key", "version", "name", "source", "domains"} <= set(data)
    assert data["key"] == "national-2019"
    assert [d["name"] for d in data["domains"]] == [
        "Leadership, planning and partnerships",
        "Use of data and population health management",
        "Integrating care",
        "Managing resources",
        "Working in partnership with people and communities",
    ]
    for domain in data["domains"]:
        assert [step["name"] for step in domain["steps"]] == ["Foundation", "Step 1", "Step 2", "Step 3"]
        for step in domain["steps"]:
            assert set(step) == {"name", "pcn_statements", "system_statements"}
            for statement in step["pcn_statements"] + step["system_statements"]:
                assert set(statement) == {"id", "text"}


def test_matrix_bnssg_and_text_outline() -> None:
    code, stdout, _ = run("matrix", "--matrix", "bnssg-2019", "--json")
    data = json.loads(stdout)
    assert code == 0 and data["key"] == "bnssg-2019"
    assert all(not step["system_statements"] for d in data["domains"] for step in d["steps"])
    code, stdout, _ = run("matrix")
    assert code == 0
    assert "Leadership, planning and partnerships (lpp)" in stdout
    assert "For systems" in stdout and "lpp-1-pcn-2" in stdout


def test_matrix_unknown_key_is_bad_input() -> None:
    code, stdout, stderr = run("matrix", "--matrix", "nope")
    assert (code, stdout) == (2, "")
    assert "'nope'" in stderr and "national-2019" in stderr and "bnssg-2019" in stderr


def test_score_wrapped_file_json_contract(tmp_path: Path) -> None:
    answers = {statement_id: "achieved" for statement_id in NATIONAL_PCN_IDS if statement_id.startswith("lpp-")}
    answers["lpp-2-pcn-1"] = "in_progress"
    path = write(tmp_path, {"matrix": "national-2019", "audience": "pcn", "answers": answers})
    code, stdout, stderr = run("score", str(path), "--json")
    data = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert (data["matrix"], data["audience"], data["unknown_statements"]) == ("national-2019", "pcn", [])
    lpp = data["domains"][0]
    assert set(lpp) == {
        "key", "name", "step_reached", "step_name", "next_step", "gap", "achieved", "in_progress", "not_started",
        "total",
    }
    assert (lpp["key"], lpp["step_reached"], lpp["step_name"], lpp["next_step"]) == ("lpp", 1, "Step 1", 2)
    assert lpp["gap"] == [
        {"id": "lpp-2-pcn-1", "text": load_matrix().statement("lpp-2-pcn-1").text, "step": 2}
    ]
    assert data["domains"][1]["step_reached"] is None


def test_score_flat_file_with_unknown_ids_warns(tmp_path: Path) -> None:
    path = write(tmp_path, {"phm-0-pcn-1": "achieved", "xyz-0-pcn-1": "achieved"})
    code, stdout, stderr = run("score", str(path), "--json")
    assert code == 0
    assert json.loads(stdout)["unknown_statements"] == ["xyz-0-pcn-1"]
    assert "warning" in stderr and "answers.json" in stderr and "xyz-0-pcn-1" in stderr
    assert json.loads(stdout)["domains"][1]["step_reached"] == 0


def test_score_text_shows_the_step_the_gap_and_support(tmp_path: Path) -> None:
    path = write(tmp_path, {"answers": {"lpp-0-pcn-1": "achieved", "lpp-0-pcn-2": "in_progress"}})
    code, stdout, _ = run("score", str(path))
    assert code == 0
    assert "Leadership, planning and partnerships: Not yet at Foundation" in stdout
    assert "[in progress] lpp-0-pcn-2" in stdout
    assert "Support that may help:" in stdout and "Business intelligence" in stdout


def test_score_system_audience_and_bnssg(tmp_path: Path) -> None:
    path = write(tmp_path, {"lpp-0-system-1": "achieved", "lpp-0-system-2": "achieved"})
    code, stdout, _ = run("score", str(path), "--audience", "system", "--json")
    data = json.loads(stdout)
    assert (code, data["audience"], data["domains"][0]["step_reached"]) == (0, "system", 0)
    path = write(tmp_path, {"matrix": "bnssg-2019", "answers": {"rs-0-pcn-1": "achieved"}}, "bnssg.json")
    code, stdout, _ = run("score", str(path), "--json")
    assert (code, json.loads(stdout)["domains"][0]["step_reached"]) == (0, 0)
    code, stdout, stderr = run("score", str(path), "--audience", "system")
    assert (code, stdout) == (2, "")
    assert "bnssg-2019" in stderr and "system" in stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"lpp-0-pcn-1": "achieved",\n "lpp-0-pcn-2": }', ["answers.json", "not valid JSON", "line 2", "column"]),
        ("[1, 2]", ["answers.json", "expected a JSON object"]),
        ({"lpp-0-pcn-1": "done"}, ["answers.json", "lpp-0-pcn-1", '"done" is not a status']),
        ({"answers": {"lpp-0-pcn-2": None}}, ["answers.json", "lpp-0-pcn-2", "null is not a status"]),
        ({"answers": ["lpp-0-pcn-1"]}, ["answers.json", "field answers"]),
        ({"matrix": "national-2019", "answers": {}, "extra": 1}, ["answers.json", "field extra", "unknown key"]),
        ({"audience": "practice", "answers": {}}, ["answers.json", "field audience", "not an audience"]),
        ({"matrix": "national-2018", "answers": {}}, ["answers.json", "field matrix", "'national-2018'", "national-2019"]),
        ('{"lpp-0-pcn-1": "achieved", "lpp-0-pcn-1": "not_started"}', ["lpp-0-pcn-1", "appears twice"]),
        (b"\xff\xfe\x00", ["answers.json", "not UTF-8"]),
    ],
)
def test_score_bad_files_exit_2_naming_file_and_key(tmp_path: Path, content: object, expected: list[str]) -> None:
    path = tmp_path / "answers.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(tmp_path, content)
    code, stdout, stderr = run("score", str(path))
    assert (code, stdout) == (2, "")
    for text in expected:
        assert text in stderr


def test_score_lists_every_bad_status(tmp_path: Path) -> None:
    path = write(tmp_path, {"lpp-0-pcn-1": "yes", "lpp-0-pcn-2": "no"})
    code, _, stderr = run("score", str(path))
    assert code == 2 and "lpp-0-pcn-1" in stderr and "lpp-0-pcn-2" in stderr


def test_score_missing_file_and_folder(tmp_path: Path) -> None:
    code, _, stderr = run("score", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json: the file does not exist" in stderr
    code, _, stderr = run("score", str(tmp_path))
    assert code == 2 and "folder" in stderr


def test_score_option_contradicting_the_file_is_bad_input(tmp_path: Path) -> None:
    path = write(tmp_path, {"matrix": "national-2019", "answers": {}})
    code, _, stderr = run("score", str(path), "--matrix", "bnssg-2019")
    assert code == 2 and "answers.json" in stderr and "matrix" in stderr
    code, stdout, _ = run("score", str(path), "--matrix", "national-2019", "--json")
    assert code == 0 and json.loads(stdout)["matrix"] == "national-2019"


def test_score_unknown_matrix_option(tmp_path: Path) -> None:
    path = write(tmp_path, {})
    code, _, stderr = run("score", str(path), "--matrix", "nope")
    assert code == 2 and "'nope'" in stderr and "national-2019" in stderr


def test_offers_json_and_text() -> None:
    code, stdout, stderr = run("offers", "--json")
    data = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert data["offers"]
    offer = data["offers"][0]
    assert set(offer) == {"key", "name", "description", "group", "source", "statements"}
    assert "business-intelligence" in {o["key"] for o in data["offers"]}
    code, stdout, _ = run("offers")
    assert code == 0 and "Communications and engagement" in stdout and "Helps with:" in stdout


def test_the_pcnhub_command_has_maturity(tmp_path: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    path = write(tmp_path, {"wpc-0-pcn-1": "achieved"})
    code = main(["maturity", "score", str(path), "--json"], stdout, stderr)
    assert code == 0 and json.loads(stdout.getvalue())["domains"][4]["key"] == "wpc"


def test_a_file_nested_too_deeply_is_named(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    code, out, err = run("score", str(path))
    assert (code, out) == (2, "")
    assert err.startswith("deep.json: the file nests too deeply to be a self-assessment")
