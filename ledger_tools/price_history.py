"""Price history before the snapshot, derived from the legacy ledger table (docs/cutover.md).

The legacy job billed each delivery at the price of its time, so its msrp in delivery order
gives the prices: a version starts at the first delivery of each run of one msrp (the engine
finds the runs, price_runs.sql). What the table cannot say (stray prices, the first price's
start, the change to the snapshot's first price) is a note, never a silent guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ledger_tools.raw_schema import DELIVERY_TABLES, RAW_TABLES
from ledger_tools.warehouse import Row, Warehouse, validate_identifier

HISTORY_COLUMNS = RAW_TABLES["billing"]["product_price_history"]

RUNS_SQL = Path(__file__).with_name("price_runs.sql").read_text(encoding="utf-8")
# The legacy job's floor (seed 000): it never billed a delivery before this.
LEGACY_FLOOR = datetime(2025, 1, 1)
# A price on fewer rows than this, between two runs of one other price, is not a version.
MIN_RUN_ROWS = 3


@dataclass(frozen=True)
class PriceRun:
    """Consecutive legacy rows of one product, in delivery order, billed at one msrp."""

    product_id: int
    price: Decimal
    first_at: datetime
    last_at: datetime
    rows: int
    first_id: int


@dataclass(frozen=True)
class PriceVersion:
    """A row of billing.product_price_history: [valid_from, valid_to), null = until the
    snapshot's first version."""

    product_id: int
    price: Decimal
    valid_from: datetime
    valid_to: datetime | None


@dataclass
class Derivation:
    versions: list[PriceVersion]
    notes: list[str]


def runs_sql(billing_schema: str) -> str:
    """Runs of equal msrp per product (price_runs.sql), found by the engine in one window pass."""
    return RUNS_SQL.format(billing=validate_identifier(billing_schema))


def read_runs(warehouse: Warehouse, billing_schema: str = "billing") -> list[PriceRun]:
    return [_run(row) for row in warehouse.query(runs_sql(billing_schema))]


def _run(row: Row) -> PriceRun:
    product_id, price, first_at, last_at, rows, first_id = row
    return PriceRun(int(product_id), Decimal(price), first_at, last_at, int(rows), int(first_id))


def earliest_delivery(warehouse: Warehouse, billing_schema: str = "billing") -> datetime | None:
    """The first delivery of the four delivery tables: the history must price it."""
    schema = validate_identifier(billing_schema)
    tables = " union all ".join(
        f"select min(created_at) as created_at from {schema}.{table}" for table in DELIVERY_TABLES
    )
    return warehouse.query(f"select min(created_at) from ({tables}) as deliveries")[0][0]


def snapshot_starts(warehouse: Warehouse, snapshot_relation: str) -> dict[int, datetime]:
    """The first version of each product in the snapshot (empty when it does not exist)."""
    try:
        rows = warehouse.query(
            f"select product_id, min(dbt_valid_from) from {snapshot_relation} group by product_id"
        )
    except Exception:  # the engines raise different errors for a missing relation
        return {}
    return {int(product_id): start for product_id, start in rows}


def derive(
    runs: Iterable[PriceRun],
    snapshot_from: Mapping[int, datetime] | None = None,
    *,
    floor: datetime = LEGACY_FLOOR,
    min_run_rows: int = MIN_RUN_ROWS,
) -> Derivation:
    """Price versions per product from its runs, with a note on everything assumed."""
    by_product: dict[int, list[PriceRun]] = {}
    for run in runs:
        by_product.setdefault(run.product_id, []).append(run)
    versions: list[PriceVersion] = []
    notes: list[str] = []
    for product_id, product_runs in sorted(by_product.items()):
        starts = (snapshot_from or {}).get(product_id)
        used = [r for r in product_runs if starts is None or r.first_at < starts]
        if len(used) < len(product_runs):
            late = sum(r.rows for r in product_runs[len(used) :])
            notes.append(
                f"product {product_id}: {late} legacy rows from {starts} on are left to the "
                "snapshot, which covers them"
            )
        kept = _without_stray_prices(product_id, used, min_run_rows, notes)
        versions.extend(_versions(product_id, kept, floor, starts, notes))
    return Derivation(versions, notes)


def _without_stray_prices(
    product_id: int, runs: Sequence[PriceRun], min_run_rows: int, notes: list[str]
) -> list[PriceRun]:
    kept: list[PriceRun] = []
    for index, run in enumerate(runs):
        before = kept[-1] if kept else None
        after = runs[index + 1] if index + 1 < len(runs) else None
        if (
            run.rows < min_run_rows
            and before is not None
            and after is not None
            and before.price == after.price
        ):
            notes.append(
                f"product {product_id}: msrp {run.price} on {run.rows} row(s) from id "
                f"{run.first_id} ({run.first_at}) between deliveries billed {before.price}: "
                "a stale or mistyped legacy price, not a version"
            )
            continue
        if before is not None and before.price == run.price:
            kept[-1] = replace(before, last_at=run.last_at, rows=before.rows + run.rows)
            continue
        if run.rows < min_run_rows:
            notes.append(
                f"product {product_id}: msrp {run.price} rests on {run.rows} row(s) from id "
                f"{run.first_id} ({run.first_at}); kept as a version, check it"
            )
        kept.append(run)
    return kept


def _versions(
    product_id: int,
    runs: Sequence[PriceRun],
    floor: datetime,
    snapshot_from: datetime | None,
    notes: list[str],
) -> list[PriceVersion]:
    if not runs:
        notes.append(f"product {product_id}: no legacy rows before the snapshot; no history")
        return []
    first = runs[0]
    valid_from = min(first.first_at, floor)
    if valid_from < first.first_at:
        notes.append(
            f"product {product_id}: first legacy delivery {first.first_at}; its msrp "
            f"{first.price} is assumed from {valid_from}, the earliest delivery or the legacy "
            "job's floor"
        )
    changes = [run.first_at for run in runs[1:]]
    versions = [
        PriceVersion(product_id, run.price, start, end)
        for run, start, end in zip(runs, [valid_from, *changes], [*changes, None], strict=True)
    ]
    last = runs[-1]
    notes.append(
        f"product {product_id}: last legacy msrp {last.price} (last delivery {last.last_at}) "
        + (
            f"runs until the snapshot's first version at {snapshot_from}; a change between "
            "the two is not in the legacy table"
            if snapshot_from is not None
            else "runs until the snapshot's first version (no snapshot found yet)"
        )
    )
    return versions


def write_history(
    warehouse: Warehouse,
    versions: Sequence[PriceVersion],
    billing_schema: str = "billing",
    *,
    replace: bool = False,
) -> None:
    """Load the versions into billing.product_price_history, created when missing; refused
    (ValueError) when it holds rows unless `replace`: two derivations must never mix."""
    schema = validate_identifier(billing_schema)
    table = f"{schema}.product_price_history"
    # The raw table's DDL, as the sources YAML declares it.
    warehouse.execute(f"create table if not exists {table} ({HISTORY_COLUMNS})")
    with warehouse.transaction():
        if replace:
            warehouse.execute(f"delete from {table}")
        elif warehouse.query(f"select count(*) from {table}")[0][0]:
            raise ValueError(f"{table} already holds rows; pass --replace to overwrite them")
        warehouse.insert_rows(
            schema,
            "product_price_history",
            [(v.product_id, v.price, v.valid_from, v.valid_to) for v in versions],
            columns=["product_id", "price", "valid_from", "valid_to"],
        )
