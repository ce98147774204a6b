"""Demo data: deterministic, valid against the spec's invariants, loadable on both engines.

The nightly build fails on any data error, so the generated rows are checked here
against the same rules the dbt tests enforce, plus the edge cases they must contain.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from ledger_tools import demo_data, raw_schema
from ledger_tools.demo import tables
from ledger_tools.demo.common import texts
from ledger_tools.demo_data import Dataset
from ledger_tools.warehouse import (
    DuckDBWarehouse,
    PostgresSettings,
    PostgresWarehouse,
    Warehouse,
    connect,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_ROOT / "scripts" / "generate_demo_data.py"

PERIOD_START = datetime(2024, 12, 1)
DELIVERIES_START = datetime(2024, 12, 15)
LEDGER_START = datetime(2025, 1, 1)
PERIOD_END = datetime(2026, 1, 1)
PRICE_UPDATED_AT = datetime(2024, 11, 1)
CHART = {"1100", "4000", "4100", "4200", "4300", "4800", "4900"}
STATUSES = {"contacted", "on_hold", "sold", "not_sold", "returned"}
# Delivery table and its share of all deliveries.
DELIVERY_TABLES = {
    "mortgage_broker_filter_to_mortgage_lead": 0.50,
    "construction_loan_lead_filter_to_construction_loan_lead": 0.20,
    "hard_money_lead_filter_to_hard_money_lead": 0.20,
    "land_lead_filter_to_land_lead": 0.10,
}
# Subprocesses import the work tree's package even where no .pth file points at it.
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
# (seed, scale) pairs every invariant is checked on; 1.0 is the documented default, 5.0
# a size where the edge cases must exist without the floors that small scales get.
CASES = [(42, 1.0), (7, 0.1), (2024, 0.2), (5, 5.0)]
# Raw tables whose size does not depend on the scale.
FIXED_SIZE = {
    ("billing", "product"),
    ("billing", "product_price"),
    ("billing", "product_price_history"),
    ("finance", "manual_journal_lines"),
}


@cache
def _generated(seed: int, scale: float) -> Dataset:
    return demo_data.generate(seed, scale)


@pytest.fixture(params=CASES, ids=[f"seed{s}-scale{x}" for s, x in CASES])
def case(request: pytest.FixtureRequest) -> tuple[int, float]:
    return request.param


@pytest.fixture
def data(case: tuple[int, float]) -> Dataset:
    return _generated(*case)


def records(data: Dataset, schema: str, table: str) -> list[dict[str, Any]]:
    columns = demo_data.table_columns(schema, table)
    return [dict(zip(columns, row, strict=True)) for row in data[(schema, table)]]


def covering(intervals: list[dict[str, Any]], at: datetime) -> list[dict[str, Any]]:
    return [
        i for i in intervals if i["starts_at"] <= at and (i["ends_at"] is None or at < i["ends_at"])
    ]


def assert_contiguous_from(intervals: list[dict[str, Any]], start: datetime) -> None:
    """Consecutive, non-overlapping half-open terms from `start`, the last one open."""
    ordered = sorted(intervals, key=lambda i: i["starts_at"])
    assert ordered[0]["starts_at"] == start
    for previous, following in itertools.pairwise(ordered):
        assert previous["ends_at"] == following["starts_at"]
    assert ordered[-1]["ends_at"] is None


def digest(data: Dataset) -> str:
    return hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()


# --- determinism ----------------------------------------------------------------------


def test_same_seed_gives_identical_rows() -> None:
    assert demo_data.generate(11, 0.2) == demo_data.generate(11, 0.2)


def test_rows_do_not_depend_on_the_process_hash_seed() -> None:
    code = (
        "import hashlib; from ledger_tools import demo_data; "
        "d = demo_data.generate(11, 0.2); "
        "print(hashlib.sha256(repr(sorted(d.items())).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**SUBPROCESS_ENV, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert digests == {digest(demo_data.generate(11, 0.2))}


def test_different_seeds_give_different_rows() -> None:
    one, other = demo_data.generate(1, 0.2), demo_data.generate(2, 0.2)
    assert one[("billing", "product")] == other[("billing", "product")]
    assert one[("boberdoo", "leads")] != other[("boberdoo", "leads")]
    assert (
        one[("billing", "mortgage_broker_filter_to_mortgage_lead")]
        != other[("billing", "mortgage_broker_filter_to_mortgage_lead")]
    )


@pytest.mark.parametrize("scale", [0, -1.0, float("nan"), float("inf")])
def test_rejects_a_scale_that_is_not_positive(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        demo_data.generate(1, scale)


def _sizes(seed: int, scale: float) -> dict[tuple[str, str], int]:
    return {
        key: len(next(iter(columns.values())))
        for key, columns in demo_data.generate_tables(seed, scale).items()
    }


def test_row_counts_grow_linearly_with_the_scale() -> None:
    single, double = _sizes(42, 10), _sizes(42, 20)
    for key, count in single.items():
        if key in FIXED_SIZE:
            assert double[key] == count, key
        else:
            # Room for the sampling noise of the smaller tables (a few hundred plans).
            assert 1.8 <= double[key] / count <= 2.2, (key, count, double[key])


def test_scale_sets_the_size() -> None:
    deliveries = sum(len(_generated(42, 1.0)[("billing", t)]) for t in DELIVERY_TABLES)
    assert deliveries == 2000
    small = sum(len(_generated(2024, 0.2)[("billing", t)]) for t in DELIVERY_TABLES)
    assert small == 400
    assert len(_generated(42, 1.0)[("billing", "mortgage_broker")]) == 40
    assert len(_generated(7, 0.1)[("billing", "mortgage_broker")]) >= 5


# --- shape and types ------------------------------------------------------------------


def _column_types(schema: str, table: str) -> dict[str, str]:
    spec = raw_schema.RAW_TABLES[schema][table]
    parts = re.split(r",(?![^()]*\))", spec)
    return {p.split()[0]: p.split()[1] for p in parts}


def test_every_raw_table_is_generated_in_ddl_shape(data: Dataset) -> None:
    expected = {(s, t) for s, tables in raw_schema.RAW_TABLES.items() for t in tables}
    assert set(data) == expected
    for (schema, table), rows in data.items():
        assert rows, f"{schema}.{table} is empty"
        types = _column_types(schema, table)
        for row in rows:
            assert len(row) == len(types), (schema, table, row)
            for (column, sql_type), value in zip(types.items(), row, strict=True):
                if value is None:
                    continue
                where = f"{schema}.{table}.{column}={value!r}"
                if sql_type.startswith("numeric"):
                    assert isinstance(value, Decimal), where
                    assert value.as_tuple().exponent == -2, where
                elif sql_type == "timestamp":
                    assert isinstance(value, datetime) and value.tzinfo is None, where
                    assert value.microsecond == 0, where
                elif sql_type in ("bigint", "integer"):
                    assert type(value) is int, where
                else:
                    assert isinstance(value, str), where


def test_keys_are_unique(data: Dataset) -> None:
    keys = {
        ("billing", "mortgage_broker"): ("id",),
        ("billing", "product"): ("id",),
        ("billing", "product_price"): ("product_id",),
        ("billing", "mortgage_broker_subscription_plan"): ("id",),
        ("boberdoo", "leads"): ("lead_id",),
        ("boberdoo", "lead_sales"): ("transaction_id",),
        ("boberdoo", "broker_deals"): ("deal_id",),
        ("boberdoo", "call_campaigns"): ("campaign_id", "starts_at"),
        ("boberdoo", "dispositions"): ("disposition_id",),
        ("invoca", "calls"): ("call_id",),
        ("finance", "manual_journal_lines"): ("journal_id", "line_number"),
        **{("billing", t): ("id",) for t in DELIVERY_TABLES},
    }
    for (schema, table), columns in keys.items():
        values = [tuple(r[c] for c in columns) for r in records(data, schema, table)]
        assert len(values) == len(set(values)), f"{schema}.{table} key {columns}"
        assert all(v is not None for key in values for v in key)


# --- billing --------------------------------------------------------------------------


def test_products_and_prices(data: Dataset) -> None:
    assert data[("billing", "product")] == [
        (1, "professional_lead"),
        (2, "construction_loan_lead"),
        (3, "hard_money_lead"),
        (4, "land_lead"),
    ]
    prices = records(data, "billing", "product_price")
    assert [p["product_id"] for p in prices] == [1, 2, 3, 4]
    assert [p["price"] for p in prices] == [
        Decimal(x) for x in ("45.00", "62.50", "35.00", "24.99")
    ]
    # Two products changed price before the snapshot began: it starts at their change, and
    # the earlier prices exist only in the cutover history, open-ended to that change.
    assert [p["updated_at"] for p in prices] == [
        datetime(2025, 6, 16, 9, 30),
        PRICE_UPDATED_AT,
        datetime(2025, 8, 1),
        PRICE_UPDATED_AT,
    ]
    assert records(data, "billing", "product_price_history") == [
        {
            "product_id": 1,
            "price": Decimal("42.00"),
            "valid_from": PRICE_UPDATED_AT,
            "valid_to": None,
        },
        {
            "product_id": 3,
            "price": Decimal("30.00"),
            "valid_from": PRICE_UPDATED_AT,
            "valid_to": datetime(2025, 3, 1),
        },
        {
            "product_id": 3,
            "price": Decimal("32.50"),
            "valid_from": datetime(2025, 3, 1),
            "valid_to": None,
        },
    ]


def test_subscription_plans(data: Dataset) -> None:
    brokers = {b["id"] for b in records(data, "billing", "mortgage_broker")}
    plans = records(data, "billing", "mortgage_broker_subscription_plan")
    by_broker: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for plan in plans:
        assert plan["mortgage_broker_id"] in brokers
        assert Decimal(0) <= plan["discount_percent"] <= Decimal(100)
        assert plan["ends_at"] is None or plan["starts_at"] < plan["ends_at"]
        assert plan["updated_at"] is not None and plan["plan_name"]
        by_broker[plan["mortgage_broker_id"]].append(plan)
    back_to_back = gaps = 0
    for own in by_broker.values():
        own.sort(key=lambda p: p["starts_at"])
        for previous, following in itertools.pairwise(own):
            # At most one active plan at any instant: half-open intervals never overlap.
            assert previous["ends_at"] is not None
            assert previous["ends_at"] <= following["starts_at"]
            back_to_back += previous["ends_at"] == following["starts_at"]
            gaps += previous["ends_at"] < following["starts_at"]
    assert brokers - set(by_broker), "some broker must have no plan"
    assert back_to_back and gaps
    assert any(p["ends_at"] is None for p in plans)
    assert any(p["discount_percent"] == 0 for p in plans) or len(brokers) < 10
    assert any(p["discount_percent"] != p["discount_percent"].to_integral() for p in plans) or (
        len(brokers) < 10
    )


def test_deliveries(data: Dataset) -> None:
    brokers = {b["id"]: b for b in records(data, "billing", "mortgage_broker")}
    plans = records(data, "billing", "mortgage_broker_subscription_plan")
    boundaries = {
        (p["mortgage_broker_id"], instant)
        for p in plans
        for instant in (p["starts_at"], p["ends_at"])
        if instant is not None
    }
    total = sum(len(data[("billing", t)]) for t in DELIVERY_TABLES)
    at_boundary = 0
    for table, share in DELIVERY_TABLES.items():
        rows = records(data, "billing", table)
        assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
        assert abs(len(rows) / total - share) < 0.03, table
        filter_column, lead_column = demo_data.table_columns("billing", table)[1:3]
        assert all(r[filter_column] is not None and r[lead_column] is not None for r in rows)
        # A lead goes to several brokers at most once each.
        pairs = Counter((r[lead_column], r["mortgage_broker_id"]) for r in rows)
        assert max(pairs.values()) == 1
        if len(rows) >= 100:
            assert max(Counter(r[lead_column] for r in rows).values()) > 1
        times = [r["created_at"] for r in rows]
        assert all(DELIVERIES_START <= t < PERIOD_END for t in times)
        assert any(t < LEDGER_START for t in times), f"{table}: nothing before the ledger start"
        assert all(t > PRICE_UPDATED_AT for t in times)
        for r in rows:
            assert r["mortgage_broker_id"] in brokers
            assert r["created_at"] > brokers[r["mortgage_broker_id"]]["created_at"]
            at_boundary += (r["mortgage_broker_id"], r["created_at"]) in boundaries
    assert at_boundary >= 3
    assert any(r[-1] == LEDGER_START for t in DELIVERY_TABLES for r in data[("billing", t)]), (
        "a delivery exactly at the ledger start date"
    )


def test_legacy_ledger(data: Dataset) -> None:
    """What the legacy job left: matched rows, plus each difference a parallel run explains."""
    products = {
        "professional": (1, "mortgage_broker_filter_to_mortgage_lead"),
        "construction": (2, "construction_loan_lead_filter_to_construction_loan_lead"),
        "hard_money": (3, "hard_money_lead_filter_to_hard_money_lead"),
        "land": (4, "land_lead_filter_to_land_lead"),
    }
    deliveries = {
        (lead_type, r["id"]): r
        for lead_type, (_, table) in products.items()
        for r in records(data, "billing", table)
    }
    plans = records(data, "billing", "mortgage_broker_subscription_plan")
    by_broker: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for plan in plans:
        by_broker[plan["mortgage_broker_id"]].append(plan)
    prices = {p["product_id"]: p for p in records(data, "billing", "product_price")}
    history = records(data, "billing", "product_price_history")

    def price(product_id: int, at: datetime) -> Decimal:
        if at >= prices[product_id]["updated_at"]:
            return prices[product_id]["price"]
        (found,) = [
            h["price"]
            for h in history
            if h["product_id"] == product_id
            and h["valid_from"] <= at
            and (h["valid_to"] is None or at < h["valid_to"])
        ] or [prices[product_id]["price"]]
        return found

    rows = records(data, "billing", "legacy_lead_sales_ledger")
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["processed_at"] for r in rows] == sorted(r["processed_at"] for r in rows)
    last_run = max(r["processed_at"] for r in rows)
    assert last_run <= PERIOD_END - timedelta(days=1) + timedelta(minutes=5)
    kinds: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    for r in rows:
        at = r["delivered_at"]
        assert at >= LEDGER_START, "the legacy job's floor"
        # The first daily 00:05 run after the delivery.
        first_run = datetime.combine((at - timedelta(minutes=5)).date(), datetime.min.time())
        assert r["processed_at"] == first_run + timedelta(days=1, minutes=5)
        percent = r["discount_percent"]
        discount = (r["msrp"] * percent / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert r["discount_amount"] == discount
        assert r["billed_amount"] == r["msrp"] - discount
        key = (r["lead_type"], r["delivery_id"])
        delivery = deliveries.get(key)
        if key in seen:
            kinds["duplicate"] += 1
            continue
        seen.add(key)
        if delivery is None:
            kinds["deleted"] += 1
            continue
        assert (delivery["mortgage_broker_id"], delivery["created_at"]) == (
            r["mortgage_broker_id"],
            at,
        )
        active = covering(by_broker[r["mortgage_broker_id"]], at)
        expected_percent = active[0]["discount_percent"] if active else Decimal("0.00")
        if r["msrp"] != price(products[r["lead_type"]][0], at):
            kinds["stale_price"] += 1
        elif percent != expected_percent:
            kinds["old_discount"] += 1
        else:
            kinds["matched"] += 1
    assert min(kinds[k] for k in ("duplicate", "deleted", "stale_price", "old_discount")) >= 2
    assert kinds["matched"] >= 0.95 * len(rows)
    unrecorded = [d for key, d in deliveries.items() if key not in seen]
    # Never recorded: before its floor, or delivered since its last run; nothing else.
    assert any(d["created_at"] < LEDGER_START for d in unrecorded)
    assert any(d["created_at"] >= last_run for d in unrecorded)
    assert all(d["created_at"] < LEDGER_START or d["created_at"] >= last_run for d in unrecorded)


# --- boberdoo and invoca --------------------------------------------------------------


def test_leads_and_shared_phones(data: Dataset) -> None:
    leads = records(data, "boberdoo", "leads")
    assert all(re.fullmatch(r"BL-\d{6}", x["lead_id"]) for x in leads)
    assert all(re.fullmatch(r"\+1[2-9]\d{2}[2-9]\d{6}", x["phone"]) for x in leads)
    assert {x["lead_type"] for x in leads} == {"purchase", "refinance", "heloc"}
    assert all(PERIOD_START <= x["created_at"] < PERIOD_END for x in leads)
    per_phone = Counter(x["phone"] for x in leads)
    assert set(per_phone.values()) <= {1, 2, 3}
    shared = sum(1 for n in per_phone.values() if n > 1) / len(per_phone)
    assert 0.10 <= shared <= 0.26, shared
    same_instant = Counter((x["phone"], x["created_at"]) for x in leads)
    assert max(same_instant.values()) >= 2, "two leads with one phone created in one instant"


def test_lead_sales_and_deals(data: Dataset) -> None:
    brokers = {b["id"] for b in records(data, "billing", "mortgage_broker")}
    leads = {x["lead_id"]: x for x in records(data, "boberdoo", "leads")}
    sales = records(data, "boberdoo", "lead_sales")
    deals = records(data, "boberdoo", "broker_deals")
    assert all(re.fullmatch(r"TX-\d{7}", s["transaction_id"]) for s in sales)
    for sale in sales:
        assert sale["buyer_id"] in brokers
        assert sale["sold_at"] >= leads[sale["lead_id"]]["created_at"]
        assert sale["sold_at"] < PERIOD_END
        if sale["deal_type"] == "cpa_cpt":
            assert Decimal("0.00") <= sale["price"] <= Decimal("5.00")
        else:
            assert sale["deal_type"] == "warm_transfer"
            assert Decimal("10.00") <= sale["price"] <= Decimal("40.00")
    cpa_share = sum(s["deal_type"] == "cpa_cpt" for s in sales) / len(sales)
    assert 0.45 <= cpa_share <= 0.75, cpa_share
    assert any(s["sold_at"] < LEDGER_START for s in sales)
    assert any(s["sold_at"] == leads[s["lead_id"]]["created_at"] for s in sales)

    by_pair: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for deal in deals:
        assert deal["payout_amount"] > 0
        by_pair[(deal["buyer_id"], deal["deal_type"])].append(deal)
    for pair, terms in by_pair.items():
        assert 2 <= len(terms) <= 3, pair
        assert_contiguous_from(terms, PERIOD_START)
    for sale in sales:
        active = covering(by_pair[(sale["buyer_id"], sale["deal_type"])], sale["sold_at"])
        assert len(active) == 1, sale
    changes = {(d["buyer_id"], d["deal_type"], d["starts_at"]) for d in deals}
    assert any((s["buyer_id"], s["deal_type"], s["sold_at"]) in changes for s in sales)


def test_campaigns_and_calls(data: Dataset) -> None:
    brokers = {b["id"] for b in records(data, "billing", "mortgage_broker")}
    campaigns = records(data, "boberdoo", "call_campaigns")
    calls = records(data, "invoca", "calls")
    leads = records(data, "boberdoo", "leads")
    terms: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for term in campaigns:
        assert term["buyer_id"] in brokers
        assert term["payout_amount"] > 0
        assert term["min_duration_seconds"] in (60, 90, 120)
        terms[term["campaign_id"]].append(term)
    assert len(terms) >= 3
    for own in terms.values():
        assert 1 <= len(own) <= 3
        assert_contiguous_from(own, PERIOD_START)
        assert len({t["buyer_id"] for t in own}) == 1

    lead_phones = Counter(x["phone"] for x in leads)
    assert all(re.fullmatch(r"CA-\d{7}", c["call_id"]) for c in calls)
    unknown = too_short = stray = exact = one_under = at_change = several = 0
    for call in calls:
        assert PERIOD_START <= call["started_at"] < PERIOD_END
        assert call["duration_seconds"] >= 0
        assert re.fullmatch(r"\+1\d{10}", call["caller_phone"])
        stray += call["caller_phone"] not in lead_phones
        several += lead_phones[call["caller_phone"]] > 1
        if call["campaign_id"] not in terms:
            unknown += 1
            too_short += call["duration_seconds"] < 60
            continue
        (term,) = covering(terms[call["campaign_id"]], call["started_at"])
        minimum = term["min_duration_seconds"]
        too_short += call["duration_seconds"] < minimum
        exact += call["duration_seconds"] == minimum
        one_under += call["duration_seconds"] == minimum - 1
        at_change += call["started_at"] == term["starts_at"] != PERIOD_START
    n = len(calls)
    assert unknown >= 1 and unknown / n < 0.10
    assert 0.05 <= stray / n <= 0.16
    assert 0.12 <= too_short / n <= 0.30
    assert exact >= 1 and one_under >= 1 and at_change >= 1 and several >= 1


def test_dispositions(data: Dataset) -> None:
    sales = {s["transaction_id"]: s for s in records(data, "boberdoo", "lead_sales")}
    calls = {c["call_id"]: c for c in records(data, "invoca", "calls")}
    terms: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for term in records(data, "boberdoo", "call_campaigns"):
        terms[term["campaign_id"]].append(term)
    billable = {}
    for call in calls.values():
        active = covering(terms.get(call["campaign_id"], []), call["started_at"])
        if active and call["duration_seconds"] >= active[0]["min_duration_seconds"]:
            billable[call["call_id"]] = active[0]["buyer_id"]

    history: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for d in records(data, "boberdoo", "dispositions"):
        assert re.fullmatch(r"DSP-\d{7}", d["disposition_id"])
        assert (d["transaction_id"] is None) != (d["call_id"] is None)
        assert d["status"] in STATUSES
        assert d["reported_at"] < PERIOD_END
        if d["transaction_id"] is not None:
            sale = sales[d["transaction_id"]]
            assert d["buyer_id"] == sale["buyer_id"]
            assert d["reported_at"] > sale["sold_at"]
            item = d["transaction_id"]
        else:
            assert d["call_id"] in billable, "feedback only on billable calls"
            assert d["buyer_id"] == billable[d["call_id"]]
            assert d["reported_at"] > calls[d["call_id"]]["started_at"]
            item = d["call_id"]
        history[item].append((d["reported_at"], d["disposition_id"], d["status"]))

    sale_items = [h for k, h in history.items() if k in sales]
    call_items = [h for k, h in history.items() if k in calls]
    assert 0.55 <= len(sale_items) / len(sales) <= 0.85
    assert 0.25 <= len(call_items) / len(billable) <= 0.55

    def statuses(h: list[tuple[datetime, str, str]]) -> list[str]:
        return [s for _, _, s in sorted(h)]

    assert any(statuses(h).count("sold") >= 2 for h in sale_items)
    assert any(statuses(h)[0] == "returned" for h in sale_items)
    assert any(statuses(h) == ["returned", "sold"] for h in sale_items)
    assert any("sold" in statuses(h) and "returned" in statuses(h) for h in sale_items)
    assert any("returned" in statuses(h) for h in call_items)
    assert any(len({at for at, _, _ in h}) < len(h) for h in history.values()), "a tie"
    # Ids grow with reported_at, so a tie is broken by the later report.
    for h in history.values():
        assert sorted(h) == sorted(h, key=lambda e: e[1])


def test_manual_journals_balance(data: Dataset) -> None:
    lines = records(data, "finance", "manual_journal_lines")
    journals: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        assert line["account_code"] in CHART
        assert (line["debit"] > 0) != (line["credit"] > 0)
        assert min(line["debit"], line["credit"]) == 0
        assert LEDGER_START <= line["entered_at"] < PERIOD_END
        assert line["memo"] and line["entered_by"]
        journals[line["journal_id"]].append(line)
    assert 5 <= len(journals) <= 8
    for journal_id, own in journals.items():
        assert 2 <= len(own) <= 3
        assert [x["line_number"] for x in own] == list(range(1, len(own) + 1))
        assert sum(x["debit"] for x in own) == sum(x["credit"] for x in own), journal_id
    write_off = {("4900", "debit"), ("1100", "credit")}
    assert any(
        {(x["account_code"], "debit" if x["debit"] else "credit") for x in own} == write_off
        for own in journals.values()
    )


# --- loading --------------------------------------------------------------------------


def _assert_round_trip(warehouse: Any, data: Dataset, names: dict[str, str]) -> None:
    for (schema, table), rows in data.items():
        columns = ", ".join(demo_data.table_columns(schema, table))
        stored = warehouse.query(f"select {columns} from {names[schema]}.{table}")
        assert Counter(stored) == Counter(rows), f"{schema}.{table}"
        # Equal Decimals may differ in exponent; the stored ones keep the two places.
        for row in stored:
            for value in row:
                if isinstance(value, Decimal):
                    assert value.as_tuple().exponent == -2


def test_load_into_duckdb_round_trips(tmp_path: Path) -> None:
    data = _generated(7, 0.1)
    with DuckDBWarehouse(tmp_path / "demo.duckdb") as warehouse:
        counts = demo_data.load(warehouse, data)
        assert counts == {key: len(rows) for key, rows in data.items()}
        _assert_round_trip(warehouse, data, demo_data.resolve_schema_names())


def test_load_honours_schema_overrides(tmp_path: Path) -> None:
    data = _generated(7, 0.1)
    names = {"billing": "raw_billing", "finance": "raw_finance"}
    with DuckDBWarehouse(tmp_path / "demo.duckdb") as warehouse:
        demo_data.load(warehouse, data, names)
        assert warehouse.schema_exists("raw_billing") and warehouse.schema_exists("boberdoo")
        assert not warehouse.schema_exists("billing")
        _assert_round_trip(warehouse, data, demo_data.resolve_schema_names(names))


def test_a_failed_load_leaves_nothing_behind(tmp_path: Path) -> None:
    data = dict(_generated(7, 0.1))
    data[("invoca", "calls")] = [("CA-1", "CMP-1", "+12125550100", "not a time", 10)]
    with DuckDBWarehouse(tmp_path / "demo.duckdb") as warehouse:
        with pytest.raises(Exception, match="not a time"):
            demo_data.load(warehouse, data)
        assert not any(warehouse.schema_exists(s) for s in raw_schema.RAW_SCHEMAS)


def test_bulk_load_writes_the_same_rows(tmp_path: Path) -> None:
    rows = _generated(7, 0.1)
    with DuckDBWarehouse(tmp_path / "bulk.duckdb") as warehouse:
        counts = demo_data.load_tables(warehouse, demo_data.generate_tables(7, 0.1))
        assert counts == {key: len(table) for key, table in rows.items()}
        _assert_round_trip(warehouse, rows, demo_data.resolve_schema_names())


def test_a_failed_bulk_load_leaves_nothing_behind(tmp_path: Path) -> None:
    data = demo_data.generate_tables(7, 0.1)
    calls = data[("invoca", "calls")]
    calls["duration_seconds"] = calls["duration_seconds"][:-1]
    with DuckDBWarehouse(tmp_path / "bulk.duckdb") as warehouse:
        with pytest.raises(ValueError, match="different lengths"):
            demo_data.load_tables(warehouse, data)
        assert not any(warehouse.schema_exists(s) for s in raw_schema.RAW_SCHEMAS)


def test_schema_overrides_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown raw schema"):
        demo_data.resolve_schema_names({"ledger": "x"})
    with pytest.raises(ValueError, match="invalid identifier"):
        demo_data.resolve_schema_names({"billing": "Billing; drop"})


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**SUBPROCESS_ENV, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def duckdb_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {"LEDGER_DUCKDB_PATH": str(tmp_path / "sub" / "ledger.duckdb")}


def _count(env: dict[str, str], sql: str) -> int:
    with connect("duckdb", duckdb_path=env["LEDGER_DUCKDB_PATH"]) as warehouse:
        return warehouse.query(sql)[0][0]


def test_cli_if_absent_loads_once_then_leaves_data_alone(duckdb_env: dict[str, str]) -> None:
    first = run_cli("--scale", "0.1", "--seed", "3", "--if-absent", env=duckdb_env)
    assert first.returncode == 0, first.stderr
    assert "billing.mortgage_broker_filter_to_mortgage_lead" in first.stdout
    assert "loaded" in first.stdout
    brokers = _count(duckdb_env, "select count(*) from billing.mortgage_broker")
    with connect("duckdb", duckdb_path=duckdb_env["LEDGER_DUCKDB_PATH"]) as warehouse:
        warehouse.execute(
            "insert into billing.mortgage_broker values (999, 'Real Broker', '2025-06-01')"
        )

    again = run_cli("--scale", "0.1", "--seed", "4", "--if-absent", env=duckdb_env)
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.strip().splitlines()) == 1
    assert "already present" in again.stdout
    assert _count(duckdb_env, "select count(*) from billing.mortgage_broker") == brokers + 1

    plain = run_cli("--scale", "0.1", env=duckdb_env)
    assert plain.returncode != 0 and "--replace" in plain.stderr
    assert _count(duckdb_env, "select count(*) from billing.mortgage_broker") == brokers + 1

    replaced = run_cli("--scale", "0.1", "--seed", "3", "--replace", env=duckdb_env)
    assert replaced.returncode == 0, replaced.stderr
    assert _count(duckdb_env, "select count(*) from billing.mortgage_broker") == brokers


def test_cli_refuses_when_only_some_raw_schemas_exist(duckdb_env: dict[str, str]) -> None:
    with connect("duckdb", duckdb_path=duckdb_env["LEDGER_DUCKDB_PATH"]) as warehouse:
        warehouse.execute("create schema billing")
        warehouse.execute("create schema invoca")
    result = run_cli("--scale", "0.1", "--if-absent", env=duckdb_env)
    assert result.returncode != 0
    assert "present billing, invoca" in result.stderr
    assert "missing boberdoo, finance" in result.stderr
    with connect("duckdb", duckdb_path=duckdb_env["LEDGER_DUCKDB_PATH"]) as warehouse:
        assert not warehouse.schema_exists("boberdoo")
        assert warehouse.query(
            "select count(*) from information_schema.tables where table_schema = 'billing'"
        ) == [(0,)]


def test_cli_schema_overrides(duckdb_env: dict[str, str]) -> None:
    result = run_cli(
        "--scale", "0.1", "--schema", "billing=src_billing", "--schema", "invoca=src_invoca",
        env=duckdb_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "src_billing.product_price" in result.stdout
    assert _count(duckdb_env, "select count(*) from src_billing.product") == 4
    assert _count(duckdb_env, "select count(*) from src_invoca.calls") > 0
    # The check for existing data looks at the overridden names too.
    again = run_cli(
        "--scale", "0.1", "--if-absent", "--schema", "billing=src_billing",
        "--schema", "invoca=src_invoca", env=duckdb_env,
    )  # fmt: skip
    assert again.returncode == 0 and "already present" in again.stdout


@pytest.mark.parametrize(
    "args",
    [["--scale", "0"], ["--scale", "x"], ["--schema", "ledger=x"], ["--schema", "billing=A-B"]],
)
def test_cli_rejects_bad_arguments(args: list[str], duckdb_env: dict[str, str]) -> None:
    result = run_cli(*args, env=duckdb_env)
    assert result.returncode == 2
    assert not Path(duckdb_env["LEDGER_DUCKDB_PATH"]).exists()


# --- the warehouse layer, on each engine ----------------------------------------------

# conftest.py skips these without BILLING_DB_HOST, or fails them where CI requires PostgreSQL.
needs_postgres = [pytest.mark.postgres]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=needs_postgres)])
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Warehouse, str]]:
    """A warehouse with an empty table `t` in a schema of its own."""
    if request.param == "duckdb":
        warehouse: Warehouse = DuckDBWarehouse(tmp_path / "scratch.duckdb")
    else:
        warehouse = PostgresWarehouse()
    schema = f"scratch_{uuid.uuid4().hex[:8]}"
    try:
        warehouse.execute(f"create schema {schema}")
        warehouse.execute(
            f"create table {schema}.t"
            " (note text, n bigint, amount numeric(12,2), seen_at timestamp)"
        )
        yield warehouse, schema
    finally:
        warehouse.drop_schema(schema)
        warehouse.close()


def test_values_round_trip_unchanged(scratch: tuple[Warehouse, str]) -> None:
    warehouse, schema = scratch
    rows = [
        ("", 1, Decimal("1.50"), datetime(2025, 1, 1)),
        (None, None, None, None),
        ('he said "hi",\nthen left', -2, Decimal("-3.00"), datetime(2025, 1, 1, 12, 30, 5)),
        ("back\\slash 'quoted' ünïcode", 2**40, Decimal("1234567890.99"), None),
        ("\\N", 0, Decimal("0.00"), None),
        ("NULL", 5, None, datetime(2025, 6, 30, 23, 59, 59)),
        (" spaced ", 6, Decimal("0.01"), None),
    ]
    assert warehouse.insert_rows(schema, "t", rows) == len(rows)
    stored = warehouse.query(f"select note, n, amount, seen_at from {schema}.t")
    assert Counter(stored) == Counter(rows)
    assert warehouse.query(f"select count(*) from {schema}.t where note is null") == [(1,)]
    assert warehouse.query(f"select count(*) from {schema}.t where note = ''") == [(1,)]


def test_insert_into_some_columns(scratch: tuple[Warehouse, str]) -> None:
    warehouse, schema = scratch
    aware = datetime(2025, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert warehouse.insert_rows(schema, "t", [(aware, "x")], columns=["seen_at", "note"]) == 1
    assert warehouse.query(f"select note, n, amount, seen_at from {schema}.t") == [
        ("x", None, None, datetime(2025, 3, 1, 14, 0))
    ]


def test_bad_input_fails_alike_and_writes_nothing(scratch: tuple[Warehouse, str]) -> None:
    warehouse, schema = scratch
    with pytest.raises(TypeError, match="Decimal"):
        warehouse.insert_rows(schema, "t", [("ok", 1, Decimal("1.00"), None), ("x", 1, 1.5, None)])
    with pytest.raises(ValueError, match="row 2 has 3 values, expected 4"):
        warehouse.insert_rows(schema, "t", [("a", 1, None, None), ("b", 2, None)])
    with pytest.raises(ValueError, match="no column"):
        warehouse.insert_rows(schema, "t", [(1,)], columns=["missing"])
    with pytest.raises(ValueError, match="does not exist"):
        warehouse.insert_rows(schema, "nope", [(1,)])
    assert warehouse.query(f"select count(*) from {schema}.t") == [(0,)]


def test_transaction_is_all_or_nothing(scratch: tuple[Warehouse, str]) -> None:
    warehouse, schema = scratch
    with pytest.raises(RuntimeError, match="abort"), warehouse.transaction():
        warehouse.insert_rows(schema, "t", [("kept?", 1, None, None)])
        warehouse.execute(f"create table {schema}.u (x int)")
        raise RuntimeError("abort")
    assert warehouse.query(f"select count(*) from {schema}.t") == [(0,)]
    with warehouse.transaction():
        warehouse.insert_rows(schema, "t", [("kept", 1, None, None)])
    assert warehouse.query(f"select note from {schema}.t") == [("kept",)]


def test_bulk_csv_keeps_text_and_nulls_apart(
    scratch: tuple[Warehouse, str], tmp_path: Path
) -> None:
    """The bulk path, text the demo data never has: quotes, commas, line breaks, ''."""
    warehouse, schema = scratch
    notes = ["", None, 'he said "hi",\nthen left', "back\\slash ünïcode", "\\N", "NULL", " x "]
    n = len(notes)
    table = {
        "journal_id": texts(f"MJ-{i}" for i in range(n)),
        "line_number": np.arange(n),
        "account_code": texts(["1100"] * n),
        "debit": np.array([0, 1, 150, 99_999_999_999, 0, 5, 7]),
        "credit": np.zeros(n, np.int64),
        "memo": texts(notes),
        "entered_by": texts([None] * n),
        "entered_at": np.array(
            ["2025-01-01T00:00:00", "NaT", "2025-06-30T23:59:59"] + ["2025-03-01"] * 4,
            "datetime64[s]",
        ),
    }
    ddl = raw_schema.RAW_TABLES["finance"]["manual_journal_lines"]
    warehouse.execute(f"create table {schema}.manual_journal_lines ({ddl})")
    path = tmp_path / "lines.csv"
    with duckdb.connect() as formatter:
        tables.write_csv(formatter, "finance", "manual_journal_lines", table, path)
    columns = demo_data.table_columns("finance", "manual_journal_lines")
    warehouse.copy_csv(schema, "manual_journal_lines", path, columns)
    stored = warehouse.query(f"select {', '.join(columns)} from {schema}.manual_journal_lines")
    expected = tables.public_rows("finance", "manual_journal_lines", table)
    assert Counter(stored) == Counter(expected)
    assert expected[0][5] == "" and expected[1][5] is None and expected[1][7] is None


def test_schema_exists(scratch: tuple[Warehouse, str]) -> None:
    warehouse, schema = scratch
    assert warehouse.schema_exists(schema)
    assert not warehouse.schema_exists(schema + "_absent")
    warehouse.drop_schema(schema + "_absent")  # a missing schema is not an error


def test_postgres_settings_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_DB_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("BILLING_DB_PORT", "6543")
    settings = PostgresSettings.from_env()
    assert settings.password == "hunter2-secret" and settings.port == 6543
    assert "hunter2" not in repr(settings) + settings.describe()


# --- PostgreSQL -----------------------------------------------------------------------


@pytest.mark.postgres
def test_cli_loads_postgres_like_duckdb(tmp_path: Path) -> None:
    # Private schema names: the database may hold real raw data under the defaults.
    suffix = uuid.uuid4().hex[:8]
    names = {s: f"demo_{s}_{suffix}" for s in raw_schema.RAW_SCHEMAS}
    overrides = [arg for s, n in names.items() for arg in ("--schema", f"{s}={n}")]
    secret = os.environ.get("BILLING_DB_PASSWORD") or "never-printed-" + suffix
    env = {"BILLING_DB_PASSWORD": secret}
    try:
        # The fixed demo, as generate() makes it below (the command's default is today).
        as_of = ("--as-of", demo_data.FIXED_AS_OF.isoformat())
        result = run_cli(
            "--target", "postgres", "--scale", "0.2", "--seed", "5", *as_of, *overrides, env=env
        )
        assert result.returncode == 0, result.stderr
        assert secret not in result.stdout + result.stderr
        again = run_cli("--target", "postgres", "--if-absent", *overrides, env=env)
        assert again.returncode == 0 and "already present" in again.stdout

        data = demo_data.generate(5, 0.2)
        with PostgresWarehouse() as pg, DuckDBWarehouse(tmp_path / "d.duckdb") as duck:
            _assert_round_trip(pg, data, names)
            demo_data.load(duck, data, names)
            for sql in (
                "select count(*), sum(price), max(sold_at) from {boberdoo}.lead_sales",
                "select sum(debit) - sum(credit) from {finance}.manual_journal_lines",
                "select lead_type, count(*) from {boberdoo}.leads group by 1 order by 1",
                "select status, count(*) from {boberdoo}.dispositions group by 1 order by 1",
            ):
                statement = sql.format(**names)
                assert pg.query(statement) == duck.query(statement), statement
    finally:
        with PostgresWarehouse() as pg:
            for name in names.values():
                pg.drop_schema(name)
