"""What a dbt target points at, in words for the log, so a mistyped path or host shows at once;
`TargetInfo.problem`, why the profile gives none; `dbt_environment`, what dbt runs with."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ledger_job import paths

PROFILE_NAME = "lead_revenue_ledger"
TARGET_ENV_VAR = "LEDGER_TARGET"
DEFAULT_TARGET = "dev"
LOCK_TIMEOUT_ENV = "LEDGER_PG_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = "2s"
_WITHHELD_FROM_DBT = ("INTERNAL_API_KEY", "ALERT_WEBHOOK_URL")  # none of dbt's business
DBT_LOG_FILE_MAX_BYTES = str(5 * 1024 * 1024)  # logs/dbt.log rolls over, 5 old files kept
POSTGRES_DEFAULTS = {  # the `postgres` output's variables: its keyword, profiles.yml's default
    "BILLING_DB_HOST": ("host", "localhost"),
    "BILLING_DB_PORT": ("port", "5432"),
    "BILLING_DB_USER": ("user", "postgres"),
    "BILLING_DB_PASSWORD": ("password", ""),
    "BILLING_DB_NAME": ("dbname", "billing_db"),
}


@dataclass(frozen=True)
class TargetInfo:
    name: str
    engine: str | None
    description: str
    problem: str | None = None  # why the profile gives no engine for the target

    @property
    def is_duckdb(self) -> bool:
        return self.engine == "duckdb"

    @property
    def is_postgres(self) -> bool:
        return self.engine == "postgres"


def profiles_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("DBT_PROFILES_DIR") or paths.PROJECT_ROOT) / "profiles.yml"


def profile_outputs(env: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    """The outputs of the project's profile, or {} and what is wrong, in one line."""
    path = profiles_path(env)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        setup = "run `make setup` (it copies profiles.yml.example) or set DBT_PROFILES_DIR"
        return {}, f"{path} is missing: {setup}"
    except OSError as exc:
        return {}, f"{path} cannot be read: {exc}"
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        hint = "; indent with spaces, not tabs" if "\\t" in problem else ""
        return {}, f"invalid YAML in {where}: {problem}{hint}"
    profile = document.get(PROFILE_NAME) if isinstance(document, dict) else None
    outputs = profile.get("outputs") if isinstance(profile, dict) else None
    if not isinstance(outputs, dict):
        return {}, f"{path} has no profile {PROFILE_NAME!r} with outputs"
    return outputs, None


def postgres_defaults_note(env: Mapping[str, str]) -> str | None:
    """Which BILLING_DB_* are unset and the defaults used instead; None when all are set."""
    unset = {name: default for name, default in POSTGRES_DEFAULTS.items() if not env.get(name)}
    used = [f"{key}={value}" if value else f"an empty {key}" for key, value in unset.values()]
    return f"{', '.join(unset)} unset: profiles.yml used {', '.join(used)}" if unset else None


def _where(engine: str | None, env: Mapping[str, str]) -> str | None:
    """Where the profile's output of `engine` points, read from the variables it reads."""
    get, pg = env.get, lambda name: env.get(name) or POSTGRES_DEFAULTS[name][1]
    return {
        "duckdb": f"DuckDB file {paths.duckdb_path(env)}",
        "postgres": f"PostgreSQL database {pg('BILLING_DB_NAME')} at {pg('BILLING_DB_HOST')}:"
        f"{pg('BILLING_DB_PORT')} as {pg('BILLING_DB_USER')}",
        "redshift": f"Redshift database {get('REDSHIFT_NAME') or 'analytics'} at "
        f"{get('REDSHIFT_HOST') or '(REDSHIFT_HOST unset)'}:{get('REDSHIFT_PORT') or '5439'}",
    }.get(engine or "")


def describe(target: str, env: Mapping[str, str]) -> TargetInfo:
    """What `target` is, in words; `problem` says why the profile gives no engine for it."""
    outputs, problem = profile_outputs(env)
    output = outputs.get(target)
    engine = str(output.get("type") or "") if isinstance(output, dict) else ""
    if problem is None and not engine:
        valid = ", ".join(sorted(str(name) for name in outputs)) or "none"
        problem = (
            f"unknown dbt target {target!r} (from LEDGER_TARGET or --target): "
            f"the valid targets in {profiles_path(env)} are {valid}"
        )
    where, schemas = _where(engine, env), f"schemas {env.get('LEDGER_SCHEMA') or 'ledger'}_*"
    unusable = f"no usable output {target!r} in {profiles_path(env)}"
    return TargetInfo(target, engine or None, f"{where}, {schemas}" if where else unusable, problem)


def dbt_target(env: Mapping[str, str] | None = None) -> str:
    """$LEDGER_TARGET, else dev."""
    return (os.environ if env is None else env).get(TARGET_ENV_VAR, "").strip() or DEFAULT_TARGET


def dbt_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """dbt's environment: the profile, an absolute DuckDB path, none of the job's secrets."""
    env = dict(os.environ if base is None else base)
    env["LEDGER_DUCKDB_PATH"] = str(paths.duckdb_path(env))
    for name in _WITHHELD_FROM_DBT:
        env.pop(name, None)
    # A statement gives up on a lock after this long rather than queue analysts' reads behind it.
    lock_timeout = env.get(LOCK_TIMEOUT_ENV, "").strip() or DEFAULT_LOCK_TIMEOUT
    if not re.fullmatch(r"\d+(\.\d+)?\s*(ms|s|min)?", lock_timeout):
        raise ValueError(f"{LOCK_TIMEOUT_ENV} must look like 500ms, 2s or 1min: {lock_timeout!r}")
    # JIT off: compiling the marts' plans takes longer than running them (docs/engines.md);
    # first, so that the caller's PGOPTIONS wins.
    options = ("-c jit=off", env.get("PGOPTIONS", "").strip(), f"-c lock_timeout={lock_timeout}")
    env["PGOPTIONS"] = " ".join(option for option in options if option)
    env.update(DBT_PROFILES_DIR=str(paths.PROJECT_ROOT), DBT_USE_COLORS="false")
    env.setdefault("DBT_LOG_FILE_MAX_BYTES", DBT_LOG_FILE_MAX_BYTES)
    return env


def default_target_path(env: Mapping[str, str] | None = None) -> Path:
    """dbt's target directory: $DBT_TARGET_PATH (dbt reads it too), else target/."""
    raw = (os.environ if env is None else env).get("DBT_TARGET_PATH", "").strip()
    path = Path(raw or "target")
    return path if path.is_absolute() else paths.PROJECT_ROOT / path
