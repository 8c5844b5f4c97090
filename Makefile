# Two commands for a newcomer: `make run` (set up and start the app) and `make test` (set up and run every test).
# Everything is idempotent: a second run only does what changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
APT_PACKAGES := chromium fonts-noto-cjk postgresql-15 postgresql-15-postgis-3

.PHONY: run test test-fast lint bench fuzz system-deps clean help

help:
	@echo "make run    - set up .venv and start the app on http://localhost:$(PORT)"
	@echo "make test   - set up .venv (+ test extras, chromium) and run the whole suite"
	@echo "make lint   - ruff + mypy (strict on atlas/)"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make fuzz   - importer property tests with 10,000 examples each"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

# Debian packages the browser suite and the PDF export need (chromium + a CJK font), and the throw-away
# PostgreSQL 15 + PostGIS cluster of the storage tests (tests/storage/pg_cluster.py); root or sudo.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-test system-deps
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not browser"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check atlas ui pages app.py tests scripts bench
	$(BIN)/mypy --strict atlas

# Hypothesis property tests of the importer with 10,000 examples each (make test runs ~100).
fuzz: $(VENV)/.installed-test
	ATLAS_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_import_fuzz.py

bench: $(VENV)/.installed-test system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
