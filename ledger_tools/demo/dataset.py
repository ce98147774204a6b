"""All raw tables of one demo data set, generated in dependency order."""

from __future__ import annotations

import numpy as np

from ledger_tools import raw_schema
from ledger_tools.demo import billing, calls, feedback, finance, legacy, sales
from ledger_tools.demo.common import PhoneBook, Table, scaled

Tables = dict[tuple[str, str], Table]

# Sizes at scale 1.0, and floors that keep every edge case present at small scales.
BROKERS, MIN_BROKERS = 40, 5
DELIVERIES, MIN_DELIVERIES = 2000, 20
LEADS, MIN_LEADS = 1500, 30
CAMPAIGNS, MIN_CAMPAIGNS = 8, 3
CALLS, MIN_CALLS = 800, 30


def generate(seed: int, scale: float) -> Tables:
    """Every raw table as columns, keyed by (default schema name, table name)."""
    # One stream for everything: PCG64 gives the same draws on every platform.
    rng = np.random.default_rng(seed)

    brokers = billing.make_brokers(rng, scaled(BROKERS, scale, MIN_BROKERS))
    plans = billing.make_plans(rng, brokers)
    deliveries = billing.make_deliveries(
        rng, scaled(DELIVERIES, scale, MIN_DELIVERIES), brokers, plans
    )

    phones = PhoneBook(rng)
    leads = sales.make_leads(rng, scaled(LEADS, scale, MIN_LEADS), phones)
    buyers = sales.make_buyers(rng, brokers)
    deals = sales.make_deals(rng, buyers)
    lead_sales = sales.make_sales(rng, leads, buyers, deals)

    campaigns = calls.make_campaigns(rng, scaled(CAMPAIGNS, scale, MIN_CAMPAIGNS), brokers)
    call_count = scaled(CALLS, scale, MIN_CALLS)
    # Numbers of no lead; a few of them call more than once.
    stray_phones = phones.take(max(3, call_count // 15))
    tracked = calls.make_calls(rng, call_count, leads, campaigns, stray_phones)
    dispositions = feedback.make_dispositions(rng, lead_sales, tracked, campaigns)

    data: Tables = {
        ("billing", table): columns
        for table, columns in billing.billing_tables(brokers, plans, deliveries).items()
    }
    data[("boberdoo", "leads")] = leads.table()
    data[("boberdoo", "lead_sales")] = lead_sales.table()
    data[("boberdoo", "broker_deals")] = deals.table()
    data[("boberdoo", "call_campaigns")] = campaigns.table()
    data[("boberdoo", "dispositions")] = dispositions
    data[("invoca", "calls")] = tracked.table(campaigns)
    data[("finance", "manual_journal_lines")] = finance.make_journal_lines(rng, brokers)
    # Its own stream: the legacy table never shifts the draws of the tables above.
    data[("billing", "legacy_lead_sales_ledger")] = legacy.legacy_ledger(
        np.random.default_rng([seed, 1]), deliveries, plans
    )
    # In DDL order, so loads and printed counts follow raw_schema.
    return {
        (schema, table): data[(schema, table)]
        for schema, schema_tables in raw_schema.RAW_TABLES.items()
        for table in schema_tables
    }
