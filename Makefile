# Two commands for a newcomer: `make run` (app with demo data) and `make test` (the whole check).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck migrations-check pytest install install-dev messages worker beat clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Set up, load the demo county and serve it at http://127.0.0.1:8000 (caseworker / demo12345).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## Set up and run every check: lint, types, migrations, tests.
test: install-dev lint typecheck migrations-check pytest

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install-dev
	$(PY) -m mypy .

migrations-check: install-dev
	$(PY) manage.py makemigrations --check --dry-run

pytest: install-dev
	$(PY) -m pytest

## Regenerate the translation catalogues after changing user-facing text (needs GNU gettext).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests --ignore=node_modules
	$(PY) manage.py compilemessages -l zh_Hans -l en --ignore=.venv

worker: install
	$(VENV)/bin/celery -A referral_hub worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A referral_hub beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
