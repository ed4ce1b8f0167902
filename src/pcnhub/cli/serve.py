"""``pcnhub serve``: Django's development server, or with ``--production`` gunicorn on the production settings.

    pcnhub serve [ADDRESS:PORT]                                        development server (runserver)
    pcnhub serve --production [ADDRESS:PORT] [--workers N] [--threads N] [--timeout S]
                 [--forwarded-allow-ips IPS] [--settings MODULE]

The production server checks its environment first and refuses to start (exit status 2, one line naming
the variable) when DEBUG would be on, when ``PCNHUB_SECRET_KEY`` is missing, short or the development key,
or when ``PCNHUB_ALLOWED_HOSTS`` is missing.  It then brings the database up to date, collects the static
files (whitenoise serves them, hashed and compressed, with a long cache lifetime) and runs gunicorn on
:mod:`pcnhub.webapp.wsgi`: the access log (with each request's time in milliseconds) and Django's errors,
with their tracebacks, go to standard error.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TextIO

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from pcnhub.cli.commands import EXIT_OK, fail

PROG: Final = "pcnhub serve"
DEFAULT_ADDRESS: Final = "127.0.0.1:8000"
PRODUCTION_SETTINGS: Final = "pcnhub.webapp.settings_production"

#: gunicorn's rule of thumb for CPU-bound work is (2 x cores) + 1 workers; more only cost memory (each
#: worker holds Django, the register's caches and the analytics libraries), so the default stops here.
MAX_DEFAULT_WORKERS: Final = 9
#: Threads per worker (gunicorn's gthread worker): a worker waiting on the database serves another request.
DEFAULT_THREADS: Final = 2
#: Seconds a request may take before its worker is restarted; above the designer's proposal time limit
#: (``PCNHUB_DESIGN_SECONDS``, 3 s by default) with room for a slow database.
DEFAULT_TIMEOUT: Final = 60
#: Seconds a worker has to finish its requests after a restart or stop signal.
GRACEFUL_TIMEOUT: Final = 30
#: Each worker is replaced after this many requests (plus up to the jitter, so that they do not all restart
#: together), which bounds the growth of any slow leak.
MAX_REQUESTS: Final = 2000
MAX_REQUESTS_JITTER: Final = 200
#: Seconds an idle keep-alive connection is held open (behind a proxy that reuses connections).
KEEPALIVE: Final = 5
#: The access log: client, request line, status, bytes, time taken in milliseconds, referrer and agent.
ACCESS_LOG_FORMAT: Final = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", nargs="?", default=DEFAULT_ADDRESS,
                        help=f"ADDRESS:PORT to listen on (default {DEFAULT_ADDRESS})")
    parser.add_argument("--production", action="store_true",
                        help="gunicorn with the production settings (needs PCNHUB_SECRET_KEY and PCNHUB_ALLOWED_HOSTS)")
    parser.add_argument("--workers", type=positive, default=None,
                        help=f"worker processes (default 2 x CPU cores + 1, at most {MAX_DEFAULT_WORKERS})")
    parser.add_argument("--threads", type=positive, default=DEFAULT_THREADS,
                        help=f"threads per worker (default {DEFAULT_THREADS})")
    parser.add_argument("--timeout", type=positive, default=DEFAULT_TIMEOUT,
                        help=f"seconds before a stuck worker is restarted (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--forwarded-allow-ips", default=None, metavar="IPS",
                        help="comma-separated addresses of the reverse proxies whose X-Forwarded-* headers are "
                             "trusted ('*' for any; default gunicorn's: 127.0.0.1 and ::1, or $FORWARDED_ALLOW_IPS)")
    parser.add_argument("--settings", default=PRODUCTION_SETTINGS, metavar="MODULE",
                        help=f"Django settings module of the production server (default {PRODUCTION_SETTINGS})")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def default_workers(cores: int | None = None) -> int:
    """(2 x cores) + 1, at most :data:`MAX_DEFAULT_WORKERS`."""
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


def run_serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if not args.production:
        from django.core.management import call_command

        from pcnhub.cli.django import setup_database

        setup_database()
        call_command("runserver", args.address)
        return EXIT_OK
    problem = environment_problem(os.environ)
    if problem:
        return fail(stderr, PROG, problem)
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    from django.conf import settings

    from pcnhub.cli.django import setup_database, setup_django

    setup_django()
    problem = settings_problem(settings)
    if problem:
        return fail(stderr, PROG, problem)
    setup_database()
    prepare()
    ProductionServer(gunicorn_options(args)).run()
    return EXIT_OK


def environment_problem(environ: Mapping[str, str]) -> str | None:
    """Why the production server must not start with this environment (checked before the settings load)."""
    if environ.get("PCNHUB_DEBUG") == "1":
        return "PCNHUB_DEBUG=1 would turn DEBUG on; the production server never runs with DEBUG (unset it)"
    if not environ.get("PCNHUB_SECRET_KEY"):
        return ("PCNHUB_SECRET_KEY is not set; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'")
    if not [host for host in environ.get("PCNHUB_ALLOWED_HOSTS", "").split(",") if host.strip()]:
        return "PCNHUB_ALLOWED_HOSTS is not set; give the host names the site is served under, comma-separated"
    from pcnhub.analytics import limits

    try:  # the pages' DuckDB reader would fail on its first read
        limits.memory_limit(environ=environ)
        limits.threads(environ=environ)
    except ValueError as error:
        return str(error)
    return None


def settings_problem(settings: Any) -> str | None:
    """Why the production server must not start with these (loaded) settings: DEBUG on, a weak or development
    secret key (Django's own deployment check's limits), no allowed hosts."""
    from django.core.checks.security.base import SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS

    from pcnhub.webapp.settings import DEVELOPMENT_SECRET_KEY

    key = settings.SECRET_KEY or ""
    if settings.DEBUG:
        return f"DEBUG is on in {settings.SETTINGS_MODULE}; the production server never runs with DEBUG"
    if key == DEVELOPMENT_SECRET_KEY:
        return "PCNHUB_SECRET_KEY is the development key; generate a secret one"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (f"PCNHUB_SECRET_KEY is too short: at least {SECRET_KEY_MIN_LENGTH} characters, "
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different")
    if not settings.ALLOWED_HOSTS:
        return "PCNHUB_ALLOWED_HOSTS is empty; give the host names the site is served under, comma-separated"
    return None


def prepare() -> None:
    """Collect the static files (quietly, and only when they changed), then close the database connections the
    checks and the migration opened, so that the forked workers do not share them."""
    from django.db import connections

    collect_static()
    connections.close_all()


def collect_static() -> bool:
    """``collectstatic`` unless the static files are as they were when last collected; whether it ran.

    Compressing every file (brotli, as whitenoise does at its best quality) takes about a minute on two cores,
    so a restart with the same files skips it: :func:`static_stamp`, of every source file and the storage,
    is written beside ``STATIC_ROOT`` after each collection (delete it, or ``STATIC_ROOT``, to collect again).
    """
    from django.conf import settings
    from django.core.management import call_command

    stamp, stamp_file = static_stamp(), static_stamp_file(settings)
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp and Path(settings.STATIC_ROOT).is_dir():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp_file.write_text(stamp, encoding="utf-8")
    return True


def static_stamp_file(settings: Any) -> Path:
    root = Path(settings.STATIC_ROOT)
    return root.with_name(f"{root.name}.collected")


def static_stamp() -> str:
    """A digest of the static storage's backend and options and every file the finders give (path, size,
    modification time): it changes when a file is added, removed or changed, or the storage changes."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    found = sorted(
        (prefixed(storage, path), os.stat(storage.path(path)))
        for finder in get_finders() for path, storage in finder.list(COLLECTSTATIC_IGNORE)
    )
    digest = hashlib.sha256(repr(settings.STORAGES["staticfiles"]).encode())
    for path, stat in found:
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


#: The patterns collectstatic leaves out by default.
COLLECTSTATIC_IGNORE: Final = ["CVS", ".*", "*~"]


def prefixed(storage: Any, path: str) -> str:
    prefix = getattr(storage, "prefix", None)
    return f"{prefix}/{path}" if prefix else path


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """gunicorn's settings for the production server."""
    options = {
        "bind": [args.address],
        "workers": args.workers or default_workers(),
        "threads": args.threads,
        "worker_class": "gthread" if args.threads > 1 else "sync",
        "timeout": args.timeout,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": KEEPALIVE,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "preload_app": True,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": "pcnhub.cli.serve.StderrLogger",
        "proc_name": "pcnhub",
        # gunicorn's control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl): a second server
        # of the same user would take it over; pcnhub does not use it.
        "control_socket_disable": True,
        "raw_env": [f"DJANGO_SETTINGS_MODULE={args.settings}"],
    }
    if args.forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = args.forwarded_allow_ips
    return options


class ProductionServer(BaseApplication):
    """gunicorn, configured from a dict rather than its own command line, serving the site's WSGI application."""

    def __init__(self, options: Mapping[str, Any]):
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from pcnhub.webapp.wsgi import application

        return application


class StderrLogger(Logger):
    """gunicorn's logger with the access log on standard error beside the error log (gunicorn writes an
    access log of ``-`` to standard output)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.access_log.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)
