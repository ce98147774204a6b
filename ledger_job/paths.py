"""Project locations, resolved against the project root rather than the caller's cwd."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUCKDB_PATH = "warehouse/ledger.duckdb"
DBT_ENV = "LEDGER_DBT"  # the dbt to run; the suite sets one that starts warm (warm_dbt.py)


def duckdb_path(env: Mapping[str, str] | None = None) -> Path:
    """The DuckDB file of the dev target: $LEDGER_DUCKDB_PATH, relative paths from the project."""
    raw = (os.environ if env is None else env).get("LEDGER_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH
    path = Path(raw)
    return path if path.is_absolute() else PROJECT_ROOT / path


def dbt_executable() -> Path:
    """$LEDGER_DBT, else the dbt of the project's virtual environment."""
    return Path(os.environ.get(DBT_ENV) or PROJECT_ROOT / ".venv" / "bin" / "dbt")
