"""Schema `finance`: manual journals keyed by hand, balanced in the demo data."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from ledger_tools.demo import common

CLERKS = ("a.kowalski", "m.chen", "r.okafor")
_ENTERED_FROM, _ENTERED_UNTIL = (
    common.seconds(datetime(2025, 1, 6)),
    common.seconds(datetime(2025, 12, 20)),
)
# (account_code, debit, credit) per line, in cents.
_Lines = list[tuple[str, int, int]]


def make_journal_lines(rng: common.Rng, brokers: common.Brokers) -> common.Table:
    """Six balanced journals of the kinds finance posts by hand, on the chart's accounts."""

    def amount(low: int, high: int) -> int:
        return int(rng.integers(low * 100, high * 100, endpoint=True))

    def broker() -> str:
        position = int(rng.integers(0, len(brokers)))
        return f"{brokers.names[position]} (broker {brokers.ids[position]})"

    write_off, goodwill, reclass = amount(80, 600), amount(25, 150), amount(100, 400)
    missed, missed_calls = amount(100, 400), amount(20, 80)
    refund, discount, reversal = amount(20, 120), amount(5, 40), amount(35, 80)
    journals: list[tuple[str, _Lines]] = [
        (
            f"Bad-debt write-off, {broker()}, invoice unpaid 120 days",
            [("4900", write_off, 0), ("1100", 0, write_off)],
        ),
        (
            f"Goodwill credit to {broker()} for duplicate leads",
            [("4800", goodwill, 0), ("1100", 0, goodwill)],
        ),
        (
            "Reclassify CPA payout booked as lead sale revenue",
            [("4100", reclass, 0), ("4200", 0, reclass)],
        ),
        (
            f"Manual invoice to {broker()} for deliveries and calls missed in a billing outage",
            [("1100", missed + missed_calls, 0), ("4000", 0, missed), ("4300", 0, missed_calls)],
        ),
        (
            f"Partial refund and loyalty discount, {broker()}",
            [("4900", refund, 0), ("4800", discount, 0), ("1100", 0, refund + discount)],
        ),
        (
            f"Reverse disputed call charge, {broker()}",
            [("4300", reversal, 0), ("1100", 0, reversal)],
        ),
    ]
    entered = common.instants(rng, _ENTERED_FROM, _ENTERED_UNTIL, len(journals)).tolist()
    clerks = [CLERKS[i] for i in rng.integers(0, len(CLERKS), len(journals)).tolist()]
    rows = [
        (f"MJ-2025-{number:03d}", line, account, debit, credit, memo, clerk, entered_at)
        for number, (entered_at, clerk, (memo, lines)) in enumerate(
            sorted(zip(entered, clerks, journals, strict=True)), start=1
        )
        for line, (account, debit, credit) in enumerate(lines, start=1)
    ]
    journal, line, account, debit, credit, memo, clerk, entered_at = zip(*rows, strict=True)
    return {
        "journal_id": common.texts(journal),
        "line_number": np.array(line, np.int64),
        "account_code": common.texts(account),
        "debit": np.array(debit, np.int64),
        "credit": np.array(credit, np.int64),
        "memo": common.texts(memo),
        "entered_by": common.texts(clerk),
        "entered_at": common.timestamps(np.array(entered_at, np.int64)),
    }
