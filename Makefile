# Eddy: `make run` opens the app, `make test` runs every test. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
ARGS ?=

.PHONY: run demo test lint format bench build build-onedir build-qt build-qt-onedir build-gtk build-gtk-onedir package smoke system-deps clean

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

# PyInstaller (build/eddy.spec). On Linux the package is the GTK build (pywebview's GTK backend on the
# system's WebKitGTK: 15 MB one-file, 33 MB one-folder, where Qt WebEngine alone is 204 MB):
#   make build          dist/Eddy-gtk (one-file)      make build-onedir   dist/Eddy-gtk-onedir/Eddy
#   make package        dist/eddy_<version>_<arch>.deb from the GTK one-folder build
# Qt WebEngine builds stay available (and are the Windows/macOS path, .github/workflows/build.yml):
#   make build-qt       dist/Eddy (Linux: stored uncompressed, it starts in ~1 s instead of ~3.5 s)
#   make build-qt-onedir dist/Eddy-onedir/Eddy        make package VARIANT=qt  dist/eddy-qt_*.deb
# smoke: build the GTK one-file and .deb and check they really work (make test runs it too).
PYINSTALLER := $(PY) -m PyInstaller build/eddy.spec --noconfirm --log-level WARN --distpath dist --workpath build/out
LINUX := $(filter Linux,$(shell uname -s))

build-qt: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PYINSTALLER) -- --onefile
	@ls -l dist/Eddy*

build-qt-onedir: $(STAMP)
	bash scripts/install-system-deps.sh run
	$(PYINSTALLER) -- --onedir

# The GTK build has its own venv (.venv-gtk: the runtime pins minus Qt, plus PyGObject, which pip
# compiles against the system's GObject introspection: ~1-2 min the first time).
VENV_GTK ?= .venv-gtk
PY_GTK := $(VENV_GTK)/bin/python
STAMP_GTK := $(VENV_GTK)/.deps-stamp
$(STAMP_GTK): requirements.txt requirements-gtk.txt
	bash scripts/install-system-deps.sh gtk
	$(PYTHON) -m venv $(VENV_GTK)
	grep -viE '^(PyQt6|QtPy)' requirements.txt > $(VENV_GTK)/requirements-runtime.txt
	$(PY_GTK) -m pip install -q -r $(VENV_GTK)/requirements-runtime.txt -r requirements-gtk.txt
	touch $(STAMP_GTK)

PYINSTALLER_GTK := $(PY_GTK) -m PyInstaller build/eddy.spec --noconfirm --log-level WARN --distpath dist --workpath build/out-gtk

build-gtk-onedir: $(STAMP_GTK)
	$(PYINSTALLER_GTK) -- --onedir --gtk

build-gtk: $(STAMP_GTK)
	$(PYINSTALLER_GTK) -- --onefile --gtk
	@ls -l dist/Eddy-gtk

ifneq ($(LINUX),)
build: build-gtk
build-onedir: build-gtk-onedir
VARIANT ?= gtk
else
build: build-qt
build-onedir: build-qt-onedir
VARIANT ?= qt
endif

# The .deb from a one-folder build (installs under /opt/eddy, a desktop entry and an icon).
package: $(STAMP)
	@if [ "$(VARIANT)" = gtk ]; then $(MAKE) build-gtk-onedir; else $(MAKE) build-qt-onedir; fi
	$(PY) build/make_deb.py --variant $(VARIANT)

smoke: $(STAMP)
	bash scripts/install-system-deps.sh test
	$(PY) -m pytest tests/test_build_smoke.py

clean:
	rm -rf $(VENV) $(VENV_GTK) dist build/out build/out-gtk test-artifacts .pytest_cache .ruff_cache

# Rebuild ui/static/vendor/ (CodeMirror, sql-formatter, ...) from ui/package-lock.json; needs node + npm.
# The output is committed, so run/test never need npm.
.PHONY: vendor
vendor:
	cd ui && npm ci --no-audit --no-fund && node build-vendor.mjs
