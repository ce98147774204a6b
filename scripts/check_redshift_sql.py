"""Reject SQL constructs that Redshift or PostgreSQL lacks, in dbt's compiled SQL.

Usage: .venv/bin/python scripts/check_redshift_sql.py [PATH ...]   (default: target/compiled)
"""

import sys

from ledger_tools.redshift_check import main

if __name__ == "__main__":
    sys.exit(main())
