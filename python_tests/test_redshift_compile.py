"""The project compiles for Redshift offline, as late-binding views, with nothing Redshift lacks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from shared_warehouse import REDSHIFT_TARGET_ENV, named_by_make_test

from ledger_job.paths import PROJECT_ROOT, dbt_executable
from ledger_tools.redshift_check import check_files, sql_files

pytestmark = pytest.mark.dbt  # one `dbt compile`, unless make test's check-redshift made it


@pytest.fixture(scope="module")
def redshift_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = named_by_make_test(REDSHIFT_TARGET_ENV)
    if given:
        return Path(given)
    target = tmp_path_factory.mktemp("redshift") / "target"
    result = subprocess.run(
        [
            str(dbt_executable()),
            "compile",
            "--target",
            "redshift",
            "--no-introspect",
            "--no-populate-cache",
            "--target-path",
            str(target),
            "--log-path",
            str(target.parent / "logs"),
        ],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "DBT_PROFILES_DIR": str(PROJECT_ROOT), "HOME": "/tmp"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return target


def test_every_model_is_a_late_binding_view(redshift_target: Path) -> None:
    manifest = json.loads((redshift_target / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) >= 30
    for model in models:
        assert model["config"]["materialized"] == "view", model["name"]
        assert model["config"].get("bind") is False, model["name"]


def test_compiled_sql_has_nothing_redshift_lacks(redshift_target: Path) -> None:
    compiled = redshift_target / "compiled"
    files = sql_files([compiled])
    assert len(files) >= 100
    assert check_files(files) == []
