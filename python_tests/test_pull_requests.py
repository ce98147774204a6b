"""Pull request tooling: `make test-changed` selects what changed, and the CI workflow parses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt_harness import copy_project

from ledger_job.paths import PROJECT_ROOT, dbt_executable

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"
EDITED_MODEL = "models/intermediate/calls/int_calls_priced.sql"


def dbt(project: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env["LEDGER_DUCKDB_PATH"] = str(workdir / "unused.duckdb")
    return subprocess.run(
        [str(dbt_executable()), *args, "--log-path", str(workdir / "logs")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def make(*args: str) -> subprocess.CompletedProcess[str]:
    # -o: never (re)install the environment from a test.
    return subprocess.run(
        ["make", "-o", ".venv/.installed", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def descendants(manifest: dict[str, Any], node: str) -> set[str]:
    found: set[str] = set()
    pending = [node]
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


@pytest.mark.dbt
def test_state_modified_selects_the_edited_model_and_its_children(tmp_path: Path) -> None:
    state = tmp_path / "prod-target"
    parsed = dbt(PROJECT_ROOT, tmp_path, "parse", "--target-path", str(state))
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    manifest = json.loads((state / "manifest.json").read_text())

    project = copy_project(tmp_path / "branch")
    model = project / EDITED_MODEL
    model.write_text(model.read_text() + "\n-- reviewed\n")
    # As a pull request's CI would: production's parse cache, so the branch parses only the
    # file it changed (dbt checks the cache against the files, profile and vars itself).
    (tmp_path / "branch-target").mkdir()
    shutil.copy(state / "partial_parse.msgpack", tmp_path / "branch-target")
    listed = dbt(
        project,
        tmp_path,
        "ls",
        "--select",
        "state:modified+",
        "--state",
        str(state),
        "--resource-type",
        "model",
        "--output",
        "json",
        "--output-keys",
        "unique_id",
        "--quiet",
        "--target-path",
        str(tmp_path / "branch-target"),
    )
    assert listed.returncode == 0, listed.stdout[-3000:]
    selected = {json.loads(line)["unique_id"] for line in listed.stdout.splitlines() if line}

    edited = "model.lead_revenue_ledger.int_calls_priced"
    children = {n for n in descendants(manifest, edited) if n.startswith("model.")}
    assert children, "the edited model should have models downstream"
    assert selected == {edited} | children
    models = {n for n in manifest["nodes"] if n.startswith("model.")}
    assert len(selected) < len(models) / 2


def test_make_test_changed_defers_to_state_and_explains_without_it(tmp_path: Path) -> None:
    missing = make("test-changed")
    assert missing.returncode != 0
    assert "make test-changed needs STATE=" in missing.stderr
    (tmp_path / "manifest.json").write_text("{}")
    planned = make("-n", "test-changed", f"STATE={tmp_path}")
    assert planned.returncode == 0, planned.stderr
    assert f'build --select state:modified+ --defer --state "{tmp_path}"' in planned.stdout


def test_ci_workflow_parses_and_runs_the_ci_script() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as true.
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert any("bash .ci/run" in step.get("run", "") for step in jobs["test"]["steps"])
    diff = jobs["data-diff"]
    assert diff["if"] == "github.event_name == 'pull_request'"
    assert diff["permissions"]["pull-requests"] == "write"
    runs = "\n".join(step.get("run", "") for step in diff["steps"])
    assert "scripts/data_diff.py" in runs and "--base-duckdb" in runs
    uses = [step["uses"] for job in jobs.values() for step in job["steps"] if "uses" in step]
    assert uses and all("@v" in action for action in uses)
    checkouts = [s for s in diff["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert [s["with"]["path"] for s in checkouts] == ["head", "base"]
