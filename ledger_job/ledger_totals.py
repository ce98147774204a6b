"""Ledger totals for the heartbeat: row count and billed amount, entry debits and credits.

The monitoring side can chart these night over night; a sudden drop in rows or billed
amount is often the first sign of a broken landing, before any test notices.
Amounts travel as decimal strings so no JSON consumer rounds them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from ledger_job.money import plain, to_decimal

# The macro (macros/ledger_totals.sql) logs one line: this prefix, then a JSON object.
TOTALS_MACRO = "ledger_totals"
_PREFIX = f"{TOTALS_MACRO} "
TOTALS = ("row_count", "billed_amount", "entry_count", "total_debits", "total_credits")


class OperationRunner(Protocol):
    """What the totals need from dbt: the lines a `dbt run-operation` macro logged."""

    def run_operation(self, macro: str) -> list[str]: ...


log = logging.getLogger(__name__)


def fetch_ledger_totals(runner: OperationRunner) -> dict[str, Any] | None:
    """Totals of the ledger views, or None (logged) when they cannot be read."""
    try:
        lines = [line for line in runner.run_operation(TOTALS_MACRO) if line.startswith(_PREFIX)]
        if not lines:
            raise ValueError(f"the {TOTALS_MACRO} macro logged no totals")
        row = json.loads(lines[-1][len(_PREFIX) :])
        totals = heartbeat_totals(row)
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        log.warning("ledger totals unavailable: %s", exc)
        return None
    log_ledger_totals(totals, "the views")
    return totals


def heartbeat_totals(row: Mapping[str, Any]) -> dict[str, Any]:
    """The heartbeat's `ledger` document from the macro's names (TOTALS): counts as
    integers, amounts as exact strings."""
    return {
        "rows": int(row["row_count"]),
        "billed_amount": plain(to_decimal(row["billed_amount"])),
        "entries": int(row["entry_count"]),
        "total_debits": plain(to_decimal(row["total_debits"])),
        "total_credits": plain(to_decimal(row["total_credits"])),
    }


def log_ledger_totals(totals: dict[str, Any], origin: str) -> None:
    log.info(
        "ledger (from %s): %s rows, billed %s; entries: %s, debits %s, credits %s",
        origin,
        totals["rows"],
        totals["billed_amount"],
        totals["entries"],
        totals["total_debits"],
        totals["total_credits"],
    )
