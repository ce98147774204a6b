"""The generators' compact rows turned into public rows or CSV text, driven by the DDL.

Generators hand over every table in compact form: tuples in DDL column order whose
timestamps are int seconds since 1970-01-01 (naive UTC) and whose numerics are int
hundredths (cents, or hundredths of a percent). Nothing else differs from the public
form, where they are naive datetimes and Decimals with two places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from ledger_ops import raw_schema
from ledger_ops.demo.common import DAY, EPOCH, Row

# Lines handed to the engine per chunk: large enough to amortise a write, small enough
# that a chunk of the widest table stays a few megabytes.
CHUNK_ROWS = 20_000


def column_types(schema: str, table: str) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of a raw table, in DDL order."""
    spec = raw_schema.RAW_TABLES[schema][table]
    # Split on commas outside parentheses: numeric(12,2) holds one.
    parts = re.split(r",(?![^()]*\))", spec)
    return [(part.split()[0], part.split()[1]) for part in parts]


def to_datetime(value: int) -> datetime:
    return EPOCH + timedelta(seconds=value)


def to_decimal(hundredths: int) -> Decimal:
    """Never via float: Decimal of the integer, shifted two places (keeps the .00)."""
    return Decimal(hundredths).scaleb(-2)


def _public_converter(sql_type: str) -> Callable[[int], object] | None:
    if sql_type == "timestamp":
        return to_datetime
    if sql_type.startswith("numeric"):
        return to_decimal
    return None


def public_rows(schema: str, table: str, rows: Iterable[Row]) -> list[Row]:
    """Rows with datetimes and Decimals, as `demo_data.generate` promises them."""
    converters = [
        (index, convert)
        for index, (_, sql_type) in enumerate(column_types(schema, table))
        if (convert := _public_converter(sql_type)) is not None
    ]
    result = []
    for row in rows:
        values = list(row)
        for index, convert in converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        result.append(tuple(values))
    return result


@cache
def _clock() -> tuple[list[str], list[str]]:
    """'YYYY-MM-DD ' of every day from 1970 to 2099 and 'HH:MM:SS' of every second of a day.

    Two list lookups per timestamp instead of a datetime and its formatting.
    """
    days = [(EPOCH + timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(47_482)]
    seconds = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    return days, seconds


def timestamp_text(value: int | None) -> str:
    if value is None:
        return ""
    days, seconds = _clock()
    day, second = divmod(value, DAY)
    if 0 <= day < len(days):
        return days[day] + seconds[second]
    return to_datetime(value).isoformat(sep=" ")


def hundredths_text(value: int | None) -> str:
    if value is None:
        return ""
    units, rest = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{units}.{rest:02d}"


def quoted_text(value: str | None) -> str:
    # Always quoted: an unquoted empty field is NULL, a quoted one the empty string.
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def _csv_converter(sql_type: str) -> Callable[[Any], str] | None:
    if sql_type == "timestamp":
        return timestamp_text
    if sql_type.startswith("numeric"):
        return hundredths_text
    if sql_type == "text":
        return quoted_text
    return None


def csv_chunks(schema: str, table: str, rows: Sequence[Row]) -> Iterator[str]:
    """The rows as CSV text (no header, NULL an unquoted empty field), in chunks.

    The dialect both engines' bulk paths read: DuckDB's read_csv and PostgreSQL's
    COPY ... (format csv). Integer columns are written as they are, and must not be
    NULL (no generated one is): `None` there makes the engine refuse the load.
    """
    types = column_types(schema, table)
    converters = [(i, f) for i, (_, t) in enumerate(types) if (f := _csv_converter(t))]
    # One %-format per table: integers go through C; only the other columns cost a call.
    line = ",".join(["%s"] * len(types))
    for start in range(0, len(rows), CHUNK_ROWS):
        lines = []
        for row in rows[start : start + CHUNK_ROWS]:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            lines.append(line % tuple(values))
        lines.append("")
        yield "\n".join(lines)
