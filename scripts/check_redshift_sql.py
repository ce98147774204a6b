"""Reject SQL constructs that Redshift or PostgreSQL lacks, in dbt's compiled SQL."""

import sys

from ledger_tools.redshift_check import main

if __name__ == "__main__":
    sys.exit(main())
