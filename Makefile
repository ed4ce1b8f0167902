# pcnhub: `make run` (the product with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/pcnhub
PYTEST_ARGS ?= -n 2

.PHONY: run serve test test-sqlite test-postgres install chromium bench check-deploy clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## The web app on http://127.0.0.1:8000 with the demo register and one user per role.
run: install
	$(VENV)/bin/pcnhub demo
	$(VENV)/bin/pcnhub serve 127.0.0.1:8000

## The production server (gunicorn, settings_production) on $(ADDRESS); needs PCNHUB_SECRET_KEY and
## PCNHUB_ALLOWED_HOSTS (see the README's Deployment section); migrates and collects static files first.
ADDRESS ?= 127.0.0.1:8000
serve: install
	$(VENV)/bin/pcnhub serve --production $(ADDRESS) $(if $(WORKERS),--workers $(WORKERS))

## Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## The whole suite on SQLite (2 workers), then on PostgreSQL only the tests that use the database: tests/conftest.py
## deselects the rest when DATABASE_URL is postgres (they would run as on SQLite), and the browser tests and
## tests/analytics (no database) are left out here.
test: install chromium test-sqlite test-postgres check-deploy

test-sqlite: install
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	@$(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres').close()" \
	  || { echo "PostgreSQL is not reachable at $(PG_URL)"; exit 1; }
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser" --ignore=tests/analytics $(PYTEST_ARGS)

## Production settings pass Django's deployment checklist.
check-deploy: install
	PCNHUB_SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	PCNHUB_ALLOWED_HOSTS=pcnhub.example.nhs.uk \
	DJANGO_SETTINGS_MODULE=pcnhub.webapp.settings_production \
	$(VENV)/bin/pcnhub manage check --deploy --fail-level WARNING

## Import of the national files, timed on SQLite and on PostgreSQL, and every PCN's entitlements (JSON on stdout).
bench: install
	$(PY) bench/import_national.py
	$(PY) bench/import_national.py --postgres $(dir $(PG_URL))
	$(PY) bench/entitlements_all.py
	$(PY) bench/synth.py
	$(PY) bench/phm_pipeline.py
	$(PY) bench/measures.py --sizes 1000000 4000000
	$(PY) bench/design.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
