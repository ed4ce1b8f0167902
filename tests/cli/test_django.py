"""Commands that use the register work on a fresh PCNHUB_HOME: the database is brought up to date first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ingest.helpers import epraccur_row, write_csv


def pcnhub_in_a_fresh_home(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    """``pcnhub ARGV`` in a new process on a new SQLite database (never the suite's PostgreSQL one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["PCNHUB_HOME"] = str(tmp_path / "home")
    return subprocess.run([sys.executable, "-m", "pcnhub", *argv], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def test_import_into_a_fresh_home_migrates_first(tmp_path):
    path = write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001", "THE DENSHAM SURGERY")])
    done = pcnhub_in_a_fresh_home(tmp_path, "import", str(path), "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("epraccur.csv: epraccur, 1 rows: ")
    assert (tmp_path / "home" / "pcnhub.sqlite3").exists()


def test_register_commands_on_a_fresh_home_say_what_is_missing(tmp_path):
    done = pcnhub_in_a_fresh_home(tmp_path, "check", "--icb", "QH8")
    assert (done.returncode, done.stderr) == (2, "pcnhub check: no ICB or area with code 'QH8' in the register\n")
    done = pcnhub_in_a_fresh_home(tmp_path, "entitlements", "--year", "2023/24", "--pcn", "U27924")
    assert done.returncode == 2
    assert done.stderr == ("pcnhub entitlements: the register is empty; load it with 'pcnhub demo' or "
                           "'pcnhub import' first\n")


def _tables(database: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(database) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_commands_that_migrate_create_the_cache_table_too(tmp_path):
    """The designer's proposals are cached in the database (settings.CACHES): a fresh home gets the table, and so
    does a database migrated before the cache was configured (it has no migration left to apply)."""
    from django.conf import settings

    table = settings.CACHES["default"]["LOCATION"]
    path = write_csv(tmp_path / "epraccur.csv", [epraccur_row("A81001", "THE DENSHAM SURGERY")])
    assert pcnhub_in_a_fresh_home(tmp_path, "import", str(path), "--quiet").returncode == 0
    database = tmp_path / "home" / "pcnhub.sqlite3"
    assert table in _tables(database)
    import sqlite3

    with sqlite3.connect(database) as db:
        db.execute(f'DROP TABLE "{table}"')
    done = pcnhub_in_a_fresh_home(tmp_path, "entitlements", "--year", "2023/24", "--pcn", "U27924")
    assert done.returncode == 2, done.stderr  # the register has no PCNs; the database was brought up to date
    assert table in _tables(database)
