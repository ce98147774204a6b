"""Exact money for messages: Decimal in, "$1,234.50" out, never a float (a float could turn a
one-cent imbalance into a rounding artefact); and counts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """`value` as a Decimal, None stays None; ValueError for anything not a finite number."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        result = None if isinstance(value, bool) else Decimal(str(value).strip())
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite():
        raise ValueError(f"not a money value: {value!r}")
    return result


def format_usd(value: Decimal | None) -> str:
    """`-$1,234.50`; more than two decimals are shown in full, not rounded away."""
    if value is None:
        return "n/a"
    magnitude = abs(value)
    exact = magnitude == magnitude.quantize(CENT)
    digits = f"{magnitude.quantize(CENT):,.2f}" if exact else f"{magnitude:,f}"
    return f"{'-' if value < 0 else ''}${digits}"


def usd(value: Any) -> str:
    """`$1,234.50 USD` of an amount or its text; n/a for None or no amount (a garbled state)."""
    try:
        amount = to_decimal(value)
    except ValueError:
        amount = None
    return "n/a" if amount is None else f"{format_usd(amount)} USD"


def plural(count: int | None, word: str) -> str:
    """`1 row`, `1,234 rows`, `? rows`."""
    return f"? {word}s" if count is None else f"{count:,} {word}{'' if count == 1 else 's'}"


def plain(value: Decimal | None) -> str | None:
    """ "1234.5" for JSON documents; None stays None."""
    return None if value is None else format(value, "f")
