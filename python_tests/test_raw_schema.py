"""The raw tables' DDL is dbt's sources: every raw column typed there, in the order dbt sees.

ledger_tools.raw_schema reads the tables, columns and `data_type`s of the raw sources in
models/staging/*/_*__sources.yml; a column added there without its type would leave the demo
and test tables without it. raw_schema then refuses to import, naming every such table and
column (and so the suite stops at conftest with that list); the first test reads the YAML on
its own and says the same, the third proves the refusal.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from shared_warehouse import SharedDuckDB

from ledger_job.paths import PROJECT_ROOT
from ledger_tools import raw_schema
from ledger_tools.raw_schema import raw_schema_names

PACKAGE = "lead_revenue_ledger"


def _raw_sources(root: Path = PROJECT_ROOT) -> list[tuple[Path, dict[str, Any]]]:
    raw = raw_schema_names({}, root)
    found = []
    for path in sorted((root / "models").glob("**/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources") or []:
            if source["name"] in raw:
                found.append((path, source))
    return found


def _source_columns() -> dict[tuple[str, str], list[str]]:
    return {
        (source["name"], table["name"]): [c["name"] for c in table.get("columns") or []]
        for _, source in _raw_sources()
        for table in source["tables"]
    }


def test_every_raw_source_column_has_a_data_type() -> None:
    untyped = [
        f"{path.name}: {source['name']}.{table['name']} column {column['name']}"
        for path, source in _raw_sources()
        for table in source["tables"]
        for column in table.get("columns") or []
        if not column.get("data_type")
    ]
    assert not untyped, "raw source columns without data_type (no DDL for them):\n" + "\n".join(
        untyped
    )


def test_every_raw_source_table_declares_its_columns() -> None:
    empty = [
        f"{schema}.{table}" for (schema, table), columns in _source_columns().items() if not columns
    ]
    assert not empty, f"raw source tables without columns (no DDL for them): {empty}"


def test_a_column_without_data_type_is_refused_by_name(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    for path in (PROJECT_ROOT / "models").glob("**/_*__sources.yml"):
        copy = tmp_path / path.relative_to(PROJECT_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    dispositions = tmp_path / "models/staging/boberdoo/_boberdoo__sources.yml"
    lines = dispositions.read_text(encoding="utf-8").splitlines()
    status = lines.index("          - name: status")
    assert lines[status + 1].strip().startswith("data_type:")
    del lines[status + 1]
    dispositions.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(
        ValueError, match=r"source table boberdoo\.dispositions, column status: no data_type"
    ):
        raw_schema.read_raw_tables(tmp_path)


def test_the_ddl_creates_every_source_column_in_order() -> None:
    with duckdb.connect() as connection:
        for statement in raw_schema.create_statements():
            connection.execute(statement)
        rows = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " order by table_schema, table_name, ordinal_position"
        ).fetchall()
    created: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        created.setdefault((schema, table), []).append(column)
    assert created == _source_columns()


@pytest.mark.dbt
def test_the_ddl_matches_the_sources_dbt_parsed(shared_duckdb: SharedDuckDB) -> None:
    manifest = json.loads((shared_duckdb.target / "manifest.json").read_text(encoding="utf-8"))
    parsed = {
        (node["source_name"], node["name"]): [
            (name, column["data_type"]) for name, column in node["columns"].items()
        ]
        for node in manifest["sources"].values()
        if node["package_name"] == PACKAGE and node["source_name"] in raw_schema.RAW_SCHEMAS
    }
    generated = {
        (schema, table): raw_schema.column_types(schema, table)
        for schema, tables in raw_schema.RAW_TABLES.items()
        for table in tables
    }
    assert generated.keys() == parsed.keys()
    differing = [f"{s}.{t}" for (s, t), columns in parsed.items() if generated[(s, t)] != columns]
    assert not differing, f"DDL columns (names, order, types) other than dbt parsed: {differing}"
