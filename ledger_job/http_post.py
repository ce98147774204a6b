"""POST a JSON document with the spec's retry policy (section 5), for the heartbeat and the alert.

10 s per attempt, four attempts, exponential backoff (tenacity); connection errors, timeouts,
429 and 5xx are retried, other 4xx are final. Nothing raises: monitoring never breaks the run.
Redirects are refused, since urllib would replay the Authorization header to another host.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import tenacity

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 1.0
BACKOFF_ENV_VAR = "LEDGER_HTTP_BACKOFF_SECONDS"  # tests shrink the waits, not the policy
_BODY_EXCERPT = 200

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
        log.warning(
            "%s=%r is not a number; using %s s", BACKOFF_ENV_VAR, raw, DEFAULT_BACKOFF_SECONDS
        )
        return DEFAULT_BACKOFF_SECONDS


def safe_location(url: str) -> str:
    """Scheme, host and port only: a URL's path may hold a token (a webhook's does)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}"
    except ValueError:
        return "(malformed URL)"


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff_base: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PostResult:
    """POST `payload` as JSON; waits backoff_base * 2**(n-1) s after failed attempt n."""
    where = safe_location(url)
    if not where.startswith(("http://", "https://")):  # urllib would open file:// too
        log.error("%s not sent: URL must be http(s), got %s", what, where)
        return PostResult(delivered=False, attempts=0, error="unsupported URL scheme")
    body = json.dumps(payload, default=str).encode("utf-8")
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    request = urllib.request.Request(url, body, {**json_headers, **(headers or {})}, method="POST")
    base = backoff_base_from_env() if backoff_base is None else backoff_base
    tried: list[PostResult] = []

    def attempt() -> PostResult:
        tried.append(_attempt(request, timeout, len(tried) + 1))
        return tried[-1]

    def before_sleep(state: tenacity.RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0
        log.warning(
            f"{what} attempt {len(tried)}/{attempts} to {where} failed: {tried[-1].error}; "
            f"retrying in {delay:g} s"
        )

    tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=base, min=0),
        retry=tenacity.retry_if_result(lambda result: result.retryable),
        before_sleep=before_sleep,
        retry_error_callback=lambda _: None,
        sleep=sleep,
    )(attempt)
    result = tried[-1]
    if result.delivered:
        log.info(f"{what} delivered to {where} (HTTP {result.status}, attempt {len(tried)})")
    elif not result.retryable:
        log.error(f"{what} rejected by {where}: {result.error} (not retried)")
    else:
        log.error(f"{what} attempt {attempts}/{attempts} to {where} failed: {result.error}")
        log.error(f"{what} not delivered to {where} after {attempts} attempts")
    return result


def _attempt(request: urllib.request.Request, timeout: float, number: int) -> PostResult:
    def failed(status: int | None, error: str, retryable: bool = True) -> PostResult:
        return PostResult(False, number, status, error, retryable)

    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(_BODY_EXCERPT)
            return PostResult(True, number, response.status)
    except urllib.error.HTTPError as exc:
        try:
            text = " ".join(exc.read(_BODY_EXCERPT).decode("utf-8", errors="replace").split())
        except OSError:
            text = ""
        retry = exc.code == 429 or 500 <= exc.code <= 599
        return failed(exc.code, f"HTTP {exc.code} {exc.reason}: {text}", retry)
    except (OSError, http.client.HTTPException) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return failed(None, f"timed out after {timeout:g} s")
        named = "" if reason is not exc else f"{type(exc).__name__}: "  # e.g. a hang-up
        return failed(None, f"connection failed: {named}{reason}")
    except ValueError as exc:  # a malformed URL (bad port) will not get better
        return failed(None, f"invalid URL: {exc}", retryable=False)
