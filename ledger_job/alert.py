"""Ledger balance alert: a CRITICAL message when the books stop balancing, one when fixed.

Nightly runs would otherwise repeat the same alert every night until someone corrects a
journal, and people stop reading alerts that repeat. So state survives between runs in a
small JSON file:

* first imbalance -> alert;
* same imbalance on a later run (same difference, same unbalanced transactions) -> no
  repeat, one WARNING line in the log;
* a different imbalance -> alert again;
* balanced after an alert -> exactly one "resolved" message, then silence.

The state only moves once the message reached the webhook (or there is no webhook to
reach): an alert that could not be delivered is sent again by the next run.
The balance tests not running at all (an upstream model failed) says nothing about the
balance, so the state is left alone. The message's text is alert_message's.
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

from ledger_job.alert_message import Message, imbalance_message, resolved_message
from ledger_job.balance_report import (
    BALANCE_TESTS,
    Imbalance,
    QueryRunner,
    fetch_breakdown,
    fetch_imbalance,
)
from ledger_job.dbt_artifacts import BuildSummary
from ledger_job.http_post import DEFAULT_TIMEOUT_SECONDS, post_json
from ledger_job.money import plain, to_decimal, usd

WEBHOOK_ENV_VAR = "ALERT_WEBHOOK_URL"
STATE_FILE_NAME = "ledger_balance_alert.json"

log = logging.getLogger(__name__)


class Action(StrEnum):
    """What the monitor did on this run."""

    ALERT = "alert"
    SUPPRESS = "suppress"
    RESOLVE = "resolve"
    NONE = "none"


@dataclass
class AlertState:
    """Persisted between runs; `status` is the balance as last notified."""

    status: str  # "imbalanced" or "balanced"
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
    known = {f.name for f in fields(AlertState)}
    return AlertState(**{k: v for k, v in document.items() if k in known})


def save_state(path: Path, state: AlertState) -> None:
    """Write atomically: a crash mid-write must not leave half a JSON document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False
    ) as handle:
        json.dump(asdict(state), handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(handle.name, path)


def decide(previous: AlertState | None, balanced: bool | None, fingerprint: str | None) -> Action:
    """The state machine, free of I/O."""
    was_imbalanced = previous is not None and previous.status == "imbalanced"
    if balanced is None:
        return Action.NONE
    if balanced:
        return Action.RESOLVE if was_imbalanced else Action.NONE
    if was_imbalanced and previous is not None and previous.fingerprint == fingerprint:
        return Action.SUPPRESS
    return Action.ALERT


def balance_outcome(build: BuildSummary) -> bool | None:
    """True/False when the balance tests ran and passed/failed, None when none ran.

    A "warn" means the test returned rows too, so it counts as an imbalance; an "error"
    (the test's SQL broke) says nothing about the balance.
    """
    statuses = [s for s in (build.status_of(name) for name in BALANCE_TESTS) if s is not None]
    if any(s in ("fail", "warn") for s in statuses):
        return False
    if statuses and all(s == "pass" for s in statuses):
        return True
    return None


@dataclass
class BalanceMonitor:
    """Runs the state machine for one job run and sends what it decides."""

    runner: QueryRunner
    state_path: Path
    relations: Mapping[str, str]
    env: Mapping[str, str] | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    backoff_base: float | None = None

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
        previous = load_state(self.state_path)
        if balanced is None:
            log.info("balance tests did not run; alert state left unchanged")
            return Action.NONE
        if not balanced:
            return self._imbalanced(previous, now=now, run_id=run_id, failing_tests=failing_tests)
        action = decide(previous, True, None)
        if action is Action.RESOLVE and previous is not None:
            message = resolved_message(
                previous, resolved_at=now, run_id=run_id, totals=ledger_totals
            )
            log.info("%s", message.text())
            resolved = AlertState(
                status="balanced",
                difference="0",
                first_detected_at=previous.first_detected_at,
                alerted_at=previous.alerted_at,
                resolved_at=now,
                run_id=run_id,
            )
            self._send(message, resolved, "resolved message")
        return action

    def _imbalanced(
        self,
        previous: AlertState | None,
        *,
        now: str,
        run_id: str | None,
        failing_tests: Sequence[str],
    ) -> Action:
        imbalance: Imbalance | None = None
        errors: list[str] = []
        try:
            imbalance = fetch_imbalance(self.runner)
            fingerprint = imbalance.fingerprint()
        except (RuntimeError, ValueError) as exc:
            errors.append(str(exc))
            # Without details the failing tests are all that identifies the imbalance.
            fingerprint = "unknown:" + ",".join(sorted(failing_tests))
        action = decide(previous, False, fingerprint)
        if action is Action.SUPPRESS and previous is not None:
            log.warning(
                "ledger still out of balance (difference %s), same imbalance as alerted at %s; "
                "not alerting again",
                usd(to_decimal(previous.difference)) if previous.difference else "unknown",
                previous.alerted_at,
            )
            return action
        breakdown = None
        if imbalance is not None:
            try:
                breakdown = fetch_breakdown(self.runner)
            except (RuntimeError, ValueError) as exc:
                errors.append(str(exc))
        message = imbalance_message(
            imbalance,
            breakdown,
            detected_at=now,
            run_id=run_id,
            failing_tests=failing_tests,
            relations=self.relations,
            detail_error="; ".join(errors) or None,
        )
        log.critical("%s", message.text())
        # An imbalance goes on since its first alert, whatever it has become meanwhile.
        ongoing = (
            previous.first_detected_at if previous and previous.status == "imbalanced" else None
        )
        state = AlertState(
            status="imbalanced",
            fingerprint=fingerprint,
            difference=plain(imbalance.check.difference) if imbalance else None,
            unbalanced_transaction_count=len(imbalance.transactions) if imbalance else None,
            first_detected_at=ongoing or now,
            alerted_at=now,
            run_id=run_id,
        )
        self._send(message, state, "ledger alert")
        return action

    def _send(self, message: Message, state: AlertState, what: str) -> None:
        """Post to ALERT_WEBHOOK_URL (the heartbeat's retry policy), then save `state`;
        an undelivered message leaves the state as it was, so the next run sends it again."""
        url = (os.environ if self.env is None else self.env).get(WEBHOOK_ENV_VAR, "").strip()
        if not url:
            log.info("%s is not set; the message is in the log only", WEBHOOK_ENV_VAR)
        elif not post_json(
            url,
            message.slack_payload(),
            what="ledger alert",
            timeout=self.timeout,
            backoff_base=self.backoff_base,
        ).delivered:
            log.error("%s not delivered; the next run will send it again", what)
            return
        save_state(self.state_path, state)
