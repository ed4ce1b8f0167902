"""Production settings: secure cookies, HSTS, HTTPS redirect, secret from the environment.

``PCNHUB_SECRET_KEY`` and ``PCNHUB_ALLOWED_HOSTS`` must be set; ``python -m pcnhub manage check --deploy``
is clean with these settings (tested).
"""

import os

from whitenoise.compress import Compressor

from .settings import *  # noqa: F401,F403
from .settings import STORAGES

DEBUG = False
SECRET_KEY = os.environ["PCNHUB_SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ["PCNHUB_ALLOWED_HOSTS"].split(",") if h]

SECURE_SSL_REDIRECT = os.environ.get("PCNHUB_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Sessions: 30 minutes idle, 8 hours at most (settings.py: SESSION_COOKIE_AGE, PCNHUB_SESSION_MAX_SECONDS).

# Passwords of at least 12 characters, not common, not all digits, not like the user's name or email.
# (The demo's password is shorter, and the demo never runs under these settings: PCNHUB_DEMO_ALLOWED.)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PCNHUB_DEMO_ALLOWED = False
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
#: Source maps are for browsers' developer tools only; brotli on them (5 MB for the API docs' scripts) would
#: double the time collectstatic takes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

#: Everything goes to standard error (gunicorn's access log too, see pcnhub.cli.serve): every unhandled
#: exception (django.request logs each 500 with its traceback), refused hosts and bad CSRF tokens
#: (django.security), and pcnhub's own messages.  No response ever carries a traceback (DEBUG is off).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "pcnhub": {"handlers": ["stderr"], "level": os.environ.get("PCNHUB_LOG_LEVEL", "INFO"), "propagate": False},
    },
}
