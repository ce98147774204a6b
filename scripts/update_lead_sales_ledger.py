"""Nightly job of the lead revenue ledger (cron `5 0 * * *` UTC).

    .venv/bin/python scripts/update_lead_sales_ledger.py [--target T] [--log-dir D] [--state-dir D]

Runs `dbt source freshness` (warn-only) and `dbt build`, posts the heartbeat and, when the
ledger does not balance, the balance alert. The logic lives in ledger_job.job, where the
exit codes are documented; this file makes it runnable and hands it the demo data
generator of ledger_tools for --demo-data-if-absent (`make run`), as ledger_job imports
nothing of the tooling.
"""

from __future__ import annotations

import sys

from ledger_job.job import main
from ledger_tools.demo_data import load_if_absent

if __name__ == "__main__":
    sys.exit(main(demo_data=load_if_absent))
