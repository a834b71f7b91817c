# Eddy: `make run` opens the app, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
ARGS ?=

.PHONY: run demo test lint format bench build system-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PY) launcher.py $(ARGS)

test: $(STAMP)
	bash scripts/install-system-deps.sh test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	bash scripts/install-system-deps.sh test
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) dist build/out test-artifacts .pytest_cache .ruff_cache

# Rebuild ui/static/vendor/ (CodeMirror, sql-formatter, ...) from ui/package-lock.json; needs node + npm.
# The output is committed, so run/test never need npm.
.PHONY: vendor
vendor:
	cd ui && npm ci --no-audit --no-fund && node build-vendor.mjs
