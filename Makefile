# Two commands matter: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
# PostgreSQL for the second test run; pytest-django creates and drops test_<name>.
NDOP_TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/ndop
# Benchmarks create and drop their own scratch databases through this maintenance connection.
NDOP_BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint test-sqlite test-postgres bench clean bench-check bench-check-startup bench-check-csv bench-channels bench-api-cost bench-patient bench-policy bench-population bench-render bench-trust bench-letters bench-statistics bench-staff bench-gp test-spark bench-spark bench-snapshot

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The ports `make run` listens on: make run PORT=8001 MESH_PORT=8701. A taken one is one clear line.
PORT      ?= 8000
MESH_PORT ?= 8700
NHS_LOGIN_PORT ?= 8710
# Where `ndop demo` writes the local NHS login's key, configuration and settings (demo/nhs_login.py).
NHS_LOGIN_DIR = $(or $(NDOP_VAR_DIR),var)/nhs_login

run: $(STAMP)
	@$(BIN)/python scripts/ports_free.py $(PORT):PORT:"the web service" $(MESH_PORT):MESH_PORT:"the MESH sandbox" \
	  $(NHS_LOGIN_PORT):NHS_LOGIN_PORT:"the local NHS login"
	$(BIN)/ndop demo --port $(PORT) --nhs-login-port $(NHS_LOGIN_PORT)
	@# A local MESH (mesh-sandbox) with the MESH worker, the job worker (queued API checks; the monthly
	@# statistics, of the demo's synthetic population) and a local NHS login (a test OpenID provider: NHS
	@# login itself cannot be reached from here) run beside the web service and stop with it.
	$(BIN)/ndop mesh-sandbox --worker --port $(MESH_PORT) & mesh=$$!; \
	  NDOP_STATISTICS_INCLUDE_TEST_RANGE=1 $(BIN)/ndop worker & jobs=$$!; \
	  $(BIN)/python -m ndop.demo.nhs_login_provider $(NHS_LOGIN_DIR)/nhs_login_provider.json $(NHS_LOGIN_PORT) \
	    >/dev/null & login=$$!; \
	  trap 'kill $$mesh $$jobs $$login 2>/dev/null' EXIT INT TERM; \
	  set -a; . $(NHS_LOGIN_DIR)/nhs_login.env; set +a; $(BIN)/ndop serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports
	@# Models and migrations agree (against a scratch SQLite file: no database needs to exist).
	env -u DATABASE_URL NDOP_VAR_DIR="$$(mktemp -d)" $(BIN)/django-admin makemigrations --check --dry-run --settings=ndop.settings

# The Spark tests run once (test-spark), not in each database run.
test-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest -m "not spark"

test-postgres: $(STAMP)
	@if $(BIN)/python scripts/pg_ready.py "$(NDOP_TEST_PG_URL)"; then \
	  DATABASE_URL="$(NDOP_TEST_PG_URL)" $(BIN)/pytest -m "not spark"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is required under CI=true and is not reachable at $(NDOP_TEST_PG_URL)"; exit 1; \
	else \
	  echo "SKIPPED: PostgreSQL run (not reachable at $(NDOP_TEST_PG_URL)); CI=true makes this an error"; \
	fi

# ndop.spark on real Spark in local mode: installs the `spark` extra (pyspark needs a Java 17 runtime:
# Debian's openjdk-17-jre-headless, which .ci/run installs).
$(SPARK_STAMP): $(STAMP)
	@command -v java >/dev/null || { echo "Spark needs Java 17: apt-get install openjdk-17-jre-headless"; exit 1; }
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

test-spark: $(SPARK_STAMP)
	env -u DATABASE_URL $(BIN)/pytest -m spark

test: lint test-sqlite test-postgres test-spark

# Every benchmark, one after another (about an hour on 2 cores). Each also runs alone.
bench: bench-check bench-check-startup bench-check-csv bench-channels bench-patient bench-staff bench-policy bench-population bench-trust bench-letters bench-statistics bench-gp bench-snapshot

# MESH end to end (10M numbers through mesh-sandbox) and API throughput (16 clients against ndop serve).
bench-channels: $(STAMP)
	$(BIN)/python bench/channels.py $(BENCH_ARGS)
# Where one API check's time goes: its queries and a cProfile, in process (BENCH_ARGS="--database postgres").
bench-api-cost: $(STAMP)
	$(BIN)/python bench/api_cost.py $(BENCH_ARGS)
# ndop.spark against a broadcast anti-join on 100M rows of Parquet, local mode (docs/benchmarks/spark.md).
bench-spark: $(SPARK_STAMP)
	$(BIN)/python bench/spark.py $(BENCH_ARGS)
bench-policy: $(STAMP)
	$(BIN)/python bench/policy.py
# 10,000 confirmation letters (target: under 60 s) beside reportlab's canvas and platypus.
bench-letters: $(STAMP)
	$(BIN)/python bench/letters.py $(BENCH_ARGS)
# Patient online service under load: 1M patients on PostgreSQL (scratch database), 50 concurrent patients.
bench-patient: $(STAMP)
	$(BIN)/python -P bench/patient_journey.py --pg-url "$(NDOP_BENCH_PG_URL)" $(BENCH_ARGS)
# The contact-centre portal's find-and-record flow, agents in parallel, 1M patients on PostgreSQL.
bench-staff: $(STAMP)
	$(BIN)/python bench/staff_portal.py --pg-url "$(NDOP_BENCH_PG_URL)" $(BENCH_ARGS)
# CPU time and Python calls per form page of the patient journey, in one process (ADR 33).
bench-render: $(STAMP)
	$(BIN)/python bench/page_render.py
# Generate + import 1M and 10M patients on SQLite and PostgreSQL, beside Django bulk_create (about 30 min).
# The opt-out snapshot's rebuild and catch-up at 10M and 60M people (PostgreSQL; SQLite at 10M) beside a
# plain SQL peer; scratch databases ndop_snapshot_bench_* dropped at the end (docs/benchmarks/snapshot.md).
bench-snapshot: $(STAMP)
	$(BIN)/python bench/snapshot.py $(BENCH_ARGS)
bench-population: $(STAMP)
	$(BIN)/python bench/population.py $(BENCH_ARGS)
# The bulk check against polars and DuckDB (installs the `bench` extra). Results: docs/benchmarks/check.md.
bench-check: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/check.py $(BENCH_ARGS)
# A one-row `ndop check` as a whole process beside `python -c pass`, the bare imports and polars; the
# plain/compiled scan crossover (ADR 88). Results: docs/benchmarks/check.md.
bench-check-startup: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/check_startup.py $(BENCH_ARGS)
# The CSV check (5 columns, quoted fields) beside polars and DuckDB: 2M and 10M rows, 3 runs each.
bench-check-csv: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/check_csv.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache
# The cost of trust: `ndop audit verify` on 1M patients / 70k events, record_choice with 20 writers before/after
# the chained history. "Before" needs a checkout of main without it: git worktree add /tmp/ndop-main 233c915,
# and a .venv there (python3.11 -m venv .venv && .venv/bin/pip install -e .). Results: docs/benchmarks/trust.md.
NDOP_BENCH_BEFORE ?= /tmp/ndop-main
bench-trust: $(STAMP)
	$(BIN)/python bench/trust.py --before "$(NDOP_BENCH_BEFORE)" $(BENCH_ARGS)
# The statistics publication (12 months) at 1M and 10M people beside a pandas peer (installs the `bench` extra).
# GP codes: import + Type 2 conversion of a 1M-person extract, and the letters, beside the one-at-a-time way,
# on SQLite and PostgreSQL (docs/benchmarks/gp_codes.md).
bench-gp: $(STAMP)
	$(BIN)/python bench/gp_codes.py $(BENCH_ARGS)
bench-statistics: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/stats_publication.py $(BENCH_ARGS)
