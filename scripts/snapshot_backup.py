"""Export or restore the price snapshot's history (`make snapshot-export`, `snapshot-restore`).

The logic and the exit codes live in ledger_tools.snapshot_cli; this file only makes it
runnable.
"""

from __future__ import annotations

import sys

from ledger_tools.snapshot_cli import main

if __name__ == "__main__":
    sys.exit(main())
