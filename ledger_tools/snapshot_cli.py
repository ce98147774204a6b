"""`scripts/snapshot_backup.py`: export or restore under the nightly job's lock, one line said."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ledger_job import paths, targets
from ledger_job.dbt_runner import DbtError, DbtRunner, dbt_target
from ledger_job.duckdb_file import DuckDbFile, WarehouseBusyError, is_lock_conflict
from ledger_job.lock import EXIT_LOCKED, JobLock, LockHeldError
from ledger_job.logsetup import JOB_NAME
from ledger_tools.pg_settings import PostgresSettings
from ledger_tools.snapshot_backup import (
    SNAPSHOT_NAME,
    Outcome,
    export_snapshot,
    find_relations,
    restore_snapshot,
)
from ledger_tools.snapshot_file import BackupRefused
from ledger_tools.warehouse import Warehouse, connect

EXIT_REFUSED = 1
EXIT_CANNOT_RUN = 2
DEFAULT_FILE = paths.PROJECT_ROOT / "backups" / f"{SNAPSHOT_NAME}.csv"


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
