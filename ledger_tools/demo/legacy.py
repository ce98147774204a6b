"""Schema `billing`, cutover: what the legacy cron job (seed 000, daily at 00:05 UTC) appended.

Mostly the new ledger's rows exactly, plus each difference a parallel run finds, at every
scale: deliveries before its 2025-01-01 floor or since its last run never recorded; a few rows
at a stale list price or an old plan's discount; a few recorded twice (overlapping runs: no
lock); a few of deliveries since deleted.
"""

from __future__ import annotations

import numpy as np

from ledger_tools.demo import common
from ledger_tools.demo.billing import PLAN_TIERS, PRODUCTS, Plans
from ledger_tools.raw_schema import table_columns

# The lead_type the legacy job wrote for each product, in PRODUCTS order.
LEAD_TYPES = ("professional", "construction", "hard_money", "land")
FLOOR = common.LEDGER_START
RUN_OFFSET = 5 * common.MINUTE
# Its last run before the data's end (2025-12-31 00:05): the last day is never processed.
LAST_RUN = common.PERIOD_END - common.DAY + RUN_OFFSET
# Per mille of the recorded rows, and the floor that keeps each difference at any scale.
STALE_PRICE, OLD_DISCOUNT, DUPLICATED, DELETED = 3, 3, 2, 2
MIN_EACH = 2
# At least this many deliveries are newer than the last run, however small the scale.
MIN_UNPROCESSED = 2
# A stale price with no earlier version to fall back on: 2.50 below the list price.
STALE_CUT_CENTS = 250
# Broker ids times this plus an instant give one sortable key (ids stay far below 2**30).
_KEY = 1 << 33


def run_after(at: common.Ints) -> common.Ints:
    """The first legacy run that saw each delivery: 00:05 next day (the same day before 00:05).

    A run fetches what was delivered before it started.
    """
    return (at - RUN_OFFSET) // common.DAY * common.DAY + common.DAY + RUN_OFFSET


def plan_discounts(plans: Plans, broker_id: common.Ints, at: common.Ints) -> common.Ints:
    """Discount percent (hundredths) of the broker's plan active at each instant, 0 if none."""
    plan_keys = plans.broker_id * _KEY + plans.starts_at
    plan = np.searchsorted(plan_keys, broker_id * _KEY + at, side="right") - 1
    found = plan >= 0
    plan = np.maximum(plan, 0)
    active = (
        found
        & (plans.broker_id[plan] == broker_id)
        & (plans.open[plan] | (at < plans.ends_at[plan]))
    )
    percents = np.array([percent for _, percent in PLAN_TIERS], dtype=np.int64)
    return np.where(active, percents[plans.tier[plan]], 0)


def discount_cents(msrp: common.Ints, percent: common.Ints) -> common.Ints:
    """round(msrp * percent / 100, 2) half away from zero: cents, and percent in hundredths."""
    return (msrp * percent + 5000) // 10000


def _count(per_mille: int, rows: int) -> int:
    return max(MIN_EACH, round(rows * per_mille / 1000))


def legacy_ledger(
    rng: common.Rng, deliveries: dict[str, common.Table], plans: Plans
) -> common.Table:
    """billing.legacy_lead_sales_ledger, in the order the job appended its rows."""
    sizes = [len(deliveries[p.delivery_table]["id"]) for p in PRODUCTS]
    product = np.repeat(np.arange(len(PRODUCTS)), sizes)
    delivery_id = np.concatenate([deliveries[p.delivery_table]["id"] for p in PRODUCTS])
    broker_id = np.concatenate(
        [deliveries[p.delivery_table]["mortgage_broker_id"] for p in PRODUCTS]
    )
    delivered_at = np.concatenate(
        [deliveries[p.delivery_table]["created_at"].astype(np.int64) for p in PRODUCTS]
    )

    # The job stopped a day before the data ends, or earlier where the last day is empty.
    newest = np.sort(delivered_at)[-min(MIN_UNPROCESSED, len(delivered_at))]
    last_run = min(LAST_RUN, int(run_after(np.array([newest]))[0]) - common.DAY)
    recorded = np.flatnonzero((delivered_at >= FLOOR) & (run_after(delivered_at) <= last_run))
    product, delivery_id = product[recorded], delivery_id[recorded]
    broker_id, delivered_at = broker_id[recorded], delivered_at[recorded]
    msrp = _prices(product, delivered_at)
    percent = plan_discounts(plans, broker_id, delivered_at)
    n = len(recorded)

    # Stale prices where a product had an earlier price; the others are drawn at random.
    earliest = np.array([p.earlier_prices[0][1] if p.earlier_prices else 0 for p in PRODUCTS])
    had_earlier = earliest[product] > 0
    had_earlier &= earliest[product] != msrp
    by_preference = np.lexsort((rng.random(n), ~had_earlier))
    stale = by_preference[: _count(STALE_PRICE, n)]
    others = rng.permutation(by_preference[len(stale) :])
    old = others[: _count(OLD_DISCOUNT, n)]
    duplicated = others[len(old) : len(old) + _count(DUPLICATED, n)]

    msrp[stale] = np.where(
        had_earlier[stale], earliest[product[stale]], msrp[stale] - STALE_CUT_CENTS
    )
    percent[old] = _another_percent(rng, percent[old])

    # Deliveries the job recorded that the delivery tables no longer hold: ids past the end.
    deleted = _count(DELETED, n)
    ghost_product = rng.integers(0, len(PRODUCTS), deleted)
    ghost_id = np.array(sizes)[ghost_product] + 1 + np.arange(deleted)
    ghost_broker = broker_id[rng.integers(0, n, deleted)]
    ghost_at = common.instants(rng, FLOOR, last_run - common.DAY, deleted)
    ghost_percent = plan_discounts(plans, ghost_broker, ghost_at)

    columns = {
        "product": np.concatenate([product, product[duplicated], ghost_product]),
        "delivery_id": np.concatenate([delivery_id, delivery_id[duplicated], ghost_id]),
        "broker_id": np.concatenate([broker_id, broker_id[duplicated], ghost_broker]),
        "delivered_at": np.concatenate([delivered_at, delivered_at[duplicated], ghost_at]),
        "msrp": np.concatenate([msrp, msrp[duplicated], _prices(ghost_product, ghost_at)]),
        "percent": np.concatenate([percent, percent[duplicated], ghost_percent]),
    }
    processed_at = run_after(columns["delivered_at"])
    # Appended run after run; within a run the second copies come after the first ones.
    order = common.stable_order(processed_at)
    columns = {name: values[order] for name, values in columns.items()}
    discount = discount_cents(columns["msrp"], columns["percent"])
    values = (
        np.arange(1, len(order) + 1),
        common.texts(LEAD_TYPES)[columns["product"]],
        columns["delivery_id"],
        columns["broker_id"],
        common.timestamps(columns["delivered_at"]),
        columns["msrp"],
        columns["percent"],
        discount,
        columns["msrp"] - discount,
        common.timestamps(processed_at[order]),
    )
    return dict(zip(table_columns("billing", "legacy_lead_sales_ledger"), values, strict=True))


def _prices(product: common.Ints, at: common.Ints) -> common.Ints:
    """The list price in cents in force at each instant, per product."""
    cents = np.zeros(len(product), dtype=np.int64)
    for index, item in enumerate(PRODUCTS):
        own = product == index
        cents[own] = item.price_cents_at(at[own])
    return cents


def _another_percent(rng: common.Rng, percent: common.Ints) -> common.Ints:
    """A plan tier's discount other than each given one: the broker's earlier plan."""
    tiers = np.unique(np.array([p for _, p in PLAN_TIERS], dtype=np.int64))
    current = np.searchsorted(tiers, percent)
    return tiers[(current + common.integers(rng, 1, len(tiers) - 1, len(percent))) % len(tiers)]
