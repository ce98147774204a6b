"""Time the nightly job and analysts' reads (ledger_tools.benchmark): prints, asserts nothing."""

from __future__ import annotations

import sys

from ledger_tools.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
