"""The docs site and the catalog stay complete: descriptions, owners, grain tests, contracts.

Analysts read the marts through any SQL client (descriptions persist as comments) and the
docs site. Each check names what is missing, so a new column, model or macro without its
metadata fails here by name rather than showing up later as a blank in the docs.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtSandbox, copy_project, output_of
from readers import CONTRACTED_MARTS
from shared_warehouse import CATALOG_ENV, SharedDuckDB, named_by_make_test

PACKAGE = "lead_revenue_ledger"
# Every other mart is held to the same (test_every_mart_has_an_enforced_contract).
CONTRACTED = set(CONTRACTED_MARTS)
# Integer types as DuckDB's catalog names them; a mart's counts and ids are all BIGINT.
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
# Template text a description must never show: a rendered value or plain words instead.
TEMPLATE_MARKS = ("{{", "}}", "{%", "%}", "var(")
# Generic tests that fix a model's grain: its key is unique.
GRAIN_TESTS = {"unique", "row_rules", "unique_among_distinct_rows"}


def _own(nodes: dict[str, Any], *types: str) -> dict[str, Any]:
    return {
        uid: node
        for uid, node in nodes.items()
        if node.get("package_name") == PACKAGE and node["resource_type"] in types
    }


@pytest.fixture(scope="module")
def manifest(shared_duckdb: SharedDuckDB) -> dict[str, Any]:
    """The manifest of the run's shared build: the project as dbt parsed it."""
    return json.loads((shared_duckdb.target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def built(
    shared_duckdb: SharedDuckDB, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DbtSandbox, dict[str, Any]]:
    """Every relation built (a copy of the shared build), and the catalog of their columns:
    lint-metadata's, made from the shared build, when make test names it."""
    sandbox = shared_duckdb.copy(tmp_path_factory.mktemp("docs_catalog"))
    given = named_by_make_test(CATALOG_ENV)
    if given:
        return sandbox, json.loads(Path(given).read_text())
    result = sandbox.dbt("docs", "generate")
    assert result.returncode == 0, output_of(result)
    return sandbox, json.loads((sandbox.workdir / "target" / "catalog.json").read_text())


def test_every_model_seed_snapshot_and_source_is_described(manifest: dict[str, Any]) -> None:
    nodes = _own(manifest["nodes"], "model", "seed", "snapshot") | _own(
        manifest["sources"], "source"
    )
    missing = sorted(uid for uid, node in nodes.items() if not node["description"].strip())
    assert len(nodes) > 50
    assert missing == []


def test_every_column_of_every_relation_is_declared_and_described(
    manifest: dict[str, Any], built: tuple[DbtSandbox, dict[str, Any]]
) -> None:
    # The catalog lists the columns the engine reports, so a column the YAML never declares
    # is caught too, not only a declared one left blank.
    _, catalog = built
    declared = _own(manifest["nodes"], "model", "seed", "snapshot") | _own(
        manifest["sources"], "source"
    )
    relations = {**catalog["nodes"], **catalog["sources"]}
    checked = 0
    missing = []
    for uid, node in declared.items():
        described = {
            name.lower() for name, col in node["columns"].items() if col["description"].strip()
        }
        assert uid in relations, f"{uid} is not in the catalog"
        for column in relations[uid]["columns"]:
            checked += 1
            if column.lower() not in described:
                missing.append(f"{node['name']}.{column.lower()}")
    assert checked > 400
    assert sorted(missing) == []


def test_shared_columns_use_docs_blocks(manifest: dict[str, Any]) -> None:
    # Written once in models/docs.md: the blocks exist, and the recurring ids reference them.
    blocks = {d["name"] for d in manifest["docs"].values() if d["package_name"] == PACKAGE}
    assert {"__overview__", "mortgage_broker_id", "lead_id", "billed_amount"} <= blocks
    models = _own(manifest["nodes"], "model")
    broker_columns = [n["name"] for n in models.values() if "mortgage_broker_id" in n["columns"]]
    overview = next(d for d in manifest["docs"].values() if d["name"] == "__overview__")
    assert "Money" in overview["block_contents"] and "UTC" in overview["block_contents"]
    assert len(broker_columns) > 10


def test_every_model_has_an_owner(manifest: dict[str, Any]) -> None:
    models = _own(manifest["nodes"], "model")
    groups = manifest.get("groups", {})
    without = sorted(
        node["name"]
        for node in models.values()
        if not (node["config"].get("meta") or {}).get("owner")
        or f"group.{PACKAGE}.{node.get('group')}" not in groups
    )
    assert without == []


def test_every_model_has_a_grain_test(manifest: dict[str, Any]) -> None:
    models = _own(manifest["nodes"], "model")
    with_grain = set()
    for test in _own(manifest["nodes"], "test").values():
        metadata = test.get("test_metadata") or {}
        if metadata.get("name") in GRAIN_TESTS and test.get("attached_node"):
            with_grain.add(test["attached_node"])
    assert sorted(node["name"] for uid, node in models.items() if uid not in with_grain) == []


def test_every_macro_is_described(manifest: dict[str, Any]) -> None:
    macros = [m for m in manifest["macros"].values() if m["package_name"] == PACKAGE]
    assert len(macros) > 30
    assert sorted(m["name"] for m in macros if not m["description"].strip()) == []


def test_the_spec_marts_have_enforced_contracts(manifest: dict[str, Any]) -> None:
    models = {n["name"]: n for n in _own(manifest["nodes"], "model").values()}
    not_enforced = sorted(
        name for name in CONTRACTED if not models[name]["config"]["contract"]["enforced"]
    )
    untyped = sorted(
        f"{name}.{column}"
        for name in CONTRACTED
        for column, spec in models[name]["columns"].items()
        if not spec.get("data_type")
    )
    assert not_enforced == []
    assert untyped == []


def _marts(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        node["name"]: node
        for node in _own(manifest["nodes"], "model").values()
        if node["original_file_path"].startswith("models/marts/")
    }


def test_every_mart_has_an_enforced_contract(manifest: dict[str, Any]) -> None:
    # A contract pins each column's type: a count that turns HUGEINT or INTEGER on one
    # engine fails the build by name instead of reaching a report.
    marts = _marts(manifest)
    assert set(marts) > CONTRACTED and "mortgage_brokers" in marts
    assert (
        sorted(name for name, node in marts.items() if not node["config"]["contract"]["enforced"])
        == []
    )


def test_every_integer_column_of_the_marts_is_bigint(
    built: tuple[DbtSandbox, dict[str, Any]],
) -> None:
    """One integer type across the marts (DuckDB sums integers to HUGEINT, casts keep INTEGER):
    every count, id and rank an analyst reads is BIGINT, as the built views report them."""
    _, catalog = built
    marts = {
        uid: node
        for uid, node in catalog["nodes"].items()
        if node["metadata"]["schema"].endswith("_marts")
    }
    integers = {
        f"{node['metadata']['name']}.{column['name'].lower()}": column["type"].upper()
        for node in marts.values()
        for column in node["columns"].values()
        if column["type"].upper() in INTEGER_TYPES
    }
    assert len(marts) >= 15
    assert {"unbilled_calls.matched_lead_count", "lead_sales_ledger.matched_lead_count"} <= set(
        integers
    )
    assert {"legacy_reconciliation_daily.matched_count", "mortgage_brokers.mortgage_broker_id"} <= (
        set(integers)
    )
    assert sorted(f"{name} is {kind}" for name, kind in integers.items() if kind != "BIGINT") == []


def test_no_description_shows_template_text(manifest: dict[str, Any]) -> None:
    """Descriptions are rendered when dbt parses them (doc(), var()); what analysts read, in
    the docs site and as comments, holds values and words, never Jinja or a var() call."""
    nodes = _own(manifest["nodes"], "model", "seed", "snapshot") | _own(
        manifest["sources"], "source"
    )
    texts = {uid: node["description"] for uid, node in nodes.items()}
    texts |= {
        f"{uid}.{name}": column["description"]
        for uid, node in nodes.items()
        for name, column in node["columns"].items()
    }
    texts |= {
        uid: doc["block_contents"]
        for uid, doc in manifest["docs"].items()
        if doc["package_name"] == PACKAGE
    }
    ledger = manifest["nodes"][f"model.{PACKAGE}.lead_sales_ledger"]["description"]
    assert "from the ledger start date on: 2025-01-01" in ledger
    assert len(texts) > 500
    assert (
        sorted(uid for uid, text in texts.items() if any(m in text for m in TEMPLATE_MARKS)) == []
    )


def test_the_nightly_job_is_an_exposure_of_the_ledger(manifest: dict[str, Any]) -> None:
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    heartbeat = set(exposures["nightly_job_heartbeat"]["depends_on"]["nodes"])
    alert = set(exposures["ledger_imbalance_alert"]["depends_on"]["nodes"])
    assert {f"model.{PACKAGE}.lead_sales_ledger", f"model.{PACKAGE}.ledger_entries"} <= heartbeat
    assert f"model.{PACKAGE}.ledger_balance_check" in alert


def test_a_changed_type_on_a_contracted_mart_fails_the_build_by_name(
    built: tuple[DbtSandbox, dict[str, Any]], tmp_path: Path
) -> None:
    """A copy of the project whose contract says billed_amount is numeric(14,2), run on the
    built warehouse: the view's SQL is unchanged, so no DDL runs, and the contract is still
    checked."""
    sandbox, _ = built
    project = copy_project(tmp_path / "project")
    ledger_yml = project / "models" / "marts" / "ledger" / "_ledger__models.yml"
    text = ledger_yml.read_text()
    marker = "      - name: billed_amount\n        data_type: numeric(12,2)\n"
    assert marker in text
    ledger_yml.write_text(text.replace(marker, marker.replace("(12,2)", "(14,2)")))
    edited = replace(sandbox, workdir=tmp_path, project_dir=project)
    result = edited.dbt("run", "--select", "lead_sales_ledger")
    output = output_of(result)
    assert result.returncode == 1, output
    assert "lead_sales_ledger" in output and "contract" in output.lower(), output
    assert "billed_amount" in output, output
