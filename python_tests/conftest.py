"""Shared pytest policy and the shared demo warehouses.

A PostgreSQL test never passes silently without PostgreSQL: tests marked `postgres` run
against the server named by BILLING_DB_* (make test provides one). Without it they skip,
loudly; where LEDGER_REQUIRE_POSTGRES=1 (CI) they fail instead.

`shared_duckdb` and `shared_postgres` are the run's one demo build per engine
(shared_warehouse.py): read them, or copy them before changing anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import shared_warehouse
import warm_dbt
from shared_warehouse import SharedDuckDB, SharedPostgres

from ledger_job.paths import DBT_ENV


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is None or os.environ.get("BILLING_DB_HOST"):
        return
    reason = "PostgreSQL test without BILLING_DB_HOST (run it through make test)"
    if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}; LEDGER_REQUIRE_POSTGRES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def warm_dbt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every dbt process of the run starts warm (warm_dbt.py); LEDGER_TEST_COLD_DBT=1: cold."""
    directory = tmp_path_factory.mktemp("warm_dbt")
    with warm_dbt.warm_dbt(directory) as client, pytest.MonkeyPatch.context() as patch:
        if client is not None:
            patch.setenv(DBT_ENV, str(client))
        yield


@pytest.fixture(scope="session")
def shared_duckdb(tmp_path_factory: pytest.TempPathFactory) -> SharedDuckDB:
    return shared_warehouse.shared_duckdb(tmp_path_factory)


@pytest.fixture(scope="session")
def shared_postgres(tmp_path_factory: pytest.TempPathFactory) -> SharedPostgres:
    return shared_warehouse.shared_postgres(tmp_path_factory)


# The modules that build or run the job, slowest first (from the durations of a whole run):
# the two workers start on these and share out the rest as they finish, instead of one of
# them ending the run on a slow module alone.
_SLOWEST_FIRST = (
    "test_readers_postgres",
    "test_snapshot_backup",
    "test_duckdb_file",
    "test_bad_input",
    "test_benchmark",
    "test_data_diff",
    "test_legacy_reconciliation",
    "test_price_history",
    "test_job",
    "test_ledger_engines",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        return _SLOWEST_FIRST.index(module) if module in _SLOWEST_FIRST else len(_SLOWEST_FIRST)

    items.sort(key=rank)  # stable: each module keeps its own order
