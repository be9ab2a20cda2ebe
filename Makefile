# estatedesk - the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
STAMP_STATIC := build/static/.built
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard src tests bench conftest.py)

.PHONY: run test lint fmt typecheck pytest pytest-sqlite pytest-postgres e2e-deps bench fuzz chaos clean messages

$(STAMP_PY): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(STAMP_NPM): package.json
	npm install --no-audit --no-fund --silent
	touch $@

$(STAMP_STATIC): $(STAMP_NPM) scripts/build_static.mjs
	node scripts/build_static.mjs
	touch $@

run: $(STAMP_PY) $(STAMP_STATIC)
	mkdir -p var
	$(BIN)/estatedesk compilemessages --ignore=.venv --ignore=node_modules >/dev/null 2>&1 || true
	$(BIN)/estatedesk migrate --no-input
	$(BIN)/estatedesk collectstatic --no-input --verbosity 0
	$(BIN)/estatedesk demo
	@echo "estatedesk: http://127.0.0.1:8000/  (residents: http://127.0.0.1:8000/r/)"
	$(BIN)/estatedesk serve --bind 127.0.0.1:8000

lint: $(STAMP_PY)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(STAMP_PY)
	$(BIN)/mypy src

fmt: $(STAMP_PY)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

e2e-deps:
	bash scripts/ensure_chromium.sh

pytest-sqlite: $(STAMP_PY) $(STAMP_STATIC) e2e-deps
	env -u DATABASE_URL $(BIN)/pytest -n auto -q $(PYTEST_ARGS)

pytest-postgres: $(STAMP_PY) $(STAMP_STATIC) e2e-deps
	@if $(BIN)/python scripts/pg_reachable.py "$${DATABASE_URL:-$(PG_URL)}"; then \
		DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" $(BIN)/pytest -n auto -q $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is not reachable and CI=true: failing"; exit 1; \
	else \
		echo "PostgreSQL not reachable: skipping the PostgreSQL run"; \
	fi

test: lint typecheck pytest-sqlite pytest-postgres

messages: $(STAMP_PY)
	cd src/estatedesk && ../../$(BIN)/django-admin makemessages -l en --ignore='*/tests/*'

fuzz: $(STAMP_PY)
	DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" ESTATEDESK_FUZZ_EXAMPLES=200 $(BIN)/pytest -q tests/security/test_fuzz_api.py

chaos: $(STAMP_PY)
	$(BIN)/python scripts/chaos/crash_load.py
	$(BIN)/python scripts/chaos/db_faults.py

bench: $(STAMP_PY)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules build var .pytest_cache .mypy_cache .ruff_cache
