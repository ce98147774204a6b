"""Schema `boberdoo`, broker feedback: dispositions on lead sales and billable calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ledger_tools.demo import common
from ledger_tools.demo.calls import Calls, Campaigns
from ledger_tools.demo.sales import Sales

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
# Early enough for a whole forced sequence to be reported before PERIOD_END.
_FORCED_BEFORE = common.PERIOD_END - 45 * common.DAY


def _report(
    rng: common.Rng,
    item_at: common.Ints,
    share: float,
    feedback: Feedback,
    must_have: Sequence[tuple[str, ...]],
) -> tuple[common.Ints, common.Texts, common.Ints]:
    """(item, status, reported_at) of every report on a share of the items.

    Items are in time order; a sequence's statuses come in order, each some hours or
    days after the one before, or, now and then, in the same second.
    """
    sequences = [s for s, _ in feedback]
    lengths = np.array([len(s) for s in sequences])
    statuses = common.texts(status for s in sequences for status in s)
    first_status = np.cumsum(lengths) - lengths

    chosen = np.sort(rng.choice(len(item_at), round(share * len(item_at)), replace=False))
    sequence = common.choose(rng, [w for _, w in feedback], len(chosen))
    tie = (lengths[sequence] > 1) & (rng.random(len(chosen)) < 0.05)
    # The forced sequences go to the first chosen items early enough, in order; the
    # first of them reports its second status in the same second.
    forced = np.flatnonzero(item_at[chosen] < _FORCED_BEFORE)[: len(must_have)]
    sequence[forced] = [sequences.index(s) for s in must_have[: len(forced)]]
    tie[forced] = False
    tie[forced[:1]] = lengths[sequence[forced[:1]]] > 1

    report, step = common.runs(lengths[sequence])
    gap = np.where(
        step == 0,
        common.integers(rng, 300, 3 * common.DAY, len(report)),
        np.where(
            tie[report] & (step == 1),
            0,
            common.integers(rng, common.HOUR, 10 * common.DAY, len(report)),
        ),
    )
    elapsed = np.cumsum(gap)
    elapsed -= (elapsed - gap)[step == 0][report]  # restart at each report's first status
    item = chosen[report]
    reported_at = item_at[item] + elapsed
    # Feedback still to come after the data's cut-off is simply not there yet.
    known = reported_at < common.PERIOD_END
    status = statuses[first_status[sequence[report]] + step]
    return item[known], status[known], reported_at[known]


def make_dispositions(
    rng: common.Rng, sales: Sales, calls: Calls, campaigns: Campaigns
) -> common.Table:
    """Feedback on ~70% of sales and ~40% of billable calls; none on unbillable calls."""
    sale, sale_status, sale_at = _report(
        rng, sales.sold_at, SALE_FEEDBACK_SHARE, SALE_FEEDBACK, SALE_MUST_HAVE
    )
    term = np.maximum(calls.term, 0)
    billable = np.flatnonzero((calls.term >= 0) & (calls.duration >= campaigns.min_duration[term]))
    call, call_status, call_at = _report(
        rng, calls.started_at[billable], CALL_FEEDBACK_SHARE, CALL_FEEDBACK, CALL_MUST_HAVE
    )
    call = billable[call]

    none_sale, none_call = common.texts([None] * len(call)), common.texts([None] * len(sale))
    transaction_id = np.concatenate([sales.transaction_ids[sale], none_sale])
    call_id = np.concatenate([none_call, calls.call_ids[call]])
    buyer_id = np.concatenate([sales.buyer_id[sale], campaigns.buyer_id[calls.term[call]]])
    status = np.concatenate([sale_status, call_status])
    reported_at = np.concatenate([sale_at, call_at])
    # A stable order on the instant: statuses of one item reported in the same second
    # keep their order, so the later one gets the greater disposition_id.
    order = common.stable_order(reported_at)
    return {
        "disposition_id": common.labels("DSP-", range(1, len(order) + 1), 7),
        "transaction_id": transaction_id[order],
        "call_id": call_id[order],
        "buyer_id": buyer_id[order],
        "status": status[order],
        "reported_at": common.timestamps(reported_at[order]),
    }
