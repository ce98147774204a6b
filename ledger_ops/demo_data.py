"""Deterministic demo data for every raw landing table (spec section 2).

The rows pass every source and ledger test, because the nightly build stops on data
errors, yet they carry the edge cases the revenue rules exist for: deliveries and
sales exactly on interval boundaries, brokers without a plan or between plans, phones
shared by several leads (two of them created in the same instant), calls one second
too short, feedback reported twice or out of order, ties in reported_at.

The rows depend only on (seed, scale): no clock, no hash order. Tuples follow the
column order of `raw_schema.RAW_TABLES`; money is Decimal with two places and
timestamps are naive UTC datetimes. The generators live in `ledger_ops.demo`.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence

from ledger_ops import raw_schema
from ledger_ops.demo import billing, calls, feedback, finance, sales
from ledger_ops.demo.common import Row, scaled
from ledger_ops.warehouse import Warehouse, validate_identifier

TableKey = tuple[str, str]
Dataset = dict[TableKey, list[Row]]

# Sizes at scale 1.0, and floors that keep every edge case present at small scales.
BROKERS, MIN_BROKERS = 40, 5
DELIVERIES, MIN_DELIVERIES = 2000, 20
LEADS, MIN_LEADS = 1500, 30
CAMPAIGNS, MIN_CAMPAIGNS = 8, 3
CALLS, MIN_CALLS = 800, 30


def table_columns(schema: str, table: str) -> list[str]:
    """Column names of a raw table, in DDL order (the order of the generated tuples)."""
    spec = raw_schema.RAW_TABLES[schema][table]
    # Split on commas outside parentheses: numeric(12,2) holds one.
    return [part.split()[0] for part in re.split(r",(?![^()]*\))", spec)]


def generate(seed: int, scale: float = 1.0) -> Dataset:
    """Rows for every raw table, keyed by (default schema name, table name).

    Scale 1.0 gives 2,000 deliveries and 40 brokers; counts grow linearly with it.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    rng = random.Random(seed)

    brokers = billing.make_brokers(rng, scaled(BROKERS, scale, MIN_BROKERS))
    plans = billing.make_plans(rng, brokers)
    deliveries = billing.make_deliveries(
        rng, scaled(DELIVERIES, scale, MIN_DELIVERIES), brokers, plans
    )

    used_phones: set[str] = set()
    leads, tie_phone = sales.make_leads(rng, scaled(LEADS, scale, MIN_LEADS), used_phones)
    buyer_types = sales.make_buyers(rng, brokers)
    deals = sales.make_deals(rng, buyer_types)
    lead_sales = sales.make_sales(rng, leads, buyer_types, brokers, deals)

    campaigns = calls.make_campaigns(rng, scaled(CAMPAIGNS, scale, MIN_CAMPAIGNS), brokers)
    tracked = calls.make_calls(
        rng, scaled(CALLS, scale, MIN_CALLS), leads, tie_phone, campaigns, used_phones
    )
    dispositions = feedback.make_dispositions(rng, lead_sales, tracked, campaigns)

    data: Dataset = {
        ("billing", table): rows
        for table, rows in billing.billing_rows(brokers, plans, deliveries).items()
    }
    data[("boberdoo", "leads")] = sales.leads_rows(leads)
    data[("boberdoo", "lead_sales")] = sales.sales_rows(lead_sales)
    data[("boberdoo", "broker_deals")] = sales.deals_rows(deals)
    data[("boberdoo", "call_campaigns")] = calls.campaigns_rows(campaigns)
    data[("boberdoo", "dispositions")] = dispositions
    data[("invoca", "calls")] = calls.calls_rows(tracked)
    data[("finance", "manual_journal_lines")] = finance.make_journal_lines(rng, brokers)
    # In DDL order, so loads and printed counts follow raw_schema.
    return {
        (schema, table): data[(schema, table)]
        for schema, tables in raw_schema.RAW_TABLES.items()
        for table in tables
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
        if replace:
            for name in dict.fromkeys(names.values()):
                warehouse.drop_schema(name)
        for statement in raw_schema.create_statements(names):
            warehouse.execute(statement)
        for (schema, table), rows in data.items():
            counts[(schema, table)] = warehouse.insert_rows(
                names[schema], table, rows, table_columns(schema, table)
            )
    return counts
