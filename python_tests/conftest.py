"""Shared pytest policy: a PostgreSQL test never passes silently without PostgreSQL.

Tests marked `postgres` run against the server named by BILLING_DB_* (make test provides
one). Without it they skip, loudly; where LEDGER_REQUIRE_POSTGRES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os

import pytest


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is None or os.environ.get("BILLING_DB_HOST"):
        return
    reason = "PostgreSQL test without BILLING_DB_HOST (run it through make test)"
    if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}; LEDGER_REQUIRE_POSTGRES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)
