# Two commands for a newcomer: `make run` (set up and start the app) and `make test` (set up, lint and run every test).
# Everything is idempotent: a second run only does what changed. Installs come from the hash-locked files in
# requirements/ (app.txt for `make run`, test.txt adds the test and lint tools); `make lock` refreshes them.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
APT_PACKAGES := chromium fonts-noto-cjk postgresql-15 postgresql-15-postgis-3 gdal-bin
LINT_PATHS := atlas ui pages app.py tests scripts bench

.PHONY: run test test-fast lint lock bench fuzz system-deps clean help

help:
	@echo "make run    - set up .venv and start the app on http://localhost:$(PORT)"
	@echo "make test   - set up .venv (+ test tools, chromium), lint, and run the whole suite"
	@echo "make lint   - ruff, mypy --strict on atlas/, lint-imports (the layers contract)"
	@echo "make lock   - re-resolve requirements/*.txt from pyproject.toml (after changing a dependency)"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make fuzz   - importer property tests with 10,000 examples each"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when the lock or pyproject.toml changes. The lock pins every package with its hashes;
# the project itself goes in editable, without dependencies (they all come from the lock).
$(VENV)/.installed: requirements/app.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/app.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@ $(VENV)/.installed

# Debian packages the browser suite and the PDF export need (chromium + a CJK font), Debian 12's GDAL (ogrinfo: the
# GeoPackage test opens exports as its QGIS would), and the throw-away
# PostgreSQL 15 + PostGIS cluster of the storage tests (tests/storage/pg_cluster.py); root or sudo.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Lint gates the tests: a layer violation, a type error or a lint error fails `make test` (and CI) first.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy --strict atlas
	$(BIN)/lint-imports

# Two workers (the machine's two cores): one runs the browser suite (its app server and chromium wait on
# each other a lot), the other the rest; see tests/conftest.py. PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
test: lint system-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not browser"

# pip-tools runs from its own small venv so it never enters the locked environment.
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet pip-tools
	$(VENV)-lock/bin/pip-compile --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements/app.txt pyproject.toml
	$(VENV)-lock/bin/pip-compile --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --extra test -o requirements/test.txt pyproject.toml

# Hypothesis property tests of the importer with 10,000 examples each (make test runs ~100).
fuzz: $(VENV)/.installed-test
	ATLAS_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_import_fuzz.py

bench: $(VENV)/.installed-test system-deps
	$(BIN)/python -m bench

# The registry, its history and backups are never here: they live in the state folder (README, Upgrading and
# backups). Also removes the in-tree outputs of older checkouts (tests/artifacts, bench/out, .hypothesis).
clean:
	rm -rf $(VENV) $(VENV)-lock .pytest_cache .mypy_cache .ruff_cache tests/artifacts bench/out .hypothesis
