"""DDL of the raw landing tables (spec section 2), valid on DuckDB and PostgreSQL alike.

The EL tool owns these tables in production; the project creates them only for demo
and test data. Keys are declared nowhere on purpose: the landing layer enforces none,
which is why the dbt sources test them.
"""

from __future__ import annotations

import re

RAW_TABLES: dict[str, dict[str, str]] = {
    "billing": {
        "mortgage_broker": """
            id bigint, name text, created_at timestamp""",
        "product": """
            id bigint, code text""",
        "product_price": """
            product_id bigint, price numeric(12,2), updated_at timestamp""",
        "mortgage_broker_subscription_plan": """
            id bigint, mortgage_broker_id bigint, plan_name text,
            discount_percent numeric(5,2), starts_at timestamp, ends_at timestamp,
            updated_at timestamp""",
        "mortgage_broker_filter_to_mortgage_lead": """
            id bigint, mortgage_broker_filter_id bigint, mortgage_lead_id bigint,
            mortgage_broker_id bigint, created_at timestamp""",
        "construction_loan_lead_filter_to_construction_loan_lead": """
            id bigint, construction_loan_lead_filter_id bigint,
            construction_loan_lead_id bigint, mortgage_broker_id bigint,
            created_at timestamp""",
        "hard_money_lead_filter_to_hard_money_lead": """
            id bigint, hard_money_lead_filter_id bigint, hard_money_lead_id bigint,
            mortgage_broker_id bigint, created_at timestamp""",
        "land_lead_filter_to_land_lead": """
            id bigint, land_lead_filter_id bigint, land_lead_id bigint,
            mortgage_broker_id bigint, created_at timestamp""",
        # Cutover tables (spec 2): optional, the build works without them.
        "product_price_history": """
            product_id bigint, price numeric(12,2), valid_from timestamp,
            valid_to timestamp""",
        "legacy_lead_sales_ledger": """
            id bigint, lead_type text, delivery_id bigint, mortgage_broker_id bigint,
            delivered_at timestamp, msrp numeric(12,2), discount_percent numeric(5,2),
            discount_amount numeric(12,2), billed_amount numeric(12,2),
            processed_at timestamp""",
    },
    "boberdoo": {
        "leads": """
            lead_id text, phone text, lead_type text, created_at timestamp""",
        "lead_sales": """
            transaction_id text, lead_id text, buyer_id bigint, deal_type text,
            price numeric(12,2), sold_at timestamp""",
        "broker_deals": """
            deal_id text, buyer_id bigint, deal_type text, payout_amount numeric(12,2),
            starts_at timestamp, ends_at timestamp""",
        "call_campaigns": """
            campaign_id text, buyer_id bigint, payout_amount numeric(12,2),
            min_duration_seconds integer, starts_at timestamp, ends_at timestamp""",
        "dispositions": """
            disposition_id text, transaction_id text, call_id text, buyer_id bigint,
            status text, reported_at timestamp""",
    },
    "invoca": {
        "calls": """
            call_id text, campaign_id text, caller_phone text, started_at timestamp,
            duration_seconds integer""",
    },
    "finance": {
        "manual_journal_lines": """
            journal_id text, line_number integer, account_code text,
            debit numeric(12,2), credit numeric(12,2), memo text, entered_by text,
            entered_at timestamp""",
    },
}

RAW_SCHEMAS: tuple[str, ...] = tuple(RAW_TABLES)
# The four tables of schema billing whose rows are lead deliveries (spec 2).
DELIVERY_TABLES: tuple[str, ...] = (
    "mortgage_broker_filter_to_mortgage_lead",
    "construction_loan_lead_filter_to_construction_loan_lead",
    "hard_money_lead_filter_to_hard_money_lead",
    "land_lead_filter_to_land_lead",
)


def column_types(schema: str, table: str) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of a raw table, in DDL order."""
    # Split on commas outside parentheses: numeric(12,2) holds one.
    parts = [part.split() for part in re.split(r",(?![^()]*\))", RAW_TABLES[schema][table])]
    return [(part[0], part[1]) for part in parts]


def create_statements(schema_names: dict[str, str] | None = None) -> list[str]:
    """CREATE SCHEMA / CREATE TABLE statements, with raw schemas renamed as the dbt vars say."""
    rename = schema_names or {}
    statements: list[str] = []
    for schema, tables in RAW_TABLES.items():
        target = rename.get(schema, schema)
        statements.append(f"create schema if not exists {target}")
        for table, columns in tables.items():
            cols = " ".join(columns.split())
            statements.append(f"create table {target}.{table} ({cols})")
    return statements
