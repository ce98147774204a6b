"""Time the stages of `make test` and print them.

Usage: .venv/bin/python scripts/stage_clock.py --file FILE reset | run NAME -- COMMAND ... | report
"""

import sys

from ledger_tools.stage_clock import main

if __name__ == "__main__":
    sys.exit(main())
