"""Schema `boberdoo`, lead side: leads, broker deals and lead sales."""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ledger_ops.demo.common import (
    LEDGER_START,
    PERIOD_END,
    TERMS_START,
    ZERO,
    Broker,
    Row,
    cents,
    change_instants,
    instant,
    new_phone,
    shuffled_quota,
    weighted,
)

LEAD_TYPES = ("purchase", "refinance", "heloc")
DEAL_TYPES = ("cpa_cpt", "warm_transfer")
DEAL_PAYOUTS: dict[str, tuple[str, ...]] = {
    "cpa_cpt": ("150.00", "175.00", "187.50", "200.00", "225.00", "250.00"),
    "warm_transfer": ("60.00", "75.00", "82.50", "95.00", "110.00"),
}


@dataclass(frozen=True)
class Lead:
    lead_id: str
    phone: str
    lead_type: str
    created_at: datetime


@dataclass(frozen=True)
class Deal:
    deal_id: str
    buyer_id: int
    deal_type: str
    payout: Decimal
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class Sale:
    transaction_id: str
    lead_id: str
    buyer_id: int
    deal_type: str
    price: Decimal
    sold_at: datetime


def make_leads(rng: random.Random, count: int, used_phones: set[str]) -> tuple[list[Lead], str]:
    """Leads whose phones repeat: about 18% of phones have two or three leads.

    The first phone gets two leads created in the same instant, the tie that call
    attribution breaks by lead_id; that phone is returned with the leads.
    """
    # One shared phone per ~7 leads gives ~18% shared phones with sizes 2, 2, 3.
    shared = shuffled_quota(rng, max(1, round(count / 7)), (2, 3), (2, 1))
    shared.remove(2)
    others = shared + [1] * (count - 2 - sum(shared))
    rng.shuffle(others)
    pending: list[tuple[datetime, str]] = []
    tie_phone = ""
    for group, size in enumerate([2, *others]):
        phone = new_phone(rng, used_phones)
        if group == 0:
            tie_phone = phone
            first = instant(rng, LEDGER_START, datetime(2025, 11, 1))
            times = [first] * size
        else:
            # The second phone opens in December 2024, so some sales precede the ledger.
            first = instant(rng, TERMS_START, LEDGER_START if group == 1 else PERIOD_END)
            later_end = min(first + timedelta(days=60), PERIOD_END)
            times = [first] + [instant(rng, first, later_end) for _ in range(size - 1)]
        pending.extend((at, phone) for at in times)
    pending.sort(key=lambda p: p[0])
    leads = [
        Lead(f"BL-{n:06d}", phone, rng.choices(LEAD_TYPES, weights=(50, 35, 15))[0], at)
        for n, (at, phone) in enumerate(pending, start=1)
    ]
    return leads, tie_phone


def lead_before(rng: random.Random, leads: Sequence[Lead], at: datetime) -> Lead:
    """One of the last leads created at or before `at` (leads are in creation order)."""
    end = bisect.bisect_right([lead.created_at for lead in leads], at)
    if end == 0:
        raise ValueError(f"no lead created at or before {at}")
    return leads[rng.randrange(max(0, end - 20), end)]


def make_buyers(rng: random.Random, brokers: Sequence[Broker]) -> dict[int, tuple[str, ...]]:
    """The brokers buying on the platform, each with the deal types it buys under."""
    buyers = sorted(
        rng.sample(list(brokers), max(3, round(len(brokers) * 0.6))), key=lambda b: b.id
    )
    options = (DEAL_TYPES, ("cpa_cpt",), ("warm_transfer",))
    types: dict[int, tuple[str, ...]] = {}
    for index, buyer in enumerate(buyers):
        # The first two take both, so each deal type has two buyers at any scale.
        types[buyer.id] = DEAL_TYPES if index < 2 else rng.choices(options, weights=(50, 30, 20))[0]
    return types


def make_deals(rng: random.Random, buyer_types: Mapping[int, tuple[str, ...]]) -> list[Deal]:
    """Per (buyer, deal type): two or three consecutive terms from TERMS_START, last open."""
    terms: list[tuple[int, str, Decimal, datetime, datetime | None]] = []
    for buyer_id, types in buyer_types.items():
        for deal_type in types:
            changes = change_instants(rng, rng.choice((1, 2)))
            payouts = rng.sample(DEAL_PAYOUTS[deal_type], len(changes) + 1)
            ends: list[datetime | None] = [*changes, None]
            for payout, starts_at, ends_at in zip(
                payouts, [TERMS_START, *changes], ends, strict=True
            ):
                terms.append((buyer_id, deal_type, Decimal(payout), starts_at, ends_at))
    terms.sort(key=lambda t: (t[0], t[1], t[3]))
    return [Deal(f"DEAL-{n:04d}", *term) for n, term in enumerate(terms, start=1)]


def make_sales(
    rng: random.Random,
    leads: Sequence[Lead],
    buyer_types: Mapping[int, tuple[str, ...]],
    brokers: Sequence[Broker],
    deals: Sequence[Deal],
) -> list[Sale]:
    """Lead sales: most leads sell to zero, one or two buyers, never twice to one buyer."""
    buyers = [b for b in brokers if b.id in buyer_types]
    by_type = {t: [b for b in buyers if t in buyer_types[b.id]] for t in DEAL_TYPES}
    sold_to: dict[str, set[int]] = {lead.lead_id: set() for lead in leads}
    pending: list[tuple[datetime, str, int, str, Decimal]] = []
    sold_instantly = False

    def sell(lead: Lead, buyer_id: int, deal_type: str, at: datetime) -> None:
        if deal_type == "cpa_cpt":
            # The auction price of a CPA/CPT lead is symbolic: the payout is what counts.
            price = ZERO if rng.random() < 0.1 else cents(rng.randint(1, 500))
        else:
            price = cents(rng.randint(1000, 4000))
        sold_to[lead.lead_id].add(buyer_id)
        pending.append((at, lead.lead_id, buyer_id, deal_type, price))

    for lead in leads:
        for _ in range(rng.choices((0, 1, 2, 3), weights=(45, 40, 12, 3))[0]):
            deal_type = rng.choices(DEAL_TYPES, weights=(60, 40))[0]
            candidates = [b for b in by_type[deal_type] if b.id not in sold_to[lead.lead_id]]
            if not candidates:
                continue
            if deal_type == "warm_transfer":
                delay = rng.randint(0, 600)  # a live transfer follows the lead closely
            else:
                # Some sell in the second they arrive (sold_at = created_at), one at least.
                at_once = rng.random() < 0.1 or not sold_instantly
                delay = 0 if at_once else rng.randint(30, 6 * 3600)
                sold_instantly = sold_instantly or at_once
            at = lead.created_at + timedelta(seconds=delay)
            sell(
                lead,
                weighted(rng, candidates).id,
                deal_type,
                min(at, PERIOD_END - timedelta(seconds=1)),
            )
    # Sales exactly at a deal's term change exercise the half-open deal lookup.
    for deal in deals:
        if deal.starts_at == TERMS_START:
            continue
        for _ in range(20):
            lead = lead_before(rng, leads, deal.starts_at)
            if deal.buyer_id not in sold_to[lead.lead_id]:
                sell(lead, deal.buyer_id, deal.deal_type, deal.starts_at)
                break
    if not any(at < LEDGER_START for at, *_ in pending):
        first = leads[0]
        for buyer in buyers:
            if buyer.id not in sold_to[first.lead_id]:
                sell(first, buyer.id, buyer_types[buyer.id][0], first.created_at)
                break
    pending.sort(key=lambda s: (s[0], s[1], s[2]))
    return [
        Sale(f"TX-{n:07d}", lead_id, buyer_id, deal_type, price, at)
        for n, (at, lead_id, buyer_id, deal_type, price) in enumerate(pending, start=1)
    ]


def leads_rows(leads: Sequence[Lead]) -> list[Row]:
    return [(x.lead_id, x.phone, x.lead_type, x.created_at) for x in leads]


def sales_rows(sales: Sequence[Sale]) -> list[Row]:
    return [
        (s.transaction_id, s.lead_id, s.buyer_id, s.deal_type, s.price, s.sold_at) for s in sales
    ]


def deals_rows(deals: Sequence[Deal]) -> list[Row]:
    return [(d.deal_id, d.buyer_id, d.deal_type, d.payout, d.starts_at, d.ends_at) for d in deals]
