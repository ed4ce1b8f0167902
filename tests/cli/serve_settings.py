"""Settings for the real start of ``pcnhub serve --production`` in tests/cli/test_serve.py: the production
settings but for whitenoise's compression (brotli on every static file takes about a minute on two cores,
once per fresh ``PCNHUB_HOME``).  The hashed file names, and the long cache lifetime whitenoise gives them,
which the test checks, are the production ones."""

from pcnhub.webapp.settings_production import *  # noqa: F401,F403
from pcnhub.webapp.settings_production import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
