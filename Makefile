# The two commands of the README: `make run` and `make test`. Everything else is theirs.
# Both install exactly the versions of the lock files (requirements/, with hashes); `make run`
# installs no test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TOOLS := $(VENV)/.tools-installed
TYPECHECK := $(VENV)/typecheck

.PHONY: run test lint format clean lock messages

$(RUNTIME): pyproject.toml requirements/runtime.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed; run: make PYTHON=python3.11 ..." or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/runtime.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(RUNTIME)

# The test tools; and the link under which the type checker finds the package (contacts_api
# is this folder).
$(TOOLS): $(RUNTIME) requirements/test.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	mkdir -p $(TYPECHECK) && ln -sfn "$(CURDIR)" $(TYPECHECK)/contacts_api
	@touch $(TOOLS)

## Install, migrate, seed the demo and serve GraphiQL on http://127.0.0.1:8000/graphql
run: $(RUNTIME)
	$(BIN)/contacts seed-demo
	$(BIN)/contacts serve

## Install, lint, and run the whole suite (SQLite, and PostgreSQL when it is reachable)
test: $(TOOLS) lint
	$(BIN)/pytest $(PYTEST_ARGS)

## ruff (lint and format) and the type checker
lint: $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p contacts_api

format: $(TOOLS)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var build dist .pytest_cache .ruff_cache .mypy_cache *.egg-info

## Extract the messages marked in the code and bring the French catalogue up to date with them
## (new messages then need their French in rules/locale/fr/LC_MESSAGES/messages.po)
messages: $(TOOLS)
	$(BIN)/pybabel extract --no-default-keywords -k N_ --omit-header -o rules/locale/messages.pot rules/messages.py
	$(BIN)/pybabel update -i rules/locale/messages.pot -d rules/locale -D messages -l fr --no-fuzzy-matching
	rm rules/locale/messages.pot

## Lock the dependencies again (after a change to pyproject.toml): both files, with hashes
lock: $(TOOLS)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		--quiet -o requirements/runtime.txt
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --universal \
		--python-version 3.11 --quiet -o requirements/test.txt

.PHONY: bench bench-smoke

## The contacts-page benchmark: server vs raw baseline, PostgreSQL and SQLite (~10 minutes;
## needs PostgreSQL on 127.0.0.1:5432 or BENCH_POSTGRESQL_URL). Writes bench/results/latest.md.
## BENCH_WORKERS=N (default 2); BENCH_ARGS="--clients 16 --rounds 3 --databases sqlite" etc.
bench: $(TOOLS)
	@command -v wrk > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## A tiny run of the same benchmark, for CI: checks it still works, asserts no timing
bench-smoke: $(TOOLS)
	@command -v wrk > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null)
	$(BIN)/python -m bench.run --smoke $(BENCH_ARGS)

.PHONY: stress model-check

## The model-based tests of the rules at length; MODEL_CHECK_EXAMPLES and MODEL_CHECK_STEPS
## size them (200 sequences of 50 steps by default)
model-check: $(TOOLS)
	MODEL_CHECK_PROFILE=long $(BIN)/pytest -q -s \
		tests/test_authorization_model.py tests/test_identity_model.py $(PYTEST_ARGS)

## Load and fault checks against real servers on both databases (about 3 minutes)
stress: $(TOOLS)
	$(BIN)/python -m stress.run $(STRESS_ARGS)
