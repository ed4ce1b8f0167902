"""The PostgreSQL run's selection (tests/database_use.py, applied by the hook in tests/conftest.py)."""

import os

import pytest

from tests.database_use import on_postgres, uses_database

#: Closures as pytest builds them: the suite's autouse fixtures are in every test's.
AUTOUSE = ["_database_is_the_one_asked_for", "django_db_setup", "django_db_blocker", "_fast_password_hashing",
           "settings", "_django_db_marker", "_live_server_helper"]


def test_a_test_without_database_fixtures_or_markers_does_not_use_it():
    assert not uses_database([*AUTOUSE, "tmp_path", "monkeypatch"], {"parametrize"})


@pytest.mark.parametrize("fixture", ["db", "transactional_db", "_django_db_helper", "client", "admin_client",
                                     "live_server", "django_user_model"])
def test_a_database_fixture_anywhere_in_the_closure_means_it_does(fixture):
    assert uses_database([*AUTOUSE, "register", fixture, "tmp_path"], set())


@pytest.mark.parametrize("marker", ["django_db", "postgres"])
def test_a_django_db_or_postgres_marker_means_it_does(marker):
    assert uses_database(AUTOUSE, {marker, "parametrize"})


@pytest.mark.parametrize(("url", "postgres"), [
    ("postgres://postgres@127.0.0.1:5432/pcnhub", True), ("postgresql://u@h/db", True),
    ("sqlite:///x.sqlite3", False), ("", False), (None, False),
])
def test_the_run_is_the_postgres_one_when_database_url_says_so(url, postgres):
    assert on_postgres({} if url is None else {"DATABASE_URL": url}) is postgres


@pytest.mark.postgres
def test_the_hook_keeps_only_database_tests_on_postgres_and_all_on_sqlite(request):
    """The items this process runs: on PostgreSQL this module's database-free tests above are gone."""
    items = request.session.items
    here = [item.name for item in items if item.path == request.path]
    siblings = "test_a_test_without_database_fixtures_or_markers_does_not_use_it"
    if on_postgres(os.environ):
        strays = [item.nodeid for item in items
                  if not uses_database(item.fixturenames, {mark.name for mark in item.iter_markers()})]
        assert not strays, f"the PostgreSQL run kept tests that do not use the database: {strays[:5]}"
        assert request.node.name in here and siblings not in here, here
    else:
        assert siblings in here, f"the SQLite run lost a database-free test: {here}"
