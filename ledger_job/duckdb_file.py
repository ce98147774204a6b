"""The DuckDB warehouse file: waiting for it, and publishing the copy analysts read.

DuckDB lets one process write a file or many read it, never both: an analyst's connection,
even read-only, keeps the job from building, and a build keeps analysts out. So the job waits
for the file (LEDGER_DUCKDB_LOCK_WAIT_SECONDS, default 600), saying who holds it, then fails
with one line saying what to close; and after each good build it publishes a copy
(LEDGER_DUCKDB_READ_COPY, default `<stem>_read.duckdb`; `off`), renamed over the old one, its
marts as tables (read_copy), that analysts open instead. After a failed build the copy keeps
its data and its ledger_build_status lists the failed build after the good one it holds.
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

from ledger_job import read_copy
from ledger_job.heartbeat import log_ledger_totals

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
    """Whether a DuckDB (or dbt) error is about another process holding the file."""
    return _LOCK_CONFLICT in message


def describe_holder(message: str) -> str:
    """'PID 123 (python3 analyst.py)' from DuckDB's lock error, on one line."""
    match = _HOLDER.search(message)
    if match is None:
        return "another process"
    try:
        raw = Path(f"/proc/{match['pid']}/cmdline").read_bytes()
        command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        command = match["program"]
    return f"PID {match['pid']} ({' '.join(command.split())[:200]})"


@dataclass(frozen=True)
class DuckDbFile:
    path: Path
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    report_every: float = REPORT_EVERY_SECONDS
    poll_seconds: float = 1.0

    @classmethod
    def from_env(cls, path: Path, env: Mapping[str, str]) -> DuckDbFile:
        raw = env.get(WAIT_ENV, "").strip()
        try:
            return cls(path=path, wait_seconds=max(float(raw or DEFAULT_WAIT_SECONDS), 0.0))
        except ValueError:
            raise ValueError(f"{WAIT_ENV} must be a number of seconds, not {raw!r}") from None

    def wait_until_free(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Return once the file opens for writing (the probe closes at once: dbt opens it
        next); WarehouseBusyError after the wait."""
        started, reported = time.monotonic(), None
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
                    f"the DuckDB file {self.path} is held open by {holder}; waiting up to "
                    f"{self.wait_seconds - waited:.0f} s more for it"
                )
                reported = time.monotonic()
            sleep(min(self.poll_seconds, max(self.wait_seconds - waited, 0.01)))


def default_read_copy(path: Path) -> Path:
    return path.with_name(f"{path.stem}_read{path.suffix}")


def read_copy_path(path: Path, env: Mapping[str, str]) -> Path | None:
    raw = env.get(READ_COPY_ENV, "").strip()
    if raw.lower() in ("off", "none", "0", "false"):
        return None
    return Path(raw) if raw else default_read_copy(path)


@contextmanager
def _staged_replacement(source: Path, destination: Path) -> Iterator[list[Path]]:
    """`source` copied beside `destination` for the block to change, then renamed over it
    (unless the block empties the list): no reader opens a half-made copy, and one holding the
    old copy reads it until it reconnects. The temporary file goes whatever happens."""
    staged = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    replace = [staged]
    try:
        shutil.copyfile(source, staged)
        yield replace
        if replace:
            os.replace(staged, destination)
    finally:
        staged.unlink(missing_ok=True)
        staged.with_name(staged.name + ".wal").unlink(missing_ok=True)


def publish_read_copy(
    database: Path, env: Mapping[str, str], manifest: Path
) -> dict[str, Any] | None:
    """After a good build: `database` checkpointed and copied, its marts made tables, renamed
    over the copy. Returns the ledger totals read from those tables (None: compute them)."""
    destination = read_copy_path(database, env)
    if destination is None:
        return None
    schemas = read_copy.marts_schemas(manifest, env)
    try:
        with duckdb.connect(str(database)) as connection:
            connection.execute("checkpoint")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _staged_replacement(database, destination) as staged:
            read_copy.materialize_marts(staged[0], schemas, env)
    except Exception:  # the build is good; analysts keep yesterday's copy a day longer
        log.exception("the read-only copy %s could not be published", destination)
        return None
    marts = ", ".join(schemas)
    log.info(
        f"published the read-only copy for analysts: {destination} (marts of {marts} as tables)"
    )
    try:  # this very build's rows: the same totals, read from tables, not the views again
        totals = read_copy.ledger_totals_from_copy(destination, schemas)
    except (duckdb.Error, OSError, ValueError) as exc:
        log.warning("ledger totals not read from the copy (%s); computing them", exc)
        return None
    log_ledger_totals(totals, f"the copy {destination.name}")
    return totals


def record_failed_build_in_copy(
    path: Path, env: Mapping[str, str], manifest: Path, invocation_id: str
) -> bool:
    """After a failed build: its record added to the copy's build log, on a new file renamed
    over the copy (analysts may hold it open). Whether the copy was told; never raises."""
    destination = read_copy_path(path, env)
    if destination is None or not destination.exists():
        return False
    try:
        with _staged_replacement(destination, destination) as staged:
            with duckdb.connect(str(staged[0])) as connection:
                live = str(path).replace("'", "''")
                connection.execute(f"attach '{live}' as live (read_only)")
                relation = read_copy.build_log_relation(manifest, env)
                added = read_copy.record_failed_build(connection, "live", relation, invocation_id)
                connection.execute("detach live")
                connection.execute("checkpoint")
            if not added:
                staged.clear()
    except (duckdb.Error, OSError):
        log.exception("the read-only copy %s could not be told of the failed build", destination)
        return False
    if added:
        log.info(
            f"the read-only copy {destination} keeps the last good build's data; its "
            f"ledger_build_status lists build {invocation_id} as failed"
        )
    return bool(added)
