"""Generated tables (columns of NumPy arrays) as public rows or as CSV files.

A `Table`'s columns by DDL type: bigint and integer int64; timestamp datetime64[s] (NaT for
NULL); numeric(p,2) int64 hundredths, never floats; text object arrays of str (None for NULL).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ledger_tools.demo.common import Row, Table
from ledger_tools.raw_schema import column_types, table_columns


def to_decimal(hundredths: int) -> Decimal:
    """Never via float: the Decimal of the integer, shifted two places (keeps the .00)."""
    return Decimal(hundredths).scaleb(-2)


def check_table(schema: str, table: str, columns: Table) -> None:
    """Raise ValueError unless `columns` holds exactly the table's columns, equally long."""
    expected = table_columns(schema, table)
    if list(columns) != expected:
        raise ValueError(f"{schema}.{table}: columns {list(columns)}, expected {expected}")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{schema}.{table}: columns of different lengths {sorted(lengths)}")


def public_rows(schema: str, table: str, columns: Table) -> list[Row]:
    """Tuples with Python ints, str, naive datetimes and two-place Decimals."""
    check_table(schema, table, columns)
    values: list[list[Any]] = []
    for name, sql_type in column_types(schema, table):
        items = columns[name].tolist()  # datetime64[s] gives datetime, NaT None
        if sql_type.startswith("numeric"):
            items = [to_decimal(v) for v in items]
        values.append(items)
    return list(zip(*values, strict=True))


def write_csv(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, columns: Table, path: Path
) -> None:
    """Write the table as CSV for a bulk load: no header, NULL an unquoted empty field.

    DuckDB reads the arrays in place and formats them in C++; a CSV formatted in Python
    took most of the time of a load at scale 1000.
    """
    check_table(schema, table, columns)
    select = ", ".join(
        # Hundredths times a DECIMAL(3,2) stay exact decimals and print as 12.34.
        f'cast("{name}" * 0.01::decimal(3, 2) as {sql_type})'
        if sql_type.startswith("numeric")
        else f'cast("{name}" as {sql_type})'
        for name, sql_type in column_types(schema, table)
    )
    view = "demo_table"
    connection.register(view, columns)
    try:
        target = str(path).replace("'", "''")
        connection.execute(
            f"copy (select {select} from {view}) to '{target}' (format csv, header false)"
        )
    finally:
        connection.unregister(view)
