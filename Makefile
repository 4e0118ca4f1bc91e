# LeadGate: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SOURCES := leadgate tests benchmarks migrations wsgi.py
# pytest-xdist workers: one per core and one more, because about 40 % of the
# suite's wall time is waiting (browsers, servers, workers it starts), not CPU;
# each gets its own database and Redis db (tests/xdist_support.py).
# `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')

.PHONY: run test install install-dev lint typecheck format translations

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "LeadGate needs Python 3.11 or newer (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## The run command: SQLite, in-process queue worker/scheduler/cron, seeded demo workspace.
run: install
	$(BIN)/leadgate db upgrade
	$(BIN)/leadgate demo-seed
	$(BIN)/leadgate dev

## The test command: lint, format check, type check, then every test in parallel
## (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: install-dev
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

## mypy: settings and the strict/debt module lists are in pyproject.toml.
typecheck: install-dev
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format $(SOURCES)
	$(BIN)/ruff check --fix $(SOURCES)

## Extract new strings, merge them into the English catalog, compile it.
translations: install-dev
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --sort-output --no-wrap --no-location -o leadgate/translations/messages.pot .
	$(BIN)/pybabel -q update -i leadgate/translations/messages.pot -d leadgate/translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d leadgate/translations --statistics
