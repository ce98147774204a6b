"""The published copy's marts as tables, on a small DuckDB file of views (no dbt: the job's
end-to-end tests in test_duckdb_file.py and test_job.py cover the real marts)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ledger_ops.read_copy import ledger_totals_from_copy, marts_schemas, materialize_marts


def _warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw; create schema s_marts; create schema s_staging")
        con.execute("create table raw.sales (amount decimal(12,2), broker bigint)")
        con.execute("insert into raw.sales values (10.25, 1), (-3.10, 2), (0.01, 1)")
        con.execute("create view s_staging.stg as select * from raw.sales")
        # A mart reading another mart, as ledger_entries reads lead_sales_ledger.
        con.execute(
            "create view s_marts.lead_sales_ledger as"
            " select broker as mortgage_broker_id, amount as billed_amount from s_staging.stg"
        )
        con.execute(
            "create view s_marts.ledger_entries as select greatest(billed_amount, 0) as debit,"
            " greatest(-billed_amount, 0) as credit from s_marts.lead_sales_ledger"
        )
        con.execute("comment on view s_marts.lead_sales_ledger is 'One row per event; it''s'")
        con.execute("comment on column s_marts.lead_sales_ledger.billed_amount is 'Dollars'")


def test_marts_views_become_tables_with_their_columns_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    _warehouse(path)

    assert materialize_marts(path, ["s_marts"], {}) == 2

    with duckdb.connect(str(path), read_only=True) as con:
        kinds = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_schema like 's_%' order by 1, 2"
        ).fetchall()
        assert kinds == [
            ("s_marts", "lead_sales_ledger", "BASE TABLE"),
            ("s_marts", "ledger_entries", "BASE TABLE"),
            ("s_staging", "stg", "VIEW"),
        ]
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'lead_sales_ledger'"
        ).fetchone() == ("One row per event; it's",)
        columns = con.execute(
            "select column_name, data_type, comment from duckdb_columns()"
            " where table_name = 'lead_sales_ledger' order by column_index"
        ).fetchall()
        assert columns == [
            ("mortgage_broker_id", "BIGINT", None),
            ("billed_amount", "DECIMAL(12,2)", "Dollars"),
        ]
    assert ledger_totals_from_copy(path, ["s_marts"]) == {
        "rows": 3,
        "billed_amount": "7.16",
        "entries": 3,
        "total_debits": "10.26",
        "total_credits": "3.10",
    }


def test_marts_schema_comes_from_the_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    node = {"resource_type": "model", "schema": "x_marts"}
    nodes = {
        "a": {**node, "original_file_path": "models/marts/ledger/a.sql"},
        "b": {**node, "schema": "x_staging", "original_file_path": "models/staging/b.sql"},
    }
    manifest.write_text(json.dumps({"nodes": nodes}))
    assert marts_schemas(manifest, {}) == ["x_marts"]
    assert marts_schemas(tmp_path / "absent.json", {"LEDGER_SCHEMA": "y"}) == ["y_marts"]
