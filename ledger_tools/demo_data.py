"""Deterministic demo data for every raw landing table (spec section 2).

The rows pass every source and ledger test, because the nightly build stops on data
errors, yet they carry the edge cases the revenue rules exist for: deliveries and
sales exactly on interval boundaries, brokers without a plan or between plans, phones
shared by several leads (two of them created in the same instant), calls one second
too short, feedback reported twice or out of order, ties in reported_at.

The rows depend only on (seed, scale, as_of): no clock, no hash order. Tuples follow the
column order of `raw_schema.RAW_TABLES`; money is Decimal with two places and
timestamps are naive UTC datetimes. The generators live in `ledger_tools.demo`.

The generators draw whole columns with NumPy, so the time is linear in the row count
and a year of production volume (scale 1000, about 7.5 million rows) takes about ten
seconds.
At that size, use `generate_tables` and `load_tables`: the same data as columns,
handed to the engine's bulk CSV path without a Python object per value.
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ledger_tools import raw_schema
from ledger_tools.warehouse import Warehouse, connect, validate_identifier

if TYPE_CHECKING:
    from ledger_tools.demo.common import Table

Row = tuple[object, ...]
TableKey = tuple[str, str]
Dataset = dict[TableKey, list[Row]]
# Every raw table as columns (see ledger_tools.demo.tables for the column types).
Tables = dict[TableKey, "Table"]
# What `make run` loads into a warehouse without raw data.
JOB_DEMO_SEED = 42
JOB_DEMO_SCALE = 1.0

log = logging.getLogger(__name__)

# The last day of the demo data unless told otherwise. The tests' expected figures are of
# this data (Makefile DEMO_AS_OF).
FIXED_AS_OF = date(2025, 12, 31)


def table_columns(schema: str, table: str) -> list[str]:
    """Column names of a raw table, in DDL order (the order of the generated tuples)."""
    return [name for name, _ in raw_schema.column_types(schema, table)]


def parse_scale(text: str) -> float:
    """A command line's scale: a finite number above 0 (an argparse `type`)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def generate(seed: int, scale: float = 1.0, as_of: date | None = None) -> Dataset:
    """Rows for every raw table, keyed by (default schema name, table name).

    Scale 1.0 gives 2,000 deliveries and 40 brokers; counts grow linearly with it.
    `as_of`: see `generate_tables`.
    """
    from ledger_tools.demo import tables

    return {
        key: tables.public_rows(*key, columns)
        for key, columns in generate_tables(seed, scale, as_of).items()
    }


def generate_tables(seed: int, scale: float = 1.0, as_of: date | None = None) -> Tables:
    """The data of `generate`, as columns of NumPy arrays.

    The data ends on FIXED_AS_OF, whatever the day it is made, so every figure the tests
    expect stays put. `as_of` moves every timestamp by whole days so that the data ends
    on `as_of` instead: demo data made today is fresh (dbt source freshness passes even
    for the sparsest source, whose last row can be a day and a half before the end), at
    the price of rows later today than the moment it was made (at most a day: the build
    allows events max_event_lead_days ahead). Only the data moves; the dbt vars that are
    dates (ledger_start_date, legacy_floor_date) do not, so the few demo rows meant to
    be before them are inside them, billed, and the cutover gate warns on more days.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    # Imported here: the job and the CLI import this module on every run, mostly for
    # the schema names, and NumPy takes a while to load.
    from ledger_tools.demo import dataset

    data = dataset.generate(seed, scale)
    shift_days = 0 if as_of is None else (as_of - FIXED_AS_OF).days
    if shift_days:
        import numpy as np

        shift = np.timedelta64(shift_days, "D")
        for columns in data.values():
            for name, values in columns.items():
                if np.issubdtype(values.dtype, np.datetime64):
                    columns[name] = values + shift  # NaT stays NaT
    return data


def parse_as_of(text: str) -> date:
    """A YYYY-MM-DD date, for --as-of."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD: {text!r}") from None


def resolve_schema_names(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Actual name of every raw schema: the override, else the default name."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(raw_schema.RAW_SCHEMAS))
    if unknown:
        raise ValueError(
            f"unknown raw schema(s) {', '.join(unknown)}; "
            f"expected {', '.join(raw_schema.RAW_SCHEMAS)}"
        )
    return {s: validate_identifier(overrides.get(s, s)) for s in raw_schema.RAW_SCHEMAS}


def load(
    warehouse: Warehouse,
    data: Mapping[TableKey, Sequence[Row]],
    schema_names: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> dict[TableKey, int]:
    """Create the raw schemas and tables and insert `data`, all in one transaction.

    The tables must not exist yet, so demo rows never mix with existing ones; with
    `replace` the raw schemas are dropped first, inside the same transaction, so a
    failed load leaves the previous data in place. Returns rows written per
    (default schema, table).
    """
    names = resolve_schema_names(schema_names)
    counts: dict[TableKey, int] = {}
    with warehouse.transaction():
        _create_schemas(warehouse, names, replace)
        for (schema, table), rows in data.items():
            counts[(schema, table)] = warehouse.insert_rows(
                names[schema], table, rows, table_columns(schema, table)
            )
    return counts


def load_if_absent(database: Path, env: Mapping[str, str]) -> None:
    """The job's --demo-data-if-absent (`make run`, handed over by
    scripts/update_lead_sales_ledger.py): demo data up to today, so that dbt source
    freshness passes on it, into the DuckDB file `database` when none of the raw schemas
    dbt reads exists there. Raises ValueError (the job's last line) when only some exist:
    demo data is never mixed with real data."""
    import duckdb

    from ledger_tools.raw_schemas import raw_schema_names

    names = raw_schema_names(env)
    existing: set[str] = set()
    if database.exists():
        with duckdb.connect(str(database)) as conn:
            query = "select schema_name from information_schema.schemata"
            query += " where catalog_name = current_database()"
            existing = {str(row[0]) for row in conn.execute(query).fetchall()}
    present = [name for name in names.values() if name in existing]
    if len(present) == len(names):
        log.info("raw schemas present in %s; no demo data loaded", database)
        return
    if present:
        raise ValueError(
            f"only some raw schemas exist in {database} ({', '.join(present)}): "
            "refusing to mix demo data with real data"
        )
    as_of = datetime.now(UTC).date()
    log.warning(
        "CREATING DEMO DATA in %s DuckDB file %s (seed %d, scale %g, as of %s): no raw "
        "schema exists there. If this is not the warehouse you meant, check "
        "LEDGER_DUCKDB_PATH.",
        "the existing" if database.exists() else "a NEW",
        database,
        JOB_DEMO_SEED,
        JOB_DEMO_SCALE,
        as_of,
    )
    database.parent.mkdir(parents=True, exist_ok=True)
    with connect("duckdb", duckdb_path=database) as warehouse:
        counts = load(warehouse, generate(JOB_DEMO_SEED, JOB_DEMO_SCALE, as_of), names)
    log.info("demo data loaded: %d rows", sum(counts.values()))


def load_tables(
    warehouse: Warehouse,
    data: Mapping[TableKey, Table],
    schema_names: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> dict[TableKey, int]:
    """`load` for the columns of `generate_tables`, through the engine's bulk CSV path.

    DuckDB formats each table as a CSV file, which the warehouse loads (read_csv on
    DuckDB, COPY on PostgreSQL): no Python object per value on the way.
    """
    import duckdb

    from ledger_tools.demo import tables

    names = resolve_schema_names(schema_names)
    counts: dict[TableKey, int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="demo-data-") as tmp,
        duckdb.connect() as formatter,
        warehouse.transaction(),
    ):
        _create_schemas(warehouse, names, replace)
        for (schema, table), columns in data.items():
            path = Path(tmp) / f"{schema}.{table}.csv"
            tables.write_csv(formatter, schema, table, columns, path)
            warehouse.copy_csv(names[schema], table, path, table_columns(schema, table))
            path.unlink()
            counts[(schema, table)] = len(next(iter(columns.values())))
    return counts


def _create_schemas(warehouse: Warehouse, names: Mapping[str, str], replace: bool) -> None:
    if replace:
        for name in dict.fromkeys(names.values()):
            warehouse.drop_schema(name)
    for statement in raw_schema.create_statements(dict(names)):
        warehouse.execute(statement)
