"""The dbt project end to end on real engines: parity, history, late data.

Every test reads the run's shared demo build (shared_warehouse: deterministic demo data,
the real `dbt build`, on DuckDB and on the PostgreSQL named by BILLING_DB_*); a test that
changes data or views works on its own copy of the DuckDB file.
Bad input has its own module, test_bad_input.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of
from shared_warehouse import SharedDuckDB, SharedPostgres

from ledger_tools.warehouse import Warehouse

pytestmark = pytest.mark.dbt


def ledger_rows(sandbox: DbtSandbox, view: str = "lead_sales_ledger", key: str = "ledger_id"):
    with sandbox.warehouse() as warehouse:
        return warehouse.query(f"select * from {sandbox.relation('marts', view)} order by {key}")


@pytest.fixture(scope="module")
def demo_duckdb(
    shared_duckdb: SharedDuckDB, tmp_path_factory: pytest.TempPathFactory
) -> DbtSandbox:
    return shared_duckdb.copy(tmp_path_factory.mktemp("demo_duckdb"))


@pytest.fixture
def fresh_duckdb(shared_duckdb: SharedDuckDB, tmp_path: Path) -> DbtSandbox:
    return shared_duckdb.copy(tmp_path)


def test_demo_ledger_covers_every_rule(demo_duckdb: DbtSandbox) -> None:
    rows = ledger_rows(demo_duckdb)
    kinds = {(row[1], row[2]) for row in rows}
    assert {
        ("plain", "lead_delivery"),
        ("cpa_cpt", "lead_sale"),
        ("cpa_cpt", "conversion"),
        ("warm_transfer", "lead_sale"),
        ("warm_transfer", "conversion"),
        ("cbm_call", "call"),
        ("cbm_call", "refund"),
    } <= kinds
    assert any(row[2] == "refund" and row[1] != "cbm_call" for row in rows)
    # Money comes back as exact decimals with cents, never as floats.
    assert all(isinstance(row[13], Decimal) and row[13].as_tuple().exponent == -2 for row in rows)


def test_unknown_campaigns_warn_and_name_the_calls(demo_duckdb: DbtSandbox) -> None:
    with demo_duckdb.warehouse() as warehouse:
        unknown = warehouse.query(
            f"select call_id from {demo_duckdb.relation('marts', 'unbilled_calls')} "
            "where unbilled_reason = 'unknown_campaign' order by call_id"
        )
    assert unknown, "demo data should hold calls of unknown campaigns"
    result = demo_duckdb.dbt("test", "--select", "calls_of_unknown_campaigns")
    assert result.returncode == 0
    out = output_of(result)
    assert "WARN calls_of_unknown_campaigns" in out
    assert f"call_id={unknown[0][0]}" in out


@pytest.mark.postgres
def test_duckdb_and_postgres_give_identical_ledgers(
    demo_duckdb: DbtSandbox, shared_postgres: SharedPostgres
) -> None:
    # Both builds passed every data test: make test's stages, or the shared fixtures.
    for view, key in (("lead_sales_ledger", "ledger_id"), ("ledger_entries", "entry_id")):
        duck = ledger_rows(demo_duckdb, view, key)
        postgres = ledger_rows(shared_postgres.sandbox, view, key)
        assert len(duck) > 100
        assert len(duck) == len(postgres)
        for duck_row, postgres_row in zip(duck, postgres, strict=True):
            assert duck_row == postgres_row, view


# Every run of 8 or more digits in a text, and a phone number's digits: a number copied into
# any column, whatever its name or the text around it, is found by equality.
DIGIT_RUNS = "unnest(regexp_extract_all({column}, '[0-9]{{8,}}'))"
PHONE_DIGITS = "regexp_replace({column}, '[^0-9]', '', 'g')"


def whole_phones_in(
    warehouse: Warehouse, sandbox: DbtSandbox, layer: str, tables: tuple[str, ...] = ()
) -> list[str]:
    """`table.column (n values)` for each text column of the layer (of `tables`, when given)
    that holds raw phone numbers."""
    raw = sandbox.raw_schemas
    phones = (
        f"select {PHONE_DIGITS.format(column='caller_phone')} as digits"
        f" from {raw['invoca']}.calls"
        f" union select {PHONE_DIGITS.format(column='phone')} from {raw['boberdoo']}.leads"
    )
    columns = warehouse.query(
        "select table_name, column_name from information_schema.columns"
        f" where table_schema = '{sandbox.schema_prefix}_{layer}' and data_type = 'VARCHAR'"
        " order by table_name, column_name"
    )
    columns = [(table, column) for table, column in columns if not tables or table in tables]
    found = []
    for table, column in columns:
        [(count,)] = warehouse.query(
            f"select count(*) from (select {DIGIT_RUNS.format(column=column)} as digits"
            f" from {sandbox.relation(layer, table)}) as shown"
            f" where shown.digits in ({phones})"
        )
        if count:
            found.append(f"{table}.{column} ({count} values)")
    return found


def test_no_mart_shows_a_whole_phone_number(demo_duckdb: DbtSandbox) -> None:
    """Phone numbers are personal data: a mart keeps their last 4 digits at most. Every text
    column of every mart is compared with the raw numbers of calls and leads; staging, where
    whole numbers belong, shows the comparison finds them."""
    with demo_duckdb.warehouse() as warehouse:
        in_staging = whole_phones_in(
            warehouse, demo_duckdb, "staging", ("stg_invoca__calls", "stg_boberdoo__leads")
        )
        in_marts = whole_phones_in(warehouse, demo_duckdb, "marts")
    assert any(found.startswith("stg_invoca__calls.caller_phone") for found in in_staging)
    assert any(found.startswith("stg_boberdoo__leads.phone") for found in in_staging)
    assert in_marts == []


@pytest.mark.postgres
def test_every_integer_column_of_the_marts_is_bigint_on_postgres(
    shared_postgres: SharedPostgres,
) -> None:
    """PostgreSQL sums integers to bigint but bigints to numeric: the marts' counts, ids and
    ranks are bigint there too (the contracts say so, and the built views agree)."""
    sandbox = shared_postgres.sandbox
    with sandbox.warehouse() as warehouse:
        columns = warehouse.query(
            "select table_name || '.' || column_name, data_type from information_schema.columns"
            f" where table_schema = '{sandbox.schema_prefix}_marts'"
            " and (data_type in ('smallint', 'integer', 'bigint')"
            " or column_name like '%count' or column_name like 'items_%')"
        )
    kinds = dict(columns)
    assert kinds["unbilled_calls.matched_lead_count"] == "bigint"
    assert kinds["legacy_reconciliation_daily.matched_count"] == "bigint"
    assert sorted(f"{name} is {kind}" for name, kind in kinds.items() if kind != "bigint") == []


def test_price_change_keeps_history_and_survives_a_rebuild(fresh_duckdb: DbtSandbox) -> None:
    before = {row[0]: row for row in ledger_rows(fresh_duckdb)}
    change_at = "2025-06-01 00:00:00"
    with fresh_duckdb.warehouse() as warehouse:
        product_id, old_price = warehouse.query(
            # A product whose current price is older than the change: a change dated before
            # it would contradict the snapshot (assert_price_history_agrees_with_snapshot).
            f"select product_id, price from billing.product_price where updated_at < '{change_at}'"
            " order by product_id limit 1"
        )[0]
        code = warehouse.query(f"select code from billing.product where id = {product_id}")[0][0]
        warehouse.execute(
            f"update billing.product_price set price = 99.00, updated_at = '{change_at}' "
            f"where product_id = {product_id}"
        )
    assert fresh_duckdb.build().returncode == 0

    after = {row[0]: row for row in ledger_rows(fresh_duckdb)}
    deliveries = [row for row in after.values() if row[9] == code]
    earlier = [row for row in deliveries if str(row[8]) < change_at]
    later = [row for row in deliveries if str(row[8]) >= change_at]
    assert earlier and later
    assert all(row == before[row[0]] and row[10] == old_price for row in earlier)
    assert all(row[10] == Decimal("99.00") for row in later)

    # Everything but the snapshot is derived: drop it all, rebuild, same ledger. (The data
    # tests ran on this very data in the build above.)
    fresh_duckdb.drop_schemas("staging", "intermediate", "marts", "audit")
    assert fresh_duckdb.build("--exclude-resource-type", "test", "unit_test").returncode == 0
    assert {row[0]: row for row in ledger_rows(fresh_duckdb)} == after


def test_late_feedback_shows_on_the_next_read_without_a_rebuild(fresh_duckdb: DbtSandbox) -> None:
    ledger = fresh_duckdb.relation("marts", "lead_sales_ledger")
    with fresh_duckdb.warehouse() as warehouse:
        transaction_id, buyer_id, price = warehouse.query(
            "select s.transaction_id, s.buyer_id, s.price from boberdoo.lead_sales as s "
            "where s.sold_at >= '2025-02-01' and not exists (select 1 from boberdoo.dispositions "
            "as d where d.transaction_id = s.transaction_id) order by s.transaction_id limit 1"
        )[0]
        assert not warehouse.query(
            f"select 1 from {ledger} where source_id = '{transaction_id}' "
            "and event_type <> 'lead_sale'"
        )
        warehouse.execute(
            "insert into boberdoo.dispositions values "
            f"('LATE-1', '{transaction_id}', null, {buyer_id}, 'sold', '2026-01-10 09:00:00'), "
            f"('LATE-2', '{transaction_id}', null, {buyer_id}, 'returned', '2026-01-12 09:00:00')"
        )
        rows = warehouse.query(
            f"select event_type, billed_amount from {ledger} "
            f"where source_id = '{transaction_id}' order by event_at"
        )
    payout = rows[1][1]
    assert rows == [
        ("lead_sale", price),
        ("conversion", payout),
        ("refund", -(price + payout)),
    ]
    assert payout > 0


def test_posting_that_loses_a_ledger_transaction_fails_the_receivable_check(
    demo_duckdb: DbtSandbox,
) -> None:
    """Every line well formed, every transaction balanced, one ledger row never posted."""
    entries = demo_duckdb.relation("marts", "ledger_entries")
    posted = demo_duckdb.relation("marts", "ledger_entries_posted")
    with demo_duckdb.warehouse() as warehouse:
        warehouse.execute(f"alter view {entries} rename to ledger_entries_posted")
    try:
        with demo_duckdb.warehouse() as warehouse:
            [(lost, receivable)] = warehouse.query(
                f"select transaction_id, sum(debit) - sum(credit) from {posted} "
                "where source = 'ledger' and account_code = '1100' group by transaction_id "
                "having sum(debit) - sum(credit) > 0 order by transaction_id limit 1"
            )
            warehouse.execute(
                f"create view {entries} as select * from {posted} where transaction_id <> '{lost}'"
            )
        # The DuckDB file allows one writer: dbt runs with no connection of ours open.
        result = demo_duckdb.dbt("test", "--select", "assert_ledger_entries_well_formed")
    finally:
        # The module's other tests read this warehouse: put the real view back.
        with demo_duckdb.warehouse() as warehouse:
            warehouse.execute(f"drop view if exists {entries}")
            warehouse.execute(f"alter view {posted} rename to ledger_entries")
    output = output_of(result)
    assert result.returncode != 0, output[-3000:]
    assert "FAIL assert_ledger_entries_well_formed" in output
    assert "receivable_differs: lead_sales_ledger billed_amount total" in output
    assert receivable > 0
