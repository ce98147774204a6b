# Entry points of the lead revenue ledger. `make run` and `make test` work on a fresh clone:
# both create .venv with the pinned dependencies first when it is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
PY := $(BIN)/python

# Relative DuckDB paths are resolved against the project, not the caller's directory.
export LEDGER_DUCKDB_PATH := $(abspath $(or $(LEDGER_DUCKDB_PATH),warehouse/ledger.duckdb))
export DBT_PROFILES_DIR := $(CURDIR)

# The price snapshot's backup: the target is chosen as for the job (LEDGER_TARGET, else
# DuckDB at LEDGER_DUCKDB_PATH; PostgreSQL from BILLING_DB_*). The run log goes beside FILE.
SNAPSHOT_FILE := backups/snap_billing__product_prices.csv
FILE ?= $(SNAPSHOT_FILE)
REPLACE ?=
SNAPSHOT_FLAGS = --file "$(FILE)" $(if $(filter 1 yes true,$(REPLACE)),--replace)

# Everything `make test` creates lives here and is rebuilt on every run.
TEST_DIR := target/test
# The demo warehouse built once per engine per run (test-duckdb, test-postgres); pytest's
# tests read it or start from a copy (python_tests/shared_warehouse.py holds the same figures).
DEMO_SEED ?= 7
DEMO_SCALE ?= 0.3
# The last day of the fixed demo whose figures the tests expect; without --as-of the
# generator makes data ending today.
DEMO_AS_OF ?= 2025-12-31
SHARED_DUCKDB := $(CURDIR)/$(TEST_DIR)/duckdb/ledger.duckdb
PG_TEST_SCHEMA := ledger_ci
# Stage times of make test and make test-quick, printed as each ends and all at the end.
STAGES := $(TEST_DIR)/stages.tsv
CLOCK = $(PY) scripts/stage_clock.py --file $(STAGES)
# pytest's workers: one per core. Modules are spread whole (--dist loadfile), so a module's
# fixtures are built once; each worker has its own DuckDB files and PostgreSQL schemas.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: help setup run test test-quick lint lint-code lint-metadata check-redshift test-engines \
	stage-lint stage-check-redshift stage-dbt-duckdb stage-dbt-postgres stage-lint-metadata stage-quick-lint-metadata stage-quick-pytest test-duckdb test-postgres pytest docs benchmark clean snapshot-export snapshot-restore \
	pg-indexes

help:
	@echo "make run    the nightly job on the embedded DuckDB (demo data on first use; VERBOSE=1)"
	@echo "make test   every test: lint, Redshift compile check, dbt on DuckDB and PostgreSQL, pytest"
	@echo "make test-quick  lint, one DuckDB build of the demo with its unit and data tests,"
	@echo "                 the pytest tests that run no dbt and no PostgreSQL (under 2 minutes)"
	@echo "make setup  create .venv with the pinned dependencies"
	@echo "make lint   ruff, sqlfluff, then lint-metadata"
	@echo "make lint-metadata  dbt-score (fails under its threshold), dbt-bouncer (dbt-bouncer.yml),"
	@echo "                    dbt-coverage figures, on a manifest and catalog built in target/test/lint"
	@echo "                    (SCORE_SHOW=failing-rules: every rule that lowers the score)"
	@echo "make docs   the dbt docs site in target/docs, built from demo data in its own DuckDB file"
	@echo "            (then: .venv/bin/dbt docs serve --target-path target/docs)"
	@echo "make snapshot-export   back up the price history (FILE=$(SNAPSHOT_FILE))"
	@echo "make snapshot-restore  load it into an empty snapshot (FILE=..., REPLACE=1 to overwrite)"
	@echo "make benchmark  time the nightly job and analysts' reads, DuckDB and PostgreSQL side by side"
	@echo "                (SCALES=\"1 10\" ENGINES=\"duckdb postgres\" REPEATS=5 BENCH_ARGS=...)"
	@echo "make pg-indexes  PostgreSQL indexes on the raw tables (BILLING_DB_*), concurrently, idempotent"
	@echo "                 (DROP=1 drops them; DBT_ARGS=\"--vars '{billing_schema: ...}'\")"
	@echo "make data-diff  what a change does to the marts (BASE_DUCKDB= HEAD_DUCKDB=, or BASE_SCHEMA= HEAD_SCHEMA=)"
	@echo "make test-changed  build and test only what changed (STATE=<production target dir>)"

setup: $(VENV)/.installed profiles.yml

# pip's output goes to $(PIP_LOG) and is printed only when the install fails (a machine's
# pip configuration can add a notice per package). The project's packages (ledger_job,
# ledger_tools) are installed in editable mode after the pinned dependencies: --no-deps, as
# requirements.txt pins everything; --no-build-isolation, so the build uses the setuptools
# requirements.txt installs instead of downloading its own.
PIP_LOG := $(VENV)/pip-install.log
$(VENV)/.installed: requirements.txt pyproject.toml
	@echo "setup: creating $(VENV) with the pinned dependencies (pip's output: $(PIP_LOG))"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -r requirements.txt && \
		$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .; } \
		> $(PIP_LOG) 2>&1 || { cat $(PIP_LOG); \
		echo "make setup failed: pip could not install requirements.txt or the project (its output above, also in $(PIP_LOG))" >&2; \
		exit 1; }
	@touch $@
	@echo "setup: done"

# Created once from the template; a local edit is never overwritten.
profiles.yml: | profiles.yml.example
	cp profiles.yml.example $@

# The nightly job. Demo data is created only when no raw schema exists in the DuckDB file,
# by the job itself: after its lock and its wait for the file, and saying so loudly.
# Quiet: counts, warnings and failures with their rows, progress. VERBOSE=1: every dbt line.
VERBOSE ?=
run: setup
	$(PY) scripts/update_lead_sales_ledger.py --demo-data-if-absent $(if $(filter 1 yes true,$(VERBOSE)),--verbose)

# Each stage prints its wall clock as it ends, and the table of all of them at the end.
# The demo warehouse is built once per engine (test-duckdb, test-postgres): the metadata lint
# reads its manifest and catalog, pytest its relations (docs/testing.md: the budget).
# On failure the last line names the first failed stage and what failed in it.
PYTEST_JUNIT := $(TEST_DIR)/pytest/junit.xml
CAUSE = $(CLOCK) cause --dbt dbt-duckdb=$(TEST_DIR)/duckdb/target/run_results.json \
	--dbt dbt-postgres=$(TEST_DIR)/postgres/target/run_results.json --junit $(PYTEST_JUNIT)
test: setup
	@$(CLOCK) reset
	@$(PY) scripts/with_test_postgres.py -- $(MAKE) test-engines || { \
		$(CLOCK) report; $(CAUSE); exit 1; }
	@$(CLOCK) report

# Under 2 minutes: what a change to a model is checked by first. Not what CI runs. Two stages
# at a time, as make test: the lint beside the DuckDB build, then the metadata lint (it reads
# that build) beside the pytest tests that need neither dbt nor PostgreSQL.
test-quick: setup
	@$(CLOCK) reset
	@$(MAKE) --jobs=2 --output-sync=line stage-quick-lint-metadata stage-quick-pytest || { \
		$(CLOCK) report; $(CAUSE); exit 1; }
	@$(CLOCK) report

stage-quick-lint-metadata: stage-lint stage-dbt-duckdb
	$(LINT_METADATA_STAGE)

stage-quick-pytest: stage-dbt-duckdb
	$(CLOCK) run pytest -- env LEDGER_TEST_DUCKDB=$(SHARED_DUCKDB) \
		$(MAKE) pytest PYTEST_ARGS="-m 'not dbt and not postgres' --junitxml=$(PYTEST_JUNIT)"

# Runs under scripts/with_test_postgres.py. pytest is told where the demo builds are only
# here, right after they were made: a build left from another run could be stale. So too
# the Redshift compile of check-redshift and the catalog of lint-metadata, which pytest's
# tests of them would otherwise make again.
STAGE_ARTIFACTS_ENV = LEDGER_TEST_REDSHIFT_TARGET=$(CURDIR)/$(TEST_DIR)/redshift \
	LEDGER_TEST_CATALOG=$(CURDIR)/$(LINT_ARTIFACTS)/catalog.json
PG_SHARED_ENV = $(if $(filter 1,$(LEDGER_POSTGRES_SKIPPED)),,LEDGER_TEST_PG_SCHEMA=$(PG_TEST_SCHEMA) \
	LEDGER_TEST_PG_TARGET=$(CURDIR)/$(TEST_DIR)/postgres/target)
# Both cores, as make schedules the stages by what each reads: lint and the DuckDB build
# first; then the PostgreSQL build, the Redshift check after the lint, and the metadata lint
# once the lint and the DuckDB build it reads are done. pytest waits for all, as it reads the
# builds and reuses the Redshift compile and the catalog.
test-engines: setup
	$(MAKE) --jobs=2 --output-sync=line stage-lint-metadata stage-dbt-postgres
	$(CLOCK) run pytest -- env LEDGER_TEST_DUCKDB=$(SHARED_DUCKDB) $(STAGE_ARTIFACTS_ENV) \
		$(PG_SHARED_ENV) $(MAKE) pytest \
		PYTEST_ARGS="--junitxml=$(PYTEST_JUNIT) $(PYTEST_ARGS)"

stage-lint: setup
	$(CLOCK) run lint -- $(MAKE) lint-code

stage-check-redshift: stage-lint
	$(CLOCK) run check-redshift -- $(MAKE) check-redshift

stage-dbt-duckdb: setup
	$(CLOCK) run dbt-duckdb -- $(MAKE) test-duckdb

stage-dbt-postgres: stage-dbt-duckdb
	$(CLOCK) run dbt-postgres -- $(MAKE) test-postgres

# The metadata lint of the DuckDB build: a stage of make test and of make test-quick.
LINT_METADATA_STAGE = $(CLOCK) run lint-metadata -- $(MAKE) lint-metadata LINT_DUCKDB=$(SHARED_DUCKDB)
stage-lint-metadata: stage-check-redshift stage-dbt-duckdb
	$(LINT_METADATA_STAGE)

lint: setup lint-code
	$(MAKE) lint-metadata

# Cyclomatic complexity (radon): a function above $(MAX_COMPLEXITY), in the nightly job, the tooling
# or the scripts, fails the lint, naming it.
MAX_COMPLEXITY := 15
COMPLEXITY = $(BIN)/radon cc --show-complexity --min C $(1) | awk -v max=$(MAX_COMPLEXITY) \
	'/^[^ ]/ { file = $$0 } /\([0-9]+\)$$/ { n = substr($$NF, 2, length($$NF) - 2) + 0; \
	if (n > max) { print "$(2): " file ": " $$0 " above " max; over = 1 } } END { exit over }'
lint-code: setup
	$(BIN)/ruff check ledger_job ledger_tools scripts python_tests
	$(BIN)/ruff format --check ledger_job ledger_tools scripts python_tests
	@$(call COMPLEXITY,ledger_job ledger_tools scripts,complexity too high (make lint-code fails))
	rm -rf $(TEST_DIR)/sqlfluff && mkdir -p $(TEST_DIR)/sqlfluff
	LEDGER_DUCKDB_PATH=$(CURDIR)/$(TEST_DIR)/sqlfluff/lint.duckdb DBT_TARGET_PATH=$(TEST_DIR)/sqlfluff/target \
		$(BIN)/sqlfluff lint models tests analyses

# $(call demo_docs_artifacts,DIR,TARGET_PATH,DBT_FLAGS): demo data in DIR/ledger.duckdb, every
# seed, snapshot and view built there (no data or unit tests: only the relations matter), then
# manifest.json and catalog.json in TARGET_PATH. Never the developer's warehouse or target/.
DOCS_DEMO_SCALE ?= 0.05
define demo_docs_artifacts
	rm -rf $(1) $(2) && mkdir -p $(1) $(2)
	LEDGER_DUCKDB_PATH=$(CURDIR)/$(1)/ledger.duckdb \
		$(PY) scripts/generate_demo_data.py --target duckdb --scale $(DOCS_DEMO_SCALE) --replace \
		--as-of $(DEMO_AS_OF)
	LEDGER_DUCKDB_PATH=$(CURDIR)/$(1)/ledger.duckdb $(DBT) $(3) build --target dev \
		--exclude-resource-type test unit_test --target-path $(2) --log-path $(1)/logs
	LEDGER_DUCKDB_PATH=$(CURDIR)/$(1)/ledger.duckdb $(DBT) $(3) docs generate --target dev \
		--target-path $(2) --log-path $(1)/logs
endef

# Metadata: dbt-score fails under fail_project_under (pyproject.toml), dbt-bouncer on the
# conventions of dbt-bouncer.yml (its `warn` checks only print), dbt-coverage prints figures
# (full reports: $(LINT_META)/coverage-*.json). SCORE_SHOW=failing-rules lists every rule
# that lowers the score; the default prints only items under fail_any_item_under.
LINT_META := $(TEST_DIR)/lint/metadata
LINT_ARTIFACTS := $(TEST_DIR)/lint/artifacts
SCORE_SHOW ?= failing-items
# LINT_DUCKDB: a DuckDB file make test has just built (test-duckdb); its catalog is read and
# nothing is built again. Without it, the demo is built in a file of the lint's own.
LINT_DUCKDB ?=
lint-metadata: setup
ifeq ($(LINT_DUCKDB),)
	$(call demo_docs_artifacts,$(LINT_META),$(LINT_ARTIFACTS),--quiet)
else
	rm -rf $(LINT_META) $(LINT_ARTIFACTS) && mkdir -p $(LINT_META) $(LINT_ARTIFACTS)
	# The build's parse cache: same project, profile and vars, so dbt does not parse again.
	cp $(dir $(LINT_DUCKDB))target/partial_parse.msgpack $(LINT_ARTIFACTS)/
	LEDGER_DUCKDB_PATH=$(LINT_DUCKDB) $(DBT) --quiet docs generate --target dev \
		--target-path $(LINT_ARTIFACTS) --log-path $(LINT_META)/logs
endif
	$(BIN)/dbt-score lint --manifest $(LINT_ARTIFACTS)/manifest.json --show $(SCORE_SHOW)
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml
	@for kind in doc test; do \
		$(BIN)/dbt-coverage compute $$kind --run-artifacts-dir $(LINT_ARTIFACTS) \
			--cov-report $(LINT_META)/coverage-$$kind.json > $(LINT_META)/coverage-$$kind.txt; \
		echo "dbt-coverage $$kind: $$(grep '^Total' $(LINT_META)/coverage-$$kind.txt | tr -s ' ' | cut -d' ' -f2-)"; \
	done

# Redshift cannot be reached from here: compile for it offline into a clean directory and
# reject, by parsing the compiled SQL, what Redshift lacks.
check-redshift: setup
	rm -rf $(TEST_DIR)/redshift
	$(DBT) compile --target redshift --no-introspect --no-populate-cache --target-path $(TEST_DIR)/redshift \
		--log-path $(TEST_DIR)/redshift-logs --quiet
	$(PY) scripts/check_redshift_sql.py $(TEST_DIR)/redshift/compiled

test-duckdb: setup
	rm -rf $(TEST_DIR)/duckdb && mkdir -p $(TEST_DIR)/duckdb
	LEDGER_DUCKDB_PATH=$(SHARED_DUCKDB) \
		$(PY) scripts/generate_demo_data.py --target duckdb --seed $(DEMO_SEED) --scale $(DEMO_SCALE) \
		--as-of $(DEMO_AS_OF)
	LEDGER_DUCKDB_PATH=$(SHARED_DUCKDB) \
		$(DBT) build --target dev --target-path $(TEST_DIR)/duckdb/target --log-path $(TEST_DIR)/duckdb/logs

# Runs under scripts/with_test_postgres.py, which provides BILLING_DB_* or says it skipped.
# The server may be a real billing database: the suite only ever creates, replaces and reads
# schemas prefixed ledger_ci_, never the raw schemas of the environment.
PG_RAW_SCHEMAS := --schema billing=ledger_ci_billing --schema boberdoo=ledger_ci_boberdoo \
	--schema invoca=ledger_ci_invoca --schema finance=ledger_ci_finance
PG_DBT_VARS := {billing_schema: ledger_ci_billing, boberdoo_schema: ledger_ci_boberdoo, \
	invoca_schema: ledger_ci_invoca, finance_schema: ledger_ci_finance}
test-postgres: setup
	@if [ "$${LEDGER_POSTGRES_SKIPPED:-0}" = 1 ]; then \
		echo "!!! PostgreSQL suite SKIPPED: no BILLING_DB_HOST and no PostgreSQL binaries !!!"; \
	else \
		$(PY) scripts/generate_demo_data.py --target postgres --replace --seed $(DEMO_SEED) \
			--scale $(DEMO_SCALE) --as-of $(DEMO_AS_OF) $(PG_RAW_SCHEMAS) && \
		LEDGER_SCHEMA=$(PG_TEST_SCHEMA) $(DBT) build --target postgres --target-path $(TEST_DIR)/postgres/target \
			--log-path $(TEST_DIR)/postgres/logs --vars '$(PG_DBT_VARS)'; \
	fi

pytest: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Works on a fresh clone: the docs describe a warehouse built from demo data in its own file.
docs: setup
	$(call demo_docs_artifacts,target/docs-warehouse,target/docs,)
	@echo "docs: target/docs; serve with .venv/bin/dbt docs serve --target-path target/docs"

# Prints figures, asserts nothing, not part of `make test`: speed is watched here, not in
# timed tests. PostgreSQL is the server of BILLING_DB_* when set (only schemas prefixed
# ledger_bench are touched), else a throwaway one. Tables also go to $(BENCH_OUT).
SCALES ?= 1 10
ENGINES ?= duckdb postgres
REPEATS ?= 5
BENCH_OUT ?= target/benchmark
benchmark: setup
	$(PY) scripts/benchmark_build.py --scales $(SCALES) --engines $(ENGINES) --repeats $(REPEATS) \
		--json $(BENCH_OUT)/benchmark.json --markdown $(BENCH_OUT)/benchmark.md $(BENCH_ARGS)

# The raw tables' indexes (macros/create_raw_indexes.sql) on the PostgreSQL of BILLING_DB_*,
# in the raw schemas the sources resolve (LEDGER_<RAW>_SCHEMA, else --vars in DBT_ARGS).
# Concurrently, so the EL tool's loads go on; a second run creates nothing. DROP=1 drops them.
DROP ?=
pg-indexes: setup
	$(DBT) run-operation create_raw_indexes --target postgres --target-path target/pg-indexes \
		$(if $(filter 1 yes true,$(DROP)),--args '{drop: true}') $(DBT_ARGS) || { \
		echo "make pg-indexes failed: fix what dbt says above (database from BILLING_DB_*, raw schemas from LEDGER_<RAW>_SCHEMA or DBT_ARGS=--vars) and run it again" >&2; \
		exit 1; }

snapshot-export: setup
	$(PY) scripts/snapshot_backup.py export $(SNAPSHOT_FLAGS)

snapshot-restore: setup
	$(PY) scripts/snapshot_backup.py restore $(SNAPSHOT_FLAGS)

clean:
	rm -rf target logs/dbt.log

# --- Pull requests: what a change does to the numbers (docs/pull-requests.md) -------------
.PHONY: data-diff test-changed

# The marts of two builds compared, as markdown for a PR comment. Two DuckDB files:
#   make data-diff BASE_DUCKDB=base.duckdb HEAD_DUCKDB=head.duckdb
# or two LEDGER_SCHEMA prefixes of the PostgreSQL of BILLING_DB_*:
#   make data-diff BASE_SCHEMA=ledger HEAD_SCHEMA=ledger_pr
BASE_DUCKDB ?=
HEAD_DUCKDB ?=
BASE_SCHEMA ?= ledger
HEAD_SCHEMA ?=
DIFF_OUT ?= target/data-diff.md
DIFF_ARGS ?=
data-diff: setup
	$(PY) scripts/data_diff.py --output "$(DIFF_OUT)" --base-schema $(BASE_SCHEMA) \
		$(if $(BASE_DUCKDB),--base-duckdb "$(BASE_DUCKDB)" \
			--head-duckdb "$(or $(HEAD_DUCKDB),$(error HEAD_DUCKDB= is needed with BASE_DUCKDB=))" \
			$(if $(HEAD_SCHEMA),--head-schema $(HEAD_SCHEMA)),\
		--target postgres --head-schema $(or $(HEAD_SCHEMA),ledger_pr)) $(DIFF_ARGS)

# Builds and tests only the models the branch modified and everything downstream of them;
# the unmodified parents are read from production's relations (--defer). STATE is a
# directory holding production's manifest.json (the target/ of the last build of main).
# Without it the target stops and says so: a silent full build would look like a slim one.
# DBT_ARGS for the rest (--target postgres, --vars ...).
STATE ?=
DBT_ARGS ?=
test-changed: setup
	@if [ -z "$(STATE)" ] || [ ! -f "$(STATE)/manifest.json" ]; then \
		echo "make test-changed needs STATE=<dir with production's manifest.json, e.g. the target/ of the last main build>; make test builds everything" >&2; \
		exit 2; \
	fi
	$(DBT) build --select state:modified+ --defer --state "$(STATE)" \
		--target-path $(TEST_DIR)/changed/target $(DBT_ARGS)
