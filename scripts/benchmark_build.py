"""Time the nightly job and analysts' reads at growing data sizes, DuckDB and PostgreSQL
side by side. A benchmark, not a test: it prints figures and asserts nothing.

The logic lives in ledger_tools.benchmark; this file only makes it runnable.
"""

from __future__ import annotations

import sys

from ledger_tools.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
