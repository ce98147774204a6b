"""Model and column descriptions end up as comments on the views, on DuckDB and PostgreSQL.

The project's view materialization applies `persist_docs` itself
(macros/materializations/ledger_persist_view_docs.sql): a new view gets every comment, an
unchanged view keeps its comments and gets no statement (an unchanged build takes no lock),
a changed description is written to the unchanged view, and a view whose columns change
(swapped on PostgreSQL, replaced on DuckDB, where `create or replace` drops comments) has
them again. A probe model in a copy of the project drives each case; a real staging model
shows the project's own YAML reaching the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of
from readers import edit, project_copy
from shared_warehouse import private_prefix

pytestmark = pytest.mark.dbt

PROBE_SQL = "select cast(12.5 as numeric(12, 2)) as amount, 'x' as note\n"
PROBE_YML = """version: 2
models:
  - name: persist_docs_probe
    description: >
      A view probing persist_docs.
    columns:
      - name: amount
        description: What the broker owes, in dollars.
      - name: note
"""
REAL_MODEL = "stg_boberdoo__lead_sales"


@pytest.fixture(params=["dev", pytest.param("postgres", marks=pytest.mark.postgres)])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DbtSandbox]:
    if request.param == "dev":
        yield DbtSandbox(target="dev", workdir=tmp_path, duckdb_path=tmp_path / "ledger.duckdb")
        return
    sandbox = DbtSandbox(
        target="postgres", workdir=tmp_path, schema_prefix=private_prefix("ledger_pytest_pd")
    )
    yield sandbox
    sandbox.drop_schemas("billing", "boberdoo", "invoca", "finance", "staging", "marts")
    sandbox.drop_schemas("retired")


def comments(sandbox: DbtSandbox, layer: str, view: str) -> dict[str | None, str | None]:
    """The view's comment (key None) and each column's, as the database has them."""
    schema = f"{sandbox.schema_prefix}_{layer}"
    if sandbox.target == "dev":
        sql = f"""
            select null, comment from duckdb_views()
            where schema_name = '{schema}' and view_name = '{view}'
            union all
            select column_name, comment from duckdb_columns()
            where schema_name = '{schema}' and table_name = '{view}'
        """
    else:
        sql = f"""
            select null, obj_description('{schema}.{view}'::regclass, 'pg_class')
            union all
            select attname::text, col_description(attrelid, attnum) from pg_attribute
            where attrelid = '{schema}.{view}'::regclass and attnum > 0 and not attisdropped
        """
    with sandbox.warehouse() as warehouse:
        rows = warehouse.query(sql)
    assert rows, f"{schema}.{view} does not exist"
    return {row[0]: row[1] for row in rows}


def build(sandbox: DbtSandbox, project: Path) -> str:
    """`dbt run` of the probe and the real model; returns this run's part of the debug log."""
    log = sandbox.workdir / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    result = sandbox.dbt(
        "run", "--project-dir", str(project), "--select", f"persist_docs_probe {REAL_MODEL}"
    )
    assert result.returncode == 0, output_of(result)[-4000:]
    with log.open(encoding="utf-8") as file:
        file.seek(start)
        return file.read()


def test_descriptions_become_comments_and_follow_every_change(
    sandbox: DbtSandbox, tmp_path: Path
) -> None:
    project = project_copy(tmp_path / "project")
    probe = project / "models" / "marts" / "ledger"
    (probe / "persist_docs_probe.sql").write_text(PROBE_SQL)
    (probe / "_persist_docs_probe.yml").write_text(PROBE_YML)
    sandbox.load_demo_data(scale=0.05)

    # Created: the view and every described column carry their descriptions, trimmed.
    build(sandbox, project)
    assert comments(sandbox, "marts", "persist_docs_probe") == {
        None: "A view probing persist_docs.",
        "amount": "What the broker owes, in dollars.",
        "note": None,
    }
    # The project's own YAML, as dbt parsed it, reaches the database for a real model.
    manifest = json.loads((sandbox.workdir / "target" / "manifest.json").read_text())
    node = manifest["nodes"][f"model.lead_revenue_ledger.{REAL_MODEL}"]
    real = comments(sandbox, "staging", REAL_MODEL)
    assert real[None] == node["description"].strip()
    described = {
        n: c["description"].strip() for n, c in node["columns"].items() if c["description"]
    }
    assert described, f"{REAL_MODEL} has no column description to check"
    assert {name: real[name] for name in described} == described

    # Unchanged: no COMMENT statement at all, the comments stay.
    log = build(sandbox, project)
    assert 'persist_docs_probe": unchanged' in log
    assert "comment on" not in log.lower()
    assert comments(sandbox, "marts", "persist_docs_probe")["amount"] == (
        "What the broker owes, in dollars."
    )

    # A description changed, the SQL not: the unchanged view gets the new comment only.
    edit(probe / "_persist_docs_probe.yml", "What the broker owes", "What the broker pays")
    log = build(sandbox, project)
    assert 'persist_docs_probe": unchanged' in log
    assert comments(sandbox, "marts", "persist_docs_probe") == {
        None: "A view probing persist_docs.",
        "amount": "What the broker pays, in dollars.",
        "note": None,
    }

    # A column retyped: a new view (PostgreSQL swaps, DuckDB replaces), comments again.
    edit(probe / "persist_docs_probe.sql", "numeric(12, 2)", "numeric(18, 2)")
    log = build(sandbox, project)
    outcome = "swapped" if sandbox.target == "postgres" else "replaced"
    assert f'persist_docs_probe": {outcome}' in log
    assert comments(sandbox, "marts", "persist_docs_probe") == {
        None: "A view probing persist_docs.",
        "amount": "What the broker pays, in dollars.",
        "note": None,
    }
