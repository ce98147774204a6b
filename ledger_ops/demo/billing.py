"""Schema `billing`: brokers, products and prices, subscription plans, deliveries."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ledger_ops.demo.common import (
    DELIVERIES_START,
    LEDGER_START,
    PERIOD_END,
    PRICE_UPDATED_AT,
    TERMS_START,
    Broker,
    Row,
    apportion,
    boundary,
    day,
    instant,
    weighted,
)


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    delivery_table: str
    price: Decimal
    share_percent: int


PRODUCTS: tuple[Product, ...] = (
    Product(
        1, "professional_lead", "mortgage_broker_filter_to_mortgage_lead", Decimal("45.00"), 50
    ),
    Product(
        2,
        "construction_loan_lead",
        "construction_loan_lead_filter_to_construction_loan_lead",
        Decimal("62.50"),
        20,
    ),
    Product(
        3, "hard_money_lead", "hard_money_lead_filter_to_hard_money_lead", Decimal("35.00"), 20
    ),
    Product(4, "land_lead", "land_lead_filter_to_land_lead", Decimal("24.99"), 10),
)

PLAN_TIERS: tuple[tuple[str, Decimal], ...] = (
    ("starter", Decimal("0.00")),
    ("growth", Decimal("7.25")),
    ("growth", Decimal("10.00")),
    ("pro", Decimal("12.50")),
    ("pro", Decimal("15.00")),
    ("enterprise", Decimal("25.00")),
)
# Every broker gets one layout; together they cover the plan lookup's cases.
PLAN_LAYOUTS = ("none", "open", "ended", "gap", "back_to_back")
PLAN_LAYOUT_WEIGHTS = (20, 30, 15, 15, 20)

BROKER_NAME_HEADS = (
    "Harbor", "Summit", "Pinecrest", "Lakeside", "Redwood", "Keystone", "Bluebird",
    "Granite", "Meridian", "Cedar", "Northgate", "Silverline", "Prairie", "Coastal",
    "Liberty", "Evergreen", "Ironwood", "Sunrise", "Canyon", "Bayview",
)  # fmt: skip
BROKER_NAME_TAILS = (
    "Mortgage", "Home Loans", "Lending", "Capital", "Funding", "Financial",
    "Mortgage Group", "Loan Partners",
)  # fmt: skip


@dataclass(frozen=True)
class Plan:
    broker_id: int
    name: str
    discount: Decimal
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime


def make_brokers(rng: random.Random, count: int) -> list[Broker]:
    names = [f"{h} {t}" for h in BROKER_NAME_HEADS for t in BROKER_NAME_TAILS]
    picked = rng.sample(names, min(count, len(names)))
    brokers = []
    for broker_id in range(1, count + 1):
        name = picked[broker_id - 1] if broker_id <= len(picked) else f"Broker {broker_id}"
        # Long before any plan or delivery.
        created_at = instant(rng, datetime(2022, 1, 1), datetime(2023, 6, 1))
        brokers.append(Broker(broker_id, name, created_at, rng.uniform(0.3, 3.0)))
    return brokers


def _plan_windows(rng: random.Random, layout: str) -> list[tuple[datetime, datetime | None]]:
    if layout == "none":
        return []
    if layout == "open":
        return [(day(rng, datetime(2023, 6, 1), TERMS_START), None)]
    end = boundary(rng, datetime(2025, 1, 15), datetime(2025, 10, 1))
    start = end.replace(hour=0, minute=0) - timedelta(days=rng.randint(60, 300))
    if layout == "ended":
        return [(start, end)]
    if layout == "gap":
        return [(start, end), (end + timedelta(days=rng.randint(10, 60)), None)]
    return [(start, end), (end, None)]


def make_plans(rng: random.Random, brokers: Sequence[Broker]) -> list[Plan]:
    order = list(brokers)
    rng.shuffle(order)
    layouts = list(PLAN_LAYOUTS)
    rng.shuffle(layouts)
    plans = []
    for index, broker in enumerate(order):
        # The first brokers get one layout each, so every case exists at any scale.
        if index < len(layouts):
            layout = layouts[index]
        else:
            layout = rng.choices(PLAN_LAYOUTS, weights=PLAN_LAYOUT_WEIGHTS)[0]
        tiers = rng.sample(PLAN_TIERS, 2)
        windows = _plan_windows(rng, layout)
        for (starts_at, ends_at), (name, discount) in zip(windows, tiers, strict=False):
            if ends_at is None:
                updated_at = starts_at - timedelta(days=rng.randint(1, 20))
            else:
                updated_at = max(starts_at, ends_at - timedelta(days=rng.randint(0, 14)))
            plans.append(Plan(broker.id, name, discount, starts_at, ends_at, updated_at))
    plans.sort(key=lambda p: (p.broker_id, p.starts_at))
    return plans


class _FilterIds:
    """Each broker owns one to three filters per lead table; ids are allocated on use."""

    def __init__(self, first_id: int) -> None:
        self._next = first_id
        self._owned: dict[int, list[int]] = {}

    def pick(self, rng: random.Random, broker_id: int) -> int:
        owned = self._owned.setdefault(broker_id, [])
        if not owned or (len(owned) < 3 and rng.random() < 0.1):
            owned.append(self._next)
            self._next += 1
        return rng.choice(owned)


# One lead matched by the filters of one or more brokers: (broker_id, created_at) each.
_LeadEvent = list[tuple[int, datetime]]


def _lead_events(
    rng: random.Random, count: int, brokers: Sequence[Broker], plans: Sequence[Plan]
) -> dict[str, list[_LeadEvent]]:
    tables = [p.delivery_table for p in PRODUCTS]
    shares = [p.share_percent for p in PRODUCTS]
    quotas = dict(zip(tables, apportion(count, shares), strict=True))
    events: dict[str, list[_LeadEvent]] = {t: [] for t in tables}

    def add(table: str, event: _LeadEvent) -> None:
        events[table].append(event)
        quotas[table] -= len(event)

    # Pinned cases first, so they exist at every scale: one delivery per table before
    # the ledger start, one exactly at it, one at every plan start and end instant.
    for table in tables:
        add(table, [(weighted(rng, brokers).id, instant(rng, DELIVERIES_START, LEDGER_START))])
    pinned = {
        (plan.broker_id, at)
        for plan in plans
        for at in (plan.starts_at, plan.ends_at)
        if at is not None and DELIVERIES_START <= at < PERIOD_END
    }
    pinned.add((weighted(rng, brokers).id, LEDGER_START))
    for broker_id, at in sorted(pinned):
        open_tables = [t for t in tables if quotas[t] > 0]
        if not open_tables:
            break
        table = rng.choices(open_tables, weights=[quotas[t] for t in open_tables])[0]
        add(table, [(broker_id, at)])

    for table in tables:
        while quotas[table] > 0:
            size = min(rng.choices((1, 2, 3), weights=(70, 22, 8))[0], quotas[table])
            pool = list(brokers)
            at = instant(rng, DELIVERIES_START, PERIOD_END)
            event = []
            for i in range(size):
                broker = weighted(rng, pool)
                pool.remove(broker)
                # The brokers sharing a lead receive it within a minute and a half.
                later = at + timedelta(seconds=rng.randint(0, 90) if i else 0)
                event.append((broker.id, later if later < PERIOD_END else at))
            add(table, event)
    return events


def make_deliveries(
    rng: random.Random, count: int, brokers: Sequence[Broker], plans: Sequence[Plan]
) -> dict[str, list[Row]]:
    """Rows of the four delivery tables, ids from 1 in each (in delivery order)."""
    events = _lead_events(rng, count, brokers, plans)
    result: dict[str, list[Row]] = {}
    for product in PRODUCTS:
        filters = _FilterIds(product.id * 1000 + 1)
        lead_id = product.id * 100_000
        flat: list[tuple[datetime, int, int, int]] = []
        for event in sorted(events[product.delivery_table], key=lambda e: min(at for _, at in e)):
            # Not every lead of the platform is delivered: ids have gaps.
            lead_id += rng.randint(1, 3)
            for broker_id, at in event:
                flat.append((at, lead_id, broker_id, filters.pick(rng, broker_id)))
        flat.sort()
        result[product.delivery_table] = [
            (row_id, filter_id, lead, broker_id, at)
            for row_id, (at, lead, broker_id, filter_id) in enumerate(flat, start=1)
        ]
    return result


def billing_rows(
    brokers: Sequence[Broker], plans: Sequence[Plan], deliveries: dict[str, list[Row]]
) -> dict[str, list[Row]]:
    """Every table of the schema, by table name."""
    return {
        "mortgage_broker": [(b.id, b.name, b.created_at) for b in brokers],
        "product": [(p.id, p.code) for p in PRODUCTS],
        "product_price": [(p.id, p.price, PRICE_UPDATED_AT) for p in PRODUCTS],
        "mortgage_broker_subscription_plan": [
            (plan_id, p.broker_id, p.name, p.discount, p.starts_at, p.ends_at, p.updated_at)
            for plan_id, p in enumerate(plans, start=1)
        ],
        **deliveries,
    }
