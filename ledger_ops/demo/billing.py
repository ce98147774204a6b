"""Schema `billing`: brokers, products and prices, subscription plans, deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ledger_ops.demo.common import (
    DAY,
    DELIVERIES_START,
    LEDGER_START,
    PERIOD_END,
    PRICE_UPDATED_AT,
    TERMS_START,
    Broker,
    Draws,
    Row,
    Weighted,
    apportion,
    order_by,
    seconds,
)


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    delivery_table: str
    price_cents: int
    share_percent: int


PRODUCTS: tuple[Product, ...] = (
    Product(1, "professional_lead", "mortgage_broker_filter_to_mortgage_lead", 4500, 50),
    Product(
        2,
        "construction_loan_lead",
        "construction_loan_lead_filter_to_construction_loan_lead",
        6250,
        20,
    ),
    Product(3, "hard_money_lead", "hard_money_lead_filter_to_hard_money_lead", 3500, 20),
    Product(4, "land_lead", "land_lead_filter_to_land_lead", 2499, 10),
)

# (plan name, discount percent in hundredths).
PLAN_TIERS: tuple[tuple[str, int], ...] = (
    ("starter", 0),
    ("growth", 725),
    ("growth", 1000),
    ("pro", 1250),
    ("pro", 1500),
    ("enterprise", 2500),
)
# Every broker gets one layout; together they cover the plan lookup's cases.
PLAN_LAYOUTS = ("none", "open", "ended", "gap", "back_to_back")
PLAN_LAYOUT_WEIGHTS = (20, 30, 15, 15, 20)
# How many brokers' filters match one lead.
RECEIVERS = Weighted((1, 2, 3), (70, 22, 8))

BROKER_NAME_HEADS = (
    "Harbor", "Summit", "Pinecrest", "Lakeside", "Redwood", "Keystone", "Bluebird",
    "Granite", "Meridian", "Cedar", "Northgate", "Silverline", "Prairie", "Coastal",
    "Liberty", "Evergreen", "Ironwood", "Sunrise", "Canyon", "Bayview",
)  # fmt: skip
BROKER_NAME_TAILS = (
    "Mortgage", "Home Loans", "Lending", "Capital", "Funding", "Financial",
    "Mortgage Group", "Loan Partners",
)  # fmt: skip

_BROKERS_FROM, _BROKERS_UNTIL = seconds(datetime(2022, 1, 1)), seconds(datetime(2023, 6, 1))
_OPEN_PLANS_FROM = seconds(datetime(2023, 6, 1))
_PLAN_ENDS_FROM, _PLAN_ENDS_UNTIL = seconds(datetime(2025, 1, 15)), seconds(datetime(2025, 10, 1))


@dataclass(frozen=True)
class Plan:
    broker_id: int
    name: str
    discount: int
    starts_at: int
    ends_at: int | None
    updated_at: int


def make_brokers(draws: Draws, count: int) -> list[Broker]:
    names = [f"{h} {t}" for h in BROKER_NAME_HEADS for t in BROKER_NAME_TAILS]
    picked = draws.sample(names, min(count, len(names)))
    brokers = []
    for broker_id in range(1, count + 1):
        name = picked[broker_id - 1] if broker_id <= len(picked) else f"Broker {broker_id}"
        # Long before any plan or delivery.
        created_at = draws.instant(_BROKERS_FROM, _BROKERS_UNTIL)
        brokers.append(Broker(broker_id, name, created_at, 0.3 + 2.7 * draws.random()))
    return brokers


def broker_ids(brokers: Sequence[Broker]) -> Weighted[int]:
    """Broker ids, drawn in proportion to the brokers' volumes."""
    return Weighted([b.id for b in brokers], [b.weight for b in brokers])


def _plan_windows(draws: Draws, layout: str) -> list[tuple[int, int | None]]:
    if layout == "none":
        return []
    if layout == "open":
        return [(draws.day(_OPEN_PLANS_FROM, TERMS_START), None)]
    end = draws.boundary(_PLAN_ENDS_FROM, _PLAN_ENDS_UNTIL)
    start = end - end % DAY - DAY * draws.between(60, 300)
    if layout == "ended":
        return [(start, end)]
    if layout == "gap":
        return [(start, end), (end + DAY * draws.between(10, 60), None)]
    return [(start, end), (end, None)]


def make_plans(draws: Draws, brokers: Sequence[Broker]) -> list[Plan]:
    order = list(brokers)
    draws.shuffle(order)
    layouts = list(PLAN_LAYOUTS)
    draws.shuffle(layouts)
    random_layout = Weighted(PLAN_LAYOUTS, PLAN_LAYOUT_WEIGHTS)
    plans = []
    for index, broker in enumerate(order):
        # The first brokers get one layout each, so every case exists at any scale.
        layout = layouts[index] if index < len(layouts) else random_layout.draw(draws)
        tiers = draws.sample(PLAN_TIERS, 2)
        windows = _plan_windows(draws, layout)
        for (starts_at, ends_at), (name, discount) in zip(windows, tiers, strict=False):
            if ends_at is None:
                updated_at = starts_at - DAY * draws.between(1, 20)
            else:
                updated_at = max(starts_at, ends_at - DAY * draws.between(0, 14))
            plans.append(Plan(broker.id, name, discount, starts_at, ends_at, updated_at))
    plans.sort(key=lambda p: (p.broker_id, p.starts_at))
    return plans


class _FilterIds:
    """Each broker owns one to three filters per lead table; ids are allocated on use."""

    def __init__(self, first_id: int, brokers: int) -> None:
        self._next = first_id
        # Indexed by broker id (1..brokers): cheaper than a dict on the hot path.
        self._owned: list[list[int]] = [[] for _ in range(brokers + 1)]

    def pick(self, draws: Draws, broker_id: int) -> int:
        owned = self._owned[broker_id]
        if not owned or (len(owned) < 3 and draws.random() < 0.1):
            owned.append(self._next)
            self._next += 1
        return owned[int(draws.random() * len(owned))]


@dataclass
class _Leads:
    """The leads of one delivery table, as columns: when, pinned broker, receivers."""

    starts: list[int] = field(default_factory=list)
    pinned: list[int] = field(default_factory=list)  # broker id, 0 when drawn
    sizes: list[int] = field(default_factory=list)

    def add(self, at: int, pinned: int, size: int) -> None:
        self.starts.append(at)
        self.pinned.append(pinned)
        self.sizes.append(size)


def _leads_per_table(
    draws: Draws, count: int, brokers: Weighted[int], plans: Sequence[Plan]
) -> list[_Leads]:
    """The leads of each delivery table (in PRODUCTS order), `count` deliveries in all."""
    quotas = apportion(count, [p.share_percent for p in PRODUCTS])
    leads = [_Leads() for _ in PRODUCTS]

    def add(table: int, at: int, pinned: int, size: int) -> None:
        leads[table].add(at, pinned, size)
        quotas[table] -= size

    # Pinned cases first, so they exist at every scale: one delivery per table before
    # the ledger start, one exactly at it, one at every plan start and end instant.
    for table in range(len(PRODUCTS)):
        add(table, draws.instant(DELIVERIES_START, LEDGER_START), brokers.draw(draws), 1)
    pinned = {
        (plan.broker_id, at)
        for plan in plans
        for at in (plan.starts_at, plan.ends_at)
        if at is not None and DELIVERIES_START <= at < PERIOD_END
    }
    pinned.add((brokers.draw(draws), LEDGER_START))
    for broker_id, at in sorted(pinned):
        open_tables = [t for t, quota in enumerate(quotas) if quota > 0]
        if not open_tables:
            break
        table = Weighted(open_tables, [quotas[t] for t in open_tables]).draw(draws)
        add(table, at, broker_id, 1)

    for table, quota in enumerate(quotas):
        while quota > 0:
            size = min(RECEIVERS.draw(draws), quota)
            add(table, draws.instant(DELIVERIES_START, PERIOD_END), 0, size)
            quota -= size
    return leads


class _Deliveries:
    """The deliveries of one table, as columns: when, lead, broker, filter."""

    def __init__(self, product: Product, brokers: int) -> None:
        self._filters = _FilterIds(product.id * 1000 + 1, brokers)
        self._at: list[int] = []
        self._lead: list[int] = []
        self._broker: list[int] = []
        self._filter: list[int] = []

    def add(self, draws: Draws, at: int, lead_id: int, broker_id: int) -> None:
        self._at.append(at)
        self._lead.append(lead_id)
        self._broker.append(broker_id)
        self._filter.append(self._filters.pick(draws, broker_id))

    def rows(self) -> list[Row]:
        """Ids from 1 in delivery order; the same instant keeps the order of `add`."""
        return [
            (row_id, self._filter[i], self._lead[i], self._broker[i], self._at[i])
            for row_id, i in enumerate(order_by(self._at), start=1)
        ]


def make_deliveries(
    draws: Draws, count: int, brokers: Sequence[Broker], plans: Sequence[Plan]
) -> dict[str, list[Row]]:
    """Rows of the four delivery tables, ids from 1 in each (in delivery order)."""
    weighted = broker_ids(brokers)
    per_table = _leads_per_table(draws, count, weighted, plans)
    result: dict[str, list[Row]] = {}
    for product, leads in zip(PRODUCTS, per_table, strict=True):
        deliveries = _Deliveries(product, len(brokers))
        lead_id = product.id * 100_000
        for index in order_by(leads.starts):
            at = leads.starts[index]
            # Not every lead of the platform is delivered: ids have gaps.
            lead_id += draws.between(1, 3)
            if leads.pinned[index]:
                deliveries.add(draws, at, lead_id, leads.pinned[index])
                continue
            receivers: list[int] = []
            while len(receivers) < leads.sizes[index]:
                broker_id = weighted.draw(draws)
                if broker_id in receivers:
                    continue
                # The brokers sharing a lead receive it within a minute and a half.
                later = at + draws.between(0, 90) if receivers else at
                receivers.append(broker_id)
                deliveries.add(draws, later if later < PERIOD_END else at, lead_id, broker_id)
        result[product.delivery_table] = deliveries.rows()
    return result


def billing_rows(
    brokers: Sequence[Broker], plans: Sequence[Plan], deliveries: dict[str, list[Row]]
) -> dict[str, list[Row]]:
    """Every table of the schema, by table name."""
    return {
        "mortgage_broker": [(b.id, b.name, b.created_at) for b in brokers],
        "product": [(p.id, p.code) for p in PRODUCTS],
        "product_price": [(p.id, p.price_cents, PRICE_UPDATED_AT) for p in PRODUCTS],
        "mortgage_broker_subscription_plan": [
            (plan_id, p.broker_id, p.name, p.discount, p.starts_at, p.ends_at, p.updated_at)
            for plan_id, p in enumerate(plans, start=1)
        ],
        **deliveries,
    }
