"""Time the stages of `make test` and print them."""

import sys

from ledger_tools.stage_clock import main

if __name__ == "__main__":
    sys.exit(main())
