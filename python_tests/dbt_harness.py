"""Run the real dbt project against a real engine from tests, each in its own sandbox.

Every build gets its own target and log paths, so tests never trample each other's
manifests or the developer's own target/ directory. dbt runs in the test process
(dbt_inprocess): the same commands, without a process start and a parse for each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dbt_inprocess

from ledger_job.paths import PROJECT_ROOT, dbt_executable
from ledger_tools import demo_data
from ledger_tools.warehouse import PostgresSettings, Warehouse, connect

RAW_SCHEMAS = ("billing", "boberdoo", "invoca", "finance")
# What a copy of the project needs to be built: dbt's own files, nothing of the tooling.
PROJECT_PARTS = (
    "dbt_project.yml",
    "selectors.yml",
    "models",
    "macros",
    "tests",
    "seeds",
    "snapshots",
    "analyses",
)


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project at `destination`, to build an edited version of it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
    return destination


@dataclass
class DbtSandbox:
    """One engine, one set of schemas, one target directory."""

    target: str
    workdir: Path
    duckdb_path: Path | None = None
    schema_prefix: str = "ledger"
    # PostgreSQL: the prefix of the raw schemas read, when not schema_prefix (a variant of a
    # shared warehouse reads its raw data and never writes there).
    raw_prefix: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # The dbt project built: this one, or an edited copy (copy_project).
    project_dir: Path = PROJECT_ROOT

    @property
    def raw_schemas(self) -> dict[str, str]:
        if self.target == "dev":
            return {name: name for name in RAW_SCHEMAS}
        prefix = self.raw_prefix or self.schema_prefix
        return {name: f"{prefix}_{name}" for name in RAW_SCHEMAS}

    def relation(self, layer: str, name: str) -> str:
        return f"{self.schema_prefix}_{layer}.{name}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
        env["LEDGER_SCHEMA"] = self.schema_prefix
        if self.duckdb_path is not None:
            env["LEDGER_DUCKDB_PATH"] = str(self.duckdb_path)
        env.update(self.extra_env)
        return env

    def dbt(
        self, *args: str, variables: Mapping[str, object] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a dbt command; output is returned, never raised on.

        `variables` are dbt vars passed along with the raw schema names.
        """
        pairs = {f"{k}_schema": v for k, v in self.raw_schemas.items()} | dict(variables or {})
        vars_yaml = "{" + ", ".join(f"{k}: {v}" for k, v in pairs.items()) + "}"
        flags = [
            "--target",
            self.target,
            "--target-path",
            str(self.workdir / "target"),
            "--log-path",
            str(self.workdir / "logs"),
            "--vars",
            vars_yaml,
        ]
        if dbt_inprocess.wanted():
            return dbt_inprocess.invoke(
                [*args, *flags],
                env=self.env(),
                project_dir=self.project_dir,
                cache_key=self._parse_key(args, vars_yaml),
            )
        return subprocess.run(
            [str(dbt_executable()), *args, *flags],
            cwd=self.project_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )

    def _parse_key(self, args: tuple[str, ...], vars_yaml: str) -> tuple[object, ...] | None:
        """What the parsed project depends on; None for a project a test may be editing."""
        if self.project_dir != PROJECT_ROOT or "--project-dir" in args:
            return None
        catalog = self.duckdb_path.stem if self.duckdb_path is not None else None
        # Deferral rewrites the parsed project's references: its own key.
        state = args[args.index("--state") + 1] if "--state" in args else None
        return (
            self.target,
            self.schema_prefix,
            self.raw_prefix,
            catalog,
            vars_yaml,
            tuple(sorted(self.extra_env.items())),
            "--defer" in args,
            state,
        )

    def build(
        self, *args: str, variables: Mapping[str, object] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`dbt build` without the unit tests: they read fixtures, never the sandbox's data,
        so on this code they can only repeat the verdict of make test's own builds, which
        run them on both engines. `build_with_unit_tests` for a build that needs them."""
        given = "--exclude-resource-type" in args
        excluded = () if given else ("--exclude-resource-type", "unit_test")
        return self.dbt("build", *args, *excluded, variables=variables)

    def build_with_unit_tests(
        self, *args: str, variables: Mapping[str, object] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.dbt("build", *args, variables=variables)

    def warehouse(self) -> Warehouse:
        if self.target == "dev":
            return connect("duckdb", duckdb_path=self.duckdb_path)
        return connect("postgres", postgres=PostgresSettings.from_env())

    def load_demo_data(self, seed: int = 42, scale: float = 0.3) -> None:
        self.load_raw_data(demo_data.generate(seed, scale))

    def load_raw_data(self, data: demo_data.Dataset) -> None:
        """(Re)create every raw table and fill it with `data` (tuples in DDL column order)."""
        with self.warehouse() as warehouse:
            demo_data.load(warehouse, data, self.raw_schemas, replace=True)

    def drop_schemas(self, *layers: str) -> None:
        with self.warehouse() as warehouse:
            for layer in layers:
                warehouse.drop_schema(f"{self.schema_prefix}_{layer}")


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr
