"""Exit codes and bad input, the same for every command; commands imported only when run."""

from __future__ import annotations

import io
import subprocess
import sys

from pcnhub.cli.commands import EXIT_BAD_INPUT, bad_input, fail
from pcnhub.domain.errors import InputError


def test_fail_says_which_command_and_exits_2():
    err = io.StringIO()
    assert fail(err, "pcnhub design", "--seconds must be more than 0") == EXIT_BAD_INPUT == 2
    assert err.getvalue() == "pcnhub design: --seconds must be more than 0\n"


def test_bad_input_prints_an_input_error_as_it_names_itself():
    err = io.StringIO()
    error = InputError.single("plan.csv", "'Funday' is not a day of the week", row=3, field="day")
    assert bad_input(err, "pcnhub access", error) == 2
    assert err.getvalue() == "plan.csv row 3, field day: 'Funday' is not a day of the week\n"


def test_bad_input_puts_the_command_before_any_other_error():
    err = io.StringIO()
    assert bad_input(err, "pcnhub phm run", ValueError("--data: x is not a folder")) == 2
    assert err.getvalue() == "pcnhub phm run: --data: x is not a folder\n"


def test_building_the_parser_imports_only_the_command_asked_for():
    probe = ("import sys; from pcnhub.cli.main import build_parser; build_parser(['access', '--help']); "
             "print(sorted(m for m in ('pcnhub.cli.design', 'pcnhub.cli.phm.main', 'scipy', 'ibis', 'django') "
             "if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"


def test_demo_under_production_settings_is_refused_in_one_line_before_touching_the_database(tmp_path):
    import os
    import secrets
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src, "PCNHUB_HOME": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "pcnhub.webapp.settings_production",
           "PCNHUB_SECRET_KEY": secrets.token_urlsafe(50), "PCNHUB_ALLOWED_HOSTS": "pcnhub.example.nhs.uk"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "pcnhub", "demo", "--quiet"], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert done.returncode == EXIT_BAD_INPUT
    assert done.stderr.startswith("pcnhub demo: the demo's users have a published password, so it never runs with "
                                  "production settings (pcnhub.webapp.settings_production)")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert not list(tmp_path.glob("*.sqlite3"))
