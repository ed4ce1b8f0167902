"""Suite-wide settings: hypothesis profile, a guard that the PostgreSQL run really uses PostgreSQL, and that
run's selection of the tests that use the database."""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.database_use import on_postgres, uses_database

settings.register_profile(
    "pcnhub", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "pcnhub"))


def pytest_xdist_make_scheduler(config, log):
    """Under xdist (``-n``), every test whose id names Spark (the spark engine's parameter, the engines-agree and
    Spark-output tests) goes to one worker, as one unit of work, so that one JVM runs them one after another: two
    JVMs would compete for the two cores, and a worker would wait for the Spark run the other is making
    (tests/analytics/shared.py).  The other tests go by module (or class), as ``--dist loadscope`` sends them, so
    that a module's fixtures are made once, not again each time the workers' turns interleave its tests.  (xdist's
    own ``loadgroup`` cannot do this under pytest 9.2, which ignores the group it appends to a test's id.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SparkTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "spark" if "spark" in nodeid.lower() else super()._split_scope(nodeid)

    return SparkTogether(config, log)


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (DATABASE_URL=postgres://...), run only the tests that use the database.

    The SQLite run is the whole suite; the PostgreSQL run is there for the database code.  A test whose
    fixture closure holds none of :data:`tests.database_use.DATABASE_FIXTURES` and that has no
    ``django_db`` or ``postgres`` marker cannot open a connection (pytest-django blocks it), so it would
    run exactly as on SQLite: it is deselected (reported as such in the summary line).
    """
    if not on_postgres(os.environ):
        return
    kept, dropped = [], []
    for item in items:
        markers = {mark.name for mark in item.iter_markers()}
        (kept if uses_database(getattr(item, "fixturenames", ()), markers) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup, django_db_blocker):
    """With DATABASE_URL=postgres://... the suite must run on PostgreSQL, not quietly on SQLite."""
    from django.db import connection

    wanted = "postgresql" if on_postgres(os.environ) else "sqlite"
    assert connection.vendor == wanted, f"tests run on {connection.vendor}, DATABASE_URL asks for {wanted}"


@pytest.fixture
def register(db):
    """The hand-made register of tests/builders.py, with one user per role."""
    from tests.builders import build_register

    return build_register()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing demo passwords with the production hasher would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_for(client, register):
    """``client_for("icb")``: the test client signed in as that role's user."""

    def sign_in(role: str):
        client.force_login(register.users[role])
        return client

    return sign_in
