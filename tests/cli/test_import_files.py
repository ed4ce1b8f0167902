"""``pcnhub import``: a line per file imported, exit 2 on bad input, and the options passed on."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pcnhub.cli.import_files import add_import_arguments, run_import
from pcnhub.register.models import Organisation, OrgKind
from tests.cli.helpers import command
from tests.ingest.helpers import epraccur_row, write_csv
from tests.register.test_loaders import (  # noqa: F401 (fixtures)
    CONFIGURATION_HEADER,
    epraccur,
    import_quietly,
    map_2022,
)

pytestmark = pytest.mark.django_db


run_command = command("pcnhub import", add_import_arguments, run_import)


def test_the_import_command_prints_a_line_per_file(epraccur: Path, map_2022: Path) -> None:  # noqa: F811 (fixtures)
    status, out, err = run_command(str(epraccur), str(map_2022), "--quiet")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("epraccur.csv: epraccur, 5 rows: 12 created, 0 updated, 0 unchanged in ")
    assert lines[1].startswith("map_2022.csv: practice-map of 2022-01-01, 5 rows: ")


def test_the_import_command_exits_2_on_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "llr.csv"
    path.write_text("place,network\nLeicester City,Aegis\n")
    status, out, err = run_command(str(path), "--quiet")
    assert (status, out) == (2, "")
    assert err.startswith("pcnhub import: llr.csv row 1: not a file pcnhub can import")


def test_the_import_command_passes_date_area_and_kind(epraccur: Path, tmp_path: Path) -> None:  # noqa: F811 (fixture)
    import_quietly(epraccur)
    path = write_csv(tmp_path / "c.csv", [["Tees", "A81001", "Densham", "5903"]], CONFIGURATION_HEADER)
    status, out, _ = run_command(
        str(path), "--kind", "configuration", "--date", "2019-04-01", "--area", "Tees", "--quiet"
    )
    assert status == 0 and "configuration of 2019-04-01" in out
    assert Organisation.objects.filter(kind=OrgKind.PLACE, name="Tees").exists()


def test_names_not_matched_are_warnings_on_stderr_and_the_rest_imports(tmp_path: Path) -> None:
    rows = [epraccur_row("A81001", "THE DENSHAM SURGERY"), epraccur_row("A81002", "QUEENS PARK MEDICAL CENTRE")]
    import_quietly(write_csv(tmp_path / "epraccur.csv", rows))
    path = write_csv(tmp_path / "clusters.csv", [["Tees", "Densham; Queens Park; Nowhere", "26,000"]],
                     ["cluster", "practices", "population"])
    status, out, err = run_command(str(path), "--date", "2019-04-01", "--area", "Tees", "--quiet")
    assert status == 0
    assert out.splitlines()[0].startswith("clusters.csv: clusters of 2019-04-01, 1 rows: ")
    assert "  2 of 3 practice names matched among the open practices of 00K on 2019-04-01; 1 not" in out
    assert err == ("pcnhub import: warning: clusters.csv: row 2, practices: 'Nowhere' (Tees) matches no name among "
                   "the open practices of 00K: not imported\n")
    status, out, err = run_command(str(path), "--quiet")
    assert status == 2 and "needs the date it applies from (--date YYYY-MM-DD)" in err


def test_the_import_command_prints_a_line_per_file_of_a_zip(tmp_path: Path) -> None:
    fixtures = Path(__file__).parents[1] / "ingest" / "fixtures"
    path = tmp_path / "gp-reg-pat-prac.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(fixtures / "gp-reg-pat-prac-all_2026-04-excerpt.csv", "gp-reg-pat-prac-all.csv")
        archive.write(fixtures / "gp-reg-pat-prac-map_2026-02-excerpt.csv", "gp-reg-pat-prac-map.csv")
    status, out, err = run_command(str(path), "--quiet")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("gp-reg-pat-prac-map.csv: practice-map of 2026-02-01, 4 rows: ")
    assert lines[1].startswith("gp-reg-pat-prac-all.csv: list-sizes of 2026-04-01, 4 rows: ")
