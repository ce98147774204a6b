"""What a dbt target points at, in words for the log: a mistyped path or host shows at once.

The engine is read from profiles.yml (each output's literal `type`); the connection
details come from the same environment variables the profile reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ledger_ops import paths

PROFILE_NAME = "lead_revenue_ledger"


@dataclass(frozen=True)
class TargetInfo:
    name: str
    engine: str | None
    description: str

    @property
    def is_duckdb(self) -> bool:
        return self.engine == "duckdb"

    @property
    def is_postgres(self) -> bool:
        return self.engine == "postgres"


def profiles_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("DBT_PROFILES_DIR") or paths.PROJECT_ROOT) / "profiles.yml"


def engine_of(target: str, env: Mapping[str, str]) -> str | None:
    """The `type` of `target` in profiles.yml, None when the file or target is missing."""
    try:
        document = yaml.safe_load(profiles_path(env).read_text(encoding="utf-8"))
        output = document[PROFILE_NAME]["outputs"][target]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    engine = output.get("type") if isinstance(output, dict) else None
    return str(engine) if engine else None


def describe(target: str, env: Mapping[str, str]) -> TargetInfo:
    engine = engine_of(target, env)
    schema = env.get("LEDGER_SCHEMA") or "ledger"
    if engine == "duckdb":
        text = f"DuckDB file {paths.duckdb_path(env)}, schemas {schema}_*"
    elif engine == "postgres":
        text = (
            f"PostgreSQL database {env.get('BILLING_DB_NAME') or 'billing_db'} at "
            f"{env.get('BILLING_DB_HOST') or 'localhost'}:{env.get('BILLING_DB_PORT') or '5432'}"
            f" as {env.get('BILLING_DB_USER') or 'postgres'}, schemas {schema}_*"
        )
    elif engine == "redshift":
        text = (
            f"Redshift database {env.get('REDSHIFT_NAME') or 'analytics'} at "
            f"{env.get('REDSHIFT_HOST') or '(REDSHIFT_HOST unset)'}:"
            f"{env.get('REDSHIFT_PORT') or '5439'}, schemas {schema}_*"
        )
    else:
        text = f"no output named {target!r} in {profiles_path(env)}"
    return TargetInfo(target, engine, text)
