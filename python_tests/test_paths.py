"""dbt gets the DuckDB file of the environment it is given, made absolute against the project."""

from __future__ import annotations

from pathlib import Path

from ledger_job.paths import PROJECT_ROOT, duckdb_path
from ledger_job.targets import dbt_environment


def test_relative_duckdb_path_resolves_against_the_project() -> None:
    assert duckdb_path({"LEDGER_DUCKDB_PATH": "w/x.duckdb"}) == PROJECT_ROOT / "w" / "x.duckdb"
    assert duckdb_path({}) == PROJECT_ROOT / "warehouse" / "ledger.duckdb"


def test_dbt_environment_keeps_the_given_duckdb_path(tmp_path: Path) -> None:
    env = dbt_environment({"LEDGER_DUCKDB_PATH": str(tmp_path / "a.duckdb"), "PATH": "/bin"})
    assert env["LEDGER_DUCKDB_PATH"] == str(tmp_path / "a.duckdb")
    assert dbt_environment({"PATH": "/bin"})["LEDGER_DUCKDB_PATH"] == str(
        PROJECT_ROOT / "warehouse" / "ledger.duckdb"
    )
