"""Broker feedback on lead sales and billable calls: `boberdoo.dispositions`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger_ops.demo.calls import Call, CampaignTerm, active_term
from ledger_ops.demo.common import PERIOD_END, Row
from ledger_ops.demo.sales import Sale

Feedback = tuple[tuple[tuple[str, ...], int], ...]

# Status sequences with their weights. The rare ones are also forced once each
# (`*_MUST_HAVE`), so the edge cases exist at every scale: `sold` reported twice,
# `returned` before any `sold`, refunds of sales and of calls.
SALE_FEEDBACK: Feedback = (
    (("contacted", "sold"), 28),
    (("contacted", "not_sold"), 20),
    (("sold",), 10),
    (("on_hold",), 8),
    (("contacted", "on_hold", "sold"), 6),
    (("not_sold",), 6),
    (("contacted",), 6),
    (("sold", "returned"), 7),
    (("contacted", "sold", "returned"), 3),
    (("sold", "sold"), 3),
    (("returned",), 2),
    (("returned", "sold"), 1),
)
SALE_MUST_HAVE = (("sold", "sold"), ("returned",), ("returned", "sold"), ("sold", "returned"))
CALL_FEEDBACK: Feedback = (
    (("contacted", "sold"), 30),
    (("contacted", "not_sold"), 20),
    (("sold",), 15),
    (("on_hold",), 10),
    (("contacted",), 10),
    (("sold", "returned"), 8),
    (("returned",), 4),
    (("not_sold",), 3),
)
CALL_MUST_HAVE = (("returned",), ("sold", "returned"))
SALE_FEEDBACK_SHARE = 0.7
CALL_FEEDBACK_SHARE = 0.4


@dataclass(frozen=True)
class _Item:
    """Something a broker reports on: a lead sale or a billable call."""

    transaction_id: str | None
    call_id: str | None
    buyer_id: int
    at: datetime


def _events(
    rng: random.Random,
    items: Sequence[_Item],
    share: float,
    feedback: Feedback,
    must_have: Sequence[tuple[str, ...]],
) -> list[tuple[datetime, _Item, str]]:
    forced = list(must_have)
    sequences = [s for s, _ in feedback]
    weights = [w for _, w in feedback]
    # Early enough for a whole forced sequence to be reported before PERIOD_END.
    forced_before = PERIOD_END - timedelta(days=45)
    chosen = set(rng.sample(range(len(items)), round(share * len(items))))
    events = []
    for index, item in enumerate(items):
        if index not in chosen:
            continue
        if forced and item.at < forced_before:
            sequence = forced.pop(0)
            # The first forced sequence reports its second status in the same second.
            tie_step = 1 if len(forced) == len(must_have) - 1 else None
        else:
            sequence = rng.choices(sequences, weights=weights)[0]
            tie_step = 1 if len(sequence) > 1 and rng.random() < 0.05 else None
        at = item.at + timedelta(seconds=rng.randint(300, 3 * 86400))
        for step, status in enumerate(sequence):
            if step and step != tie_step:
                at += timedelta(seconds=rng.randint(3600, 10 * 86400))
            # Feedback still to come after the data's cut-off is simply not there yet.
            if at >= PERIOD_END:
                break
            events.append((at, item, status))
    return events


def make_dispositions(
    rng: random.Random,
    sales: Sequence[Sale],
    calls: Sequence[Call],
    campaigns: Sequence[CampaignTerm],
) -> list[Row]:
    """Feedback on ~70% of sales and ~40% of billable calls; none on unbillable calls."""
    sale_items = [_Item(s.transaction_id, None, s.buyer_id, s.sold_at) for s in sales]
    call_items = []
    for call in calls:
        term = active_term(campaigns, call.campaign_id, call.started_at)
        if term is not None and call.duration_seconds >= term.min_duration:
            call_items.append(_Item(None, call.call_id, term.buyer_id, call.started_at))
    events = _events(rng, sale_items, SALE_FEEDBACK_SHARE, SALE_FEEDBACK, SALE_MUST_HAVE)
    events += _events(rng, call_items, CALL_FEEDBACK_SHARE, CALL_FEEDBACK, CALL_MUST_HAVE)
    # Stable sort: statuses of one item reported in the same second keep their order,
    # so the later one gets the greater disposition_id.
    events.sort(key=lambda e: e[0])
    return [
        (f"DSP-{n:07d}", item.transaction_id, item.call_id, item.buyer_id, status, at)
        for n, (at, item, status) in enumerate(events, start=1)
    ]
