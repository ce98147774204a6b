"""The heartbeat, `POST $INTERNAL_API_URL/heartbeat`: monitoring notices a missing or failed run.

Sent after every run with enough to triage without the log (invocation id, counts, failing
tests, ledger totals: a drop night over night is often the first sign of a broken load, and
amounts travel as exact strings); sending it never fails the job.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ledger_job.http_post import DEFAULT_TIMEOUT_SECONDS, PostResult, post_json
from ledger_job.money import plain, to_decimal

URL_ENV_VAR = "INTERNAL_API_URL"
KEY_ENV_VAR = "INTERNAL_API_KEY"
TOTALS_MACRO = "ledger_totals"  # macros/ledger_totals.sql logs "ledger_totals {json}"
TOTALS = ("row_count", "billed_amount", "entry_count", "total_debits", "total_credits")

log = logging.getLogger(__name__)


def heartbeat_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/heartbeat"


def heartbeat_payload(
    *,
    job: str,
    succeeded: bool,
    run_id: str | None,
    started_at: str,
    finished_at: str,
    counts: Mapping[str, int | None],
    failing_tests: Sequence[str] = (),
    ledger: Mapping[str, Any] | None = None,
    **details: Any,
) -> dict[str, Any]:
    status = "success" if succeeded else "failure"
    times = {"started_at": started_at, "finished_at": finished_at}
    ledger = dict(ledger) if ledger is not None else None
    base = {"job": job, "status": status, "run_id": run_id, **times, **counts}
    return {**base, "failing_tests": list(failing_tests), "ledger": ledger, **details}


def send_heartbeat(
    payload: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    backoff_base: float | None = None,
) -> PostResult | None:
    """Post `payload`; None when INTERNAL_API_URL is unset (then nothing is attempted)."""
    env = os.environ if env is None else env
    base_url, key = env.get(URL_ENV_VAR, "").strip(), env.get(KEY_ENV_VAR, "").strip()
    if not base_url:
        log.info("%s is not set; heartbeat not sent", URL_ENV_VAR)
        return None
    if not key:
        log.warning("%s is not set; sending the heartbeat without credentials", KEY_ENV_VAR)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url, what = heartbeat_url(base_url), "heartbeat"
    return post_json(
        url, payload, what=what, headers=headers, timeout=timeout, backoff_base=backoff_base
    )


class OperationRunner(Protocol):
    def run_operation(self, macro: str) -> list[str]: ...


def fetch_ledger_totals(runner: OperationRunner) -> dict[str, Any] | None:
    """Totals of the ledger views, or None (logged) when they cannot be read."""
    prefix = f"{TOTALS_MACRO} "
    try:
        lines = [line for line in runner.run_operation(TOTALS_MACRO) if line.startswith(prefix)]
        if not lines:
            raise ValueError(f"the {TOTALS_MACRO} macro logged no totals")
        totals = heartbeat_totals(json.loads(lines[-1][len(prefix) :]))
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        log.warning("ledger totals unavailable: %s", exc)
        return None
    log_ledger_totals(totals, "the views")
    return totals


def heartbeat_totals(row: Mapping[str, Any]) -> dict[str, Any]:
    """The heartbeat's `ledger` document from the macro's names: counts as integers, amounts
    as exact strings."""
    amount = lambda name: plain(to_decimal(row[name]))  # noqa: E731
    return {
        "rows": int(row["row_count"]),
        "billed_amount": amount("billed_amount"),
        "entries": int(row["entry_count"]),
        "total_debits": amount("total_debits"),
        "total_credits": amount("total_credits"),
    }


def log_ledger_totals(totals: dict[str, Any], origin: str) -> None:
    log.info(
        f"ledger (from {origin}): {totals['rows']} rows, billed {totals['billed_amount']}; "
        f"entries: {totals['entries']}, debits {totals['total_debits']}, "
        f"credits {totals['total_credits']}"
    )
