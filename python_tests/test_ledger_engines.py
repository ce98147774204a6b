"""The dbt project end to end on real engines: parity, history, late data, bad input.

Each test loads deterministic demo data into a fresh DuckDB file (or fresh schemas of the
PostgreSQL named by BILLING_DB_*), runs the real `dbt build`, and reads the views back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of

pytestmark = pytest.mark.dbt

SEED = 7
SCALE = 0.3


def duckdb_sandbox(workdir: Path) -> DbtSandbox:
    workdir.mkdir(parents=True, exist_ok=True)
    return DbtSandbox(target="dev", workdir=workdir, duckdb_path=workdir / "ledger.duckdb")


def built(sandbox: DbtSandbox) -> DbtSandbox:
    sandbox.load_demo_data(seed=SEED, scale=SCALE)
    result = sandbox.build()
    assert result.returncode == 0, output_of(result)[-4000:]
    return sandbox


def ledger_rows(sandbox: DbtSandbox, view: str = "lead_sales_ledger", key: str = "ledger_id"):
    with sandbox.warehouse() as warehouse:
        return warehouse.query(f"select * from {sandbox.relation('marts', view)} order by {key}")


@pytest.fixture(scope="module")
def demo_duckdb(tmp_path_factory: pytest.TempPathFactory) -> DbtSandbox:
    return built(duckdb_sandbox(tmp_path_factory.mktemp("demo_duckdb")))


@pytest.fixture
def fresh_duckdb(tmp_path: Path) -> DbtSandbox:
    return built(duckdb_sandbox(tmp_path))


@pytest.fixture
def postgres_sandbox(tmp_path: Path) -> Iterator[DbtSandbox]:
    sandbox = DbtSandbox(target="postgres", workdir=tmp_path, schema_prefix="ledger_pytest")
    yield sandbox
    sandbox.drop_schemas(
        "billing",
        "boberdoo",
        "invoca",
        "finance",
        "snapshots",
        "staging",
        "intermediate",
        "marts",
        "audit",
    )


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
    demo_duckdb: DbtSandbox, postgres_sandbox: DbtSandbox
) -> None:
    built(postgres_sandbox)
    for view, key in (("lead_sales_ledger", "ledger_id"), ("ledger_entries", "entry_id")):
        duck = ledger_rows(demo_duckdb, view, key)
        postgres = ledger_rows(postgres_sandbox, view, key)
        assert len(duck) > 100
        assert len(duck) == len(postgres)
        for duck_row, postgres_row in zip(duck, postgres, strict=True):
            assert duck_row == postgres_row, view


def test_price_change_keeps_history_and_survives_a_rebuild(fresh_duckdb: DbtSandbox) -> None:
    before = {row[0]: row for row in ledger_rows(fresh_duckdb)}
    change_at = "2025-06-01 00:00:00"
    with fresh_duckdb.warehouse() as warehouse:
        product_id, old_price = warehouse.query(
            "select product_id, price from billing.product_price order by product_id limit 1"
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

    # Everything but the snapshot is derived: drop it all, rebuild, same ledger.
    fresh_duckdb.drop_schemas("staging", "intermediate", "marts", "audit")
    assert fresh_duckdb.build().returncode == 0
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


BAD_INPUT = [
    # (description, SQL against the raw schemas, failing test name, text naming the row)
    (
        "delivery with no price version",
        "insert into billing.land_lead_filter_to_land_lead values "
        "(900001, 1, 1, 1, '2024-10-01 00:00:00')",
        "expression_is_true_int_lead_deliveries_priced_price_version_count_1",
        "delivery_id=900001",
    ),
    (
        "delivery with two price versions",
        "insert into billing.product values (77, 'hard_money_lead')",
        "expression_is_true_int_lead_deliveries_priced_price_version_count_1",
        "price_version_count=2",
    ),
    (
        "broker with two plans at once",
        "insert into billing.mortgage_broker_subscription_plan values "
        "(900002, 1, 'dup', 5, '2025-01-01', null, '2025-01-01'), "
        "(900003, 1, 'dup', 7, '2025-03-01', '2025-04-01', '2025-01-01')",
        "no_overlapping_intervals_stg_billing__subscription_plans",
        "900003",
    ),
    (
        "negative price",
        "update billing.product_price set price = -1.00 where product_id = 2",
        "accepted_range_billing_product_price_price__0",
        "price=-1.00",
    ),
    (
        "discount above 100",
        "insert into billing.mortgage_broker_subscription_plan values "
        "(900004, 999, 'too much', 150, '2025-01-01', null, '2025-01-01')",
        "accepted_range_billing_mortgage_broker_subscription_plan_discount_percent__100__0",
        "discount_percent=150.00",
    ),
    (
        "conflicting duplicate primary key",
        "insert into billing.mortgage_broker_filter_to_mortgage_lead "
        "select id, mortgage_broker_filter_id, mortgage_lead_id, mortgage_broker_id + 1, "
        "created_at "
        "from billing.mortgage_broker_filter_to_mortgage_lead where id = 1",
        "unique_stg_billing__professional_lead_deliveries_delivery_id",
        "unique_field=1",
    ),
    (
        "disposition naming both a sale and a call",
        "insert into boberdoo.dispositions select 'BAD-BOTH', "
        "(select min(transaction_id) from boberdoo.lead_sales), "
        "(select min(call_id) from invoca.calls), 1, 'contacted', '2025-06-01'",
        "expression_is_true_boberdoo_dispositions",
        "disposition_id=BAD-BOTH",
    ),
    (
        "disposition of a sale that does not exist",
        "insert into boberdoo.dispositions values "
        "('BAD-GHOST', 'TX-NOPE', null, 1, 'sold', '2025-06-01')",
        "relationships_stg_boberdoo__dispositions_transaction_id",
        "TX-NOPE",
    ),
    (
        "unknown disposition status",
        "insert into boberdoo.dispositions select 'BAD-STATUS', min(transaction_id), null, 1, "
        "'maybe', '2025-06-01' from boberdoo.lead_sales",
        "accepted_values_boberdoo_dispositions_status",
        "value_field=maybe",
    ),
    (
        "overlapping deals of one buyer and deal type",
        "insert into boberdoo.broker_deals select 'BAD-DEAL', buyer_id, deal_type, 1.00, "
        "starts_at, null from boberdoo.broker_deals order by deal_id limit 1",
        "no_overlapping_intervals_stg_boberdoo__broker_deals",
        "BAD-DEAL",
    ),
    (
        "overlapping campaign terms",
        "insert into boberdoo.call_campaigns select campaign_id, buyer_id, 1.00, 1, "
        "starts_at + interval '1 hour', null from boberdoo.call_campaigns "
        "order by campaign_id, starts_at limit 1",
        "no_overlapping_intervals_stg_boberdoo__call_campaign_terms",
        "partition_value=",
    ),
    (
        "conversion with no active deal",
        "delete from boberdoo.broker_deals where deal_type = 'warm_transfer'",
        "expression_is_true_int_sale_conversions_priced_deal_count_1",
        "deal_count=0",
    ),
]


def test_bad_input_fails_the_build_and_names_the_rows(fresh_duckdb: DbtSandbox) -> None:
    with fresh_duckdb.warehouse() as warehouse:
        for _, statement, _, _ in BAD_INPUT:
            warehouse.execute(statement)

    # The views are live, so `dbt test` sees the bad rows; unlike `build` it runs every test
    # even when one upstream fails, which lets one run check each error on its own.
    out = output_of(fresh_duckdb.dbt("test"))
    for description, _, test_name, names_row in BAD_INPUT:
        header = re.search(rf"FAIL (\S*{re.escape(test_name)}\S*): \d+ offending row", out)
        assert header, f"{description}: no failure of {test_name}"
        block = out[header.end() :].split("offending row", 1)[0]
        assert names_row in block, f"{description}: rows not named\n{block[:2000]}"

    build = fresh_duckdb.build()
    assert build.returncode != 0
    assert "Completed with" in output_of(build)
