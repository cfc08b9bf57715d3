# The two commands of the README: `make run` and `make test`. Everything else is theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed; run: make PYTHON=python3.11 ..." or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(INSTALLED)

## Install, migrate, seed the demo and serve GraphiQL on http://127.0.0.1:8000/graphql
run: $(INSTALLED)
	$(BIN)/contacts seed-demo
	$(BIN)/contacts serve

## Install, lint, and run the whole suite (SQLite, and PostgreSQL when it is reachable)
test: $(INSTALLED) lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info

.PHONY: bench bench-smoke

## The contacts-page benchmark: server vs raw baseline, PostgreSQL and SQLite (~10 minutes;
## needs PostgreSQL on 127.0.0.1:5432 or BENCH_POSTGRESQL_URL). Writes bench/results/latest.md.
## BENCH_WORKERS=N (default 2); BENCH_ARGS="--clients 16 --rounds 3 --databases sqlite" etc.
bench: $(INSTALLED)
	@command -v wrk > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## A tiny run of the same benchmark, for CI: checks it still works, asserts no timing
bench-smoke: $(INSTALLED)
	@command -v wrk > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null)
	$(BIN)/python -m bench.run --smoke $(BENCH_ARGS)

.PHONY: stress model-check

## The model-based tests of the rules at length; MODEL_CHECK_EXAMPLES and MODEL_CHECK_STEPS
## size them (200 sequences of 50 steps by default)
model-check: $(INSTALLED)
	MODEL_CHECK_PROFILE=long $(BIN)/pytest -q -s \
		tests/test_authorization_model.py tests/test_identity_model.py $(PYTEST_ARGS)

## Load and fault checks against real servers on both databases (about 3 minutes)
stress: $(INSTALLED)
	$(BIN)/python -m stress.run $(STRESS_ARGS)
