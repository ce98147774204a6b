"""Schema `boberdoo`, broker feedback: dispositions on lead sales and billable calls."""

from __future__ import annotations

from collections.abc import Sequence

from ledger_ops.demo.calls import CallRow, Campaigns
from ledger_ops.demo.common import DAY, HOUR, PERIOD_END, Draws, Row, Weighted, order_by
from ledger_ops.demo.sales import SaleRow

Feedback = tuple[tuple[tuple[str, ...], int], ...]
# Something a broker reports on: (transaction_id, call_id, buyer_id, sold or called at),
# exactly one of the two ids set.
_Item = tuple[str | None, str | None, int, int]

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
# Early enough for a whole forced sequence to be reported before PERIOD_END.
_FORCED_BEFORE = PERIOD_END - 45 * DAY


class _Dispositions:
    """Feedback as columns: when, transaction or call, buyer, status."""

    def __init__(self) -> None:
        self.at: list[int] = []
        self._transaction: list[str | None] = []
        self._call: list[str | None] = []
        self._buyer: list[int] = []
        self._status: list[str] = []

    def add(self, at: int, item: _Item, status: str) -> None:
        transaction_id, call_id, buyer_id, _ = item
        self.at.append(at)
        self._transaction.append(transaction_id)
        self._call.append(call_id)
        self._buyer.append(buyer_id)
        self._status.append(status)

    def rows(self) -> list[Row]:
        # A stable order on the instant only: statuses of one item reported in the same
        # second keep their order, so the later one gets the greater disposition_id.
        return [
            (
                f"DSP-{n:07d}",
                self._transaction[i],
                self._call[i],
                self._buyer[i],
                self._status[i],
                self.at[i],
            )
            for n, i in enumerate(order_by(self.at), start=1)
        ]


def _report(
    draws: Draws,
    out: _Dispositions,
    items: Sequence[_Item],
    share: float,
    feedback: Feedback,
    must_have: Sequence[tuple[str, ...]],
) -> None:
    forced = list(must_have)
    sequences = Weighted([s for s, _ in feedback], [w for _, w in feedback])
    chosen = draws.selection(len(items), round(share * len(items)))
    for item, is_chosen in zip(items, chosen, strict=True):
        if not is_chosen:
            continue
        item_at = item[3]
        if forced and item_at < _FORCED_BEFORE:
            sequence = forced.pop(0)
            # The first forced sequence reports its second status in the same second.
            tie_step = 1 if len(forced) == len(must_have) - 1 else None
        else:
            sequence = sequences.draw(draws)
            tie_step = 1 if len(sequence) > 1 and draws.random() < 0.05 else None
        at = item_at + draws.between(300, 3 * DAY)
        for step, status in enumerate(sequence):
            if step and step != tie_step:
                at += draws.between(HOUR, 10 * DAY)
            # Feedback still to come after the data's cut-off is simply not there yet.
            if at >= PERIOD_END:
                break
            out.add(at, item, status)


def make_dispositions(
    draws: Draws, sales: Sequence[SaleRow], calls: Sequence[CallRow], campaigns: Campaigns
) -> list[Row]:
    """Feedback on ~70% of sales and ~40% of billable calls; none on unbillable calls."""
    sale_items: list[_Item] = [
        (transaction_id, None, buyer_id, sold_at)
        for transaction_id, _, buyer_id, _, _, sold_at in sales
    ]
    call_items: list[_Item] = []
    for call_id, campaign_id, _, started_at, duration in calls:
        term = campaigns.active(campaign_id, started_at)
        if term is not None and duration >= term.min_duration:
            call_items.append((None, call_id, term.buyer_id, started_at))
    out = _Dispositions()
    _report(draws, out, sale_items, SALE_FEEDBACK_SHARE, SALE_FEEDBACK, SALE_MUST_HAVE)
    del sale_items
    _report(draws, out, call_items, CALL_FEEDBACK_SHARE, CALL_FEEDBACK, CALL_MUST_HAVE)
    return out.rows()
