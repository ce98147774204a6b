"""The DuckDB warehouse file: waiting for it, and publishing a copy analysts can read.

DuckDB lets one process write a database file, or any number of processes read it, never
both. Any analyst connection, even read-only, therefore keeps the nightly job from
building; and while the job builds, analysts cannot open the file. Two answers:

- the job waits for the file (LEDGER_DUCKDB_LOCK_WAIT_SECONDS, default 600), saying every
  so often which process holds it, then fails with one line saying what to close;
- after each good build it publishes a copy (LEDGER_DUCKDB_READ_COPY, default
  `<stem>_read.duckdb` beside the file), replaced atomically, that analysts open instead.
  The copy is never locked by the job; it holds the data as of the last good build, its
  marts as tables (ledger_job.read_copy), read at table speed. The other views name no
  database, so the copy answers under any name it is opened as. After a failed build the
  copy keeps its data and is told of the failure (record_failed_build_in_copy): its
  ledger_build_status lists the failed build after the passed one its data comes from.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ledger_job.ledger_totals import log_ledger_totals
from ledger_job.read_copy import (
    build_log_relation,
    ledger_totals_from_copy,
    marts_schemas,
    materialize_marts,
    record_failed_build,
)

WAIT_ENV = "LEDGER_DUCKDB_LOCK_WAIT_SECONDS"
READ_COPY_ENV = "LEDGER_DUCKDB_READ_COPY"
DEFAULT_WAIT_SECONDS = 600.0
REPORT_EVERY_SECONDS = 30.0
_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")

log = logging.getLogger(__name__)


class WarehouseBusyError(RuntimeError):
    """Another process kept the DuckDB file open for longer than the job may wait."""


def is_lock_conflict(message: str) -> bool:
    """Whether a DuckDB (or dbt) error message is about another process holding the file."""
    return _LOCK_CONFLICT in message


def describe_holder(message: str) -> str:
    """'PID 123 (python3 analyst.py)' from DuckDB's lock error, with the command line."""
    match = _HOLDER.search(message)
    if match is None:
        return "another process"
    pid = match.group("pid")
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        command = match.group("program")
    # One line whatever the command line holds (python -c scripts carry newlines).
    return f"PID {pid} ({' '.join(command.split())[:200]})"


@dataclass(frozen=True)
class DuckDbFile:
    """One warehouse file and how long the job waits for it."""

    path: Path
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    report_every: float = REPORT_EVERY_SECONDS
    poll_seconds: float = 1.0

    @classmethod
    def from_env(cls, path: Path, env: Mapping[str, str]) -> DuckDbFile:
        raw = env.get(WAIT_ENV, "").strip()
        try:
            wait = float(raw) if raw else DEFAULT_WAIT_SECONDS
        except ValueError:
            raise ValueError(f"{WAIT_ENV} must be a number of seconds, not {raw!r}") from None
        return cls(path=path, wait_seconds=max(wait, 0.0))

    def wait_until_free(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Return once the file can be opened for writing; raise WarehouseBusyError after the wait.

        The probe connection is closed at once: dbt opens the file itself right after.
        """
        started = time.monotonic()
        reported = None
        while True:
            try:
                duckdb.connect(str(self.path)).close()
                if reported is not None:
                    log.info("the DuckDB file %s is free again; going on", self.path)
                return
            except duckdb.IOException as exc:
                if not is_lock_conflict(str(exc)):
                    raise
                holder = describe_holder(str(exc))
            waited = time.monotonic() - started
            if waited >= self.wait_seconds:
                raise WarehouseBusyError(
                    f"the DuckDB file {self.path} is held open by {holder}, for {waited:.0f} s: "
                    "DuckDB allows one writer or many readers, never both; close that "
                    f"connection (analysts read the published copy, {default_read_copy(self.path)})"
                    " and run the job again"
                )
            if reported is None or time.monotonic() - reported >= self.report_every:
                log.warning(
                    "the DuckDB file %s is held open by %s; waiting up to %.0f s more for it",
                    self.path,
                    holder,
                    self.wait_seconds - waited,
                )
                reported = time.monotonic()
            sleep(min(self.poll_seconds, max(self.wait_seconds - waited, 0.01)))


def default_read_copy(path: Path) -> Path:
    return path.with_name(f"{path.stem}_read{path.suffix}")


def read_copy_path(path: Path, env: Mapping[str, str]) -> Path | None:
    """Where the job publishes the analysts' copy; None when LEDGER_DUCKDB_READ_COPY is 'off'."""
    raw = env.get(READ_COPY_ENV, "").strip()
    if raw.lower() in ("off", "none", "0", "false"):
        return None
    return Path(raw) if raw else default_read_copy(path)


@dataclass
class _Staged:
    path: Path
    replace: bool = True


@contextmanager
def _staged_replacement(source: Path, destination: Path) -> Iterator[_Staged]:
    """`source` copied under a temporary name beside `destination`, for the block to change,
    then renamed over `destination` (unless the block set `replace` False): no reader ever
    opens a half-made copy, and one that has the old copy open keeps reading it until it
    reconnects. The temporary file is removed whatever happens."""
    staged = _Staged(destination.with_name(f".{destination.name}.{os.getpid()}.partial"))
    try:
        shutil.copyfile(source, staged.path)
        yield staged
        if staged.replace:
            os.replace(staged.path, destination)
    finally:
        staged.path.unlink(missing_ok=True)
        staged.path.with_name(staged.path.name + ".wal").unlink(missing_ok=True)


def publish_read_copy(
    database: Path, env: Mapping[str, str], manifest: Path
) -> dict[str, Any] | None:
    """After a good build: checkpoint `database` and copy it to the read copy atomically (a
    rename over the old copy), the marts views turned into tables in the copy first. Returns
    the ledger totals read from those tables (None: the caller computes them from the views)."""
    destination = read_copy_path(database, env)
    if destination is None:
        return None
    schemas = marts_schemas(manifest, env)
    try:
        with duckdb.connect(str(database)) as connection:
            connection.execute("checkpoint")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _staged_replacement(database, destination) as staged:
            materialize_marts(staged.path, schemas, env)
    except Exception:
        # The build is good; analysts only keep yesterday's copy a day longer.
        log.exception("the read-only copy %s could not be published", destination)
        return None
    log.info(
        "published the read-only copy for analysts: %s (marts of %s as tables)",
        destination,
        ", ".join(schemas),
    )
    try:
        # The copy's marts hold the views' rows of this very build: the same totals, read
        # from tables instead of recomputing the views in the live file.
        totals = ledger_totals_from_copy(destination, schemas)
    except (duckdb.Error, OSError, ValueError) as exc:
        log.warning("ledger totals not read from the copy (%s); computing them", exc)
        return None
    log_ledger_totals(totals, f"the copy {destination.name}")
    return totals


def record_failed_build_in_copy(
    path: Path, env: Mapping[str, str], manifest: Path, invocation_id: str
) -> bool:
    """After a failed build: add its record to the published copy's build log, whose data
    stays the last good build's. Like publishing, on a new file renamed over the copy, since
    analysts may hold the copy open. Returns whether the copy was told; never raises (the
    build's failure is what the job reports)."""
    destination = read_copy_path(path, env)
    if destination is None or not destination.exists():
        return False
    try:
        with _staged_replacement(destination, destination) as staged:
            with duckdb.connect(str(staged.path)) as connection:
                connection.execute(
                    f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as live (read_only)"
                )
                added = record_failed_build(
                    connection, "live", build_log_relation(manifest, env), invocation_id
                )
                connection.execute("detach live")
                connection.execute("checkpoint")
            staged.replace = bool(added)
    except (duckdb.Error, OSError):
        log.exception("the read-only copy %s could not be told of the failed build", destination)
        return False
    if added:
        log.info(
            "the read-only copy %s keeps the last good build's data; its "
            "ledger_build_status lists build %s as failed",
            destination,
            invocation_id,
        )
    return bool(added)
