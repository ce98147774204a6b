"""Export or restore the price snapshot's history (`make snapshot-export`, `snapshot-restore`).

    .venv/bin/python scripts/snapshot_backup.py export|restore [--file F] [--replace] [--target T]

The logic and the exit codes live in ledger_tools.snapshot_cli; this file only makes it
runnable.
"""

from __future__ import annotations

import sys

from ledger_tools.snapshot_cli import main

if __name__ == "__main__":
    sys.exit(main())
