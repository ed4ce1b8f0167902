"""Suite-wide settings: hypothesis profile, and a guard that the PostgreSQL run really uses PostgreSQL."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "pcnhub", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "pcnhub"))


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup, django_db_blocker):
    """With DATABASE_URL=postgres://... the suite must run on PostgreSQL, not quietly on SQLite."""
    from django.db import connection

    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
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
