# Two commands matter: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export RINGDESK_DATABASE_URL ?= sqlite:///./var/ringdesk.db

.PHONY: install run test lint format bench rt clean docs docs-check soak soak-long soak-ci fuzz

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

# Not part of `make test` (which runs each fuzz target briefly): every target marked `fuzz`
# (expression engines, template readers and import, event parsers) with 10,000+ examples
# (RINGDESK_FUZZ=deep, tests/fuzzing.py); the statistics list the examples run per target.
fuzz: install
	RINGDESK_FUZZ=deep $(BIN)/python -m pytest -m fuzz --hypothesis-show-statistics $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check src tests bench scripts soak
	$(BIN)/ruff check src tests bench scripts soak
	$(BIN)/mypy
	$(BIN)/mypy soak bench/e2e.py
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench scripts soak
	$(BIN)/ruff check --fix src tests bench scripts soak

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

# A seeded, throwaway Request Tracker 5 on 127.0.0.1:8099 (or the next free port) to run
# ringdesk against by hand; prints its URL and REST2 token. Needs Debian's request-tracker5,
# rt5-db-sqlite and rt5-standalone. RT_ARGS="--no-seed --workers 2" and similar pass through.
rt: install
	$(BIN)/python -m tests.rt.rtserver $(RT_ARGS)

# The documentation site (docs/, mkdocs.yml). `docs` serves it on 127.0.0.1 with live reload;
# `docs-check` lints the build hooks and builds it with --strict into build/site (git-ignored).
DOCS_STAMP := $(VENV)/.docs-installed
DOCS_PORT ?= 8000
DOCS_HOOKS := docs/hooks
export NO_MKDOCS_2_WARNING := 1

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

docs-check: $(DOCS_STAMP)
	$(BIN)/ruff format --check $(DOCS_HOOKS)
	$(BIN)/ruff check $(DOCS_HOOKS)
	MYPYPATH=$(DOCS_HOOKS) $(BIN)/mypy $(DOCS_HOOKS)
	$(BIN)/mkdocs build --strict --site-dir build/site

# Not part of `make test`: minutes long, on a throwaway PostgreSQL cluster; exits non-zero
# when a guarantee is violated. SOAK_ARGS adds flags (python -m soak --help).
soak: install
	$(BIN)/python -m soak $(SOAK_ARGS)

soak-long: install
	$(BIN)/python -m soak --calls 10000 --slow-helpdesk --revoke-every 120 $(SOAK_ARGS)

# The small soak CI can afford (tests/soak/test_soak_small.py, marker `soak`).
soak-ci: install
	$(BIN)/python -m pytest -m soak tests/soak $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var build/site .pytest_cache .mypy_cache .ruff_cache tests/artifacts
