"""Which tests use the database: the PostgreSQL run keeps only those (see ``tests/conftest.py``).

The SQLite run is the whole suite.  The PostgreSQL run (``make test-postgres``) is there to show that
the database code works on PostgreSQL too; a test that never opens a connection would run exactly as
it does on SQLite, so that run leaves it out.  pytest-django blocks the database for any test that
does not ask for it, so whether a test may use it is decided from its fixture closure and markers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Fixtures that open the database (pytest-django's, and those its web fixtures stand on).  A fixture
#: of ours that depends on one of these brings it into the test's closure, so it need not be listed.
DATABASE_FIXTURES = frozenset({
    "_django_db_helper",  # behind db, transactional_db, django_db_reset_sequences, ..., admin_user
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "django_user_model",
    "admin_user",
    "admin_client",
    "client",  # Django's test client: a request goes through sessions and auth, i.e. the database
    "async_client",
    "live_server",  # asks for transactional_db at run time, so it is not in the closure
})
#: Markers that keep a test: pytest-django's own, and ours for "needs PostgreSQL".
DATABASE_MARKERS = frozenset({"django_db", "postgres"})


def on_postgres(environ: Mapping[str, str]) -> bool:
    """Whether this run is the PostgreSQL one (the suite's database comes from DATABASE_URL)."""
    return environ.get("DATABASE_URL", "").startswith("postgres")


def uses_database(fixturenames: Iterable[str], markers: Iterable[str]) -> bool:
    """Whether a test with this fixture closure and these markers may touch the database."""
    return not DATABASE_FIXTURES.isdisjoint(fixturenames) or not DATABASE_MARKERS.isdisjoint(markers)
