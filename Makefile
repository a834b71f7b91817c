# Eddy: `make run` opens the app, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
ARGS ?=

.PHONY: run demo test lint format bench build build-onedir smoke system-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PY) launcher.py $(ARGS)

# The local sandbox server with the sample shop, logged in: exploring data within a minute.
demo: $(STAMP)
	bash scripts/install-system-deps.sh demo || echo "(continuing: Eddy says how to install a server if none is found)"
	$(PY) launcher.py --sandbox $(ARGS)

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

# PyInstaller (build/eddy.spec): the one-file dist/Eddy (on Linux stored uncompressed: it starts in
# ~1 s instead of ~3.5 s; `-- --onefile --compress` makes the ~200 MB dist/Eddy-compressed);
# build-onedir: dist/Eddy-onedir/Eddy; smoke: build dist/Eddy and check it really works.
PYINSTALLER := $(PY) -m PyInstaller build/eddy.spec --noconfirm --log-level WARN --distpath dist --workpath build/out

build: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PYINSTALLER) -- --onefile
	@ls -l dist/Eddy*

build-onedir: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PYINSTALLER) -- --onedir

smoke: $(STAMP)
	bash scripts/install-system-deps.sh test
	$(PY) -m pytest tests/test_build_smoke.py

clean:
	rm -rf $(VENV) dist build/out test-artifacts .pytest_cache .ruff_cache

# Rebuild ui/static/vendor/ (CodeMirror, sql-formatter, ...) from ui/package-lock.json; needs node + npm.
# The output is committed, so run/test never need npm.
.PHONY: vendor
vendor:
	cd ui && npm ci --no-audit --no-fund && node build-vendor.mjs
