"""Django settings for pcnhub.

Defaults give a zero set-up, local instance: SQLite under ``$PCNHUB_HOME`` (``./var``).
``DATABASE_URL`` switches to PostgreSQL (``postgres://user@host:5432/name``).
Production deployments use :mod:`pcnhub.webapp.settings_production`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

PACKAGE_DIR = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("PCNHUB_HOME", Path.cwd() / "var")).resolve()

#: The secret key of development and tests; the production server refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("PCNHUB_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = os.environ.get("PCNHUB_DEBUG", "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("PCNHUB_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "csp",
    "axes",
    "pcnhub.accounts",
    "pcnhub.register",
    "pcnhub.finance",
    "pcnhub.maturity",
    "pcnhub.phm",
    "pcnhub.measures",
    "pcnhub.designer",
    "pcnhub.scenarios",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pcnhub.accounts.middleware.SessionLimitMiddleware",
    "pcnhub.accounts.middleware.LoginRequiredEverywhereMiddleware",
    "pcnhub.register.asof.AsOfMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pcnhub.webapp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pcnhub.accounts.context_processors.role",
                "pcnhub.register.asof.data_context",
                "pcnhub.scenarios.context_processors.scenarios",
            ],
        },
    },
]

WSGI_APPLICATION = "pcnhub.webapp.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HOME / 'pcnhub.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several readers with one writer; wait rather than fail on a busy database.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out username and address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

#: ``pcnhub demo`` loads users with a published password: allowed here, never in production.
PCNHUB_DEMO_ALLOWED = True

#: The configuration designer's time limit for a proposal, in seconds.
PCNHUB_DESIGN_SECONDS = float(os.environ.get("PCNHUB_DESIGN_SECONDS", "3"))
#: How long a computed proposal is kept in the cache, in seconds (its key changes with the register, so a
#: longer time never shows a stale proposal; it only bounds the cache's size).
PCNHUB_DESIGN_CACHE_SECONDS = int(os.environ.get("PCNHUB_DESIGN_CACHE_SECONDS", str(7 * 24 * 60 * 60)))
#: Proposals one user may have computing at once; one more is answered 429 (cached proposals are never refused).
PCNHUB_DESIGN_PER_USER = int(os.environ.get("PCNHUB_DESIGN_PER_USER", "1"))

#: One cache for every worker process: a table in the site's own database (``pcnhub`` creates it with the
#: migrations; ``pcnhub manage createcachetable`` does too). Not LocMemCache, which each gunicorn worker
#: keeps to itself (a proposal computed by one worker would be computed again by the next, and an "in
#: progress" marker would be seen by no other worker); not the file cache, whose ``add`` is not atomic
#: (two workers can both take the same marker) and which several hosts behind one database would not
#: share. The database's primary key makes ``cache.add`` atomic on SQLite and PostgreSQL alike.
#: How long the population health dashboards' figures and network money are kept in the cache (their keys
#: change with the pipeline output and the register, so they are never stale; this only frees the space).
PCNHUB_FIGURES_CACHE_SECONDS = int(os.environ.get("PCNHUB_FIGURES_CACHE_SECONDS", str(24 * 60 * 60)))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "pcnhub_cache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PCNHUB_CACHE_MAX_ENTRIES", "2000"))},
    }
}

#: Population health: ``data/`` (the patient-level dataset) and ``output/`` (what ``pcnhub phm run`` writes).
PCNHUB_PHM_DIR = Path(os.environ.get("PCNHUB_PHM_DIR", HOME / "phm")).resolve()
#: Where the FHIR API's bulk exports ($export) are written, a folder a job (pcnhub.fhir.bulk).
PCNHUB_FHIR_EXPORT_DIR = Path(os.environ.get("PCNHUB_FHIR_EXPORT_DIR", HOME / "fhir-exports")).resolve()
#: DuckDB's memory limit ("8GB", "50%") and threads for the pages' reads of the engines' outputs, one DuckDB a process
#: (pcnhub.analytics.outputs.shared_reader); None: the environment's PCNHUB_DUCKDB_MEMORY_LIMIT and
#: PCNHUB_DUCKDB_THREADS, else half of the machine's memory and one thread a core (pcnhub.analytics.limits).
PCNHUB_DUCKDB_MEMORY_LIMIT: str | None = None
PCNHUB_DUCKDB_THREADS: int | None = None

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package in development and tests (no collectstatic step).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
#: Idle timeout: a session ends after 30 minutes without a request. A request saves the session, moving
#: its expiry (the cookie's and the stored session's) on to 30 minutes after it, when a minute has passed
#: since the last such save (SessionLimitMiddleware), not on every request: one database write a minute
#: per active user instead of one per request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
PCNHUB_SESSION_REFRESH_SECONDS = 60
#: Absolute limit: however active, a session ends 8 hours after sign-in (SessionLimitMiddleware).
PCNHUB_SESSION_MAX_SECONDS = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = False  # the NHS.UK pages post ordinary forms; the API uses session auth + CSRF
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy on every response (django-csp). Scripts only from this server: no inline
# script anywhere (templates load static files; chart data travel in json_script blocks, which are
# data, not script). Style sheets and <style> elements only from this server or with the response's
# nonce, which pages/_plotly_styles.html puts on the two empty <style> elements Plotly looks up by id
# before creating its own: Plotly fills them through the CSSOM (insertRule), so they need no
# 'unsafe-inline' (see static/vendor/README.md). The one relaxation: style *attributes*
# (style-src-attr 'unsafe-inline'), because Plotly's d3 sets some with setAttribute("style", ...) while
# drawing heatmaps (the maturity heatmap) and the designer's maps, which the browser blocks otherwise.
# A style attribute cannot run script, and img-src/font-src/connect-src still keep every fetch on this
# server; pcnhub's own templates use no style attribute (tests/webapp/test_security_headers.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from one
# address, that pair is refused (even with the right password) for AXES_COOLOFF_TIME; a successful
# sign-in clears the count. Administrators clear a lockout by deleting its access attempt in the admin
# (or `pcnhub manage axes_reset`).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pcnhub.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "pcnhub.accounts.lockout.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are written to pcnhub's own audit trail (phm.AuditEvent)
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"pcnhub": {"handlers": ["console"], "level": os.environ.get("PCNHUB_LOG_LEVEL", "INFO")}},
}
