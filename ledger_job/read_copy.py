"""The analysts' DuckDB copy: its marts as tables, and the heartbeat's totals read from them.

The copy is frozen at the build it was published after, so a mart loses nothing there by
being a table: analysts read it at table speed instead of recomputing the chain of views on
every query, and the job reads the ledger totals from those tables instead of computing the
views once more. Each table keeps its view's name, columns, types and comments. Staging and
intermediate views stay views: analysts do not read them, and the marts no longer need them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from ledger_job.dbt_artifacts import load_json
from ledger_job.ledger_totals import TOTALS, heartbeat_totals

MARTS_FOLDER = "models/marts/"
MEMORY_ENV = "LEDGER_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"  # the dev profile's cap (profiles.yml.example)
# While both exist, a table and the view it replaces cannot share a name.
_STAGED = "__ledger_copy"
# Marts that stay views in the copy: they read what the job writes into it after publishing.
LIVE_VIEWS = frozenset({"ledger_build_status"})
BUILD_LOG_SOURCE = "source.lead_revenue_ledger.ledger_audit.ledger_build_log"


def marts_schemas(manifest: Path, env: Mapping[str, str]) -> list[str]:
    """The schemas the build put the marts models in; `<LEDGER_SCHEMA>_marts` without one."""
    document = load_json(manifest) or {}
    schemas = {
        str(node["schema"])
        for node in (document.get("nodes") or {}).values()
        if node.get("resource_type") == "model"
        and str(node.get("original_file_path", "")).startswith(MARTS_FOLDER)
        and node.get("schema")
    }
    return sorted(schemas) or [f"{env.get('LEDGER_SCHEMA') or 'ledger'}_marts"]


def build_log_relation(manifest: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """(schema, table) of the build log the hooks write (macros/ledger_build_log.sql)."""
    document = load_json(manifest) or {}
    source = (document.get("sources") or {}).get(BUILD_LOG_SOURCE) or {}
    if source.get("schema") and source.get("identifier"):
        return str(source["schema"]), str(source["identifier"])
    return f"{env.get('LEDGER_SCHEMA') or 'ledger'}_audit", "ledger_build_log"


def _name(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def views_to_tables(connection: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Replace every view of `schema` by a table of its rows; returns their names.

    Every table is filled before any view is dropped: a mart reads other marts.
    """
    views = [
        (view, comment)
        for view, comment in connection.execute(
            "select view_name, comment from duckdb_views()"
            " where database_name = current_database() and schema_name = ? and not internal"
            " order by view_name",
            [schema],
        ).fetchall()
        if view not in LIVE_VIEWS
    ]
    for view, _ in views:
        connection.execute(
            f"create table {_name(schema, view + _STAGED)} as select * from {_name(schema, view)}"
        )
    for view, comment in views:
        columns = connection.execute(
            "select column_name, comment from duckdb_columns()"
            " where database_name = current_database() and schema_name = ? and table_name = ?"
            " and comment is not null",
            [schema, view],
        ).fetchall()
        connection.execute(f"drop view {_name(schema, view)}")
        connection.execute(f"alter table {_name(schema, view + _STAGED)} rename to {_name(view)}")
        if comment:
            connection.execute(f"comment on table {_name(schema, view)} is {_text(comment)}")
        for column, text in columns:
            connection.execute(
                f"comment on column {_name(schema, view, column)} is {_text(str(text))}"
            )
    return [view for view, _ in views]


def materialize_marts(database: Path, schemas: list[str], env: Mapping[str, str]) -> int:
    """Turn the marts views of a DuckDB file (the copy, never the live file) into tables."""
    config = {"memory_limit": env.get(MEMORY_ENV) or DEFAULT_MEMORY_LIMIT}
    converted = 0
    with duckdb.connect(str(database), config=config) as connection:
        connection.execute("begin transaction")
        for schema in schemas:
            converted += len(views_to_tables(connection, schema))
        connection.execute("commit")
        connection.execute("checkpoint")
    return converted


def record_failed_build(
    connection: duckdb.DuckDBPyConnection, live: str, log: tuple[str, str], invocation_id: str
) -> int:
    """Add a build's rows from the build log of the live file (attached as `live`) to the
    copy's (the connection's own database), its build row noting that the copy keeps the
    data of its last passed build. Nothing unless the log says the build failed (it passed,
    or its hooks never ran). Returns the rows added."""
    schema, table = log
    here, there = _name(schema, table), _name(live, schema, table)
    connection.execute(f"create schema if not exists {_name(schema)}")
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
            f"update {here} set note = ("
            "select 'not published: this read copy keeps the data of build '"
            " || invocation_id || ', passed at ' || strftime(build_ended_at, '%Y-%m-%d %H:%M:%S')"
            f" || ' UTC' from {here} where node_name is null and status = 'passed'"
            " order by build_started_at desc limit 1)"
            " where invocation_id = ? and node_name is null",
            [invocation_id],
        )
        connection.execute(
            f"update {here} set note = 'not published: this read copy holds no passed build'"
            " where invocation_id = ? and node_name is null and note is null",
            [invocation_id],
        )
    return count


def ledger_totals_from_copy(copy: Path, schemas: list[str]) -> dict[str, Any]:
    """The heartbeat's totals (see ledger_totals) from the copy's tables, as the macro
    computes them from the views: amounts cast to text by the engine, then parsed."""
    with duckdb.connect(str(copy), read_only=True) as connection:
        found = connection.execute(
            "select schema_name from duckdb_tables() where database_name = current_database()"
            " and table_name = 'lead_sales_ledger' and list_contains(?, schema_name)",
            [schemas],
        ).fetchall()
        if len(found) != 1:
            raise duckdb.CatalogException(f"no single lead_sales_ledger table in {schemas}")
        schema = str(found[0][0])
        ledger = connection.execute(
            "select count(*), cast(coalesce(sum(billed_amount), 0) as varchar)"
            f" from {_name(schema, 'lead_sales_ledger')}"
        ).fetchone()
        entries = connection.execute(
            "select count(*), cast(coalesce(sum(debit), 0) as varchar),"
            f" cast(coalesce(sum(credit), 0) as varchar) from {_name(schema, 'ledger_entries')}"
        ).fetchone()
    return heartbeat_totals(dict(zip(TOTALS, [*ledger, *entries], strict=True)))
