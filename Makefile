# Two commands matter: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export RINGDESK_DATABASE_URL ?= sqlite:///./var/ringdesk.db

.PHONY: install run test lint format bench rt clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/ringdesk db upgrade
	$(BIN)/python scripts/run_demo.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

# A seeded, throwaway Request Tracker 5 on 127.0.0.1:8099 (or the next free port) to run
# ringdesk against by hand; prints its URL and REST2 token. Needs Debian's request-tracker5,
# rt5-db-sqlite and rt5-standalone. RT_ARGS="--no-seed --workers 2" and similar pass through.
rt: install
	$(BIN)/python -m tests.rt.rtserver $(RT_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/artifacts
