"""Export or restore the price snapshot's history (ledger_tools.snapshot_cli)."""

from __future__ import annotations

import sys

from ledger_tools.snapshot_cli import main

if __name__ == "__main__":
    sys.exit(main())
