"""Deterministic demo data for every raw table (spec section 2), from (seed, scale, as_of) only.

The rows pass every source and ledger test yet carry the edge cases the revenue rules exist
for (interval boundaries, brokers between plans, shared phones, calls one second short,
feedback twice or out of order). `generate` gives tuples (Decimal money, naive UTC times);
`generate_tables` and `load_tables` keep NumPy columns, for scale 1000 (~7.5 M rows).
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
from ledger_tools.raw_schema import table_columns
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
    """Rows by (default schema, table); scale 1.0 is 2,000 deliveries and 40 brokers."""
    from ledger_tools.demo import tables

    return {
        key: tables.public_rows(*key, columns)
        for key, columns in generate_tables(seed, scale, as_of).items()
    }


def generate_tables(seed: int, scale: float = 1.0, as_of: date | None = None) -> Tables:
    """The data of `generate` as NumPy columns, ending on FIXED_AS_OF (the tests' figures) or,
    shifted by whole days, on `as_of` so that source freshness passes on data made today.

    Only the data moves, not the dbt date vars: rows meant to precede them are billed.
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
    """Create the raw tables and insert `data` in one transaction (demo rows never mix with
    others; `replace` drops the schemas inside it); rows written per (schema, table)."""
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
    """The job's --demo-data-if-absent (`make run`): demo data up to today, so source freshness
    passes, into `database` when none of the raw schemas dbt reads exists there; ValueError
    (the job's last line) when only some do: demo data never mixes with real data."""
    names = raw_schema.raw_schema_names(env)
    existing = "the existing" if database.exists() else "a NEW"
    with connect("duckdb", duckdb_path=database) as warehouse:
        present = [name for name in names.values() if warehouse.schema_exists(name)]
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
            existing,
            database,
            JOB_DEMO_SEED,
            JOB_DEMO_SCALE,
            as_of,
        )
        counts = load(warehouse, generate(JOB_DEMO_SEED, JOB_DEMO_SCALE, as_of), names)
    log.info("demo data loaded: %d rows", sum(counts.values()))


def load_tables(
    warehouse: Warehouse,
    data: Mapping[TableKey, Table],
    schema_names: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> dict[TableKey, int]:
    """`load` for `generate_tables`' columns: each written as CSV by DuckDB, bulk-loaded."""
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
