# LeadGate: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint format translations

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

## The test command: lint, then every test (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: install-dev
	$(BIN)/ruff check leadgate tests benchmarks wsgi.py
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check leadgate tests benchmarks wsgi.py
	$(BIN)/ruff format --check leadgate tests benchmarks wsgi.py

format: install-dev
	$(BIN)/ruff format leadgate tests benchmarks wsgi.py
	$(BIN)/ruff check --fix leadgate tests benchmarks wsgi.py

## Extract new strings, merge them into the English catalog, compile it.
translations: install-dev
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --sort-output --no-wrap --no-location -o leadgate/translations/messages.pot .
	$(BIN)/pybabel -q update -i leadgate/translations/messages.pot -d leadgate/translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d leadgate/translations --statistics
