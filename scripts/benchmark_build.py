"""Time the nightly job and analysts' reads at growing data sizes, DuckDB and PostgreSQL
side by side. A benchmark, not a test: it prints figures and asserts nothing.

Usage: .venv/bin/python scripts/benchmark_build.py [--scales 1 10] [--engines duckdb postgres]
       [--repeats 5] [--seed 42] [--workdir DIR] [--keep] [--project-dir PATH] [--build job|dbt]
       [--json PATH] [--markdown PATH]

The logic lives in ledger_tools.benchmark; this file only makes it runnable.
"""

from __future__ import annotations

import sys

from ledger_tools.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
