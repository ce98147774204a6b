"""Export and restore of the price history only the dbt snapshot holds (product_price is
updated in place): every column, dbt's own included, and its run log (`<stem>.runs.csv`, so
the staleness test spans a restore), restored into an empty snapshot the next build continues.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ledger_job.dbt_runner import DbtRunner
from ledger_tools.raw_schema import project_vars
from ledger_tools.snapshot_file import (
    BackupRefused,
    Column,
    Lines,
    check_header,
    check_unique,
    read_csv,
    runs_file_of,
    typed_rows,
    write_csv,
)
from ledger_tools.warehouse import Row, Warehouse, quote_identifier

SNAPSHOT_NAME = "snap_billing__product_prices"
RELATIONS_MACRO = "ledger_snapshot_backup_relations"
# The snapshot's unique_key and updated_at (snapshots/snap_billing__product_prices.yml).
KEY_COLUMN = "product_id"
UPDATED_AT_COLUMN = "updated_at"
SCD_ID_COLUMN = "dbt_scd_id"
# A version without these is no version at all; dbt_valid_to may be null in dbt's default.
REQUIRED_COLUMNS = (KEY_COLUMN, SCD_ID_COLUMN, "dbt_updated_at", "dbt_valid_from")
RUN_LOG_COLUMNS = ("invocation_id", "run_at")
# The snapshot's dbt_valid_to_current: open_interval_end()'s value, var open_interval_end.
OPEN_INTERVAL_END = f"cast('{project_vars()['open_interval_end']}' as timestamp)"
# The same table the snapshot's hook creates (macros/snapshot_run_log.sql).
RUN_LOG_DDL = "create table {name} (invocation_id varchar(64), run_at timestamp)"
# What dbt's build_snapshot_table selects on a snapshot's first run (timestamp strategy,
# dbt_valid_to_current set), with no row: the restored table has the very types dbt gives.
SNAPSHOT_DDL = (
    "create table {name} as select *, md5('') as dbt_scd_id,"
    f" {UPDATED_AT_COLUMN} as dbt_updated_at, {UPDATED_AT_COLUMN} as dbt_valid_from,"
    f" coalesce(nullif({UPDATED_AT_COLUMN}, {UPDATED_AT_COLUMN}),"
    f" {OPEN_INTERVAL_END}) as dbt_valid_to from {{source}} where 1 = 0"
)


class Table(NamedTuple):
    """A relation as dbt names it: `sql` to query it, str() to name it in a message."""

    schema: str
    identifier: str

    @property
    def sql(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.identifier)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.identifier}"


class SnapshotRelations(NamedTuple):
    """The snapshot, its run log and its source, as the target names them."""

    snapshot: Table
    run_log: Table
    source: Table


@dataclass(frozen=True)
class Outcome:
    """What an export or a restore did."""

    rows: int
    versions_per_product: dict[Any, int]
    runs: int | None
    file: Path
    runs_file: Path
    table: Table
    warehouse: str

    def versions_text(self, most: int = 20) -> str:
        items = sorted(self.versions_per_product.items(), key=lambda item: str(item[0]))
        text = ", ".join(f"{key}: {count}" for key, count in items[:most])
        return text + (f", … ({len(items) - most} more)" if len(items) > most else "")


def find_relations(runner: DbtRunner) -> SnapshotRelations:
    """Ask dbt where the snapshot, its run log and its source are on the runner's target."""
    for line in reversed(runner.run_operation(RELATIONS_MACRO)):
        try:
            found = json.loads(line)
            return SnapshotRelations(*(Table(**found[k]) for k in SnapshotRelations._fields))
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    raise BackupRefused(f"dbt run-operation {RELATIONS_MACRO} named no relations")


def export_snapshot(
    warehouse: Warehouse, relations: SnapshotRelations, path: Path, *, replace: bool = False
) -> Outcome:
    """Write the snapshot and its run log; a file holding versions the snapshot lost is kept
    unless `replace`, since history only grows."""
    columns = table_columns(warehouse, relations.snapshot)
    if not columns:
        raise BackupRefused(
            f"no snapshot table {relations.snapshot} on {warehouse.describe()}: "
            "nothing to export (has dbt build run on this target?)"
        )
    names = [c.name for c in columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise BackupRefused(f"{relations.snapshot} has no column(s) {', '.join(missing)}")
    order = (KEY_COLUMN, "dbt_valid_from", SCD_ID_COLUMN)
    rows = warehouse.query(
        f"select {', '.join(quote_identifier(n) for n in names)} from {relations.snapshot.sql}"
        f" order by {', '.join(quote_identifier(n) for n in order)}"
    )
    if not rows:
        raise BackupRefused(f"{relations.snapshot} holds no rows: nothing to export")
    if path.exists() and not replace:
        kept = _scd_ids_in(path)
        lost = kept - {row[names.index(SCD_ID_COLUMN)] for row in rows}
        if lost:
            raise BackupRefused(
                f"{path} holds {len(lost)} price version(s) that {relations.snapshot} no "
                "longer has: history was lost since that backup; restore from it, or "
                "pass --replace to overwrite it"
            )
    runs_path = runs_file_of(path)
    runs: int | None = None
    if table_columns(warehouse, relations.run_log):
        run_rows = warehouse.query(
            f"select {', '.join(RUN_LOG_COLUMNS)} from {relations.run_log.sql} order by run_at"
        )
        write_csv(runs_path, RUN_LOG_COLUMNS, run_rows)
        runs = len(run_rows)
    write_csv(path, names, rows)
    return _outcome(warehouse, relations.snapshot, path, names, rows, runs)


def restore_snapshot(
    warehouse: Warehouse, relations: SnapshotRelations, path: Path, *, replace: bool = False
) -> Outcome:
    """Load an export (and its run log) into an empty snapshot, created as dbt would, in one
    transaction; `replace` deletes the rows it holds first."""
    header, lines = read_csv(path, required=REQUIRED_COLUMNS)
    runs_path = runs_file_of(path)
    run_log = (
        read_csv(runs_path, required=RUN_LOG_COLUMNS, allow_empty=True)
        if runs_path.exists()
        else None
    )
    with warehouse.transaction():
        warehouse.execute(
            f"create schema if not exists {quote_identifier(relations.snapshot.schema)}"
        )
        columns = table_columns(warehouse, relations.snapshot)
        if not columns:
            if not table_columns(warehouse, relations.source):
                raise BackupRefused(
                    f"the raw table {relations.source} does not exist on "
                    f"{warehouse.describe()}: load the raw data first (the snapshot takes "
                    "its columns from it)"
                )
            warehouse.execute(
                SNAPSHOT_DDL.format(name=relations.snapshot.sql, source=relations.source.sql)
            )
            columns = table_columns(warehouse, relations.snapshot)
        check_header(path, header, [c.name for c in columns], relations.snapshot)
        rows = typed_rows(path, header, lines, columns, REQUIRED_COLUMNS)
        check_unique(path, header, lines, SCD_ID_COLUMN)
        held = _count(warehouse, relations.snapshot)
        if held and not replace:
            raise BackupRefused(
                f"{relations.snapshot} already holds {held} row(s) on {warehouse.describe()}: "
                "restore only fills an empty snapshot; pass --replace to delete them first"
            )
        if held:
            warehouse.execute(f"delete from {relations.snapshot.sql}")
        warehouse.insert_rows(
            relations.snapshot.schema, relations.snapshot.identifier, rows, columns=header
        )
        runs = None
        if run_log is not None:
            runs = _restore_run_log(warehouse, relations.run_log, runs_path, *run_log, replace)
    return _outcome(warehouse, relations.snapshot, path, header, rows, runs)


def _restore_run_log(
    warehouse: Warehouse,
    table: Table,
    path: Path,
    header: list[str],
    lines: Lines,
    replace: bool,
) -> int:
    if not table_columns(warehouse, table):
        warehouse.execute(RUN_LOG_DDL.format(name=table.sql))
    columns = table_columns(warehouse, table)
    check_header(path, header, [c.name for c in columns], table)
    rows = typed_rows(path, header, lines, columns, REQUIRED_COLUMNS)
    if replace:
        warehouse.execute(f"delete from {table.sql}")
    # Runs recorded since the warehouse was rebuilt stay; a run is one invocation.
    present = {row[0] for row in warehouse.query(f"select invocation_id from {table.sql}")}
    position = header.index("invocation_id")
    new = [row for row in rows if row[position] not in present]
    warehouse.insert_rows(table.schema, table.identifier, new, columns=header)
    return len(new)


def table_columns(warehouse: Warehouse, table: Table) -> list[Column]:
    """The columns of a table in order; empty when it does not exist."""
    found = warehouse.query(
        "select column_name, data_type, numeric_precision, numeric_scale"
        " from information_schema.columns where table_catalog = current_database()"
        f" and table_schema = {_literal(table.schema)}"
        f" and table_name = {_literal(table.identifier)} order by ordinal_position"
    )
    return [
        Column(str(name), str(kind), precision, scale) for name, kind, precision, scale in found
    ]


def _count(warehouse: Warehouse, table: Table) -> int:
    return int(warehouse.query(f"select count(*) from {table.sql}")[0][0])


def _outcome(
    warehouse: Warehouse,
    table: Table,
    path: Path,
    header: Sequence[str],
    rows: list[Row],
    runs: int | None,
) -> Outcome:
    position = list(header).index(KEY_COLUMN)
    versions = dict(Counter(row[position] for row in rows))
    return Outcome(len(rows), versions, runs, path, runs_file_of(path), table, warehouse.describe())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scd_ids_in(path: Path) -> set[str]:
    """The versions an earlier export holds; an unreadable file is overwritten, not trusted."""
    try:
        header, lines = read_csv(path, required=REQUIRED_COLUMNS)
    except BackupRefused:
        return set()
    position = header.index(SCD_ID_COLUMN)
    return {str(fields[position]) for _, fields in lines if fields[position] is not None}
