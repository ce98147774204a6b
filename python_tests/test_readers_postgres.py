"""Analysts keep reading the marts on PostgreSQL whatever the nightly build does.

Real sessions query the marts every 50 ms through the job's builds: an unchanged build, a
deployment that changes columns (views swapped), a build that fails on a staging data
error. None of their queries may fail, ledger_build_status tells them of each build as it
runs and how it ended, no mart may be missing after a failed, killed or disconnected
build, and an analyst's open transaction may make the job fail within its lock timeout,
naming that session, never hang it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox
from readers import (
    PARSE_CACHE,
    PROJECT_ROOT,
    PostgresReaders,
    StatusWatcher,
    build_status,
    dbt_debug_log,
    edit,
    invocation_of,
    job_log,
    missing_or_broken_marts,
    pg_build_status,
    pg_connect,
    prime_parse_cache,
    project_copy,
    run_job,
)
from shared_warehouse import private_prefix

from ledger_job.dbt_runner import DbtRunner
from ledger_job.paths import dbt_executable

pytestmark = [pytest.mark.postgres, pytest.mark.dbt]

PREFIX = private_prefix("ledger_pytest_rd")
MARTS_SCHEMA = f"{PREFIX}_marts"
PARSE_CACHE_OF_FIRST_BUILD: dict[str, Path] = {}
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit", "retired")
# A build of the views alone: what readers see change; the job's own runs test the data.
VIEWS_ONLY = ("test", "unit_test")
_ISOLATED = ("INTERNAL_API_URL", "INTERNAL_API_KEY", "ALERT_WEBHOOK_URL", "LEDGER_DUCKDB_PATH")


def job_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATED}
    env.update(
        LEDGER_TARGET="postgres",
        LEDGER_SCHEMA=PREFIX,
        LEDGER_BILLING_SCHEMA=f"{PREFIX}_billing",
        LEDGER_BOBERDOO_SCHEMA=f"{PREFIX}_boberdoo",
        LEDGER_INVOCA_SCHEMA=f"{PREFIX}_invoca",
        LEDGER_FINANCE_SCHEMA=f"{PREFIX}_finance",
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "dbt_logs"),
        DBT_PROFILES_DIR=str(PROJECT_ROOT),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.update(extra)
    return env


def dbt_build_command(
    project: Path, workdir: Path, excluded: tuple[str, ...] = ("unit_test",)
) -> list[str]:
    # `--target` as the job passes it: dbt's parse cache is keyed on the target argument, so
    # the deployment parses only the files it changed instead of the whole project. Its unit
    # tests are the pull request's (they read no view the analysts read).
    return [
        str(dbt_executable()),
        "build",
        "--exclude-resource-type",
        *excluded,
        "--target",
        "postgres",
        "--project-dir",
        str(project),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "dbt_logs"),
    ]


def build_project(
    project: Path, workdir: Path, excluded: tuple[str, ...] = ("unit_test",)
) -> subprocess.CompletedProcess[str]:
    """`dbt build` of a changed copy of the project: a deployment of a pull request."""
    prime_parse_cache(_parse_cache(), workdir / "target")
    return subprocess.run(
        dbt_build_command(project, workdir, excluded),
        env=job_env(workdir),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def column_changing_deployment(destination: Path) -> Path:
    """A copy whose staging calls view gains a leading column (create or replace refuses)."""
    project = project_copy(destination)
    edit(
        project / "models/staging/invoca/stg_invoca__calls.sql",
        "select\n    {{",
        "select\n    cast('probe' as {{ dbt.type_string() }}) as probe_note,\n    {{",
    )
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtSandbox]:
    workdir = tmp_path_factory.mktemp("readers_pg")
    sandbox = DbtSandbox(target="postgres", workdir=workdir, schema_prefix=PREFIX)
    sandbox.drop_schemas(*LAYERS)
    sandbox.load_demo_data(seed=11, scale=0.2)
    # The views the analysts read, as the job's build makes them; its tests are the next
    # job's (each test below runs the job whole). No parse cache yet: this build makes it.
    result = build_project(PROJECT_ROOT, workdir, VIEWS_ONLY)
    assert result.returncode == 0, result.stdout[-4000:]
    # Every later build of the module has the same profile and vars: dbt parses only what
    # a deployment changed instead of the whole project each time.
    PARSE_CACHE_OF_FIRST_BUILD["path"] = workdir / "target" / PARSE_CACHE
    yield sandbox
    sandbox.drop_schemas("billing", "boberdoo", "invoca", "finance", *LAYERS)


def retired_relations() -> int:
    with pg_connect() as connection:
        row = connection.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s",
            (f"{PREFIX}_retired",),
        ).fetchone()
    assert row is not None
    return int(row[0])


def view_outcomes(workdir: Path) -> str:
    return dbt_debug_log(workdir / "dbt_logs")


def test_readers_never_fail_through_builds_good_changed_and_failed(
    built: DbtSandbox, tmp_path: Path
) -> None:
    leads = f"{PREFIX}_boberdoo.leads"
    project = column_changing_deployment(tmp_path / "deployment")
    with (
        PostgresReaders(MARTS_SCHEMA) as readers,
        StatusWatcher(lambda: pg_build_status(MARTS_SCHEMA)) as analyst,
    ):
        unchanged = run_job(
            tmp_path / "unchanged", job_env(tmp_path / "unchanged"), parse_cache=_parse_cache()
        )
        deployed = build_project(project, tmp_path / "deployed", VIEWS_ONLY)
        with pg_connect() as connection:
            # A conflicting duplicate key: a staging test fails and the build with it.
            connection.execute(
                f"insert into {leads} (lead_id, phone, lead_type, created_at) "
                f"select lead_id, '+15550009999', lead_type, created_at from {leads} limit 1"
            )
        failed = run_job(
            tmp_path / "failed", job_env(tmp_path / "failed"), parse_cache=_parse_cache()
        )
        after_failure = missing_or_broken_marts(MARTS_SCHEMA)
    with pg_connect() as connection:
        # Repaired; the next test's job runs build on it.
        connection.execute(f"delete from {leads} where phone = '+15550009999'")

    assert unchanged.returncode == 0, job_log(tmp_path / "unchanged")[-3000:]
    assert deployed.returncode == 0, deployed.stdout[-3000:]
    assert failed.returncode == 1, job_log(tmp_path / "failed")[-3000:]
    assert "unique_stg_boberdoo__leads_lead_id" in job_log(tmp_path / "failed")
    assert after_failure == []
    assert readers.failures == [], readers.failures[:5]
    assert readers.queries >= 200, readers.queries
    # The unchanged build touched no view; the deployment swapped the changed one, and the
    # failed build (back on the original project) swapped it back before its test failed.
    assert ": unchanged" in view_outcomes(tmp_path / "unchanged")
    assert ": replaced" not in view_outcomes(tmp_path / "unchanged")
    assert 'stg_invoca__calls": swapped' in view_outcomes(tmp_path / "deployed")
    assert 'stg_invoca__calls": swapped' in view_outcomes(tmp_path / "failed")
    # The views the failed build skipped still read the view it retired, so that stays.
    assert retired_relations() == 1
    assert_status_told_while_builds_ran(analyst, tmp_path)


def assert_status_told_while_builds_ran(analyst: StatusWatcher, tmp_path: Path) -> None:
    """ledger_build_status, read all along: each build showed as running after the last
    passed one, then passed (alone) or failed (after the passed one, with its test)."""
    unchanged, deployed, failed = (
        invocation_of(tmp_path / name) for name in ("unchanged", "deployed", "failed")
    )
    assert analyst.failures == [], analyst.failures[:3]
    seen = [build_status(rows) for rows in analyst.seen]
    none = (None,) * 4
    assert [(unchanged, "passed", True, *none)] in seen, seen
    assert [(unchanged, "passed", False, *none), (deployed, "running", True, *none)] in seen
    assert [(deployed, "passed", True, *none)] in seen, seen
    assert [(deployed, "passed", False, *none), (failed, "running", True, *none)] in seen
    [shown_good, shown_failed, *nodes] = seen[-1]
    assert shown_good == (deployed, "passed", False, *none)
    assert shown_failed == (failed, "failed", True, *none)
    assert (failed, "failed", True, "unique_stg_boberdoo__leads_lead_id", "fail", 1, None) in nodes
    assert seen[-1] == build_status(pg_build_status(MARTS_SCHEMA))


def interrupt_deployments(tmp_path: Path) -> None:
    """A deployment that fails on a model, one killed by SIGTERM, one whose session is cut:
    after each, every mart is still there and reads."""
    broken = column_changing_deployment(tmp_path / "broken")
    edit(broken / "models/intermediate/calls/int_calls_priced.sql", "from final", "from finale")
    result = build_project(broken, tmp_path / "broken_build", VIEWS_ONLY)
    assert result.returncode == 1 and "int_calls_priced" in result.stdout
    assert missing_or_broken_marts(MARTS_SCHEMA) == []

    deployment = column_changing_deployment(tmp_path / "deployment")
    build = _start_build(deployment, tmp_path / "killed", "int_")
    build.send_signal(signal.SIGTERM)
    build.wait(timeout=120)
    assert missing_or_broken_marts(MARTS_SCHEMA) == []

    build = _start_build(deployment, tmp_path / "cut", "int_")
    cut: list[tuple[object, ...]] = []
    # Only this build's sessions: another pytest worker's dbt may be connected too, and its
    # sessions name schemas of its own, never this module's prefix. Between two statements
    # no session names it, so look again until one does or the build ends.
    # A new connection each time: pg_stat_activity is read once per transaction.
    deadline = time.monotonic() + 120
    while not cut and build.poll() is None and time.monotonic() < deadline:
        with pg_connect() as connection:
            cut = connection.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = current_database() and usename = current_user "
                "and application_name = 'dbt' and pid <> pg_backend_pid() "
                "and position(%s in query) > 0",
                (PREFIX,),
            ).fetchall()
        if not cut:
            time.sleep(0.05)
    build.wait(timeout=300)
    # dbt may fail the node whose session was cut, or reconnect for the next one: either
    # way no mart may be missing.
    assert cut
    assert missing_or_broken_marts(MARTS_SCHEMA) == []


def test_interrupted_deployments_and_an_open_transaction_leave_every_mart_then_heal(
    built: DbtSandbox, tmp_path: Path
) -> None:
    """Failed, killed and cut deployments leave every mart; then an analyst's open
    transaction fails the job in time, naming the session; released, the next run heals
    whatever all of them left half-way."""
    interrupt_deployments(tmp_path)
    ledger = f"{MARTS_SCHEMA}.lead_sales_ledger"
    with pg_connect() as connection:
        definition = connection.execute(
            "select pg_get_viewdef(%s::regclass)", (ledger,)
        ).fetchone()[0]
        # The deployed view differs from the model (same columns): the build must replace it.
        connection.execute(
            f"create or replace view {ledger} as select * from ({definition.rstrip(';')}) as s"
        )
    analyst = pg_connect(autocommit=False)
    try:
        analyst.execute(f"select * from {ledger} limit 1").fetchall()  # and then idle
        analyst_pid = analyst.info.backend_pid
        settings = {
            "LEDGER_PG_LOCK_TIMEOUT": "1s",
            "LEDGER_PG_LOCK_ATTEMPTS": "3",
            "LEDGER_PG_LOCK_RETRY_PAUSE_SECONDS": "1",
        }
        started = time.monotonic()
        blocked = run_job(
            tmp_path / "blocked",
            job_env(tmp_path / "blocked", **settings),
            parse_cache=_parse_cache(),
        )
        took = time.monotonic() - started
        # The analyst's session was neither killed nor deadlocked.
        assert analyst.execute("select 1").fetchone() == (1,)
    finally:
        analyst.rollback()
        analyst.close()

    log = job_log(tmp_path / "blocked")
    assert blocked.returncode == 1, log[-3000:]
    assert took < 300
    assert "LOCK NOT GRANTED" in log
    assert f"pid {analyst_pid} (user " in log and "state idle in transaction" in log
    assert "not granted within 1s (attempt 1 of 3)" in log
    assert missing_or_broken_marts(MARTS_SCHEMA) == []
    # Analysts are told: the build failed, on the views it could not replace.
    shown = build_status(pg_build_status(MARTS_SCHEMA))
    blocked_build = invocation_of(tmp_path / "blocked")
    assert (blocked_build, "failed", True, None, None, None, None) in shown, shown
    errors = [row[3] for row in shown if row[0] == blocked_build and row[4] == "error"]
    assert errors and all(f"{name}: " in log or name in log for name in errors), shown

    # Released (and with the data the previous test repaired), the next run succeeds and
    # heals what the interrupted deployments and the blocked run left.
    released = run_job(
        tmp_path / "released", job_env(tmp_path / "released"), parse_cache=_parse_cache()
    )
    assert released.returncode == 0, job_log(tmp_path / "released")[-3000:]
    assert missing_or_broken_marts(MARTS_SCHEMA) == []
    assert 'lead_sales_ledger": replaced' in view_outcomes(tmp_path / "released")
    released_build = invocation_of(tmp_path / "released")
    assert build_status(pg_build_status(MARTS_SCHEMA)) == [
        (released_build, "passed", True, None, None, None, None)
    ]
    # Every view rebuilt, nothing reads the retired one any more: the hook dropped it.
    assert retired_relations() == 0


def _parse_cache() -> Path | None:
    return PARSE_CACHE_OF_FIRST_BUILD.get("path")


def _start_build(project: Path, workdir: Path, marker: str) -> subprocess.Popen[str]:
    """A deployment's build of its views, returned once its output shows `marker`: what is
    cut or killed is the views' replacement, so its data tests are not run."""
    prime_parse_cache(_parse_cache(), workdir / "target")
    build = subprocess.Popen(
        dbt_build_command(project, workdir, VIEWS_ONLY),
        env=job_env(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert build.stdout is not None
    for line in build.stdout:
        if marker in line:
            return build
    build.wait()
    pytest.fail(f"the build ended before {marker!r}")


def test_job_sessions_run_without_jit_and_with_the_lock_timeout(
    built: DbtSandbox, tmp_path: Path
) -> None:
    """The settings the job's dbt sessions really get from the server, and who may override."""
    query = "select current_setting('jit') as jit, current_setting('lock_timeout') as lock_timeout"
    prime_parse_cache(_parse_cache(), tmp_path / "target")  # the queries' dbt parses no more
    env = job_env(tmp_path, PGOPTIONS="")
    assert DbtRunner(env=env).show(query) == [{"jit": "off", "lock_timeout": "2s"}]
    env = job_env(tmp_path, PGOPTIONS="-c jit=on", LEDGER_PG_LOCK_TIMEOUT="750ms")
    assert DbtRunner(env=env).show(query) == [{"jit": "on", "lock_timeout": "750ms"}]
