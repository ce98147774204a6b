"""Export and restore of the price history that only the dbt snapshot holds.

billing.product_price is updated in place, so `snap_billing__product_prices` is the only copy
of past prices: export writes it (every column, dbt's own included) and its run log
(`<stem>.runs.csv`, so the staleness test spans a restore) as UTF-8 CSV, exact decimals,
timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`, null an empty field; restore loads them into an
empty snapshot so the next `dbt build` continues the history. dbt names the relations
(macro ledger_snapshot_backup_relations).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ledger_job import paths, targets
from ledger_job.dbt_runner import DbtError, DbtRunner, dbt_target
from ledger_job.duckdb_file import DuckDbFile, WarehouseBusyError, is_lock_conflict
from ledger_job.lock import EXIT_LOCKED, JobLock, LockHeldError
from ledger_job.logsetup import JOB_NAME
from ledger_tools.raw_schemas import project_vars
from ledger_tools.warehouse import (
    PostgresSettings,
    Row,
    Warehouse,
    connect,
    quote_identifier,
    value_text,
)

EXIT_REFUSED = 1
EXIT_CANNOT_RUN = 2
SNAPSHOT_NAME = "snap_billing__product_prices"
RELATIONS_MACRO = "ledger_snapshot_backup_relations"
DEFAULT_FILE = paths.PROJECT_ROOT / "backups" / f"{SNAPSHOT_NAME}.csv"
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


class BackupRefused(Exception):
    """Nothing was changed, for the one-line reason given."""


@dataclass(frozen=True)
class Table:
    schema: str
    identifier: str

    @property
    def sql(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.identifier)}"

    def __str__(self) -> str:
        return f"{self.schema}.{self.identifier}"


@dataclass(frozen=True)
class SnapshotRelations:
    """The snapshot, its run log and its source, as the target names them."""

    snapshot: Table
    run_log: Table
    source: Table


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    precision: int | None = None
    scale: int | None = None


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


def runs_file_of(path: Path) -> Path:
    """`prices.csv` -> `prices.runs.csv`, beside it."""
    stem = path.name[: -len(".csv")] if path.name.endswith(".csv") else path.name
    return path.with_name(f"{stem}.runs.csv")


def find_relations(runner: DbtRunner) -> SnapshotRelations:
    """Ask dbt where the snapshot, its run log and its source are on the runner's target."""
    for line in reversed(runner.run_operation(RELATIONS_MACRO)):
        try:
            found = json.loads(line)
            return SnapshotRelations(
                snapshot=Table(**found["snapshot"]),
                run_log=Table(**found["run_log"]),
                source=Table(**found["source"]),
            )
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
        _write_csv(runs_path, RUN_LOG_COLUMNS, run_rows)
        runs = len(run_rows)
    _write_csv(path, names, rows)
    return Outcome(
        len(rows),
        _versions(names, rows),
        runs,
        path,
        runs_path,
        relations.snapshot,
        warehouse.describe(),
    )


def restore_snapshot(
    warehouse: Warehouse, relations: SnapshotRelations, path: Path, *, replace: bool = False
) -> Outcome:
    """Load an export (and its run log) into an empty snapshot, created as dbt would, in one
    transaction; `replace` deletes the rows it holds first."""
    header, lines = _read_csv(path, required=REQUIRED_COLUMNS)
    runs_path = runs_file_of(path)
    run_log = (
        _read_csv(runs_path, required=RUN_LOG_COLUMNS, allow_empty=True)
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
        _check_header(path, header, [c.name for c in columns], relations.snapshot)
        rows = _typed_rows(path, header, lines, columns)
        _check_versions(path, header, lines)
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
    return Outcome(
        len(rows),
        _versions(header, rows),
        runs,
        path,
        runs_path,
        relations.snapshot,
        warehouse.describe(),
    )


def _restore_run_log(
    warehouse: Warehouse,
    table: Table,
    path: Path,
    header: list[str],
    lines: list[tuple[int, list[str | None]]],
    replace: bool,
) -> int:
    if not table_columns(warehouse, table):
        warehouse.execute(RUN_LOG_DDL.format(name=table.sql))
    columns = table_columns(warehouse, table)
    _check_header(path, header, [c.name for c in columns], table)
    rows = _typed_rows(path, header, lines, columns)
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


def _versions(header: Sequence[str], rows: Iterable[Row]) -> dict[Any, int]:
    position = list(header).index(KEY_COLUMN)
    return dict(Counter(row[position] for row in rows))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Row]) -> None:
    """Written beside its destination and renamed in: nobody ever sees half a backup."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow([value_text(v) or "" for v in row])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_csv(
    path: Path, *, required: Sequence[str], allow_empty: bool = False
) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """Header and (line number, fields) of a backup file; empty fields are None."""
    if not path.is_file():
        raise BackupRefused(f"no backup file {path}")
    try:
        with path.open(encoding="utf-8", newline="") as source:
            reader = csv.reader(source, strict=True)
            header = next(reader, None)
            if header is None:
                raise BackupRefused(f"{path} is empty: not a snapshot export")
            names = [name.strip() for name in header]
            duplicated = sorted({n for n in names if names.count(n) > 1})
            if duplicated or "" in names:
                raise BackupRefused(
                    f"{path}, line 1: the header names a column twice or not at all: {header}"
                )
            absent = [c for c in required if c not in names]
            if absent:
                raise BackupRefused(
                    f"{path}, line 1: the header lacks {', '.join(absent)}: not an export of "
                    "this table"
                )
            lines: list[tuple[int, list[str | None]]] = []
            for fields in reader:
                if not fields:
                    continue
                if len(fields) != len(names):
                    raise BackupRefused(
                        f"{path}, line {reader.line_num}: {len(fields)} fields, the header "
                        f"has {len(names)}"
                    )
                lines.append((reader.line_num, [f if f != "" else None for f in fields]))
    except csv.Error as exc:
        raise BackupRefused(f"{path}, line {reader.line_num}: not valid CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        raise BackupRefused(f"{path}: not UTF-8 text: {exc}") from None
    if not lines and not allow_empty:
        raise BackupRefused(f"{path} holds no rows: nothing to restore")
    return names, lines


def _scd_ids_in(path: Path) -> set[str]:
    """The versions an earlier export holds; an unreadable file is overwritten, not trusted."""
    try:
        header, lines = _read_csv(path, required=REQUIRED_COLUMNS)
    except BackupRefused:
        return set()
    position = header.index(SCD_ID_COLUMN)
    return {str(fields[position]) for _, fields in lines if fields[position] is not None}


def _check_header(path: Path, header: Sequence[str], columns: Sequence[str], table: Table) -> None:
    if set(header) != set(columns):
        extra = [c for c in header if c not in columns]
        lacking = [c for c in columns if c not in header]
        raise BackupRefused(
            f"{path}, line 1: its columns do not match {table}"
            + (f"; not in the table: {', '.join(extra)}" if extra else "")
            + (f"; not in the file: {', '.join(lacking)}" if lacking else "")
        )


def _check_versions(path: Path, header: Sequence[str], lines: Sequence[tuple[int, Any]]) -> None:
    position = list(header).index(SCD_ID_COLUMN)
    seen: dict[str, int] = {}
    for number, fields in lines:
        scd_id = fields[position]
        if scd_id in seen:
            raise BackupRefused(
                f"{path}, line {number}: version {scd_id} is also on line {seen[scd_id]}"
            )
        seen[scd_id] = number


def _typed_rows(
    path: Path,
    header: Sequence[str],
    lines: Sequence[tuple[int, list[str | None]]],
    columns: Sequence[Column],
) -> list[Row]:
    by_name = {c.name: c for c in columns}
    parsers = [_parser(by_name[name]) for name in header]
    required = set(REQUIRED_COLUMNS) | set(RUN_LOG_COLUMNS)
    rows: list[Row] = []
    for number, fields in lines:
        values = []
        for name, parse, text in zip(header, parsers, fields, strict=True):
            if text is None:
                if name in required:
                    raise BackupRefused(f"{path}, line {number}: {name} is empty")
                values.append(None)
                continue
            try:
                values.append(parse(text))
            except (ValueError, ArithmeticError) as exc:
                raise BackupRefused(
                    f"{path}, line {number}: {name} {text!r} is not a "
                    f"{by_name[name].data_type}: {exc}"
                ) from None
        rows.append(tuple(values))
    return rows


def _parser(column: Column) -> Callable[[str], Any]:
    kind = column.data_type.lower()
    if "int" in kind:
        return int
    if kind.startswith(("numeric", "decimal")):
        return lambda text: _decimal(text, column)
    if kind.startswith("timestamp"):
        return _timestamp
    if kind == "date":
        return date.fromisoformat
    return str


def _decimal(text: str, column: Column) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not value.is_finite():
        raise ValueError("not a finite number")
    # The engine would round extra decimals away: money must come back to the cent or not at all.
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if column.scale is not None and -exponent > column.scale:
        raise ValueError(f"more than {column.scale} decimals")
    if column.precision is not None and column.scale is not None:
        whole_digits = len(value.quantize(Decimal(1)).copy_abs().as_tuple().digits)
        if value.copy_abs() >= 1 and whole_digits > column.precision - column.scale:
            raise ValueError(f"too large for ({column.precision}, {column.scale})")
    return value


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        raise ValueError("a time zone where the column has none")
    return value


class Busy(Exception):
    """The warehouse or the job's lock is taken; nothing was done, try again later."""


def run(
    command: str,
    path: Path,
    *,
    replace: bool = False,
    target: str | None = None,
    log_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """`export` or `restore` under the job's lock, so no build races it (a first build would
    fill the snapshot with today's prices only); on DuckDB, dbt exits before we connect."""
    env = os.environ if env is None else env
    info = targets.describe(target or dbt_target(env), env)
    if info.engine not in ("duckdb", "postgres"):
        raise BackupRefused(
            f"target {info.name} ({info.engine or 'unknown'}): snapshot {command} works on "
            "DuckDB and PostgreSQL only"
        )
    lock = JobLock((log_dir or paths.PROJECT_ROOT / "logs") / f"{JOB_NAME}.lock")
    try:
        lock.acquire()
    except LockHeldError as exc:
        raise Busy(f"{exc}: the nightly job is running; try again when it has finished") from None
    try:
        runner = DbtRunner(target=info.name, env=env)
        database = paths.duckdb_path(env)
        if info.is_duckdb:
            if not database.exists():
                raise BackupRefused(
                    f"the DuckDB file {database} does not exist: check LEDGER_DUCKDB_PATH"
                    + (" (restore needs the raw data loaded first)" if command == "restore" else "")
                )
            runner.wait_for_warehouse = _wait_for(DuckDbFile.from_env(database, env))
        relations = find_relations(runner)
        with _open(info, database) as warehouse:
            if command == "export":
                return export_snapshot(warehouse, relations, path, replace=replace)
            return restore_snapshot(warehouse, relations, path, replace=replace)
    finally:
        lock.release()


def _wait_for(warehouse_file: DuckDbFile) -> Callable[[], None]:
    def wait() -> None:
        try:
            warehouse_file.wait_until_free()
        except WarehouseBusyError as busy:
            raise Busy(str(busy)) from None

    return wait


def _open(info: targets.TargetInfo, database: Path) -> Warehouse:
    if info.is_duckdb:
        try:
            return connect("duckdb", duckdb_path=database)
        except Exception as exc:
            if is_lock_conflict(str(exc)):
                raise Busy(f"the DuckDB file {database} was taken meanwhile: {exc}") from None
            raise
    return connect("postgres", postgres=PostgresSettings.from_env())


def describe(command: str, outcome: Outcome, replace: bool) -> str:
    """The line that says what was done."""
    products = len(outcome.versions_per_product)
    table = f"{outcome.table} ({outcome.warehouse})"
    if command == "export":
        done = f"exported {table} to {outcome.file}"
        runs = (
            f"{outcome.runs} run(s) to {outcome.runs_file}"
            if outcome.runs is not None
            else "none on the target"
        )
    else:
        replaced = ", replacing the rows it held" if replace else ""
        done = f"restored {table} from {outcome.file}{replaced}"
        runs = (
            f"{outcome.runs} run(s) added from {outcome.runs_file}"
            if outcome.runs is not None
            else f"not restored, {outcome.runs_file} absent: the staleness check starts afresh"
        )
    return (
        f"{done}: {outcome.rows} price version(s) of {products} product(s); versions per "
        f"product: {outcome.versions_text()}; run log: {runs}"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="snapshot_backup.py",
        description="Export or restore the history of the price snapshot "
        f"({SNAPSHOT_NAME}) and its run log. Target: --target, else $LEDGER_TARGET, else "
        "dev (DuckDB at $LEDGER_DUCKDB_PATH); PostgreSQL from BILLING_DB_*. Exit codes: 0 "
        f"done, {EXIT_REFUSED} refused (nothing changed), {EXIT_CANNOT_RUN} could not run, "
        f"{EXIT_LOCKED} the job or another process holds the warehouse.",
    )
    parser.add_argument("command", choices=("export", "restore"))
    parser.add_argument(
        "--file",
        type=Path,
        default=DEFAULT_FILE,
        help="the backup file; the run log goes beside it as <stem>.runs.csv "
        f"(default: {DEFAULT_FILE.relative_to(paths.PROJECT_ROOT)})",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="export: overwrite a file holding versions the snapshot lacks; restore: "
        "delete the rows the snapshot already holds",
    )
    parser.add_argument("--target", default=None, help="dbt profile target")
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=paths.PROJECT_ROOT / "logs",
        help="directory of the nightly job's lock file (default: logs/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: one line on stdout when done, one on stderr when not."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    path = args.file if args.file.is_absolute() else Path.cwd() / args.file
    try:
        outcome = run(
            args.command, path, replace=args.replace, target=args.target, log_dir=args.log_dir
        )
    except BackupRefused as refused:
        print(f"snapshot {args.command} refused: {refused}", file=sys.stderr)
        return EXIT_REFUSED
    except Busy as busy:
        print(f"snapshot {args.command} not run: {busy}", file=sys.stderr)
        return EXIT_LOCKED
    except (DbtError, FileNotFoundError) as exc:
        print(f"snapshot {args.command} failed: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except Exception as exc:
        # A connection refused or a database error: its own words, on one line.
        message = " ".join(str(exc).split())
        print(f"snapshot {args.command} failed: {type(exc).__name__}: {message}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(describe(args.command, outcome, args.replace))
    return 0
