"""The heartbeat of the nightly job: `POST $INTERNAL_API_URL/heartbeat`.

The monitoring side (the `monitoring.heartbeat` table of the internal API) notices a
missing or failed run from it, so it is sent after every run, success or failure, and
carries enough to triage without opening the log: dbt's invocation id, the counts, the
names of the failing tests and the ledger totals. Sending it can never fail the job.
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
    """`base_url` + `/heartbeat`, with exactly one slash between them."""
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
    """The heartbeat document; `details` adds fields (failed nodes, stale sources...)."""
    return {
        "job": job,
        "status": "success" if succeeded else "failure",
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": finished_at,
        **counts,
        "failing_tests": list(failing_tests),
        "ledger": dict(ledger) if ledger is not None else None,
        **details,
    }


def send_heartbeat(
    payload: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    backoff_base: float | None = None,
) -> PostResult | None:
    """Post `payload`; None when INTERNAL_API_URL is unset (then nothing is attempted)."""
    env = os.environ if env is None else env
    base_url = env.get(URL_ENV_VAR, "").strip()
    if not base_url:
        log.info("%s is not set; heartbeat not sent", URL_ENV_VAR)
        return None
    key = env.get(KEY_ENV_VAR, "").strip()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if not key:
        log.warning("%s is not set; sending the heartbeat without credentials", KEY_ENV_VAR)
    return post_json(
        heartbeat_url(base_url),
        payload,
        what="heartbeat",
        headers=headers,
        timeout=timeout,
        backoff_base=backoff_base,
    )
