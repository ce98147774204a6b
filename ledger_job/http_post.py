"""POST a JSON document with the job's retry policy; shared by the heartbeat and the alert.

Policy (spec section 5): 10 s timeout per attempt, four attempts in all, exponential
backoff between them. Connection errors, timeouts, 429 and 5xx are transient and retried;
any other 4xx (bad key, wrong path) will not fix itself and is not. Nothing here raises:
a monitoring call must never break the billing run, so the caller gets a result to log.

Redirects are refused rather than followed: urllib would replay the Authorization header
to whatever host the redirect names, and turn the POST into a GET.
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

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 1.0
# Lets tests (and impatient operators) shrink the waits without touching the policy.
BACKOFF_ENV_VAR = "LEDGER_HTTP_BACKOFF_SECONDS"
_BODY_EXCERPT = 200

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    """Outcome of a POST after all attempts."""

    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # urllib then raises HTTPError with the 3xx code


_OPENER = urllib.request.build_opener(_NoRedirect())


def backoff_base_from_env() -> float:
    """Backoff base in seconds: $LEDGER_HTTP_BACKOFF_SECONDS, else 1 s."""
    raw = os.environ.get(BACKOFF_ENV_VAR, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_BACKOFF_SECONDS
    except ValueError:
        log.warning(
            "%s=%r is not a number; using %s s", BACKOFF_ENV_VAR, raw, DEFAULT_BACKOFF_SECONDS
        )
        return DEFAULT_BACKOFF_SECONDS


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""


def safe_location(url: str) -> str:
    """Scheme and host of a URL, for logs: paths and query strings may hold tokens."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname or '?'}{port}"
    except ValueError:
        return "(malformed URL)"


def is_retryable_status(status: int) -> bool:
    """429 and 5xx are worth another attempt; other statuses are final."""
    return status == 429 or 500 <= status <= 599


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
    """POST `payload` as JSON to `url`; `what` names the call in log lines.

    Waits backoff_base * 2**(n-1) seconds after failed attempt n (1 s, 2 s, 4 s by default).
    """
    if _scheme(url) not in ("http", "https"):
        # urllib would happily open file:// or ftp:// URLs.
        log.error("%s not sent: URL must be http(s), got %s", what, safe_location(url))
        return PostResult(delivered=False, attempts=0, error="unsupported URL scheme")
    base = backoff_base_from_env() if backoff_base is None else backoff_base
    body = json.dumps(payload, default=str).encode("utf-8")
    request_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    request_headers.update(headers or {})
    where = safe_location(url)

    status: int | None = None
    error = "no attempt made"
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                status = response.status
                response.read(_BODY_EXCERPT)
            log.info(
                "%s delivered to %s (HTTP %s, attempt %d/%d)",
                what,
                where,
                status,
                attempt,
                attempts,
            )
            return PostResult(delivered=True, attempts=attempt, status=status)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            status, retryable, error = _failure(exc, timeout)
        if not retryable:
            log.error("%s rejected by %s: %s (not retried)", what, where, error)
            return PostResult(delivered=False, attempts=attempt, status=status, error=error)
        if attempt < attempts:
            delay = base * 2 ** (attempt - 1)
            log.warning(
                "%s attempt %d/%d to %s failed: %s; retrying in %g s",
                what,
                attempt,
                attempts,
                where,
                error,
                delay,
            )
            sleep(delay)
        else:
            log.error("%s attempt %d/%d to %s failed: %s", what, attempt, attempts, where, error)

    log.error("%s not delivered to %s after %d attempts", what, where, attempts)
    return PostResult(delivered=False, attempts=attempts, status=status, error=error)


def _failure(exc: Exception, timeout: float) -> tuple[int | None, bool, str]:
    """(HTTP status, worth another attempt, what went wrong) of a failed attempt."""
    if isinstance(exc, urllib.error.HTTPError):
        return (
            exc.code,
            is_retryable_status(exc.code),
            f"HTTP {exc.code} {exc.reason}: {_excerpt(exc)}",
        )
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return None, True, f"timed out after {timeout:g} s"
    if isinstance(exc, urllib.error.URLError):
        return None, True, f"connection failed: {reason}"
    if isinstance(exc, ValueError):
        # A malformed URL (bad port, bad IPv6 literal) will not get better either.
        return None, False, f"invalid URL: {exc}"
    # e.g. the server closed the connection without answering, or half-answered
    return None, True, f"connection failed: {type(exc).__name__}: {exc}"


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(_BODY_EXCERPT).decode("utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(text.split())
