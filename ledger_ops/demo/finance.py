"""Schema `finance`: manual journals keyed by hand, balanced in the demo data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ledger_ops.demo.common import Broker, Draws, Row, seconds

CLERKS = ("a.kowalski", "m.chen", "r.okafor")
_ENTERED_FROM, _ENTERED_UNTIL = seconds(datetime(2025, 1, 6)), seconds(datetime(2025, 12, 20))
# (account_code, debit, credit) per line, in cents.
_Lines = list[tuple[str, int, int]]


def make_journal_lines(draws: Draws, brokers: Sequence[Broker]) -> list[Row]:
    """Six balanced journals of the kinds finance posts by hand, on the chart's accounts."""

    def amount(low: int, high: int) -> int:
        return draws.between(low * 100, high * 100)

    def broker() -> str:
        b = draws.pick(brokers)
        return f"{b.name} (broker {b.id})"

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
    dated = sorted(
        (draws.instant(_ENTERED_FROM, _ENTERED_UNTIL), draws.pick(CLERKS), journal)
        for journal in journals
    )
    rows: list[Row] = []
    for number, (entered_at, clerk, (memo, lines)) in enumerate(dated, start=1):
        journal_id = f"MJ-2025-{number:03d}"
        for line_number, (account, debit, credit) in enumerate(lines, start=1):
            rows.append((journal_id, line_number, account, debit, credit, memo, clerk, entered_at))
    return rows
