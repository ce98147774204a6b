"""The published copy's marts as tables, on a small DuckDB file of views (no dbt: the job's
end-to-end tests in test_duckdb_file.py and test_job.py cover the real marts)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ledger_job.duckdb_file import (
    copy_order,
    ledger_totals_from_copy,
    materialize_marts,
    record_failed_build_in_copy,
)


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
        # Stays a view: it reads the build log the job adds to after a failed build.
        con.execute("create view s_marts.ledger_build_status as select 1 as one")
        con.execute("comment on view s_marts.lead_sales_ledger is 'One row per event; it''s'")
        con.execute("comment on column s_marts.lead_sales_ledger.billed_amount is 'Dollars'")


def test_marts_views_become_tables_with_their_columns_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    _warehouse(path)

    marts = ("ledger_build_status", "lead_sales_ledger", "ledger_entries")
    order = [("s_marts", name) for name in marts]
    assert materialize_marts(path, order, {}) == 2

    with duckdb.connect(str(path), read_only=True) as con:
        kinds = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_schema like 's_%' order by 1, 2"
        ).fetchall()
        assert kinds == [
            ("s_marts", "lead_sales_ledger", "BASE TABLE"),
            ("s_marts", "ledger_build_status", "VIEW"),
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
    assert ledger_totals_from_copy(path, order) == {
        "rows": 3,
        "billed_amount": "7.16",
        "entries": 3,
        "total_debits": "10.26",
        "total_credits": "3.10",
    }


def test_the_copy_fills_each_table_after_what_it_reads(tmp_path: Path) -> None:
    """Marts, and the intermediate views two models read, each after its parents: what reads
    them then reads a table, so none is computed twice."""
    manifest = tmp_path / "manifest.json"

    def model(name: str, folder: str, *parents: str) -> dict:
        return {
            "unique_id": f"model.p.{name}",
            "name": name,
            "resource_type": "model",
            "schema": f"x_{folder}",
            "original_file_path": f"models/{folder}/{name}.sql",
            "depends_on": {"nodes": [f"model.p.{p}" for p in parents] + ["seed.p.chart"]},
        }

    nodes = [
        model("b_mart", "marts", "a_mart", "shared"),
        model("a_mart", "marts", "shared", "single"),
        model("shared", "intermediate", "stg"),
        model("single", "intermediate", "stg"),
        model("stg", "staging"),
        model("other", "intermediate", "stg"),
    ]
    manifest.write_text(json.dumps({"nodes": {node["unique_id"]: node for node in nodes}}))
    assert copy_order(manifest) == (
        ["x_marts"],
        [("x_intermediate", "shared"), ("x_marts", "a_mart"), ("x_marts", "b_mart")],
    )
    assert copy_order(tmp_path / "absent.json") == ([], [])


_LOG_COLUMNS = (
    "invocation_id varchar(64), node_name varchar(512), dbt_command varchar(32),"
    " selection varchar(512), build_started_at timestamp, build_ended_at timestamp,"
    " status varchar(32), checked_relation varchar(512), failure_count bigint,"
    " note varchar(1024)"
)


def _build_log(path: Path, rows: list[tuple[object, ...]]) -> None:
    """A file with the build log as the hooks create it (macros/ledger_build_log.sql)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema ledger_audit")
        con.execute(f"create table ledger_audit.ledger_build_log ({_LOG_COLUMNS})")
        con.executemany(
            "insert into ledger_audit.ledger_build_log"
            " values (?, ?, 'build', ?, ?, ?, ?, ?, ?, null)",
            rows,
        )


def _log_rows(path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select invocation_id, node_name, status, failure_count, note"
            " from ledger_audit.ledger_build_log order by build_started_at, node_name nulls first"
        ).fetchall()


def test_a_failed_build_is_added_to_the_copy_with_the_good_build_it_keeps(
    tmp_path: Path,
) -> None:
    passed = ("A", None, "all", "2026-01-01 00:05:00", "2026-01-01 00:09:00", "passed", None, None)
    failed = [
        ("B", None, "all", "2026-01-02 00:05:00", "2026-01-02 00:08:00", "failed", None, None),
        ("B", "unique_stg_x", None, "2026-01-02 00:05:00", None, "fail", "model stg_x", 2),
    ]
    later_pass = (
        "C",
        None,
        "all",
        "2026-01-03 00:05:00",
        "2026-01-03 00:09:00",
        "passed",
        None,
        None,
    )
    live, copy = tmp_path / "ledger.duckdb", tmp_path / "ledger_read.duckdb"
    _build_log(live, [passed, *failed, later_pass])
    _build_log(copy, [passed])
    env = {"LEDGER_DUCKDB_READ_COPY": str(copy)}
    manifest = tmp_path / "absent_manifest.json"  # the default schema, ledger_audit

    assert record_failed_build_in_copy(live, env, manifest, "B")
    note = (
        "not published: this read copy keeps the data of build A, passed at 2026-01-01 00:09:00 UTC"
    )
    expected = [
        ("A", None, "passed", None, None),
        ("B", None, "failed", None, note),
        ("B", "unique_stg_x", "fail", 2, None),
    ]
    assert _log_rows(copy) == expected
    # Once only; a passed build is the publication's business, never recorded here.
    assert not record_failed_build_in_copy(live, env, manifest, "B")
    assert not record_failed_build_in_copy(live, env, manifest, "C")
    assert _log_rows(copy) == expected
    assert list(tmp_path.glob(".*partial*")) == []
    # No copy published yet: nothing to tell.
    assert not record_failed_build_in_copy(live, {"LEDGER_DUCKDB_READ_COPY": "off"}, manifest, "B")
