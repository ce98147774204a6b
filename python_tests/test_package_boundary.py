"""The nightly job's package imports nothing of the tooling's: read from the source (ast).

ledger_tools may import ledger_job, never the reverse, so what on-call reads is ledger_job
alone and a change to the demo data, benchmark or diff cannot break the nightly run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ledger_job.paths import PROJECT_ROOT
from ledger_tools.raw_schema import RAW_SCHEMAS, raw_schema_names

PRODUCTION = "ledger_job"
TOOLING = "ledger_tools"
_IMPORT_CALLS = {"import_module", "__import__"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The absolute module names one node imports (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level == 0:
            base = node.module or ""
        else:
            package = module.split(".")
            package = package if is_package else package[:-1]
            base = ".".join([*package[: len(package) - node.level + 1], node.module or ""])
        return [f"{base}.{alias.name}".strip(".") for alias in node.names] + [base]
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) in _IMPORT_CALLS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def forbidden_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """`module:line imports name` for every import of the tooling package in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for name in _imported(node, module, is_package):
            if name == TOOLING or name.startswith(f"{TOOLING}."):
                found.append(f"{module}:{node.lineno} imports {name}")
                break
    return found


def test_the_production_package_imports_nothing_of_the_tooling() -> None:
    files = sorted((PROJECT_ROOT / PRODUCTION).rglob("*.py"))
    assert len(files) > 10, f"no {PRODUCTION} modules found under {PROJECT_ROOT}"
    offences = [
        offence
        for path in files
        for offence in forbidden_imports(
            path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"
        )
    ]
    assert not offences, (
        f"{PRODUCTION} must not import {TOOLING} (hand the job a callable from the entry "
        "point instead, as scripts/update_lead_sales_ledger.py does for demo data): "
        + "; ".join(offences)
    )


@pytest.mark.parametrize(
    ("source", "offence"),
    [
        ("import ledger_tools.demo_data\n", "1 imports ledger_tools.demo_data"),
        ("from ledger_tools import warehouse\n", "1 imports ledger_tools.warehouse"),
        ("import os\nfrom ledger_tools.warehouse import connect as c\n", "2 imports ledger_tools"),
        ("def f():\n    from ledger_tools import demo_data\n", "2 imports ledger_tools"),
        ("from ...ledger_tools import pg_sandbox\n", "1 imports ledger_tools.pg_sandbox"),
        (
            "import importlib\nimportlib.import_module('ledger_tools.x')\n",
            "2 imports ledger_tools.x",
        ),
    ],
)
def test_every_form_of_importing_the_tooling_is_caught(source: str, offence: str) -> None:
    found = forbidden_imports(source, "ledger_job.sub.job")
    assert len(found) == 1, found
    line, name = offence.split(" imports ")
    assert found[0].startswith(f"ledger_job.sub.job:{line} imports {name}"), found


def test_imports_of_the_production_package_itself_pass() -> None:
    source = "from ledger_job import paths\nfrom .money import usd\nimport ledger_job.lock\n"
    assert forbidden_imports(source, "ledger_job.alert") == []


def test_the_job_reads_the_raw_schemas_the_demo_data_creates() -> None:
    """The job learns the raw schemas from dbt's sources, the generator from its own DDL."""
    assert raw_schema_names({}) == {raw: raw for raw in RAW_SCHEMAS}
    renamed = raw_schema_names({"LEDGER_BILLING_SCHEMA": "billing_eu"})
    assert renamed == {raw: "billing_eu" if raw == "billing" else raw for raw in RAW_SCHEMAS}
