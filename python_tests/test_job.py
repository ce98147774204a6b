"""The nightly job: exit codes, lock, dbt artefacts, and end to end with real dbt on DuckDB.

The end-to-end cases (marked `dbt`) run scripts/update_lead_sales_ledger.py as cron
would, each on its own DuckDB file, dbt target directory, log and state directory, with a
real local HTTP server standing in for the internal API. A good build's heartbeat and a
ledger imbalance's alert and resolution: test_duckdb_file.py, whose job runs build on one
another.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import job_fixtures
import pytest
from http_server import RecordedRequest, RecordingServer
from readers import job_log, run_job
from shared_warehouse import SharedDuckDB

from ledger_job.alert import balance_outcome
from ledger_job.dbt_artifacts import BuildSummary, NodeResult, read_run_results, relation_names
from ledger_job.lock import EXIT_LOCKED, JobLock

server = job_fixtures.server  # the local server the job posts to (a fixture)
job_env = job_fixtures.job_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
JOB = PROJECT_ROOT / "scripts" / "update_lead_sales_ledger.py"
KEY = "job-key-5c0ffee5d00d4e11"


# --- without dbt -----------------------------------------------------------------------


def test_second_run_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    database = tmp_path / "never_opened.duckdb"
    with JobLock(tmp_path / "logs" / "update_lead_sales_ledger.lock"):
        result = run_job(tmp_path, job_env(tmp_path, database))

    assert result.returncode == EXIT_LOCKED
    log = job_log(tmp_path)
    assert "another run of update_lead_sales_ledger holds the lock" in log
    assert f"pid {os.getpid()}" in log
    assert "running: dbt" not in log
    assert not database.exists()


def _summary(*statuses: tuple[str, str]) -> BuildSummary:
    results = [NodeResult(f"test.p.{name}", name, "test", status) for name, status in statuses]
    return BuildSummary(returncode=1, invocation_id="i", results=results)


BALANCE = "assert_ledger_balances"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (((BALANCE, "pass"),), True),
        (((BALANCE, "fail"),), False),
        (((BALANCE, "warn"),), False),
        (((BALANCE, "skipped"),), None),
        (((BALANCE, "error"),), None),
        (((BALANCE, "pass"), ("unique_ledger_id", "fail")), True),
        ((("unique_ledger_id", "fail"),), None),
    ],
)
def test_balance_outcome(statuses: tuple[tuple[str, str], ...], expected: bool | None) -> None:
    assert balance_outcome(_summary(*statuses)) is expected


def _write_artefacts(target: Path, invocation_id: str) -> None:
    """run_results.json and manifest.json in the layout dbt 1.11 writes them."""
    target.mkdir(parents=True, exist_ok=True)
    pkg = "lead_revenue_ledger"
    results = [
        ("model.lead_revenue_ledger.lead_sales_ledger", "success"),
        ("model.lead_revenue_ledger.ledger_entries", "error"),
        ("seed.lead_revenue_ledger.chart_of_accounts", "success"),
        ("test.lead_revenue_ledger.assert_ledger_balances", "fail"),
        ("test.lead_revenue_ledger.not_null_lead_sales_ledger_ledger_id.1d5b282034", "pass"),
        ("test.lead_revenue_ledger.accepted_values_x__0.ce76800f74", "warn"),
        ("unit_test.lead_revenue_ledger.lead_sales_ledger.test_discount_rounding", "pass"),
        ("test.lead_revenue_ledger.relationships_y.0a1b2c3d4e", "skipped"),
    ]
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": invocation_id, "dbt_version": "1.11.16"},
                "results": [
                    {"unique_id": uid, "status": status, "message": None, "failures": 0}
                    for uid, status in results
                ],
                "args": {"which": "build"},
            }
        )
    )
    nodes = {
        "model.lead_revenue_ledger.lead_sales_ledger": {
            "name": "lead_sales_ledger",
            "resource_type": "model",
            "package_name": pkg,
            "relation_name": '"ledger"."ledger_marts"."lead_sales_ledger"',
        },
        "test.lead_revenue_ledger.not_null_lead_sales_ledger_ledger_id.1d5b282034": {
            "name": "not_null_lead_sales_ledger_ledger_id",
            "resource_type": "test",
            "package_name": pkg,
            "relation_name": None,
        },
    }
    sources = {
        "source.lead_revenue_ledger.finance.manual_journal_lines": {
            "source_name": "finance",
            "name": "manual_journal_lines",
            "resource_type": "source",
            "relation_name": '"ledger"."finance"."manual_journal_lines"',
        }
    }
    (target / "manifest.json").write_text(
        json.dumps({"metadata": {"project_name": pkg}, "nodes": nodes, "sources": sources})
    )


def test_run_results_give_counts_and_names(tmp_path: Path) -> None:
    _write_artefacts(tmp_path, "inv-1")

    results = read_run_results(tmp_path / "run_results.json", tmp_path / "manifest.json", "inv-1")
    build = BuildSummary(returncode=1, invocation_id="inv-1", results=results)

    assert build.counts() == {
        "models_built": 1,
        "models_failed": 1,
        "tests_passed": 2,
        "tests_failed": 1,
        "tests_warned": 1,
        "nodes_skipped": 1,
    }
    assert build.test_names() == ["assert_ledger_balances"]
    assert build.test_names({"warn"}) == ["accepted_values_x__0"]
    assert build.failed_nodes() == [
        "model.lead_revenue_ledger.ledger_entries",
        "test.lead_revenue_ledger.assert_ledger_balances",
    ]
    assert balance_outcome(build) is False


def test_run_results_of_another_invocation_are_ignored(tmp_path: Path) -> None:
    # e.g. the build failed while parsing and left the previous run's file in place
    _write_artefacts(tmp_path, "older-run")
    results = read_run_results(tmp_path / "run_results.json", tmp_path / "manifest.json", "new")
    assert results is None
    assert BuildSummary(2, "new", None).counts()["models_built"] is None


def test_relation_names_come_from_the_manifest(tmp_path: Path) -> None:
    _write_artefacts(tmp_path, "inv-1")
    names = relation_names(tmp_path / "manifest.json")
    assert names == {
        "lead_sales_ledger": '"ledger"."ledger_marts"."lead_sales_ledger"',
        "finance.manual_journal_lines": '"ledger"."finance"."manual_journal_lines"',
    }


# --- end to end with dbt ---------------------------------------------------------------


def heartbeats(server: RecordingServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.path == "/api/heartbeat"]


@pytest.mark.dbt
def test_failed_build_exits_non_zero_with_a_failure_heartbeat(
    tmp_path: Path, server: RecordingServer
) -> None:
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()  # a database without any raw schema
    env = job_env(tmp_path, database, INTERNAL_API_URL=server.url + "/api/", INTERNAL_API_KEY=KEY)

    result = run_job(tmp_path, env)

    assert result.returncode not in (0, EXIT_LOCKED), result.stderr[-3000:]
    [request] = heartbeats(server)
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    beat = request.json()
    assert beat["job"] == "update_lead_sales_ledger"
    assert beat["status"] == "failure"
    assert beat["exit_code"] == result.returncode
    assert beat["run_id"]  # dbt ran, so its invocation id is known
    # Without raw tables the source tests error and everything downstream is skipped.
    assert beat["tests_failed"] >= 1 and beat["nodes_skipped"] >= 1
    assert beat["failed_nodes"] and beat["failing_tests"]
    assert set(beat["failing_tests"]) <= {n.split(".")[2] for n in beat["failed_nodes"]}
    assert any("(runtime error)" in source for source in beat["stale_sources"])
    assert beat["ledger"] is None and beat["ledger_balanced"] is None
    # The last line names a failing test, the table it read and how many more failed,
    # and the heartbeat carries the same cause.
    last = result.stderr.strip().splitlines()[-1]
    assert f"FAILED (exit code {result.returncode}): dbt build failed: test " in last
    assert " on source " in last and f"; +{len(beat['failed_nodes']) - 1} more (" in last
    assert last.endswith(beat["error"])
    assert beat["started_at"].endswith("Z") and beat["finished_at"] >= beat["started_at"]
    log = job_log(tmp_path)
    assert "source freshness reported problems" in log
    assert KEY not in log and KEY not in result.stderr


def _processes_with(marker: str) -> list[int]:
    """Pids of processes whose environment contains `marker` (Linux /proc)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.dbt
def test_sigterm_stops_dbt_reports_and_releases_the_lock(
    tmp_path: Path, server: RecordingServer, shared_duckdb: SharedDuckDB
) -> None:
    database = tmp_path / "ledger.duckdb"
    shutil.copyfile(shared_duckdb.path, database)
    env = job_env(tmp_path, database, INTERNAL_API_URL=server.url + "/api")
    job = subprocess.Popen(
        # --verbose: dbt's own first line says that dbt is running.
        [sys.executable, str(JOB), "--log-dir", str(tmp_path / "logs"), "--verbose"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert job.stderr is not None
        for line in job.stderr:  # wait until dbt itself is running
            if "dbt: Running with dbt=" in line:
                break
        dbt_pids = [pid for pid in _processes_with(str(database)) if pid != job.pid]
        assert dbt_pids, "dbt is not running"
        job.send_signal(signal.SIGTERM)
        job.communicate(timeout=120)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()

    assert job.returncode == 128 + signal.SIGTERM
    assert not [pid for pid in dbt_pids if Path(f"/proc/{pid}").exists()]  # dbt stopped too
    [request] = heartbeats(server)
    beat = request.json()
    assert beat["status"] == "failure" and beat["error"] == "stopped by signal 15"
    with JobLock(tmp_path / "logs" / "update_lead_sales_ledger.lock"):
        pass


@pytest.mark.dbt
def test_dbt_that_cannot_start_gives_its_exit_code_and_message(
    tmp_path: Path, server: RecordingServer
) -> None:
    env = job_env(
        tmp_path,
        tmp_path / "unused.duckdb",
        LEDGER_TARGET="no_such_target",
        INTERNAL_API_URL=server.url + "/api",
    )

    result = run_job(tmp_path, env)

    assert result.returncode == 2  # dbt's own code for "could not run"
    beat = heartbeats(server)[0].json()
    assert beat["status"] == "failure" and beat["exit_code"] == 2
    assert beat["target"] == "no_such_target"
    assert "unknown dbt target 'no_such_target'" in beat["error"]
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith(beat["error"]) and "are dev, postgres, redshift" in last
    assert beat["models_built"] is None  # unknown, not zero: dbt wrote no results
    assert beat["run_id"] is None  # dbt never ran
