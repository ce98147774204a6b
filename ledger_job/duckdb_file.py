"""The DuckDB warehouse file: waiting for it, and publishing the copy analysts read.

DuckDB lets one process write a file or many read it, never both. So the job waits for the
file (LEDGER_DUCKDB_LOCK_WAIT_SECONDS), saying who holds it; after a good build it publishes
a copy for analysts (LEDGER_DUCKDB_READ_COPY), its marts as tables, read at table speed;
after a failed build the copy keeps its data and lists the failed build.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from ledger_job.dbt_artifacts import load_json
from ledger_job.heartbeat import TOTALS, ledger_totals

WAIT_ENV = "LEDGER_DUCKDB_LOCK_WAIT_SECONDS"
READ_COPY_ENV = "LEDGER_DUCKDB_READ_COPY"
DEFAULT_WAIT_SECONDS = 600.0
REPORT_EVERY_SECONDS, POLL_SECONDS = 30.0, 1.0
_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")

log = logging.getLogger(__name__)
MARTS_FOLDER, _SHARED = "models/marts/", "models/intermediate/"
MEMORY_ENV = "LEDGER_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"  # the dev profile's cap (profiles.yml.example)
_STAGED = "__ledger_copy"  # a table and the view it replaces cannot share a name
LIVE_VIEWS = frozenset({"ledger_build_status"})  # reads what the job writes after publishing
BUILD_LOG_SOURCE = "source.lead_revenue_ledger.ledger_audit.ledger_build_log"


class WarehouseBusyError(RuntimeError):
    """Another process kept the DuckDB file open for longer than the job may wait."""


def is_lock_conflict(message: str) -> bool:
    return _LOCK_CONFLICT in message  # from DuckDB, or dbt passing DuckDB's error on


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

    @classmethod
    def from_env(cls, path: Path, env: Mapping[str, str]) -> DuckDbFile:
        raw = env.get(WAIT_ENV, "").strip()
        try:
            return cls(path=path, wait_seconds=max(float(raw or DEFAULT_WAIT_SECONDS), 0.0))
        except ValueError:
            raise ValueError(f"{WAIT_ENV} must be a number of seconds, not {raw!r}") from None

    def wait_until_free(self) -> None:
        """Return once the file opens for writing (the probe closes: dbt opens it next)."""
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
            if reported is None or time.monotonic() - reported >= REPORT_EVERY_SECONDS:
                log.warning(
                    f"the DuckDB file {self.path} is held open by {holder}; waiting up to "
                    f"{self.wait_seconds - waited:.0f} s more for it"
                )
                reported = time.monotonic()
            time.sleep(min(POLL_SECONDS, max(self.wait_seconds - waited, 0.01)))


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
    (unless the block empties the list): no reader opens a half-made copy."""
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


def publish_read_copy(path: Path, env: Mapping[str, str], manifest: Path) -> dict[str, Any] | None:
    """After a good build, the copy of `path` with its marts as tables; its ledger totals."""
    destination = read_copy_path(path, env)
    if destination is None:
        return None
    try:
        schemas, order = copy_order(manifest)
        with duckdb.connect(str(path)) as connection:
            connection.execute("checkpoint")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _staged_replacement(path, destination) as staged:
            materialize_marts(staged[0], order, env)
    except Exception:  # the build is good; analysts keep yesterday's copy a day longer
        log.exception("the read-only copy %s could not be published", destination)
        return None
    marts = f"marts of {', '.join(schemas)} as tables"
    log.info(f"published the read-only copy for analysts: {destination} ({marts})")
    try:  # this very build's rows: the same totals, read from tables, not the views again
        return ledger_totals_from_copy(destination, order)
    except (duckdb.Error, OSError, KeyError, ValueError) as exc:
        log.warning("ledger totals not read from the copy (%s); computing them", exc)
        return None


def record_failed_build_in_copy(
    path: Path, env: Mapping[str, str], manifest: Path, invocation_id: str
) -> bool:
    """After a failed build, its record added to the copy's build log; whether it was added."""
    destination = read_copy_path(path, env)
    if destination is None or not destination.exists():
        return False
    try:
        with _staged_replacement(destination, destination) as staged:
            with duckdb.connect(str(staged[0])) as connection:
                connection.execute(f"attach {_text(str(path))} as live (read_only)")
                relation = build_log_relation(manifest, env)
                added = record_failed_build(connection, "live", relation, invocation_id)
                connection.execute("detach live")
                connection.execute("checkpoint")
            if not added:
                staged.clear()
    except (duckdb.Error, OSError):
        log.exception("the read-only copy %s could not be told of the failed build", destination)
        return False
    if added:
        kept = "keeps the last good build's data; its ledger_build_status lists build"
        log.info(f"the read-only copy {destination} {kept} {invocation_id} as failed")
    return bool(added)


def build_log_relation(manifest: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """(schema, table) of the build log the hooks write (macros/ledger_build_log.sql)."""
    source = (load_json(manifest).get("sources") or {}).get(BUILD_LOG_SOURCE) or {}
    if source.get("schema") and source.get("identifier"):
        return str(source["schema"]), str(source["identifier"])
    return f"{env.get('LEDGER_SCHEMA') or 'ledger'}_audit", "ledger_build_log"


def _name(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def copy_order(manifest: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The marts' schemas, and (schema, view) of the marts and of each intermediate view two
    models read, each after what it reads: made tables in this order, each is computed once and
    its readers read a table, not the chain of views again (ledger_entries has four readers)."""
    nodes = (load_json(manifest).get("nodes") or {}).values()
    models = {node["unique_id"]: node for node in nodes if node.get("resource_type") == "model"}
    parents = {k: set(n["depends_on"]["nodes"]) & models.keys() for k, n in models.items()}
    readers = Counter(parent for listed in parents.values() for parent in listed)
    folder = {key: node["original_file_path"] for key, node in models.items()}
    marts = {key for key in models if folder[key].startswith(MARTS_FOLDER)}
    return sorted({models[key]["schema"] for key in marts}), [
        (models[key]["schema"], models[key]["name"])
        for key in TopologicalSorter(parents).static_order()
        if key in marts or (folder[key].startswith(_SHARED) and readers[key] > 1)
    ]


def materialize_marts(database: Path, order: list[tuple[str, str]], env: Mapping[str, str]) -> int:
    """The views of a DuckDB file (the copy, never the live file) made tables with their
    comments, in `order` (copy_order), each before the next is filled; returns how many."""
    config = {"memory_limit": env.get(MEMORY_ENV) or DEFAULT_MEMORY_LIMIT}
    with duckdb.connect(str(database), config=config) as connection:
        connection.execute("begin transaction")
        comments = {
            (schema, view): comment
            for schema, view, comment in connection.execute(
                "select schema_name, view_name, comment from duckdb_views()"
                " where database_name = current_database() and not internal"
            ).fetchall()
            if view not in LIVE_VIEWS
        }
        views = [relation for relation in order if relation in comments]
        for schema, view in views:
            staged, table = _name(schema, view + _STAGED), _name(schema, view)
            columns = connection.execute(
                "select column_name, comment from duckdb_columns() where database_name ="
                " current_database() and schema_name = ? and table_name = ?"
                " and comment is not null",
                [schema, view],
            ).fetchall()
            connection.execute(f"create table {staged} as select * from {table}")
            connection.execute(f"drop view {table}")
            connection.execute(f"alter table {staged} rename to {_name(view)}")
            if comments[schema, view]:
                connection.execute(f"comment on table {table} is {_text(comments[schema, view])}")
            for column, text in columns:
                connection.execute(f"comment on column {table}.{_name(column)} is {_text(text)}")
        connection.execute("commit")
        connection.execute("checkpoint")
    return len(views)


def record_failed_build(
    connection: duckdb.DuckDBPyConnection, live: str, log: tuple[str, str], invocation_id: str
) -> int:
    """A failed build's rows of the live file's build log (attached as `live`) added to the
    copy's, its build row naming the passed build the copy keeps; returns the rows added."""
    here, there = _name(*log), _name(live, *log)
    connection.execute(f"create schema if not exists {_name(log[0])}")
    connection.execute(f"create table if not exists {here} as select * from {there} limit 0")
    kept = (  # the note on the failed build's row: the last passed build the copy holds
        "coalesce((select 'not published: this read copy keeps the data of build '"
        " || invocation_id || ', passed at ' || strftime(build_ended_at, '%Y-%m-%d %H:%M:%S')"
        f" || ' UTC' from {here} where node_name is null and status = 'passed'"
        " order by build_started_at desc limit 1),"
        " 'not published: this read copy holds no passed build')"
    )
    added = connection.execute(
        f"insert into {here} select * replace (if(node_name is null, {kept}, note) as note)"
        f" from {there} where invocation_id = $id and invocation_id not in (select invocation_id"
        f" from {here}) and exists (select 1 from {there} where invocation_id = $id"
        " and node_name is null and status = 'failed')",
        {"id": invocation_id},
    ).fetchone()
    return int(added[0]) if added else 0


def ledger_totals_from_copy(copy: Path, order: list[tuple[str, str]]) -> dict[str, Any]:
    """The heartbeat's totals from the copy's tables, as macro ledger_totals from the views."""
    schema_of = {view: schema for schema, view in order}
    ledger, entries = (_name(schema_of[t], t) for t in ("lead_sales_ledger", "ledger_entries"))
    with duckdb.connect(str(copy), read_only=True) as connection:
        row = connection.execute(
            "select * from (select count(*), cast(coalesce(sum(billed_amount), 0) as varchar)"
            f" from {ledger}) cross join (select count(*), cast(coalesce(sum(debit), 0) as"
            f" varchar), cast(coalesce(sum(credit), 0) as varchar) from {entries})"
        ).fetchone()
    return ledger_totals(dict(zip(TOTALS, row or (), strict=True)), f"the copy {copy.name}")
