"""Export or restore the price snapshot's history (`make snapshot-export`, `snapshot-restore`).

    .venv/bin/python scripts/snapshot_backup.py export|restore [--file F] [--replace] [--target T]

The logic and the exit codes live in ledger_ops.snapshot_backup; this file only makes it
runnable.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Importable without the venv's .pth file too (e.g. a cron line naming another python).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger_ops.snapshot_backup import main

if __name__ == "__main__":
    sys.exit(main())
