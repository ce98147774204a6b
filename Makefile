# Entry points of the lead revenue ledger. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt

# Relative DuckDB paths are resolved against the project, not the caller's directory.
export LEDGER_DUCKDB_PATH := $(abspath $(or $(LEDGER_DUCKDB_PATH),warehouse/ledger.duckdb))
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: help setup run test
help:
	@echo "make run    nightly job on the embedded DuckDB (demo data on first use)"
	@echo "make test   every test: lint, dbt on DuckDB and PostgreSQL, Redshift compile, pytest"
	@echo "make setup  create .venv with the pinned dependencies"

setup: $(VENV)/.installed profiles.yml

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	# The project's own package is imported from the work tree, with no build step.
	echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ledger_ops.pth"
	touch $@

# Created once; a local edit is never overwritten.
profiles.yml: | profiles.yml.example
	cp profiles.yml.example $@
