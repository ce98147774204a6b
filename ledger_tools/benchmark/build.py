"""The build measured: a checkout's nightly job with its own virtualenv (`job`), or this
virtualenv's `dbt build` on its project (`dbt`), so "before" figures of another checkout come
from the same benchmark code; and the figures of its run_results.json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ledger_job import paths
from ledger_job.dbt_artifacts import load_json

BUILDERS = ("job", "dbt")
JOB_SCRIPT = Path("scripts") / "update_lead_sales_ledger.py"
SLOWEST_NODES = 5


class BenchmarkError(RuntimeError):
    """The benchmark cannot run the way it was asked to (checkout, PostgreSQL)."""


@dataclass(frozen=True)
class Checkout:
    root: Path
    builder: str = "job"

    @property
    def python(self) -> Path:
        """The interpreter that runs this checkout's job and dbt."""
        if self.builder == "job":
            return self.root / ".venv" / "bin" / "python"
        return Path(sys.executable)

    @property
    def dbt(self) -> Path:
        return self.python.parent / "dbt"

    def check(self) -> None:
        if not (self.root / "dbt_project.yml").is_file():
            raise BenchmarkError(f"{self.root} holds no dbt_project.yml")
        if self.builder != "job":
            return
        needed = (self.root / JOB_SCRIPT, self.python, self.dbt, self.root / "profiles.yml")
        missing = [p for p in needed if not p.exists()]
        if missing:
            raise BenchmarkError(
                f"the nightly job of {self.root} cannot run: missing "
                + ", ".join(str(p) for p in missing)
                + f" (run `make setup` in {self.root}, or pass --build dbt)"
            )

    def commit(self) -> str | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(self.root), "describe", "--always", "--dirty", "--abbrev=10"],
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
        except OSError:
            return None
        return result.stdout.strip() or None

    def package_versions(self) -> dict[str, str]:
        """Versions of what runs the build, from the interpreter that runs it."""
        code = (
            "import importlib.metadata as m, json\n"
            "names = ('dbt-core', 'dbt-duckdb', 'dbt-postgres', 'duckdb')\n"
            "out = {}\n"
            "for n in names:\n"
            "    try: out[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(out))\n"
        )
        result = subprocess.run(
            [str(self.python), "-c", code], capture_output=True, text=True, check=False
        )
        try:
            versions = json.loads(result.stdout)
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in versions.items()}

    def profiles_dir(self, workdir: Path) -> Path:
        # profiles.yml is created by `make setup`; a bare checkout only has the template.
        if (self.root / "profiles.yml").is_file():
            return self.root
        template = self.root / "profiles.yml.example"
        if not template.is_file():
            return paths.PROJECT_ROOT
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, workdir / "profiles.yml")
        return workdir

    def _dbt_command(self, command: str, target: str, workdir: Path) -> list[str]:
        profiles = self.root if self.builder == "job" else self.profiles_dir(workdir / "profiles")
        return [
            str(self.dbt),
            command,
            "--project-dir",
            str(self.root),
            "--profiles-dir",
            str(profiles),
            "--target",
            target,
            "--target-path",
            str(workdir / "target"),
        ]

    def parse_command(self, target: str, workdir: Path) -> list[str]:
        """`dbt parse` into the build's target directory: a nightly run finds last night's
        parse cache there, so the build is timed with a warm one too."""
        return self._dbt_command("parse", target, workdir)

    def operation_command(self, macro: str, target: str, workdir: Path) -> list[str]:
        """`dbt run-operation <macro>` of this checkout (create_raw_indexes: make pg-indexes)."""
        return [*self._dbt_command("run-operation", target, workdir), macro]

    def build_command(self, target: str, workdir: Path) -> list[str]:
        if self.builder == "dbt":
            return self._dbt_command("build", target, workdir)
        return [
            str(self.python),
            str(self.root / JOB_SCRIPT),
            "--target",
            target,
            "--log-dir",
            str(workdir / "logs"),
            "--state-dir",
            str(workdir / "state"),
        ]


@dataclass(frozen=True)
class NodeTiming:
    name: str
    resource_type: str
    status: str
    seconds: float


@dataclass(frozen=True)
class BuildFigures:
    """From the build's run_results.json."""

    elapsed_s: float | None
    statuses: dict[str, int]
    slowest: list[NodeTiming]


def _node_name(unique_id: str) -> str:
    parts = unique_id.split(".")
    if parts[0] == "unit_test":
        return parts[-1]
    return parts[2] if len(parts) > 2 else unique_id


def read_build_figures(run_results: Path, top: int = SLOWEST_NODES) -> BuildFigures | None:
    """None when the file is missing or was written by another command than `build`."""
    document = load_json(run_results)
    if document.get("args", {}).get("which") != "build":
        return None
    nodes = [
        NodeTiming(
            name=_node_name(str(item.get("unique_id", ""))),
            resource_type=str(item.get("unique_id", "")).split(".")[0],
            status=str(item.get("status", "")),
            seconds=float(item.get("execution_time") or 0.0),
        )
        for item in document.get("results", [])
    ]
    statuses: dict[str, int] = {}
    for node in nodes:
        statuses[node.status] = statuses.get(node.status, 0) + 1
    elapsed = document.get("elapsed_time")
    return BuildFigures(
        elapsed_s=float(elapsed) if elapsed is not None else None,
        statuses=dict(sorted(statuses.items())),
        slowest=sorted(nodes, key=lambda n: (-n.seconds, n.name))[:top],
    )


def marts_relations(manifest: Path, names: tuple[str, ...], fallback_schema: str) -> dict[str, str]:
    """`schema.name` of each mart as the build made it, without the database part: the
    same text then reads a DuckDB file under any name and a PostgreSQL database alike."""
    found: dict[str, str] = {}
    for node in (load_json(manifest).get("nodes") or {}).values():
        if node.get("resource_type") == "model" and node.get("name") in names:
            found[node["name"]] = f"{node['schema']}.{node.get('alias') or node['name']}"
    return {name: found.get(name, f"{fallback_schema}.{name}") for name in names}
