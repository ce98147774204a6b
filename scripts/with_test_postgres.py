"""Run a command with a PostgreSQL available: BILLING_DB_*, else a throwaway server, else skip."""

import sys

from ledger_tools.pg_sandbox import main

if __name__ == "__main__":
    sys.exit(main())
