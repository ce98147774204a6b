"""Schema `finance`: manual journals keyed by hand, balanced in the demo data."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ledger_ops.demo.common import ZERO, Broker, Row, cents, instant

CLERKS = ("a.kowalski", "m.chen", "r.okafor")
# (account_code, debit, credit) per line.
_Lines = list[tuple[str, Decimal, Decimal]]


def make_journal_lines(rng: random.Random, brokers: Sequence[Broker]) -> list[Row]:
    """Six balanced journals of the kinds finance posts by hand, on the chart's accounts."""

    def amount(low: int, high: int) -> Decimal:
        return cents(rng.randint(low * 100, high * 100))

    def broker() -> str:
        b = rng.choice(brokers)
        return f"{b.name} (broker {b.id})"

    write_off, goodwill, reclass = amount(80, 600), amount(25, 150), amount(100, 400)
    missed, missed_calls = amount(100, 400), amount(20, 80)
    refund, discount, reversal = amount(20, 120), amount(5, 40), amount(35, 80)
    journals: list[tuple[str, _Lines]] = [
        (
            f"Bad-debt write-off, {broker()}, invoice unpaid 120 days",
            [("4900", write_off, ZERO), ("1100", ZERO, write_off)],
        ),
        (
            f"Goodwill credit to {broker()} for duplicate leads",
            [("4800", goodwill, ZERO), ("1100", ZERO, goodwill)],
        ),
        (
            "Reclassify CPA payout booked as lead sale revenue",
            [("4100", reclass, ZERO), ("4200", ZERO, reclass)],
        ),
        (
            f"Manual invoice to {broker()} for deliveries and calls missed in a billing outage",
            [
                ("1100", missed + missed_calls, ZERO),
                ("4000", ZERO, missed),
                ("4300", ZERO, missed_calls),
            ],
        ),
        (
            f"Partial refund and loyalty discount, {broker()}",
            [("4900", refund, ZERO), ("4800", discount, ZERO), ("1100", ZERO, refund + discount)],
        ),
        (
            f"Reverse disputed call charge, {broker()}",
            [("4300", reversal, ZERO), ("1100", ZERO, reversal)],
        ),
    ]
    dated = sorted(
        (instant(rng, datetime(2025, 1, 6), datetime(2025, 12, 20)), rng.choice(CLERKS), journal)
        for journal in journals
    )
    rows: list[Row] = []
    for number, (entered_at, clerk, (memo, lines)) in enumerate(dated, start=1):
        journal_id = f"MJ-2025-{number:03d}"
        for line_number, (account, debit, credit) in enumerate(lines, start=1):
            rows.append((journal_id, line_number, account, debit, credit, memo, clerk, entered_at))
    return rows
