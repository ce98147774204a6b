"""Deterministic demo data for every raw landing table (spec section 2).

The rows pass every source and ledger test, because the nightly build stops on data
errors, yet they carry the edge cases the revenue rules exist for: deliveries and
sales exactly on interval boundaries, brokers without a plan or between plans, phones
shared by several leads (two of them created in the same instant), calls one second
too short, feedback reported twice or out of order, ties in reported_at.

The rows depend only on (seed, scale): no clock, no hash order. Tuples follow the
column order of `raw_schema.RAW_TABLES`; money is Decimal with two places and
timestamps are naive UTC datetimes. The generators live in `ledger_ops.demo`.

Every generator is linear in the row count, so a year of production volume (scale
1000, about 7 million rows) takes a minute or so. At that size, use `generate_compact`
and `load_compact`: the same rows with int seconds and int cents, written to the engine
through its bulk CSV path without a datetime or a Decimal per value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ledger_ops import raw_schema
from ledger_ops.demo import billing, calls, feedback, finance, sales, tables
from ledger_ops.demo.common import Draws, Row, gc_paused, scaled
from ledger_ops.warehouse import Warehouse, validate_identifier

TableKey = tuple[str, str]
Dataset = dict[TableKey, list[Row]]
# Rows as the generators build them: timestamps in int seconds, numerics in int
# hundredths (see ledger_ops.demo.tables).
CompactDataset = dict[TableKey, Sequence[Row]]

# Sizes at scale 1.0, and floors that keep every edge case present at small scales.
BROKERS, MIN_BROKERS = 40, 5
DELIVERIES, MIN_DELIVERIES = 2000, 20
LEADS, MIN_LEADS = 1500, 30
CAMPAIGNS, MIN_CAMPAIGNS = 8, 3
CALLS, MIN_CALLS = 800, 30


def table_columns(schema: str, table: str) -> list[str]:
    """Column names of a raw table, in DDL order (the order of the generated tuples)."""
    return [name for name, _ in tables.column_types(schema, table)]


def generate(seed: int, scale: float = 1.0) -> Dataset:
    """Rows for every raw table, keyed by (default schema name, table name).

    Scale 1.0 gives 2,000 deliveries and 40 brokers; counts grow linearly with it.
    """
    compact = generate_compact(seed, scale)
    with gc_paused():
        return {key: tables.public_rows(*key, rows) for key, rows in compact.items()}


def generate_compact(seed: int, scale: float = 1.0) -> CompactDataset:
    """The rows of `generate`, with int seconds and int hundredths in place of
    datetimes and Decimals."""
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    with gc_paused():
        return _generate(Draws(seed), scale)


def _generate(draws: Draws, scale: float) -> CompactDataset:
    brokers = billing.make_brokers(draws, scaled(BROKERS, scale, MIN_BROKERS))
    plans = billing.make_plans(draws, brokers)
    deliveries = billing.make_deliveries(
        draws, scaled(DELIVERIES, scale, MIN_DELIVERIES), brokers, plans
    )

    used_phones: set[str] = set()
    leads = sales.make_leads(draws, scaled(LEADS, scale, MIN_LEADS), used_phones)
    buyer_types = sales.make_buyers(draws, brokers)
    deals = sales.make_deals(draws, buyer_types)
    lead_sales = sales.make_sales(draws, leads, buyer_types, brokers, deals)

    weighted = billing.broker_ids(brokers)
    campaigns = calls.make_campaigns(draws, scaled(CAMPAIGNS, scale, MIN_CAMPAIGNS), weighted)
    tracked = calls.make_calls(
        draws, scaled(CALLS, scale, MIN_CALLS), leads, campaigns, used_phones
    )
    dispositions = feedback.make_dispositions(draws, lead_sales, tracked, campaigns)

    data: CompactDataset = {
        ("billing", table): rows
        for table, rows in billing.billing_rows(brokers, plans, deliveries).items()
    }
    # Leads, sales and calls are NamedTuples in DDL order: their own rows.
    data[("boberdoo", "leads")] = leads.rows()
    data[("boberdoo", "lead_sales")] = lead_sales
    data[("boberdoo", "broker_deals")] = sales.deals_rows(deals)
    data[("boberdoo", "call_campaigns")] = calls.campaigns_rows(campaigns)
    data[("boberdoo", "dispositions")] = dispositions
    data[("invoca", "calls")] = tracked
    data[("finance", "manual_journal_lines")] = finance.make_journal_lines(draws, brokers)
    # In DDL order, so loads and printed counts follow raw_schema.
    return {
        (schema, table): data[(schema, table)]
        for schema, schema_tables in raw_schema.RAW_TABLES.items()
        for table in schema_tables
    }


def resolve_schema_names(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Actual name of every raw schema: the override, else the default name."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(raw_schema.RAW_SCHEMAS))
    if unknown:
        raise ValueError(
            f"unknown raw schema(s) {', '.join(unknown)}; "
            f"expected {', '.join(raw_schema.RAW_SCHEMAS)}"
        )
    return {s: validate_identifier(overrides.get(s, s)) for s in raw_schema.RAW_SCHEMAS}


def load(
    warehouse: Warehouse,
    data: Mapping[TableKey, Sequence[Row]],
    schema_names: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> dict[TableKey, int]:
    """Create the raw schemas and tables and insert `data`, all in one transaction.

    The tables must not exist yet, so demo rows never mix with existing ones; with
    `replace` the raw schemas are dropped first, inside the same transaction, so a
    failed load leaves the previous data in place. Returns rows written per
    (default schema, table).
    """
    names = resolve_schema_names(schema_names)
    counts: dict[TableKey, int] = {}
    with warehouse.transaction():
        _create_schemas(warehouse, names, replace)
        for (schema, table), rows in data.items():
            counts[(schema, table)] = warehouse.insert_rows(
                names[schema], table, rows, table_columns(schema, table)
            )
    return counts


def load_compact(
    warehouse: Warehouse,
    data: Mapping[TableKey, Sequence[Row]],
    schema_names: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> dict[TableKey, int]:
    """`load` for the rows of `generate_compact`, through the engine's bulk CSV path."""
    names = resolve_schema_names(schema_names)
    counts: dict[TableKey, int] = {}
    with warehouse.transaction(), gc_paused():
        _create_schemas(warehouse, names, replace)
        for (schema, table), rows in data.items():
            warehouse.copy_csv(
                names[schema],
                table,
                tables.csv_chunks(schema, table, rows),
                table_columns(schema, table),
            )
            counts[(schema, table)] = len(rows)
    return counts


def _create_schemas(warehouse: Warehouse, names: Mapping[str, str], replace: bool) -> None:
    if replace:
        for name in dict.fromkeys(names.values()):
            warehouse.drop_schema(name)
    for statement in raw_schema.create_statements(dict(names)):
        warehouse.execute(statement)
