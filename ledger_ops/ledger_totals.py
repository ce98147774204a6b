"""Ledger totals for the heartbeat: row count and billed amount, entry debits and credits.

The monitoring side can chart these night over night; a sudden drop in rows or billed
amount is often the first sign of a broken landing, before any test notices.
Amounts travel as decimal strings so no JSON consumer rounds them.
"""

from __future__ import annotations

import logging
from typing import Any

from ledger_ops.balance_report import QueryRunner
from ledger_ops.money import plain, to_decimal

TOTALS_SQL = """
with ledger as (
    select count(*) as row_count, sum(billed_amount) as billed_amount
    from {{ ref('lead_sales_ledger') }}
),
entries as (
    select count(*) as entry_count, sum(debit) as total_debits, sum(credit) as total_credits
    from {{ ref('ledger_entries') }}
)
select ledger.row_count,
       cast(coalesce(ledger.billed_amount, 0) as varchar) as billed_amount,
       entries.entry_count,
       cast(coalesce(entries.total_debits, 0) as varchar) as total_debits,
       cast(coalesce(entries.total_credits, 0) as varchar) as total_credits
from ledger
cross join entries
"""

log = logging.getLogger(__name__)


def fetch_ledger_totals(runner: QueryRunner) -> dict[str, Any] | None:
    """Totals of the ledger views, or None (logged) when the query cannot run."""
    try:
        rows = runner.show(TOTALS_SQL, limit=1)
        row = {str(k).lower(): v for k, v in rows[0].items()}
        totals = {
            "rows": int(row["row_count"]),
            "billed_amount": plain(to_decimal(row["billed_amount"])),
            "entries": int(row["entry_count"]),
            "total_debits": plain(to_decimal(row["total_debits"])),
            "total_credits": plain(to_decimal(row["total_credits"])),
        }
    except (RuntimeError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("ledger totals unavailable: %s", exc)
        return None
    log.info(
        "ledger: %s rows, billed %s; entries: %s, debits %s, credits %s",
        totals["rows"],
        totals["billed_amount"],
        totals["entries"],
        totals["total_debits"],
        totals["total_credits"],
    )
    return totals
