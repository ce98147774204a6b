"""The nightly job's environment in the tests, and the local server its heartbeat and alerts
reach (a proxy from the caller's environment must never intercept it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_server import RecordingServer

LOCAL = "127.0.0.1,localhost"
# Variables of the job and of dbt that must come from each test, never from the caller.
_ISOLATED = (
    "INTERNAL_API_URL",
    "INTERNAL_API_KEY",
    "ALERT_WEBHOOK_URL",
    "LEDGER_TARGET",
    "LEDGER_SCHEMA",
    "LEDGER_DUCKDB_PATH",
    "DBT_TARGET_PATH",
    "DBT_LOG_PATH",
)


def job_env(workdir: Path, database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATED}
    env.update(
        LEDGER_TARGET="dev",
        LEDGER_DUCKDB_PATH=str(database),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "dbt_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        LEDGER_HTTP_BACKOFF_SECONDS="0.01",
        NO_PROXY=LOCAL,
        no_proxy=LOCAL,
    )
    env.update(extra)
    return env


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    monkeypatch.setenv("NO_PROXY", LOCAL)
    monkeypatch.setenv("no_proxy", LOCAL)
    with RecordingServer() as recording:
        yield recording
