"""Production settings pass Django's deployment checklist, and the dev server's security headers are on."""

import os
import secrets
import subprocess
import sys


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set by browser tests
        "DJANGO_SETTINGS_MODULE": "pcnhub.webapp.settings_production",
        "PCNHUB_SECRET_KEY": secrets.token_urlsafe(50),
        "PCNHUB_ALLOWED_HOSTS": "pcnhub.example.nhs.uk",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pcnhub", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "PCNHUB_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="pcnhub.webapp.settings_production", PCNHUB_ALLOWED_HOSTS="x")
    proc = subprocess.run(
        [sys.executable, "-m", "pcnhub", "manage", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    assert "PCNHUB_SECRET_KEY" in proc.stderr
