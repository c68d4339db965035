# InsCRM: `make run` serves a demo at http://127.0.0.1:8765, `make test` runs the whole suite,
# `make build` makes the one-file executable dist/InsCRM (dist/InsCRM.exe on Windows), and
# `make build-windows` makes dist/InsCRM.exe on Linux too.
# Debian packages a target needs (Chromium and a Chinese font for the browser tests, PostgreSQL
# for the PostgreSQL tests) are installed by scripts/ensure_system_packages.sh when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= demo-data
PORT   ?= 8765
DEMO_CUSTOMERS ?= 5000

.PHONY: run test catalogs lint build build-windows clean test-system-packages

TEST_SYSTEM_PACKAGES := chromium fonts-wqy-microhei postgresql

# Debian's python3 makes venvs only with python3-venv (ensurepip) installed.
$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/ensure_system_packages.sh python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-build: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[build]'
	touch $@ $(VENV)/.installed

catalogs: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d inscrm/translations

run: $(VENV)/.installed catalogs
	@if [ ! -f $(DATA)/inscrm.db ]; then \
		$(BIN)/inscrm init --data-dir $(DATA) --site DEMO --site-name "嘉兴演示支公司" \
			--admin-password demo-admin && \
		$(BIN)/inscrm demo --data-dir $(DATA) --customers $(DEMO_CUSTOMERS) --seed 1 && \
		$(BIN)/inscrm classify --data-dir $(DATA) && \
		$(BIN)/inscrm tasks generate --data-dir $(DATA); \
	fi
	@echo "Demo login: admin / demo-admin  (account managers: agent01 … / demo-pass)"
	$(BIN)/inscrm serve --data-dir $(DATA) --port $(PORT)

test-system-packages:
	@scripts/ensure_system_packages.sh $(TEST_SYSTEM_PACKAGES)

test: test-system-packages $(VENV)/.installed-test catalogs
	$(BIN)/python -m pytest

build: $(VENV)/.installed-build catalogs
	$(BIN)/pyinstaller --noconfirm --log-level WARN build.spec
	@ls -l dist/InsCRM*

# dist/InsCRM.exe on Linux, through Wine (downloads cached in ~/.cache/inscrm-windows)
build-windows: $(VENV)/.installed catalogs
	HOST_PYTHON=$(BIN)/python scripts/build_windows.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf build dist .pytest_cache
