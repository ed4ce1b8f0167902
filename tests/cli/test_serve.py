"""``pcnhub serve --production``: what it refuses, how gunicorn is configured, and a real start."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from pcnhub.cli.serve import (
    DEFAULT_THREADS,
    MAX_DEFAULT_WORKERS,
    PRODUCTION_SETTINGS,
    ProductionServer,
    add_serve_arguments,
    collect_static,
    default_workers,
    gunicorn_options,
    settings_problem,
)
from pcnhub.webapp.settings import DEVELOPMENT_SECRET_KEY
from tests.cli.helpers import pcnhub
from tests.paths import REPO

GOOD_KEY = secrets.token_urlsafe(50)


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("PCNHUB_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("PCNHUB_ALLOWED_HOSTS", "pcnhub.example.nhs.uk")
    monkeypatch.delenv("PCNHUB_DEBUG", raising=False)
    return monkeypatch


@pytest.mark.parametrize(("unset", "set_to", "named"), [
    ("PCNHUB_SECRET_KEY", {}, "PCNHUB_SECRET_KEY is not set"),
    ("PCNHUB_ALLOWED_HOSTS", {}, "PCNHUB_ALLOWED_HOSTS is not set"),
    (None, {"PCNHUB_ALLOWED_HOSTS": " , "}, "PCNHUB_ALLOWED_HOSTS is not set"),
    (None, {"PCNHUB_DEBUG": "1"}, "PCNHUB_DEBUG=1 would turn DEBUG on"),
    (None, {"PCNHUB_DUCKDB_MEMORY_LIMIT": "lots"}, "PCNHUB_DUCKDB_MEMORY_LIMIT: 'lots' is not a memory size"),
    (None, {"PCNHUB_DUCKDB_THREADS": "0"}, "PCNHUB_DUCKDB_THREADS: '0' is not 1 or more threads"),
])
def test_refuses_to_start_naming_the_variable(production_env, unset, set_to, named):
    if unset:
        production_env.delenv(unset)
    for name, value in set_to.items():
        production_env.setenv(name, value)
    code, out, err = pcnhub("serve", "--production", "127.0.0.1:1")
    assert code == 2
    assert out == ""
    assert err.startswith(f"pcnhub serve: {named}")
    assert err.count("\n") == 1


def test_settings_that_must_not_serve(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS = ["pcnhub.example.nhs.uk"]
    assert settings_problem(settings) is None
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    assert settings_problem(settings) == "PCNHUB_SECRET_KEY is the development key; generate a secret one"
    for weak in ("short", "ab" * 30):
        settings.SECRET_KEY = weak
        assert settings_problem(settings).startswith("PCNHUB_SECRET_KEY is too short: at least 50 characters")
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS = []
    assert settings_problem(settings).startswith("PCNHUB_ALLOWED_HOSTS is empty")
    settings.ALLOWED_HOSTS = ["x"]
    settings.DEBUG = True
    assert settings_problem(settings).startswith("DEBUG is on in ")


def test_refuses_the_development_key_before_touching_the_database(tmp_path):
    env = server_env(tmp_path, PCNHUB_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    done = subprocess.run([sys.executable, "-m", "pcnhub", "serve", "--production"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "pcnhub serve: PCNHUB_SECRET_KEY is the development key; "
                                                 "generate a secret one\n")
    assert not (tmp_path / "home" / "pcnhub.sqlite3").exists()


def test_refuses_settings_with_debug_on(tmp_path):
    env = server_env(tmp_path)
    done = subprocess.run([sys.executable, "-m", "pcnhub", "serve", "--production", "--settings",
                           "pcnhub.webapp.settings"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stderr) == (2, "pcnhub serve: DEBUG is on in pcnhub.webapp.settings; the "
                                                 "production server never runs with DEBUG\n")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(["--production", *argv])


def test_workers_follow_the_cores_up_to_a_cap():
    assert [default_workers(cores) for cores in (1, 2, 4)] == [3, 5, 9]
    assert default_workers(64) == MAX_DEFAULT_WORKERS


def test_gunicorn_configuration():
    cfg = ProductionServer(gunicorn_options(parse("0.0.0.0:8602", "--workers", "3", "--forwarded-allow-ips",
                                                  "10.0.0.1"))).cfg
    assert cfg.bind == ["0.0.0.0:8602"]
    assert cfg.workers == 3
    assert (cfg.threads, cfg.worker_class_str) == (DEFAULT_THREADS, "gthread")
    assert cfg.env == {"DJANGO_SETTINGS_MODULE": PRODUCTION_SETTINGS}
    assert cfg.forwarded_allow_ips == ["10.0.0.1"]
    assert cfg.preload_app and cfg.max_requests > 0 and cfg.max_requests_jitter > 0
    assert cfg.timeout > cfg.graceful_timeout > 0
    assert "%(M)s" in cfg.access_log_format
    assert (cfg.accesslog, cfg.errorlog) == ("-", "-")
    assert cfg.control_socket_disable
    defaults = ProductionServer(gunicorn_options(parse("--threads", "1"))).cfg
    assert defaults.bind == ["127.0.0.1:8000"]
    assert defaults.workers == default_workers()
    assert defaults.worker_class_str == "sync"


def test_static_files_are_collected_again_only_when_they_change(settings, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "site.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app.startswith("django.contrib.staticfiles")]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    assert collect_static()
    assert (tmp_path / "static" / "site.css").read_text() == "body { color: black }"
    assert not collect_static()
    (source / "site.css").write_text("body { color: navy }")
    later = time.time() + 10  # collectstatic copies a file only if it is newer by the second
    os.utime(source / "site.css", (later, later))
    assert collect_static()
    assert (tmp_path / "static" / "site.css").read_text() == "body { color: navy }"
    (source / "print.css").write_text("nav { display: none }")
    assert collect_static()
    assert not collect_static()


# The real thing: a production server in a subprocess, on SQLite in a fresh PCNHUB_HOME.

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server on a new SQLite database (never the suite's PostgreSQL one)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PCNHUB_DEBUG")}
    env.update({"PCNHUB_HOME": str(tmp_path / "home"), "PCNHUB_SECRET_KEY": GOOD_KEY,
                "PCNHUB_ALLOWED_HOSTS": "127.0.0.1", "PCNHUB_SSL_REDIRECT": "0",
                "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]), **extra})
    return env


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status_code = raw.status
        self.headers = raw.headers
        self.text = raw.read().decode()

    def json(self):
        import json

        return json.loads(self.text)


class Browser:
    """Cookies by hand: the production cookies are Secure, which a client's cookie jar keeps off plain HTTP."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Response:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            for header in raw.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return Response(raw)
        finally:
            connection.close()

    def sign_in(self, username: str, password: str) -> None:
        page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        done = self.request("POST", "/accounts/login/",
                            data={"username": username, "password": password, "csrfmiddlewaretoken": token})
        assert done.status_code == 302, done.text


def wait_for(port: int, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped: {server.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on port {port} after {seconds} s")


def test_a_real_production_server(tmp_path):
    env = server_env(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pcnhub", "serve", "--production", f"127.0.0.1:{port}", "--workers", "2",
         "--settings", "tests.cli.serve_settings"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(port, server, seconds=60)
        browser = Browser(port)

        login = browser.request("GET", "/accounts/login/")
        assert login.status_code == 200
        css = re.search(r'href="(/static/nhsuk/css/nhsuk-frontend\.min\.[0-9a-f]{12}\.css)"', login.text).group(1)
        style = browser.request("GET", css)
        assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")
        cache = style.headers["Cache-Control"]
        assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= 365 * 24 * 3600

        subprocess.run([sys.executable, "-m", "pcnhub", "manage", "createsuperuser", "--noinput",
                        "--username", "root", "--email", "root@example.nhs.uk"],
                       env={**env, "DJANGO_SUPERUSER_PASSWORD": GOOD_KEY}, check=True, timeout=60, capture_output=True)
        browser.sign_in("root", GOOD_KEY)
        assert browser.request("GET", "/api/me").json()["username"] == "root"

        unknown = browser.request("GET", "/api/no/such/operation")
        assert (unknown.status_code, unknown.headers.get_content_type()) == (404, "application/json")
        assert "/api/docs" in unknown.json()["detail"]
        missing_page = browser.request("GET", "/no/such/page/")
        assert missing_page.status_code == 404 and "<h1>Page not found</h1>" in missing_page.text

        # A genuine failure: the register's table goes missing under the running server.
        with sqlite3.connect(tmp_path / "home" / "pcnhub.sqlite3") as database:
            database.execute("ALTER TABLE register_organisation RENAME TO register_organisation_gone")
        failed = browser.request("GET", "/api/organisations")
        assert (failed.status_code, failed.headers.get_content_type()) == (500, "application/json")
        assert set(failed.json()) == {"detail"}
        assert "Traceback" not in failed.text and "register_organisation" not in failed.text
        page = browser.request("GET", "/landscape/")
        assert page.status_code == 500
        assert "Sorry, there is a problem with the service" in page.text and "nhsuk-header" in page.text
        assert "Traceback" not in page.text and "register_organisation" not in page.text
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert out == ""
    assert re.search(r'"GET /api/organisations HTTP/1.1" 500 \d+ \d+ms', err), err
    assert re.search(r'"GET /accounts/login/ HTTP/1.1" 200 \d+ \d+ms', err)
    assert "ERROR django.request: Internal Server Error: /api/organisations\nTraceback" in err
    assert "ERROR django.request: Internal Server Error: /landscape/\nTraceback" in err
    assert err.count("no such table: register_organisation") >= 2
