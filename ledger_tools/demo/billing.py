"""Schema `billing`: brokers, products and prices, subscription plans, deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ledger_tools.demo import common
from ledger_tools.demo.common import instants
from ledger_tools.raw_schema import table_columns


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    delivery_table: str
    price_cents: int
    share_percent: int
    # When billing.product_price got the current price: the snapshot's first version.
    price_updated_at: int = common.PRICE_UPDATED_AT
    # Prices before that, oldest first, as (valid from, cents): what the legacy job billed,
    # known to the new ledger only through billing.product_price_history (cutover).
    earlier_prices: tuple[tuple[int, int], ...] = ()

    def price_cents_at(self, instants: common.Ints) -> common.Ints:
        """The price in force at each instant (every instant at or after the first price)."""
        starts = np.array([at for at, _ in self.earlier_prices] + [self.price_updated_at])
        cents = np.array([c for _, c in self.earlier_prices] + [self.price_cents])
        return cents[np.searchsorted(starts, instants, side="right") - 1]


PRODUCTS: tuple[Product, ...] = (
    # Raised in June 2025; the snapshot begins with the new price.
    Product(
        1,
        "professional_lead",
        "mortgage_broker_filter_to_mortgage_lead",
        4500,
        50,
        price_updated_at=common.seconds(datetime(2025, 6, 16, 9, 30)),
        earlier_prices=((common.PRICE_UPDATED_AT, 4200),),
    ),
    Product(
        2,
        "construction_loan_lead",
        "construction_loan_lead_filter_to_construction_loan_lead",
        6250,
        20,
    ),
    # Two increases before the snapshot began.
    Product(
        3,
        "hard_money_lead",
        "hard_money_lead_filter_to_hard_money_lead",
        3500,
        20,
        price_updated_at=common.seconds(datetime(2025, 8, 1)),
        earlier_prices=(
            (common.PRICE_UPDATED_AT, 3000),
            (common.seconds(datetime(2025, 3, 1)), 3250),
        ),
    ),
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
NONE, OPEN, ENDED, GAP, BACK_TO_BACK = range(len(PLAN_LAYOUTS))
# How many brokers' filters match one lead: 1, 2 or 3.
RECEIVER_WEIGHTS = (70, 22, 8)
# How many filters of one delivery table a broker owns: 1, 2 or 3.
FILTER_WEIGHTS = (40, 30, 30)

BROKER_NAME_HEADS = (
    "Harbor", "Summit", "Pinecrest", "Lakeside", "Redwood", "Keystone", "Bluebird",
    "Granite", "Meridian", "Cedar", "Northgate", "Silverline", "Prairie", "Coastal",
    "Liberty", "Evergreen", "Ironwood", "Sunrise", "Canyon", "Bayview",
)  # fmt: skip
BROKER_NAME_TAILS = (
    "Mortgage", "Home Loans", "Lending", "Capital", "Funding", "Financial",
    "Mortgage Group", "Loan Partners",
)  # fmt: skip

_BROKERS_FROM, _BROKERS_UNTIL = (
    common.seconds(datetime(2022, 1, 1)),
    common.seconds(datetime(2023, 6, 1)),
)
_OPEN_PLANS_FROM = common.seconds(datetime(2023, 6, 1))
_PLAN_ENDS_FROM, _PLAN_ENDS_UNTIL = (
    common.seconds(datetime(2025, 1, 15)),
    common.seconds(datetime(2025, 10, 1)),
)


@dataclass(frozen=True)
class Plans(common.Terms):
    """Subscription plans in (broker, start) order, as columns."""

    broker_id: common.Ints
    tier: common.Ints  # index into PLAN_TIERS
    updated_at: common.Ints

    def table(self) -> common.Table:
        return {
            "id": np.arange(1, len(self.broker_id) + 1),
            "mortgage_broker_id": self.broker_id,
            "plan_name": common.texts(PLAN_TIERS[t][0] for t in self.tier.tolist()),
            "discount_percent": np.array([PLAN_TIERS[t][1] for t in self.tier.tolist()]),
            **self.period(),
            "updated_at": common.timestamps(self.updated_at),
        }


def make_brokers(rng: common.Rng, count: int) -> common.Brokers:
    names = [f"{h} {t}" for h in BROKER_NAME_HEADS for t in BROKER_NAME_TAILS]
    named = [names[i] for i in rng.permutation(len(names))[:count].tolist()]
    named += [f"Broker {broker_id}" for broker_id in range(len(named) + 1, count + 1)]
    return common.Brokers(
        ids=np.arange(1, count + 1),
        names=common.texts(named),
        # Long before any plan or delivery.
        created_at=instants(rng, _BROKERS_FROM, _BROKERS_UNTIL, count),
        weights=0.3 + 2.7 * rng.random(count),
    )


def make_plans(rng: common.Rng, brokers: common.Brokers) -> Plans:
    n = len(brokers)
    layout = common.choose(rng, PLAN_LAYOUT_WEIGHTS, n)
    # A few brokers get one layout each, so every case exists at any scale.
    forced = min(n, len(PLAN_LAYOUTS))
    layout[rng.permutation(n)[:forced]] = rng.permutation(len(PLAN_LAYOUTS))[:forced]
    # Two different tiers, for brokers with two plans.
    first_tier = rng.integers(0, len(PLAN_TIERS), n)
    second_tier = (first_tier + rng.integers(1, len(PLAN_TIERS), n)) % len(PLAN_TIERS)

    open_start = common.days(rng, _OPEN_PLANS_FROM, common.TERMS_START, n)
    end = common.boundaries(rng, _PLAN_ENDS_FROM, _PLAN_ENDS_UNTIL, n)
    start = end - end % common.DAY - common.DAY * common.integers(rng, 60, 300, n)
    after_gap = end + common.DAY * common.integers(rng, 10, 60, n)

    has_first = layout != NONE
    has_second = (layout == GAP) | (layout == BACK_TO_BACK)
    is_open = layout == OPEN
    broker_id = np.concatenate([brokers.ids[has_first], brokers.ids[has_second]])
    tier = np.concatenate([first_tier[has_first], second_tier[has_second]])
    starts_at = np.concatenate(
        [
            np.where(is_open, open_start, start)[has_first],
            np.where(layout == GAP, after_gap, end)[has_second],
        ]
    )
    ends_at = np.concatenate([end[has_first], end[has_second]])
    open_ended = np.concatenate([is_open[has_first], np.ones(int(has_second.sum()), bool)])

    m = len(broker_id)
    updated_at = np.where(
        open_ended,
        starts_at - common.DAY * common.integers(rng, 1, 20, m),
        np.maximum(starts_at, ends_at - common.DAY * common.integers(rng, 0, 14, m)),
    )
    order = np.lexsort((starts_at, broker_id))
    return Plans(
        broker_id=broker_id[order],
        tier=tier[order],
        starts_at=starts_at[order],
        ends_at=ends_at[order],
        open=open_ended[order],
        updated_at=updated_at[order],
    )


def _pinned_deliveries(
    rng: common.Rng, quotas: list[int], brokers: common.Brokers, plans: Plans
) -> list[tuple[list[int], list[int]]]:
    """(instants, broker ids) per delivery table of the deliveries every scale must have.

    One per table before the ledger start, one exactly at it, one at every plan start
    and end instant. They count against `quotas`, which is updated.
    """
    pinned: list[tuple[list[int], list[int]]] = [([], []) for _ in PRODUCTS]

    def add(table: int, at: int, broker_id: int) -> None:
        pinned[table][0].append(at)
        pinned[table][1].append(broker_id)
        quotas[table] -= 1

    early = instants(rng, common.DELIVERIES_START, common.LEDGER_START, len(PRODUCTS)).tolist()
    first_brokers = brokers.draw(rng, len(PRODUCTS)).tolist()
    for table, (at, broker_id) in enumerate(zip(early, first_brokers, strict=True)):
        add(table, at, broker_id)
    on_boundary = {
        (broker_id, at)
        for broker_id, starts_at, ends_at, is_open in zip(
            plans.broker_id.tolist(),
            plans.starts_at.tolist(),
            plans.ends_at.tolist(),
            plans.open.tolist(),
            strict=True,
        )
        for at in (starts_at, None if is_open else ends_at)
        if at is not None and common.DELIVERIES_START <= at < common.PERIOD_END
    }
    on_boundary.add((int(brokers.draw(rng, 1)[0]), common.LEDGER_START))
    # Each to a table in proportion to the deliveries it still has room for.
    uniforms = rng.random(len(on_boundary)).tolist()
    for (broker_id, at), u in zip(sorted(on_boundary), uniforms, strict=True):
        room = [max(quota, 0) for quota in quotas]
        if not sum(room):
            break
        threshold, table = u * sum(room), 0
        while threshold >= room[table]:
            threshold -= room[table]
            table += 1
        add(table, at, broker_id)
    return pinned


def _receiver_counts(rng: common.Rng, total: int) -> common.Ints:
    """Receivers per lead, drawn until they add up to exactly `total` (the last one cut)."""
    if total <= 0:
        return np.empty(0, dtype=np.int64)
    sizes = 1 + common.choose(rng, RECEIVER_WEIGHTS, total)  # enough: at least one receiver each
    ends = np.cumsum(sizes)
    leads = int(np.searchsorted(ends, total)) + 1
    sizes = sizes[:leads]
    sizes[-1] -= ends[leads - 1] - total
    return sizes


def _delivery_table(
    rng: common.Rng,
    product: Product,
    pinned: tuple[list[int], list[int]],
    quota: int,
    brokers: common.Brokers,
) -> common.Table:
    # The leads of the table: the pinned ones go to one given broker each.
    sizes = _receiver_counts(rng, quota)
    lead_start = np.concatenate(
        [pinned[0], instants(rng, common.DELIVERIES_START, common.PERIOD_END, len(sizes))]
    )
    lead_size = np.concatenate([np.ones(len(pinned[0]), np.int64), sizes])
    lead_broker = np.concatenate([pinned[1], np.zeros(len(sizes), np.int64)])
    order = common.stable_order(lead_start)
    lead_start, lead_size, lead_broker = lead_start[order], lead_size[order], lead_broker[order]
    # Not every lead of the platform is delivered: ids have gaps.
    lead_id = product.id * 100_000 + np.cumsum(common.integers(rng, 1, 3, len(order)))

    # One row per receiver, in lead order.
    lead, slot = common.runs(lead_size)
    broker_id = np.where(lead_broker[lead] > 0, lead_broker[lead], brokers.draw(rng, len(lead)))
    while (again := common.repeated_in_run(lead, broker_id)).any():
        broker_id[again] = brokers.draw(rng, int(again.sum()))
    # The brokers sharing a lead receive it within a minute and a half.
    start = lead_start[lead]
    delivered = start + np.where(slot > 0, common.integers(rng, 0, 90, len(lead)), 0)
    delivered = np.where(delivered < common.PERIOD_END, delivered, start)

    # Each broker owns one to three filters of the table, numbered one broker after another.
    owned = 1 + common.choose(rng, FILTER_WEIGHTS, len(brokers))
    first_filter = product.id * 1000 + 1 + np.cumsum(owned) - owned
    position = broker_id - 1
    filter_id = first_filter[position] + (rng.random(len(lead)) * owned[position]).astype(np.int64)

    # Ids in delivery order; the same instant keeps lead order.
    by_time = common.stable_order(delivered)
    values = (
        np.arange(1, len(lead) + 1),
        filter_id[by_time],
        lead_id[lead][by_time],
        broker_id[by_time],
        common.timestamps(delivered[by_time]),
    )
    # The filter and lead id columns are named after the table.
    names = table_columns("billing", product.delivery_table)
    return dict(zip(names, values, strict=True))


def make_deliveries(
    rng: common.Rng, count: int, brokers: common.Brokers, plans: Plans
) -> dict[str, common.Table]:
    """The four delivery tables, `count` rows in all, ids from 1 in each."""
    quotas = common.apportion(count, [p.share_percent for p in PRODUCTS])
    pinned = _pinned_deliveries(rng, quotas, brokers, plans)
    return {
        product.delivery_table: _delivery_table(rng, product, own, quota, brokers)
        for product, own, quota in zip(PRODUCTS, pinned, quotas, strict=True)
    }


def billing_tables(
    brokers: common.Brokers, plans: Plans, deliveries: dict[str, common.Table]
) -> dict[str, common.Table]:
    """Every table of the schema, by table name."""
    return {
        "mortgage_broker": {
            "id": brokers.ids,
            "name": brokers.names,
            "created_at": common.timestamps(brokers.created_at),
        },
        "product": {
            "id": np.array([p.id for p in PRODUCTS]),
            "code": common.texts(p.code for p in PRODUCTS),
        },
        "product_price": {
            "product_id": np.array([p.id for p in PRODUCTS]),
            "price": np.array([p.price_cents for p in PRODUCTS]),
            "updated_at": common.timestamps(np.array([p.price_updated_at for p in PRODUCTS])),
        },
        "mortgage_broker_subscription_plan": plans.table(),
        **deliveries,
        "product_price_history": price_history_table(),
    }


def price_history_table() -> common.Table:
    """The prices before the snapshot began, as loaded at cutover: the last one of each
    product open-ended (null: until the snapshot's first version)."""
    rows = [
        (product.id, cents, start, end)
        for product in PRODUCTS
        # Each price ends where the next begins; the last (-1) is open-ended.
        for (start, cents), end in zip(
            product.earlier_prices,
            [*(at for at, _ in product.earlier_prices[1:]), -1],
            strict=False,
        )
    ]
    product_id, price, valid_from, valid_to = (
        np.array(c, np.int64) for c in zip(*rows, strict=True)
    )
    return {
        "product_id": product_id,
        "price": price,
        "valid_from": common.timestamps(valid_from),
        "valid_to": common.timestamps(valid_to, null=valid_to < 0),
    }
