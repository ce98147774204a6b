"""The heartbeat, `POST $INTERNAL_API_URL/heartbeat`, and the retrying POST the alert shares.

Enough to triage without the log (ledger totals: a drop night over night is often the first
sign of a broken load); it never fails the job. Spec 5's retries, by tenacity. Redirects are
refused: urllib would replay the Authorization header to them.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import tenacity

from ledger_job.money import plain, to_decimal

TIMEOUT_SECONDS = 10.0
ATTEMPTS = 4  # spec 5: 10 s an attempt, four in all, exponential backoff
DEFAULT_BACKOFF_SECONDS = 1.0
BACKOFF_ENV_VAR = "LEDGER_HTTP_BACKOFF_SECONDS"  # tests shrink the waits, not the policy
_BODY_EXCERPT = 200
URL_ENV_VAR, KEY_ENV_VAR = "INTERNAL_API_URL", "INTERNAL_API_KEY"
TOTALS_MACRO = "ledger_totals"  # macros/ledger_totals.sql logs "ledger_totals {json}"
TOTALS = ("row_count", "billed_amount", "entry_count", "total_debits", "total_credits")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None
    retryable: bool = False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # urllib then raises HTTPError with the 3xx code


_OPENER = urllib.request.build_opener(_NoRedirect())


def backoff_base_from_env() -> float:
    raw = os.environ.get(BACKOFF_ENV_VAR, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_BACKOFF_SECONDS
    except ValueError:
        log.warning(f"{BACKOFF_ENV_VAR}={raw!r} is not a number; using {DEFAULT_BACKOFF_SECONDS} s")
        return DEFAULT_BACKOFF_SECONDS


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
) -> PostResult:
    """POST `payload` as JSON; waits base * 2**(n-1) s after failed attempt n (base: env)."""
    try:  # scheme, host and port only: a URL's path may hold a token (a webhook's does)
        parts = urlsplit(url)
        where = f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}"
    except ValueError:
        where = "(malformed URL)"
    if not where.startswith(("http://", "https://")):  # urllib would open file:// too
        log.error("%s not sent: URL must be http(s), got %s", what, where)
        return PostResult(delivered=False, attempts=0, error="unsupported URL scheme")
    body = json.dumps(payload, default=str).encode("utf-8")
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    request = urllib.request.Request(url, body, {**json_headers, **(headers or {})}, method="POST")
    tried: list[PostResult] = []

    def attempt() -> PostResult:
        tried.append(_attempt(request, len(tried) + 1))
        return tried[-1]

    def before_sleep(state: tenacity.RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0
        failed = f"{what} attempt {len(tried)}/{ATTEMPTS} to {where} failed: {tried[-1].error}"
        log.warning(f"{failed}; retrying in {delay:g} s")

    tenacity.Retrying(
        stop=tenacity.stop_after_attempt(ATTEMPTS),
        wait=tenacity.wait_exponential(multiplier=backoff_base_from_env(), min=0),
        retry=tenacity.retry_if_result(lambda result: result.retryable),
        before_sleep=before_sleep,
        retry_error_callback=lambda _: None,
    )(attempt)
    result = tried[-1]
    if result.delivered:
        log.info(f"{what} delivered to {where} (HTTP {result.status}, attempt {len(tried)})")
    elif not result.retryable:
        log.error(f"{what} rejected by {where}: {result.error} (not retried)")
    else:
        log.error(f"{what} attempt {ATTEMPTS}/{ATTEMPTS} to {where} failed: {result.error}")
        log.error(f"{what} not delivered to {where} after {ATTEMPTS} attempts")
    return result


def _attempt(request: urllib.request.Request, number: int) -> PostResult:
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(_BODY_EXCERPT)
            return PostResult(True, number, response.status)
    except urllib.error.HTTPError as exc:
        try:
            text = " ".join(exc.read(_BODY_EXCERPT).decode("utf-8", errors="replace").split())
        except OSError:
            text = ""
        retry = exc.code == 429 or 500 <= exc.code <= 599
        return PostResult(False, number, exc.code, f"HTTP {exc.code} {exc.reason}: {text}", retry)
    except (OSError, http.client.HTTPException) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return PostResult(False, number, None, f"timed out after {TIMEOUT_SECONDS:g} s", True)
        named = "" if reason is not exc else f"{type(exc).__name__}: "  # e.g. a hang-up
        return PostResult(False, number, None, f"connection failed: {named}{reason}", True)
    except ValueError as exc:  # a malformed URL (bad port) will not get better
        return PostResult(False, number, None, f"invalid URL: {exc}")


def send_heartbeat(payload: Mapping[str, Any], env: Mapping[str, str]) -> PostResult | None:
    """Post `payload`; None when INTERNAL_API_URL is unset (then nothing is attempted)."""
    base_url, key = env.get(URL_ENV_VAR, "").strip(), env.get(KEY_ENV_VAR, "").strip()
    if not base_url:
        log.info("%s is not set; heartbeat not sent", URL_ENV_VAR)
        return None
    if not key:
        log.warning("%s is not set; sending the heartbeat without credentials", KEY_ENV_VAR)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = base_url.rstrip("/") + "/heartbeat"
    return post_json(url, payload, what="heartbeat", headers=headers)


def fetch_ledger_totals(runner: Any) -> dict[str, Any] | None:
    """Totals of the ledger views through DbtRunner.run_operation, or None (logged)."""
    prefix = f"{TOTALS_MACRO} "
    try:
        lines = [line for line in runner.run_operation(TOTALS_MACRO) if line.startswith(prefix)]
        if not lines:
            raise ValueError(f"the {TOTALS_MACRO} macro logged no totals")
        return ledger_totals(json.loads(lines[-1][len(prefix) :]), "the views")
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        log.warning("ledger totals unavailable: %s", exc)
        return None


def ledger_totals(row: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """The heartbeat's `ledger` (amounts as exact strings), logged with where they were read."""
    amounts = {name: plain(to_decimal(row[name])) for name in TOTALS if "count" not in name}
    totals = {"rows": int(row["row_count"]), **amounts, "entries": int(row["entry_count"])}
    log.info(
        f"ledger (from {origin}): {totals['rows']} rows, billed {totals['billed_amount']}; "
        f"entries: {totals['entries']}, debits {totals['total_debits']}, "
        f"credits {totals['total_credits']}"
    )
    return totals
