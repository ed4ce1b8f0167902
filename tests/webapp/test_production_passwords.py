"""Production settings ask for passwords of at least 12 characters, not common, not all digits and not like the
user's name; the development settings still take the demo's password; the demo never runs in production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError

from pcnhub.webapp.demo import DEMO_PASSWORD, load_demo


def production_validators():
    env = {**os.environ, "PCNHUB_SECRET_KEY": secrets.token_urlsafe(50), "PCNHUB_ALLOWED_HOSTS": "x.nhs.uk"}
    code = ("import json, pcnhub.webapp.settings_production as s; "
            "print(json.dumps(s.AUTH_PASSWORD_VALIDATORS)); print(s.PCNHUB_DEMO_ALLOWED)")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    import json

    validators, demo = proc.stdout.strip().splitlines()
    return json.loads(validators), demo == "True"


@pytest.fixture(scope="module")
def production():
    return production_validators()


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "short-pass1", "password1234", "123456789012345", "pcnuser-2024!"])
def test_production_rejects_short_common_numeric_and_similar_passwords(production, password):
    validators, _ = production
    from django.contrib.auth.models import User

    user = User(username="pcnuser", email="pcnuser@example.nhs.uk")
    with pytest.raises(ValidationError):
        validate_password(password, user, password_validators=get_password_validators(validators))


def test_production_accepts_a_long_uncommon_passphrase(production):
    validators, _ = production
    validate_password("amber-ferry-quartz-lantern", password_validators=get_password_validators(validators))


def test_development_still_takes_the_demo_password():
    validate_password(DEMO_PASSWORD)


def test_the_demo_never_runs_with_production_settings(production, settings):
    _, allowed = production
    assert allowed is False
    settings.PCNHUB_DEMO_ALLOWED = False
    with pytest.raises(ImproperlyConfigured, match="never runs with production settings"):
        load_demo(users_only=True, progress=False)
