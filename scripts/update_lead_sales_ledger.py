"""Nightly job of the lead revenue ledger (cron `5 0 * * *` UTC).

    .venv/bin/python scripts/update_lead_sales_ledger.py [--target T] [--log-dir D] [--state-dir D]

Runs `dbt source freshness` (warn-only) and `dbt build`, posts the heartbeat and, when the
ledger does not balance, the balance alert. The logic lives in ledger_ops.job, where the
exit codes are documented; this file only makes it runnable.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Importable without the venv's .pth file too (e.g. a cron line naming another python).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger_ops.job import main

if __name__ == "__main__":
    sys.exit(main())
