"""Schema `boberdoo`, lead side: leads, broker deals and lead sales."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ledger_ops.demo.common import (
    DAY,
    HOUR,
    LEDGER_START,
    PERIOD_END,
    TERMS_START,
    Broker,
    Draws,
    Row,
    Weighted,
    order_by,
    seconds,
    shuffled_quota,
)

LEAD_TYPES = Weighted(("purchase", "refinance", "heloc"), (50, 35, 15))
DEAL_TYPES = ("cpa_cpt", "warm_transfer")
# Payouts in cents.
DEAL_PAYOUTS: dict[str, tuple[int, ...]] = {
    "cpa_cpt": (15000, 17500, 18750, 20000, 22500, 25000),
    "warm_transfer": (6000, 7500, 8250, 9500, 11000),
}
SALES_PER_LEAD = Weighted((0, 1, 2, 3), (45, 40, 12, 3))
SALE_DEAL_TYPE = Weighted(DEAL_TYPES, (60, 40))
BUYER_DEAL_TYPES = Weighted((DEAL_TYPES, ("cpa_cpt",), ("warm_transfer",)), (50, 30, 20))
_TIE_UNTIL = seconds(datetime(2025, 11, 1))

# A row of boberdoo.lead_sales: transaction_id, lead_id, buyer_id, deal_type, price, sold_at.
SaleRow = tuple[str, str, int, str, int, int]


@dataclass(frozen=True)
class Deal:
    deal_id: str
    buyer_id: int
    deal_type: str
    payout: int
    starts_at: int
    ends_at: int | None


class Leads:
    """Leads in creation order, as columns (position i is lead BL-i+1)."""

    def __init__(
        self, phones: list[str], created: list[int], lead_types: list[str], tie: tuple[str, int]
    ) -> None:
        self.ids = [f"BL-{n:06d}" for n in range(1, len(created) + 1)]
        self.phones = phones
        self.created = created
        self.lead_types = lead_types
        # The phone of the two leads created in the same instant, and that instant.
        self.tie_phone, self.tie_at = tie

    def __len__(self) -> int:
        return len(self.created)

    def rows(self) -> list[Row]:
        return list(zip(self.ids, self.phones, self.lead_types, self.created, strict=True))

    def before(self, draws: Draws, at: int) -> int:
        """The position of one of the last leads created at or before `at`."""
        end = bisect.bisect_right(self.created, at)
        if end == 0:
            raise ValueError(f"no lead created at or before {at}")
        return draws.between(max(0, end - 20), end - 1)


def make_leads(draws: Draws, count: int, used_phones: set[str]) -> Leads:
    """Leads whose phones repeat: about 18% of phones have two or three leads.

    The first phone gets two leads created in the same instant, the tie that call
    attribution breaks by lead_id.
    """
    # One shared phone per ~7 leads gives ~18% shared phones with sizes 2, 2, 3.
    shared = shuffled_quota(draws, max(1, round(count / 7)), (2, 3), (2, 1))
    shared.remove(2)
    # Every phone draws its own times, so the order of the phones matters only for
    # the first (the tie) and the second (opens before the ledger start).
    sizes = shared + [1] * (count - 2 - sum(shared))
    tie_phone, tie_at = draws.phone(used_phones), draws.instant(LEDGER_START, _TIE_UNTIL)
    times, phone_of = [tie_at, tie_at], [tie_phone, tie_phone]
    for group, size in enumerate(sizes):
        phone = draws.phone(used_phones)
        # The second phone opens in December 2024, so some sales precede the ledger.
        first = draws.instant(TERMS_START, LEDGER_START if group == 0 else PERIOD_END)
        times.append(first)
        phone_of.append(phone)
        if size > 1:
            later_end = min(first + 60 * DAY, PERIOD_END)
            for _ in range(size - 1):
                times.append(draws.instant(first, later_end))
                phone_of.append(phone)
    order = order_by(times)
    return Leads(
        [phone_of[i] for i in order],
        [times[i] for i in order],
        [LEAD_TYPES.draw(draws) for _ in order],
        (tie_phone, tie_at),
    )


def make_buyers(draws: Draws, brokers: Sequence[Broker]) -> dict[int, tuple[str, ...]]:
    """The brokers buying on the platform, each with the deal types it buys under."""
    buyers = sorted(draws.sample(brokers, max(3, round(len(brokers) * 0.6))), key=lambda b: b.id)
    types: dict[int, tuple[str, ...]] = {}
    for index, buyer in enumerate(buyers):
        # The first two take both, so each deal type has two buyers at any scale.
        types[buyer.id] = DEAL_TYPES if index < 2 else BUYER_DEAL_TYPES.draw(draws)
    return types


def make_deals(draws: Draws, buyer_types: Mapping[int, tuple[str, ...]]) -> list[Deal]:
    """Per (buyer, deal type): two or three consecutive terms from TERMS_START, last open."""
    terms: list[tuple[int, str, int, int, int | None]] = []
    for buyer_id, types in buyer_types.items():
        for deal_type in types:
            changes = draws.change_instants(draws.between(1, 2))
            payouts = draws.sample(DEAL_PAYOUTS[deal_type], len(changes) + 1)
            ends: list[int | None] = [*changes, None]
            for payout, starts_at, ends_at in zip(
                payouts, [TERMS_START, *changes], ends, strict=True
            ):
                terms.append((buyer_id, deal_type, payout, starts_at, ends_at))
    terms.sort(key=lambda t: (t[0], t[1], t[3]))
    return [Deal(f"DEAL-{n:04d}", *term) for n, term in enumerate(terms, start=1)]


class _Sales:
    """Lead sales as columns, with the rule that a lead sells at most once to a buyer."""

    def __init__(self, draws: Draws) -> None:
        self._draws = draws
        # (lead position, buyer id) as one int: a million pairs stay small.
        self._sold: set[int] = set()
        self.at: list[int] = []
        self._lead: list[int] = []
        self._buyer: list[int] = []
        self._deal_type: list[str] = []
        self._price: list[int] = []

    def has_sold(self, lead: int, buyer_id: int) -> bool:
        return (lead << 32 | buyer_id) in self._sold

    def add(self, lead: int, buyer_id: int, deal_type: str, at: int) -> None:
        draws = self._draws
        if deal_type == "cpa_cpt":
            # The auction price of a CPA/CPT lead is symbolic: the payout is what counts.
            price = 0 if draws.random() < 0.1 else draws.between(1, 500)
        else:
            price = draws.between(1000, 4000)
        self._sold.add(lead << 32 | buyer_id)
        self.at.append(at)
        self._lead.append(lead)
        self._buyer.append(buyer_id)
        self._deal_type.append(deal_type)
        self._price.append(price)

    def rows(self, lead_ids: Sequence[str]) -> list[SaleRow]:
        """Transaction ids in order of sale; the same instant keeps the order of `add`."""
        return [
            (
                f"TX-{n:07d}",
                lead_ids[self._lead[i]],
                self._buyer[i],
                self._deal_type[i],
                self._price[i],
                self.at[i],
            )
            for n, i in enumerate(order_by(self.at), start=1)
        ]


def make_sales(
    draws: Draws,
    leads: Leads,
    buyer_types: Mapping[int, tuple[str, ...]],
    brokers: Sequence[Broker],
    deals: Sequence[Deal],
) -> list[SaleRow]:
    """Lead sales: most leads sell to zero, one or two buyers, never twice to one buyer."""
    buyers = [b for b in brokers if b.id in buyer_types]
    by_type: dict[str, Weighted[int]] = {}
    for deal_type in DEAL_TYPES:
        own = [b for b in buyers if deal_type in buyer_types[b.id]]
        by_type[deal_type] = Weighted([b.id for b in own], [b.weight for b in own])
    sales = _Sales(draws)
    sold_instantly = False
    last_second = PERIOD_END - 1

    for lead, created_at in enumerate(leads.created):
        sold_to: list[int] = []
        for _ in range(SALES_PER_LEAD.draw(draws)):
            deal_type = SALE_DEAL_TYPE.draw(draws)
            candidates = by_type[deal_type]
            # Few buyers of a type may all have bought this lead already.
            if len(candidates) <= 3 and all(b in sold_to for b in candidates.items):
                continue
            buyer_id = candidates.draw(draws)
            while buyer_id in sold_to:
                buyer_id = candidates.draw(draws)
            if deal_type == "warm_transfer":
                delay = draws.between(0, 600)  # a live transfer follows the lead closely
            else:
                # Some sell in the second they arrive (sold_at = created_at), one at least.
                at_once = draws.random() < 0.1 or not sold_instantly
                delay = 0 if at_once else draws.between(30, 6 * HOUR)
                sold_instantly = sold_instantly or at_once
            sold_to.append(buyer_id)
            sales.add(lead, buyer_id, deal_type, min(created_at + delay, last_second))
    # Sales exactly at a deal's term change exercise the half-open deal lookup.
    for deal in deals:
        if deal.starts_at == TERMS_START:
            continue
        for _ in range(20):
            lead = leads.before(draws, deal.starts_at)
            if not sales.has_sold(lead, deal.buyer_id):
                sales.add(lead, deal.buyer_id, deal.deal_type, deal.starts_at)
                break
    if not any(at < LEDGER_START for at in sales.at):
        for buyer in buyers:
            if not sales.has_sold(0, buyer.id):
                sales.add(0, buyer.id, buyer_types[buyer.id][0], leads.created[0])
                break
    return sales.rows(leads.ids)


def deals_rows(deals: Sequence[Deal]) -> list[Row]:
    return [(d.deal_id, d.buyer_id, d.deal_type, d.payout, d.starts_at, d.ends_at) for d in deals]
