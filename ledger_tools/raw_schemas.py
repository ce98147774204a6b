"""The raw schemas' names as dbt's sources resolve them, read from the project itself.

Each source in models/staging/*/_*__sources.yml names its schema
`env_var('LEDGER_<RAW>_SCHEMA', '') or var('<raw>_schema')`: the environment variable when
set, else the var's default in dbt_project.yml. No list of raw schemas is kept here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ledger_job import paths

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
