# Two commands matter: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# PostgreSQL for the second test run; pytest-django creates and drops test_<name>.
NDOP_TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/ndop

.PHONY: run test lint test-sqlite test-postgres bench bench-check clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ndop demo
	$(BIN)/ndop serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src/ndop/domain
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest

test-postgres: $(STAMP)
	@if $(BIN)/python scripts/pg_ready.py "$(NDOP_TEST_PG_URL)"; then \
	  DATABASE_URL="$(NDOP_TEST_PG_URL)" $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is required under CI=true and is not reachable at $(NDOP_TEST_PG_URL)"; exit 1; \
	else \
	  echo "SKIPPED: PostgreSQL run (not reachable at $(NDOP_TEST_PG_URL)); CI=true makes this an error"; \
	fi

test: lint test-sqlite test-postgres

# The bulk check against polars and DuckDB (installs the `bench` extra). Results: docs/benchmarks/check.md.
bench-check: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/check.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache
