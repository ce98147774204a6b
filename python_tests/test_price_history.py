"""Prices for the cutover: history derived from the legacy ledger table, and a live price
that applies before the snapshot records it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of
from shared_warehouse import SharedDuckDB, private_prefix
from test_ledger_engines import ledger_rows

from ledger_job.paths import PROJECT_ROOT
from ledger_tools.price_history import LEGACY_FLOOR, PriceRun, PriceVersion, derive, read_runs

SCRIPT = PROJECT_ROOT / "scripts" / "derive_price_history.py"
D = Decimal


def derive_history(sandbox: DbtSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=sandbox.env(),
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )


def duckdb_sandbox(workdir: Path) -> DbtSandbox:
    workdir.mkdir(parents=True, exist_ok=True)
    return DbtSandbox(target="dev", workdir=workdir, duckdb_path=workdir / "ledger.duckdb")


def run(price: str, first: str, last: str, rows: int, first_id: int = 1) -> PriceRun:
    return PriceRun(
        1, D(price), datetime.fromisoformat(first), datetime.fromisoformat(last), rows, first_id
    )


def test_each_run_of_one_msrp_is_a_version_from_its_first_delivery() -> None:
    runs = [
        run("42.00", "2025-01-01 00:00:00", "2025-06-16 09:08:22", 400),
        run("45.00", "2025-06-16 18:56:11", "2025-12-31 16:51:45", 500, 401),
    ]
    derivation = derive(runs)
    assert derivation.versions == [
        PriceVersion(1, D("42.00"), LEGACY_FLOOR, datetime(2025, 6, 16, 18, 56, 11)),
        PriceVersion(1, D("45.00"), datetime(2025, 6, 16, 18, 56, 11), None),
    ]
    assert any("runs until the snapshot's first version" in n for n in derivation.notes)


STRAY_BETWEEN = "2025-03-01 01:00:00"
KEPT_UNTIL = "2025-03-01 02:00:00"


@pytest.mark.parametrize(
    ("after", "versions", "verdict", "named"),
    [
        pytest.param(
            "42.00",
            [PriceVersion(1, D("42.00"), LEGACY_FLOOR, None)],
            "a stale or mistyped legacy price, not a version",
            "msrp 40.00 on 2 row(s) from id 77",
            id="between-runs-of-one-price-is-named-not-a-version",
        ),
        pytest.param(
            "45.00",
            [
                PriceVersion(1, D("42.00"), LEGACY_FLOOR, datetime.fromisoformat(STRAY_BETWEEN)),
                PriceVersion(
                    1,
                    D("40.00"),
                    datetime.fromisoformat(STRAY_BETWEEN),
                    datetime.fromisoformat(KEPT_UNTIL),
                ),
                PriceVersion(1, D("45.00"), datetime.fromisoformat(KEPT_UNTIL), None),
            ],
            "kept as a version, check it",
            "msrp 40.00 rests on 2 row(s) from id 77",
            id="between-two-prices-is-kept-and-flagged",
        ),
    ],
)
def test_a_short_run_between_two_runs(
    after: str, versions: list[PriceVersion], verdict: str, named: str
) -> None:
    """A price on a few rows is a stray when the runs around it agree, else a version."""
    runs = [
        run("42.00", "2025-01-01 10:00:00", "2025-03-01 00:00:00", 50),
        run("40.00", STRAY_BETWEEN, STRAY_BETWEEN, 2, 77),
        run(after, KEPT_UNTIL, "2025-06-01 00:00:00", 60, 80),
    ]
    derivation = derive(runs)
    assert derivation.versions == versions
    [note] = [n for n in derivation.notes if verdict in n]
    assert named in note


def test_the_first_price_is_assumed_from_the_legacy_floor_and_said() -> None:
    derivation = derive([run("42.00", "2025-01-03 08:00:00", "2025-02-01 00:00:00", 10)])
    assert derivation.versions[0].valid_from == datetime(2025, 1, 1)
    assert any("assumed from 2025-01-01 00:00:00" in n for n in derivation.notes)


def test_rows_the_snapshot_covers_are_left_to_it() -> None:
    runs = [
        run("42.00", "2025-01-01 00:00:00", "2025-06-01 00:00:00", 50),
        run("45.00", "2025-07-01 00:00:00", "2025-09-01 00:00:00", 60, 51),
    ]
    derivation = derive(runs, {1: datetime(2025, 6, 16, 9, 30)})
    assert derivation.versions == [PriceVersion(1, D("42.00"), LEGACY_FLOOR, None)]
    assert any("60 legacy rows from 2025-06-16 09:30:00 on" in n for n in derivation.notes)


@pytest.mark.dbt
def test_first_build_passes_once_the_derived_history_is_loaded(
    shared_duckdb: SharedDuckDB, tmp_path: Path
) -> None:
    # The shared build: demo data (seed 7, scale 0.3), built and tested.
    sandbox = shared_duckdb.copy(tmp_path)
    ledger = sandbox.relation("marts", "lead_sales_ledger")
    with sandbox.warehouse() as warehouse:
        # What the old job billed: every plain row of a ledger priced with the true history.
        warehouse.execute("delete from billing.legacy_lead_sales_ledger")
        warehouse.execute(
            "insert into billing.legacy_lead_sales_ledger select "
            "row_number() over (order by ledger_id), lead_type, cast(source_id as bigint), "
            "mortgage_broker_id, event_at, msrp, discount_percent, discount_amount, "
            f"billed_amount, event_at + interval 1 day from {ledger} where deal_type = 'plain'"
        )
        true_history = warehouse.query(
            "select product_id, price from billing.product_price_history order by 1, 2"
        )
        warehouse.execute("drop table billing.product_price_history")
    assert len(true_history) >= 2
    # Day one of production: no history table, a snapshot that starts with today's prices.
    sandbox.drop_schemas("snapshots", "staging", "intermediate", "marts", "audit")
    first = sandbox.build()
    assert first.returncode != 0
    assert "deliveries_priced_by_one_price_version" in output_of(first)

    derived = derive_history(sandbox, "--write")
    assert derived.returncode == 0, derived.stderr
    assert "wrote" in derived.stderr and "the earliest delivery" in derived.stderr
    assert sandbox.build().returncode == 0

    with sandbox.warehouse() as warehouse:
        assert (
            warehouse.query(
                "select product_id, price from billing.product_price_history order by 1, 2"
            )
            == true_history
        )
        differing = warehouse.query(
            "select legacy.id, legacy.msrp, new.msrp, legacy.billed_amount, new.billed_amount "
            "from billing.legacy_lead_sales_ledger as legacy "
            f"left join {ledger} as new on new.deal_type = 'plain' "
            "and new.lead_type = legacy.lead_type "
            "and new.source_id = cast(legacy.delivery_id as varchar) "
            "where new.msrp is null or new.msrp <> legacy.msrp "
            "or new.billed_amount <> legacy.billed_amount"
        )
        count = warehouse.query("select count(*) from billing.legacy_lead_sales_ledger")[0][0]
    assert count > 300
    assert differing == []

    written_again = derive_history(sandbox, "--write")
    assert written_again.returncode == 2
    assert "already holds rows" in written_again.stderr


@pytest.mark.dbt
def test_a_price_change_reads_the_same_before_and_after_its_snapshot(
    shared_duckdb: SharedDuckDB, tmp_path: Path
) -> None:
    sandbox = shared_duckdb.copy(tmp_path)
    table = "billing.construction_loan_lead_filter_to_construction_loan_lead"
    ledger = sandbox.relation("marts", "lead_sales_ledger")
    with sandbox.warehouse() as warehouse:
        next_id = warehouse.query(f"select max(id) + 1 from {table}")[0][0]
        broker = warehouse.query(f"select min(mortgage_broker_id) from {table}")[0][0]
        (old_price,) = warehouse.query(
            "select price from billing.product_price where product_id = 2"
        )[0]
        # Deliveries a second before, at and after a change made at 14:00 ...
        warehouse.execute(
            f"insert into {table} values "
            f"({next_id}, 1, 900001, {broker}, '2025-06-01 13:59:59'), "
            f"({next_id + 1}, 1, 900002, {broker}, '2025-06-01 14:00:00'), "
            f"({next_id + 2}, 1, 900003, {broker}, '2025-06-01 14:00:01')"
        )
        # ... that the snapshot has not run since.
        warehouse.execute(
            "update billing.product_price set price = 99.00, "
            "updated_at = '2025-06-01 14:00:00' where product_id = 2"
        )
        before = warehouse.query(
            f"select source_id, msrp from {ledger} where lead_type = 'construction' "
            f"and cast(source_id as bigint) >= {next_id} order by 1"
        )
    assert before == [
        (str(next_id), old_price),
        (str(next_id + 1), D("99.00")),
        (str(next_id + 2), D("99.00")),
    ]
    read_before = ledger_rows(sandbox)

    snapshot = sandbox.dbt("snapshot")
    assert snapshot.returncode == 0, output_of(snapshot)[-3000:]
    assert ledger_rows(sandbox) == read_before
    with sandbox.warehouse() as warehouse:
        versions = sandbox.relation("intermediate", "int_product_price_versions_combined")
        sources = warehouse.query(
            f"select version_source from {versions} where product_id = 2 order by valid_from"
        )
    assert sources == [("snapshot",), ("snapshot",)]


LEGACY_COLUMNS = ["id", "lead_type", "delivery_id", "mortgage_broker_id", "delivered_at", "msrp"]
LEGACY_ROWS = [
    # id, lead_type, delivery_id, broker, delivered_at, msrp: a change, a stray, a tie on time.
    (1, "professional", 1, 1, datetime(2025, 1, 2), D("42.00")),
    (2, "professional", 2, 1, datetime(2025, 1, 3), D("42.00")),
    (3, "professional", 3, 1, datetime(2025, 1, 4), D("41.00")),
    (4, "professional", 4, 1, datetime(2025, 1, 5), D("42.00")),
    (5, "professional", 5, 1, datetime(2025, 2, 1), D("45.00")),
    (6, "professional", 6, 1, datetime(2025, 2, 1), D("45.00")),
    (7, "land", 1, 1, datetime(2025, 1, 2), D("24.99")),
]


@pytest.fixture
def postgres_raw(tmp_path: Path) -> Iterator[DbtSandbox]:
    sandbox = DbtSandbox(
        target="postgres", workdir=tmp_path, schema_prefix=private_prefix("ledger_pytest_prices")
    )
    yield sandbox
    sandbox.drop_schemas("billing", "boberdoo", "invoca", "finance", "staging", "audit")


@pytest.mark.postgres
def test_the_runs_are_the_same_on_duckdb_and_postgres(
    tmp_path: Path, postgres_raw: DbtSandbox
) -> None:
    found = []
    for sandbox in (duckdb_sandbox(tmp_path / "duckdb"), postgres_raw):
        sandbox.load_demo_data(seed=7, scale=0.05)
        billing = sandbox.raw_schemas["billing"]
        with sandbox.warehouse() as warehouse:
            warehouse.execute(f"delete from {billing}.legacy_lead_sales_ledger")
            warehouse.insert_rows(
                billing,
                "legacy_lead_sales_ledger",
                LEGACY_ROWS,
                columns=LEGACY_COLUMNS,
            )
            found.append(read_runs(warehouse, billing))
    duckdb_runs, postgres_runs = found
    assert duckdb_runs == postgres_runs
    assert [(r.product_id, r.price, r.rows, r.first_id) for r in duckdb_runs] == [
        (1, D("42.00"), 2, 1),
        (1, D("41.00"), 1, 3),
        (1, D("42.00"), 1, 4),
        (1, D("45.00"), 2, 5),
        (4, D("24.99"), 1, 7),
    ]


@pytest.mark.dbt
def test_a_price_changed_without_a_later_updated_at_fails_and_is_named(
    shared_duckdb: SharedDuckDB, tmp_path: Path
) -> None:
    sandbox = shared_duckdb.copy(tmp_path)
    with sandbox.warehouse() as warehouse:
        # Changed in place with its timestamp left behind: the snapshot would never see it.
        warehouse.execute("update billing.product_price set price = 63.00 where product_id = 2")
    result = sandbox.build("--select", "+assert_price_history_agrees_with_snapshot")
    output = output_of(result)
    assert result.returncode != 0
    assert "FAIL 1 assert_price_history_agrees_with_snapshot" in output
    assert "broken_rule=live_disagrees" in output and "product_id=2" in output
    assert "price=63.00" in output and "snapshot_price=62.50" in output


@pytest.mark.postgres
@pytest.mark.dbt
def test_staging_reads_absent_cutover_tables_as_empty_on_both_engines(
    tmp_path: Path, postgres_raw: DbtSandbox
) -> None:
    models = ("stg_billing__product_price_history", "stg_billing__legacy_lead_sales_ledger")
    for sandbox in (duckdb_sandbox(tmp_path / "duckdb"), postgres_raw):
        sandbox.load_demo_data(seed=7, scale=0.05)
        billing = sandbox.raw_schemas["billing"]
        with sandbox.warehouse() as warehouse:
            warehouse.execute(f"drop table {billing}.product_price_history")
            warehouse.execute(f"drop table {billing}.legacy_lead_sales_ledger")
        result = sandbox.dbt("run", "--select", *models)
        assert result.returncode == 0, output_of(result)[-3000:]
        with sandbox.warehouse() as warehouse:
            for model in models:
                relation = sandbox.relation("staging", model)
                assert warehouse.query(f"select count(*) from {relation}") == [(0,)]
