"""Schema `boberdoo`, lead side: leads, broker deals and lead sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from ledger_tools.demo import common

LEAD_TYPES = common.texts(("purchase", "refinance", "heloc"))
LEAD_TYPE_WEIGHTS = (50, 35, 15)
# The two auction deal types the demo simulates, each its own way (a symbolic or a real
# price, payouts, timing). The list of deal types is the var deal_types of dbt_project.yml;
# a deal type the demo does not simulate needs nothing here.
DEAL_TYPES = common.texts(("cpa_cpt", "warm_transfer"))
CPA, WARM = 0, 1
SALE_DEAL_TYPE_WEIGHTS = (60, 40)
# Payouts in cents, per deal type.
DEAL_PAYOUTS = (
    (15000, 17500, 18750, 20000, 22500, 25000),
    (6000, 7500, 8250, 9500, 11000),
)
# How many buyers one lead sells to: 0 to 3.
SALES_PER_LEAD_WEIGHTS = (45, 40, 12, 3)
# What a buyer buys under: both deal types, CPA/CPT only, warm transfers only.
BUYER_KIND_WEIGHTS = (50, 30, 20)
# A repeat buyer for a lead is drawn again this often before the sale is dropped: a
# deal type may have fewer buyers than the lead has sales of that type.
REDRAWS = 30
_TIE_UNTIL = common.seconds(datetime(2025, 11, 1))


@dataclass(frozen=True)
class Leads:
    """Leads in creation order, as columns; lead BL-n is at position n - 1."""

    ids: common.Texts
    phones: common.Texts
    lead_types: common.Texts
    created_at: common.Ints
    # The phone of the two leads created in the same instant, and that instant.
    tie_phone: str
    tie_at: int

    def __len__(self) -> int:
        return len(self.ids)

    def table(self) -> common.Table:
        return {
            "lead_id": self.ids,
            "phone": self.phones,
            "lead_type": self.lead_types,
            "created_at": common.timestamps(self.created_at),
        }

    def before(self, rng: common.Rng, at: common.Ints) -> common.Ints:
        """Positions of one of the last 20 leads created at or before each instant."""
        end = np.searchsorted(self.created_at, at, side="right")
        if (end == 0).any():
            raise ValueError("no lead created at or before some instant")
        low = np.maximum(end - 20, 0)
        return low + (rng.random(len(end)) * (end - low)).astype(np.int64)


def make_leads(rng: common.Rng, count: int, phones: common.PhoneBook) -> Leads:
    """Leads whose phones repeat: about 18% of phones have two or three leads.

    The first phone gets two leads created in the same instant, the tie that call
    attribution breaks by lead_id.
    """
    # One shared phone per ~7 leads gives ~18% shared phones with sizes 2, 2, 3.
    shared = np.array([2, 3])[common.shuffled_quota(rng, max(1, round(count / 7)), (2, 1))]
    shared = np.delete(shared, np.flatnonzero(shared == 2)[0])  # the tie phone's
    singles = count - 2 - int(shared.sum())
    # Phone 0 is the tie; phone 1, a shared one, opens before the ledger start.
    sizes = np.concatenate([[2], shared, np.ones(singles, np.int64)])
    first = common.instants(rng, common.TERMS_START, common.PERIOD_END, len(sizes))
    first[0] = common.instants(rng, common.LEDGER_START, _TIE_UNTIL, 1)[0]
    first[1] = common.instants(rng, common.TERMS_START, common.LEDGER_START, 1)[0]
    phone_numbers = phones.take(len(sizes))

    phone, slot = common.runs(sizes)
    # A phone's later leads come within 60 days of its first.
    later_end = np.minimum(first + 60 * common.DAY, common.PERIOD_END)
    later = common.instants(rng, first[phone], later_end[phone], len(phone))
    created = np.where((slot > 0) & (phone > 0), later, first[phone])
    order = common.stable_order(created)
    return Leads(
        ids=common.labels("BL-", range(1, count + 1), 6),
        phones=phone_numbers[phone[order]],
        lead_types=LEAD_TYPES[common.choose(rng, LEAD_TYPE_WEIGHTS, count)],
        created_at=created[order],
        tie_phone=str(phone_numbers[0]),
        tie_at=int(first[0]),
    )


@dataclass(frozen=True)
class Buyers:
    """The brokers buying on the platform, with the deal types each buys under."""

    ids: common.Ints
    weights: NDArray[np.float64]
    buys: tuple[common.Bools, common.Bools]  # per deal type: whether each buyer buys it

    def draw(self, rng: common.Rng, deal_type: int, size: int) -> common.Ints:
        """Buyers of a deal type, each in proportion to its volume."""
        own = self.buys[deal_type]
        return self.ids[own][common.choose(rng, self.weights[own], size)]


def make_buyers(rng: common.Rng, brokers: common.Brokers) -> Buyers:
    count = max(3, round(len(brokers) * 0.6))
    picked = np.sort(rng.choice(len(brokers), count, replace=False))
    kind = common.choose(rng, BUYER_KIND_WEIGHTS, count)
    # The first two buy both, so each deal type has two buyers at any scale.
    kind[:2] = 0
    return Buyers(
        ids=brokers.ids[picked],
        weights=brokers.weights[picked],
        buys=(kind != 2, kind != 1),
    )


@dataclass(frozen=True)
class Deals(common.Terms):
    """Broker deals in (buyer, deal type, start) order, as columns."""

    buyer_id: common.Ints
    deal_type: common.Ints
    payout: common.Ints

    def table(self) -> common.Table:
        return {
            "deal_id": common.labels("DEAL-", range(1, len(self.buyer_id) + 1), 4),
            "buyer_id": self.buyer_id,
            "deal_type": DEAL_TYPES[self.deal_type],
            "payout_amount": self.payout,
            **self.period(),
        }


def make_deals(rng: common.Rng, buyers: Buyers) -> Deals:
    """Per (buyer, deal type): two or three consecutive terms from TERMS_START, last open."""
    pair_buyer = np.concatenate([buyers.ids[buyers.buys[t]] for t in (CPA, WARM)])
    pair_type = np.concatenate([np.full(int(buyers.buys[t].sum()), t) for t in (CPA, WARM)])
    order = np.lexsort((pair_type, pair_buyer))
    pair_buyer, pair_type = pair_buyer[order], pair_type[order]
    pairs = len(pair_buyer)
    changes = common.integers(rng, 1, 2, pairs)
    change_at = common.change_instants(rng, pairs)
    two = changes == 2
    change_at[two] = np.sort(change_at[two], axis=1)
    # Different payouts for the terms of a pair: the first ones of a shuffled list.
    payouts = np.zeros((pairs, 3), np.int64)
    for t in (CPA, WARM):
        own = pair_type == t
        options = np.array(DEAL_PAYOUTS[t])
        shuffled = np.argsort(rng.random((int(own.sum()), len(options))), axis=1)
        payouts[own] = options[shuffled[:, :3]]

    pair, term = common.runs(changes + 1)
    last = term == changes[pair]
    return Deals(
        buyer_id=pair_buyer[pair],
        deal_type=pair_type[pair],
        payout=payouts[pair, term],
        starts_at=np.where(term == 0, common.TERMS_START, change_at[pair, np.maximum(term - 1, 0)]),
        ends_at=change_at[pair, np.minimum(term, 1)],
        open=last,
    )


def _prices(rng: common.Rng, deal_type: common.Ints) -> common.Ints:
    # The auction price of a CPA/CPT lead is symbolic: the payout is what counts.
    n = len(deal_type)
    cpa = np.where(rng.random(n) < 0.1, 0, common.integers(rng, 1, 500, n))
    return np.where(deal_type == CPA, cpa, common.integers(rng, 1000, 4000, n))


@dataclass(frozen=True)
class Sales:
    """Lead sales in order of sale, as columns."""

    transaction_ids: common.Texts
    lead_ids: common.Texts
    buyer_id: common.Ints
    deal_type: common.Ints
    price: common.Ints
    sold_at: common.Ints

    def table(self) -> common.Table:
        return {
            "transaction_id": self.transaction_ids,
            "lead_id": self.lead_ids,
            "buyer_id": self.buyer_id,
            "deal_type": DEAL_TYPES[self.deal_type],
            "price": self.price,
            "sold_at": common.timestamps(self.sold_at),
        }


def _sales_at_term_changes(
    rng: common.Rng, leads: Leads, deals: Deals, lead: common.Ints, buyer_id: common.Ints
) -> common.Ints:
    """Rows (lead, buyer, deal type, instant) of a sale exactly at each deal's term change.

    They exercise the half-open deal lookup. The lead is one created just before,
    which has not sold to that buyer yet.
    """
    stride = int(buyer_id.max(initial=0)) + 1
    sold = set((lead * stride + buyer_id).tolist())
    changing = np.flatnonzero(deals.starts_at != common.TERMS_START)
    tries = 20
    candidates = leads.before(rng, np.repeat(deals.starts_at[changing], tries))
    found: list[tuple[int, int, int, int]] = []
    for deal, options in zip(
        changing.tolist(), candidates.reshape(-1, tries).tolist(), strict=True
    ):
        buyer = int(deals.buyer_id[deal])
        for option in options:
            if option * stride + buyer not in sold:
                sold.add(option * stride + buyer)
                found.append(
                    (option, buyer, int(deals.deal_type[deal]), int(deals.starts_at[deal]))
                )
                break
    return np.array(found, np.int64).reshape(-1, 4)


def make_sales(rng: common.Rng, leads: Leads, buyers: Buyers, deals: Deals) -> Sales:
    """Lead sales: most leads sell to zero, one or two buyers, never twice to one buyer."""
    lead, _ = common.runs(common.choose(rng, SALES_PER_LEAD_WEIGHTS, len(leads)))
    deal_type = common.choose(rng, SALE_DEAL_TYPE_WEIGHTS, len(lead))
    buyer_id = np.zeros(len(lead), np.int64)
    again = np.ones(len(lead), bool)
    for _ in range(REDRAWS):
        for t in (CPA, WARM):
            redraw = again & (deal_type == t)
            buyer_id[redraw] = buyers.draw(rng, t, int(redraw.sum()))
        again = common.repeated_in_run(lead, buyer_id)
        if not again.any():
            break
    keep = ~again
    lead, deal_type, buyer_id = lead[keep], deal_type[keep], buyer_id[keep]

    warm = deal_type == WARM
    at_once = (rng.random(len(lead)) < 0.1) & ~warm
    # Some sell in the second they arrive (sold_at = created_at), one at least.
    if not at_once.any() and not warm.all():
        at_once[np.argmin(warm)] = True
    delay = np.where(
        warm,
        common.integers(rng, 0, 600, len(lead)),  # a live transfer follows the lead closely
        np.where(at_once, 0, common.integers(rng, 30, 6 * common.HOUR, len(lead))),
    )
    sold_at = np.minimum(leads.created_at[lead] + delay, common.PERIOD_END - 1)

    extra = _sales_at_term_changes(rng, leads, deals, lead, buyer_id)
    lead = np.concatenate([lead, extra[:, 0]])
    buyer_id = np.concatenate([buyer_id, extra[:, 1]])
    deal_type = np.concatenate([deal_type, extra[:, 2]])
    sold_at = np.concatenate([sold_at, extra[:, 3]])
    if not (sold_at < common.LEDGER_START).any():
        # The first lead opens before the ledger start: one sale of it at creation.
        first_buyers = buyer_id[lead == 0]
        buyer = next(int(b) for b in buyers.ids if b not in first_buyers)
        kind = CPA if buyers.buys[CPA][np.searchsorted(buyers.ids, buyer)] else WARM
        lead = np.append(lead, 0)
        buyer_id = np.append(buyer_id, buyer)
        deal_type = np.append(deal_type, kind)
        sold_at = np.append(sold_at, leads.created_at[0])

    order = common.stable_order(sold_at)
    return Sales(
        transaction_ids=common.labels("TX-", range(1, len(order) + 1), 7),
        lead_ids=leads.ids[lead[order]],
        buyer_id=buyer_id[order],
        deal_type=deal_type[order],
        price=_prices(rng, deal_type[order]),
        sold_at=sold_at[order],
    )
