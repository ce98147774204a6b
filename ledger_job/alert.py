"""The balance alert's state across runs: alert once per imbalance, one "resolved" when fixed.

Alerts repeated nightly stop being read, so a JSON file remembers what was sent; it moves once
the webhook took the message (an undelivered one is sent again).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from ledger_job.balance_report import (
    BALANCE_TESTS,
    Imbalance,
    Message,
    QueryRunner,
    fetch_breakdown,
    fetch_imbalance,
    imbalance_message,
    resolved_message,
)
from ledger_job.dbt_artifacts import BuildSummary
from ledger_job.heartbeat import post_json
from ledger_job.money import plain, usd

WEBHOOK_ENV_VAR = "ALERT_WEBHOOK_URL"
STATE_FILE_NAME = "ledger_balance_alert.json"

log = logging.getLogger(__name__)


class Action(StrEnum):
    ALERT = "alert"
    SUPPRESS = "suppress"
    RESOLVE = "resolve"
    NONE = "none"


@dataclass
class AlertState:
    status: str  # the balance as last notified: "imbalanced" or "balanced"
    fingerprint: str | None = None
    difference: str | None = None
    unbalanced_transaction_count: int | None = None
    first_detected_at: str | None = None
    alerted_at: str | None = None
    resolved_at: str | None = None
    run_id: str | None = None


def load_state(path: Path) -> AlertState | None:
    """The saved state; None when there is none or it cannot be read (logged)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("alert state %s unreadable (%s); starting from no state", path, exc)
        return None
    if not isinstance(document, dict) or "status" not in document:
        log.warning("alert state %s has no status; starting from no state", path)
        return None
    return AlertState(**{f.name: document.get(f.name) for f in fields(AlertState)})


def save_state(path: Path, state: AlertState) -> None:
    """Written to a temporary file renamed over the old: a crash never leaves half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False
    ) as handle:
        handle.write(json.dumps(asdict(state), indent=2, sort_keys=True) + "\n")
    os.replace(handle.name, path)


def decide(previous: AlertState | None, balanced: bool | None, fingerprint: str | None) -> Action:
    was_imbalanced = previous is not None and previous.status == "imbalanced"
    if balanced is None or (balanced and not was_imbalanced):
        return Action.NONE
    if balanced:
        return Action.RESOLVE
    same = was_imbalanced and previous is not None and previous.fingerprint == fingerprint
    return Action.SUPPRESS if same else Action.ALERT


def balance_outcome(build: BuildSummary) -> bool | None:
    """Whether the balance tests passed (a "warn" returned rows: no); None: none ran, or errored."""
    statuses = [s for s in map(build.status_of, BALANCE_TESTS) if s is not None]
    if any(s in ("fail", "warn") for s in statuses):
        return False
    return True if statuses and all(s == "pass" for s in statuses) else None


@dataclass
class BalanceMonitor:
    """Runs the state machine for one job run and sends what it decides."""

    runner: QueryRunner
    state_path: Path
    relations: Mapping[str, str]
    env: Mapping[str, str] | None = None

    def check(
        self,
        balanced: bool | None,
        *,
        now: str,
        run_id: str | None,
        failing_tests: Sequence[str] = (),
        ledger_totals: Mapping[str, Any] | None = None,
    ) -> Action:
        """Act on this run's outcome of the balance tests (None: they did not run)."""
        if balanced is None:
            log.info("balance tests did not run; alert state left unchanged")
            return Action.NONE
        previous = load_state(self.state_path)
        if not balanced:
            return self._imbalanced(previous, now, run_id, failing_tests)
        if (action := decide(previous, True, None)) is Action.RESOLVE and previous is not None:
            message = resolved_message(previous, now, run_id, ledger_totals)
            state = AlertState("balanced", None, "0", None, previous.first_detected_at)
            state.alerted_at, state.resolved_at, state.run_id = previous.alerted_at, now, run_id
            self._send(message, state, "resolved message", logging.INFO)
        return action

    def _imbalanced(
        self, previous: AlertState | None, now: str, run_id: str | None, failing: Sequence[str]
    ) -> Action:
        imbalance: Imbalance | None = None
        breakdown, errors = None, []
        try:
            imbalance = fetch_imbalance(self.runner)
            fingerprint = imbalance.fingerprint()
        except (RuntimeError, ValueError) as exc:
            errors.append(str(exc))  # then the failing tests are all that names the imbalance
            fingerprint = "unknown:" + ",".join(sorted(failing))
        if (action := decide(previous, False, fingerprint)) is Action.SUPPRESS and previous:
            difference = usd(previous.difference) if previous.difference else "unknown"
            same = f"same imbalance as alerted at {previous.alerted_at}; not alerting again"
            log.warning(f"ledger still out of balance (difference {difference}), {same}")
            return action
        try:
            breakdown = fetch_breakdown(self.runner) if imbalance is not None else None
        except (RuntimeError, ValueError) as exc:
            errors.append(str(exc))
        context = {"detected_at": now, "run_id": run_id, "failing_tests": failing}
        context["detail_error"] = "; ".join(errors) or None
        message = imbalance_message(imbalance, breakdown, relations=self.relations, **context)
        # An imbalance goes on since its first alert, whatever it has become meanwhile.
        ongoing = previous.first_detected_at if previous and previous.status == "imbalanced" else 0
        difference = plain(imbalance.check.difference) if imbalance else None
        count = len(imbalance.transactions) if imbalance else None
        state = AlertState("imbalanced", fingerprint, difference, count, ongoing or now, now)
        state.run_id = run_id
        self._send(message, state, "ledger alert", logging.CRITICAL)
        return action

    def _send(self, message: Message, state: AlertState, what: str, level: int) -> None:
        """Log, post to ALERT_WEBHOOK_URL, then save `state`: an undelivered one is sent again."""
        log.log(level, "%s", message.text())
        url = (os.environ if self.env is None else self.env).get(WEBHOOK_ENV_VAR, "").strip()
        if not url:
            log.info("%s is not set; the message is in the log only", WEBHOOK_ENV_VAR)
        elif not post_json(url, message.slack_payload(), what=what).delivered:
            log.error("%s not delivered; the next run will send it again", what)
            return
        save_state(self.state_path, state)
