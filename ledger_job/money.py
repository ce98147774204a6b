"""Exact money values for messages: Decimal in, "$1,234.50" out, never a float; and counts.

`dbt show` hands values over as JSON; depending on the engine and the SQL a numeric
column arrives as a JSON number or as a string. Going through str() keeps the digits
that were printed, where float arithmetic could turn 0.10 + 0.20 into 0.30000000000000004
and make a one-cent imbalance look like a rounding artefact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """`value` as a Decimal; None stays None. Raises ValueError for anything not numeric."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a money value: {value!r}")
    if isinstance(value, Decimal):
        return value
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a money value: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a money value: {value!r}")
    return result


def format_usd(value: Decimal | None) -> str:
    """`-$1,234.50`; more than two decimals are shown in full rather than rounded away."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    if magnitude == magnitude.quantize(CENT):
        digits = f"{magnitude.quantize(CENT):,.2f}"
    else:
        digits = f"{magnitude:,f}"
    return f"{sign}${digits}"


def usd(value: Decimal | None) -> str:
    """`$1,234.50 USD`, or n/a."""
    return f"{format_usd(value)} USD" if value is not None else "n/a"


def signed_usd(value: Decimal) -> str:
    """`+$1,234.50`, `-$0.01`, `+$0.00`."""
    return ("-" if value < 0 else "+") + format_usd(abs(value))


def plural(count: int | None, word: str) -> str:
    """`1 row`, `1,234 rows`; an unknown count is `? rows`."""
    if count is None:
        return f"? {word}s"
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def plain(value: Decimal | None) -> str | None:
    """Decimal as a plain string for JSON documents ("1234.5"), None stays None."""
    return None if value is None else format(value, "f")
