"""DDL of the raw landing tables (spec section 2) for demo and test data, DuckDB and PostgreSQL.

Read from dbt's sources, so a column is declared once: each column of a raw source (schema
`env_var('LEDGER_<RAW>_SCHEMA', '') or var('<raw>_schema')`) carries its `data_type`. No keys,
as the EL tool's landing tables enforce none: the dbt sources test them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ledger_job import paths

Columns = list[tuple[str, str]]
_SOURCE_SCHEMA = re.compile(r"env_var\(\s*'LEDGER_\w+_SCHEMA'.*var\(\s*'(\w+)_schema'\s*\)")


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def project_vars(root: Path = paths.PROJECT_ROOT) -> dict[str, Any]:
    """The vars of dbt_project.yml, as dbt reads them when no --vars override them."""
    return _yaml(root / "dbt_project.yml").get("vars", {})


def raw_schema_names(env: Mapping[str, str], root: Path = paths.PROJECT_ROOT) -> dict[str, str]:
    """Raw name (billing, boberdoo, ...) -> the schema dbt reads it from."""
    defaults = project_vars(root)
    names: dict[str, str] = {}
    for sources in sorted((root / "models").glob("**/_*__sources.yml")):
        for source in _yaml(sources).get("sources", []):
            match = _SOURCE_SCHEMA.search(str(source.get("schema", "")))
            if match:
                raw = match.group(1)
                names[raw] = env.get(f"LEDGER_{raw.upper()}_SCHEMA") or str(
                    defaults[f"{raw}_schema"]
                )
    return names


def _columns(path: Path, schema: str, table: dict[str, Any], problems: list[str]) -> Columns:
    columns: Columns = []
    where = f"{path.name}: source table {schema}.{table['name']}"
    for column in table.get("columns") or []:
        if not column.get("data_type"):
            problems.append(f"{where}, column {column.get('name')}: no data_type")
        columns.append((str(column["name"]), str(column.get("data_type"))))
    if not columns:
        problems.append(f"{where}: no columns")
    return columns


def read_raw_tables(root: Path = paths.PROJECT_ROOT) -> dict[str, dict[str, Columns]]:
    """Raw schema -> table -> (column, SQL type), in the sources YAML's order.

    Raises ValueError naming every raw source column without a data_type (and every table
    without columns): the DDL cannot be written without them."""
    raw = raw_schema_names({}, root)
    tables: dict[str, dict[str, Columns]] = {}
    problems: list[str] = []
    for path in sorted((root / "models").glob("**/_*__sources.yml")):
        for source in _yaml(path).get("sources") or []:
            if source["name"] in raw:
                tables[source["name"]] = {
                    table["name"]: _columns(path, source["name"], table, problems)
                    for table in source.get("tables") or []
                }
    if problems:
        raise ValueError(
            "\n".join(problems) + "\nGive each raw source column its SQL type in the sources"
            " YAML (e.g. data_type: bigint); the raw tables' DDL is read from there."
        )
    return tables


_RAW_COLUMNS = read_raw_tables()
# Schema -> table -> "name type, name type, ...": the body of each CREATE TABLE.
RAW_TABLES: dict[str, dict[str, str]] = {
    schema: {
        table: ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
        for table, columns in tables.items()
    }
    for schema, tables in _RAW_COLUMNS.items()
}
RAW_SCHEMAS: tuple[str, ...] = tuple(RAW_TABLES)
# The four tables of schema billing whose rows are lead deliveries (spec 2).
DELIVERY_TABLES: tuple[str, ...] = (
    "mortgage_broker_filter_to_mortgage_lead",
    "construction_loan_lead_filter_to_construction_loan_lead",
    "hard_money_lead_filter_to_hard_money_lead",
    "land_lead_filter_to_land_lead",
)


def column_types(schema: str, table: str) -> Columns:
    """(name, SQL type) of every column of a raw table, in DDL order."""
    return list(_RAW_COLUMNS[schema][table])


def table_columns(schema: str, table: str) -> list[str]:
    """Column names of a raw table, in DDL order (the order of the generated tuples)."""
    return [name for name, _ in _RAW_COLUMNS[schema][table]]


def create_statements(schema_names: dict[str, str] | None = None) -> list[str]:
    """CREATE SCHEMA / CREATE TABLE statements, with raw schemas renamed as the dbt vars say."""
    rename = schema_names or {}
    statements: list[str] = []
    for schema, tables in RAW_TABLES.items():
        target = rename.get(schema, schema)
        statements.append(f"create schema if not exists {target}")
        for table, columns in tables.items():
            statements.append(f"create table {target}.{table} ({columns})")
    return statements
