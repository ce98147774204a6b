"""The heartbeat, `POST $INTERNAL_API_URL/heartbeat`: monitoring notices a missing or failed run.

Sent after every run with enough to triage without the log (invocation id, counts, failing
tests, ledger totals); sending it never fails the job.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ledger_job.http_post import DEFAULT_TIMEOUT_SECONDS, PostResult, post_json

URL_ENV_VAR = "INTERNAL_API_URL"
KEY_ENV_VAR = "INTERNAL_API_KEY"

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
