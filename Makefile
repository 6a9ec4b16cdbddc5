# Two commands matter: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export RINGDESK_DATABASE_URL ?= sqlite:///./var/ringdesk.db

.PHONY: install run test lint format bench soak soak-long soak-ci clean

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
	$(BIN)/ruff format --check src tests bench scripts soak
	$(BIN)/ruff check src tests bench scripts soak
	$(BIN)/mypy
	$(BIN)/mypy soak bench/e2e.py

format: install
	$(BIN)/ruff format src tests bench scripts soak
	$(BIN)/ruff check --fix src tests bench scripts soak

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/artifacts
