"""The analysts' DuckDB copy: its marts as tables, and the heartbeat's totals read from them.

The copy is frozen at its build, so a mart loses nothing as a table: analysts read at table
speed instead of recomputing the views, and the job reads the totals without computing them
again. Each table keeps its view's name, columns, types and comments; staging and
intermediate views stay views (the marts no longer need them).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from ledger_job.dbt_artifacts import load_json
from ledger_job.heartbeat import TOTALS, heartbeat_totals

MARTS_FOLDER = "models/marts/"
MEMORY_ENV = "LEDGER_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"  # the dev profile's cap (profiles.yml.example)
_STAGED = "__ledger_copy"  # a table and the view it replaces cannot share a name
LIVE_VIEWS = frozenset({"ledger_build_status"})  # reads what the job writes after publishing
BUILD_LOG_SOURCE = "source.lead_revenue_ledger.ledger_audit.ledger_build_log"


def marts_schemas(manifest: Path, env: Mapping[str, str]) -> list[str]:
    """The schemas of the build's marts models; `<LEDGER_SCHEMA>_marts` without a manifest."""
    nodes = ((load_json(manifest) or {}).get("nodes") or {}).values()
    schemas = {
        str(node["schema"])
        for node in nodes
        if node.get("resource_type") == "model"
        and node.get("schema")
        and str(node.get("original_file_path", "")).startswith(MARTS_FOLDER)
    }
    return sorted(schemas) or [f"{env.get('LEDGER_SCHEMA') or 'ledger'}_marts"]


def build_log_relation(manifest: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """(schema, table) of the build log the hooks write (macros/ledger_build_log.sql)."""
    source = ((load_json(manifest) or {}).get("sources") or {}).get(BUILD_LOG_SOURCE) or {}
    if source.get("schema") and source.get("identifier"):
        return str(source["schema"]), str(source["identifier"])
    return f"{env.get('LEDGER_SCHEMA') or 'ledger'}_audit", "ledger_build_log"


def _name(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def views_to_tables(connection: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Every view of `schema` replaced by a table of its rows, all filled before any view is
    dropped (a mart reads other marts); returns their names."""
    listed = connection.execute(
        "select view_name, comment from duckdb_views() where database_name = current_database()"
        " and schema_name = ? and not internal order by view_name",
        [schema],
    ).fetchall()
    views = [(view, comment) for view, comment in listed if view not in LIVE_VIEWS]
    for view, _ in views:
        connection.execute(
            f"create table {_name(schema, view + _STAGED)} as select * from {_name(schema, view)}"
        )
    for view, comment in views:
        columns = connection.execute(
            "select column_name, comment from duckdb_columns() where database_name ="
            " current_database() and schema_name = ? and table_name = ? and comment is not null",
            [schema, view],
        ).fetchall()
        connection.execute(f"drop view {_name(schema, view)}")
        connection.execute(f"alter table {_name(schema, view + _STAGED)} rename to {_name(view)}")
        if comment:
            connection.execute(f"comment on table {_name(schema, view)} is {_text(comment)}")
        for column, text in columns:
            connection.execute(f"comment on column {_name(schema, view, column)} is {_text(text)}")
    return [view for view, _ in views]


def materialize_marts(database: Path, schemas: list[str], env: Mapping[str, str]) -> int:
    """The marts views of a DuckDB file (the copy, never the live file) made tables."""
    config = {"memory_limit": env.get(MEMORY_ENV) or DEFAULT_MEMORY_LIMIT}
    with duckdb.connect(str(database), config=config) as connection:
        connection.execute("begin transaction")
        converted = sum(len(views_to_tables(connection, schema)) for schema in schemas)
        connection.execute("commit")
        connection.execute("checkpoint")
    return converted


def record_failed_build(
    connection: duckdb.DuckDBPyConnection, live: str, log: tuple[str, str], invocation_id: str
) -> int:
    """A failed build's rows copied from the live file's build log (attached as `live`) to
    the copy's, its build row noting the passed build whose data the copy keeps. Nothing
    unless the log says the build failed. Returns the rows added."""
    here, there = _name(*log), _name(live, *log)
    connection.execute(f"create schema if not exists {_name(log[0])}")
    connection.execute(f"create table if not exists {here} as select * from {there} limit 0")
    added = connection.execute(
        f"insert into {here} select * from {there} where invocation_id = $id"
        f" and invocation_id not in (select invocation_id from {here})"
        f" and exists (select 1 from {there} where invocation_id = $id and node_name is null"
        " and status = 'failed')",
        {"id": invocation_id},
    ).fetchone()
    count = int(added[0]) if added else 0
    if count:
        connection.execute(
            f"update {here} set note = coalesce(("
            "select 'not published: this read copy keeps the data of build '"
            " || invocation_id || ', passed at ' || strftime(build_ended_at, '%Y-%m-%d %H:%M:%S')"
            f" || ' UTC' from {here} where node_name is null and status = 'passed'"
            " order by build_started_at desc limit 1),"
            " 'not published: this read copy holds no passed build')"
            " where invocation_id = ? and node_name is null",
            [invocation_id],
        )
    return count


def ledger_totals_from_copy(copy: Path, schemas: list[str]) -> dict[str, Any]:
    """The heartbeat's totals from the copy's tables, as the macro computes them from the
    views: amounts cast to text by the engine, then parsed."""
    with duckdb.connect(str(copy), read_only=True) as connection:
        found = connection.execute(
            "select schema_name from duckdb_tables() where database_name = current_database()"
            " and table_name = 'lead_sales_ledger' and list_contains(?, schema_name)",
            [schemas],
        ).fetchall()
        if len(found) != 1:
            raise duckdb.CatalogException(f"no single lead_sales_ledger table in {schemas}")
        ledger, entries = (
            _name(found[0][0], "lead_sales_ledger"),
            _name(found[0][0], "ledger_entries"),
        )
        row = connection.execute(
            "select * from (select count(*), cast(coalesce(sum(billed_amount), 0) as varchar)"
            f" from {ledger}) cross join (select count(*), cast(coalesce(sum(debit), 0) as"
            f" varchar), cast(coalesce(sum(credit), 0) as varchar) from {entries})"
        ).fetchone()
    return heartbeat_totals(dict(zip(TOTALS, row or (), strict=True)))
