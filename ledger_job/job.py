"""The nightly job `update_lead_sales_ledger`: dbt build plus heartbeat and balance alert.

Order of a run, and why:

1. take the lock, so an overlapping run never builds at the same time;
2. say what the target is (engine, DuckDB file or PostgreSQL host and database), and on
   DuckDB wait for the file while an analyst holds it (see ledger_job.duckdb_file); with
   --demo-data-if-absent (make run), load demo data when no raw schema exists, only now,
   after the lock and the wait (the loader is handed over by the entry point,
   scripts/update_lead_sales_ledger.py: this package imports nothing of ledger_tools);
3. `dbt source freshness`, warn-only: a late EL load must not stop the billing run,
   but the log and the heartbeat say which sources were stale. When dbt cannot run at
   all (exit 2: database unreachable, profile error) the job stops here with that cause;
4. `dbt build` (seeds, snapshots, views, every data test); its exit code is the job's;
5. on DuckDB, after a good build, the read-only copy analysts open is published, its marts
   as tables, and the ledger totals are read from them (after a failed build the copy keeps
   its data and its ledger_build_status is told of the failure); otherwise the totals come through
   `dbt run-operation ledger_totals`; then the balance alert, read through `dbt show`;
6. the heartbeat, sent whatever happened before, including a crash of the job itself.

Steps 5 and 6 report; they never change the exit code.

Exit codes:
    0    dbt build succeeded (even if the heartbeat or alert could not be posted)
    1, 2 dbt build failed: dbt's own code (1: a node or test failed, 2: dbt could not run:
         database unreachable, unknown target, missing DuckDB file)
    70   unexpected error in the job itself (logged with a failure heartbeat; EX_SOFTWARE)
    75   another run holds the lock, or an analyst kept the DuckDB file open for longer
         than LEDGER_DUCKDB_LOCK_WAIT_SECONDS; nothing was built (EX_TEMPFAIL)
    127  the dbt executable is missing (run `make setup`)
    130, 143  stopped by SIGINT / SIGTERM: dbt is stopped too, a failure heartbeat is sent
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger_job import paths, targets
from ledger_job.alert import STATE_FILE_NAME, BalanceMonitor, balance_outcome
from ledger_job.balance_report import BALANCE_TESTS
from ledger_job.dbt_artifacts import BuildSummary
from ledger_job.dbt_runner import DbtRunner
from ledger_job.duckdb_file import (
    DuckDbFile,
    WarehouseBusyError,
    publish_read_copy,
    record_failed_build_in_copy,
)
from ledger_job.failure_cause import build_failure_cause, first_line
from ledger_job.heartbeat import heartbeat_payload, send_heartbeat
from ledger_job.http_post import DEFAULT_TIMEOUT_SECONDS
from ledger_job.ledger_totals import fetch_ledger_totals
from ledger_job.lock import EXIT_LOCKED, JobLock, LockHeldError
from ledger_job.logsetup import JOB_NAME, configure_logging, redact, secrets_from_env
from ledger_job.process import Terminated, raise_on_signals
from ledger_job.targets import dbt_target

EXIT_CANNOT_RUN = 2  # dbt's own code for "could not run"
EXIT_INTERNAL_ERROR = 70
EXIT_NO_DBT = 127
_ERROR_EXCERPT = 1000
# selectors.yml: every node but the tests that only a code change can fail.
NIGHTLY_SELECTOR = "nightly"

log = logging.getLogger(__name__)


# --demo-data-if-absent (make run): loads demo data into the DuckDB file when it has no raw
# schema; raises ValueError, the run's cause, when it cannot (ledger_tools.demo_data). None
# in JobConfig: never.
DemoDataLoader = Callable[[Path, Mapping[str, str]], None]


def utc_now() -> str:
    """ISO-8601 UTC with a Z, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class JobConfig:
    """Everything a run depends on; the defaults are the production ones."""

    log_dir: Path = field(default_factory=lambda: paths.PROJECT_ROOT / "logs")
    state_dir: Path = field(default_factory=lambda: paths.PROJECT_ROOT / "state")
    target: str | None = None
    env: Mapping[str, str] | None = None
    http_timeout: float = DEFAULT_TIMEOUT_SECONDS
    backoff_base: float | None = None
    demo_data: DemoDataLoader | None = None


def run_job(config: JobConfig) -> int:
    """One run of the job; returns the process exit code."""
    try:
        with JobLock(config.log_dir / f"{JOB_NAME}.lock"):
            return _run_locked(config)
    except LockHeldError as exc:
        log.error(
            "another run of %s holds the lock %s (%s); not starting dbt, exiting with %d",
            JOB_NAME,
            exc.path,
            exc.holder or "holder unknown",
            EXIT_LOCKED,
        )
        return EXIT_LOCKED


class StopRun(Exception):
    """The run cannot go on; `cause` is the one line the log, summary and heartbeat give."""

    def __init__(self, exit_code: int, cause: str) -> None:
        super().__init__(cause)
        self.exit_code = exit_code
        self.cause = cause


@dataclass
class _Run:
    """What one run found out, for the heartbeat and the last line."""

    # Every key is always present, so the monitoring side can rely on the document's shape.
    details: dict[str, Any]
    build: BuildSummary | None = None
    ledger: dict[str, Any] | None = None
    exit_code: int = EXIT_INTERNAL_ERROR


def _run_locked(config: JobConfig) -> int:
    env = os.environ if config.env is None else config.env
    started_at, clock = utc_now(), time.monotonic()
    target = targets.describe(config.target or dbt_target(env), env)
    runner = DbtRunner(target=target.name, env=env)
    log.info(
        "%s started: target %s, %s (dbt %s)",
        JOB_NAME,
        target.name,
        target.description,
        runner.executable,
    )
    details = {"target": runner.target, "failed_nodes": [], "warning_tests": []}
    run = _Run({**details, "stale_sources": [], "ledger_balanced": None, "error": None})
    try:
        _build_and_check(config, target, runner, env, run)
    except StopRun as stop:
        # Said once, as the run's last line (below).
        run.details["error"] = stop.cause
        # After the build (e.g. the file taken before the ledger totals), its code stands.
        run.exit_code = run.build.returncode if run.build is not None else stop.exit_code
    except Terminated as stop:
        run.details["error"] = f"stopped by signal {stop.signum}"
        run.exit_code = 128 + stop.signum
    except Exception as exc:
        log.exception("%s failed unexpectedly", JOB_NAME)
        run.details["error"] = f"{type(exc).__name__}: {exc}"
        run.exit_code = EXIT_INTERNAL_ERROR
    payload = _heartbeat(run, started_at, env)
    try:
        send_heartbeat(
            payload, env=env, timeout=config.http_timeout, backoff_base=config.backoff_base
        )
    except Exception:
        log.exception("heartbeat failed")
    # The last line of every run: how it ended and, on failure, the cause to act on.
    if run.exit_code == 0:
        log.info("%s succeeded in %.0f s", JOB_NAME, time.monotonic() - clock)
    else:
        log.error(
            "%s FAILED (exit code %d): %s",
            JOB_NAME,
            run.exit_code,
            run.details["error"] or f"see {paths.PROJECT_ROOT / 'logs'} for dbt's output",
        )
    return run.exit_code


def _build_and_check(
    config: JobConfig,
    target: targets.TargetInfo,
    runner: DbtRunner,
    env: Mapping[str, str],
    run: _Run,
) -> None:
    """Steps 2 to 5 of the run (see the module's docstring)."""
    if not runner.executable.exists():
        raise StopRun(EXIT_NO_DBT, f"dbt executable missing: {runner.executable}; run `make setup`")
    _prepare_target(config, target, runner, env)
    run.details["stale_sources"] = _check_freshness(runner, target, env)
    run.build = build = runner.build(selector=NIGHTLY_SELECTOR)
    run.exit_code = build.returncode
    if build.returncode == EXIT_CANNOT_RUN and build.results is None:
        cause = _cannot_run(target, env, build.error or "dbt build could not run")
        raise StopRun(build.returncode, cause)
    manifest = runner.target_path / "manifest.json"
    if build.returncode == 0 and target.is_duckdb:
        run.ledger = publish_read_copy(paths.duckdb_path(env), env, manifest)
    elif target.is_duckdb and build.invocation_id:
        # The copy keeps the last good build's data; its build status says what failed.
        record_failed_build_in_copy(paths.duckdb_path(env), env, manifest, build.invocation_id)
    run.ledger = run.ledger or fetch_ledger_totals(runner)
    run.details["ledger_balanced"] = _monitor_balance(config, runner, build, run.ledger, env)


def _heartbeat(run: _Run, started_at: str, env: Mapping[str, str]) -> dict[str, Any]:
    build, details = run.build, run.details
    if build is not None:
        details.update(failed_nodes=build.failed_nodes(), warning_tests=build.warning_tests())
        if build.returncode != 0:
            details["error"] = details["error"] or build_failure_cause(build)
        log.info("dbt build: %s", ", ".join(f"{k} {v}" for k, v in build.counts().items()))
    if details["error"]:
        error = " ".join(str(details["error"]).split())
        details["error"] = redact(error, secrets_from_env(env))[:_ERROR_EXCERPT]
    return heartbeat_payload(
        job=JOB_NAME,
        succeeded=run.exit_code == 0,
        run_id=build.invocation_id if build is not None else None,
        started_at=started_at,
        finished_at=utc_now(),
        counts=(build or BuildSummary(0, None, None)).counts(),
        failing_tests=build.failing_tests() if build is not None else [],
        ledger=run.ledger,
        exit_code=run.exit_code,
        **details,
    )


def _cannot_run(target: targets.TargetInfo, env: Mapping[str, str], message: str) -> str:
    """dbt could not run on `target`: its cause, and on PostgreSQL the defaults used."""
    cause = (first_line(message) or message)[:_ERROR_EXCERPT]
    cause = f"dbt cannot run on {target.description}: {cause}"
    note = targets.postgres_defaults_note(env) if target.is_postgres else None
    return f"{cause}; {note}" if note else cause


def _prepare_target(
    config: JobConfig, target: targets.TargetInfo, runner: DbtRunner, env: Mapping[str, str]
) -> None:
    """Check what can be checked before dbt runs; on DuckDB wait for the file."""
    if target.problem is not None or target.engine is None:
        raise StopRun(EXIT_CANNOT_RUN, target.problem or f"no engine for {target.name!r}")
    if target.is_postgres and (note := targets.postgres_defaults_note(env)):
        log.warning("%s", note)
    if not target.is_duckdb:
        return
    database = paths.duckdb_path(env)
    if not database.exists() and config.demo_data is None:
        raise StopRun(
            EXIT_CANNOT_RUN,
            f"the DuckDB file {database} does not exist: check LEDGER_DUCKDB_PATH "
            "(`make run` creates demo data in a new file)",
        )
    wait_for_file = _busy_as_stop(DuckDbFile.from_env(database, env))
    if database.exists():
        wait_for_file()
    if config.demo_data is not None:
        try:
            config.demo_data(database, env)
        except ValueError as exc:
            raise StopRun(EXIT_CANNOT_RUN, str(exc)) from None
    runner.wait_for_warehouse = wait_for_file


def _busy_as_stop(warehouse_file: DuckDbFile) -> Callable[[], None]:
    def wait() -> None:
        try:
            warehouse_file.wait_until_free()
        except WarehouseBusyError as busy:
            raise StopRun(EXIT_LOCKED, str(busy)) from None

    return wait


def _check_freshness(
    runner: DbtRunner, target: targets.TargetInfo, env: Mapping[str, str]
) -> list[str]:
    freshness = runner.source_freshness()
    problems = freshness.freshness_problems
    if freshness.returncode == EXIT_CANNOT_RUN:
        # Not stale data: dbt could not run at all. The build would only fail the same way.
        message = freshness.fatal or freshness.last_error or "dbt exited with 2"
        raise StopRun(EXIT_CANNOT_RUN, _cannot_run(target, env, message))
    if freshness.returncode != 0 or problems:
        # Warn-only by contract: late data must not stop the nightly billing run.
        log.warning(
            "source freshness reported problems (exit code %d)%s; continuing with the build",
            freshness.returncode,
            ": " + ", ".join(problems) if problems else "",
        )
    else:
        log.info("sources are fresh")
    return problems


def _monitor_balance(
    config: JobConfig,
    runner: DbtRunner,
    build: BuildSummary,
    ledger: Mapping[str, Any] | None,
    env: Mapping[str, str],
) -> bool | None:
    balanced, failing = balance_outcome(build), build.failing_tests()
    monitor = BalanceMonitor(
        runner=runner,
        state_path=config.state_dir / STATE_FILE_NAME,
        relations=runner.relation_names(),
        env=env,
        timeout=config.http_timeout,
        backoff_base=config.backoff_base,
    )
    try:
        monitor.check(
            balanced,
            now=utc_now(),
            run_id=build.invocation_id,
            failing_tests=[t for t in failing if t in BALANCE_TESTS] or failing,
            ledger_totals=ledger,
        )
    except Exception:
        # The alert is a report on the build; its own failure must not fail the job.
        log.exception("ledger balance alert failed")
    return balanced


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="update_lead_sales_ledger.py",
        description="Nightly dbt build of the lead revenue ledger, with heartbeat and "
        "ledger balance alert. Exit codes: 0 ok, dbt's code when the build fails, "
        f"{EXIT_LOCKED} another run holds the lock, {EXIT_NO_DBT} dbt missing, "
        f"{EXIT_INTERNAL_ERROR} internal error.",
    )
    add = parser.add_argument
    add("--target", help="dbt profile target (default: $LEDGER_TARGET, else dev)")
    logs, state = paths.PROJECT_ROOT / "logs", paths.PROJECT_ROOT / "state"
    add(
        "--log-dir",
        type=Path,
        default=logs,
        help="directory of the job log and lock file (default: logs/)",
    )
    add(
        "--state-dir",
        type=Path,
        default=state,
        help="directory of the alert state file (default: state/)",
    )
    add(
        "--verbose",
        action="store_true",
        help="print every line dbt prints (by default: counts, warnings and failures with "
        "their rows, progress; the log file always has everything)",
    )
    add(
        "--demo-data-if-absent",
        action="store_true",
        help="DuckDB only: load demo data when no raw schema exists (what `make run` does)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, demo_data: DemoDataLoader | None = None) -> int:
    """Command-line entry point; `demo_data` serves --demo-data-if-absent."""
    args = parse_args(argv)
    log_dir = args.log_dir.resolve()
    configure_logging(log_dir, verbose=args.verbose)
    if args.demo_data_if_absent and demo_data is None:
        log.error(
            "%s FAILED (exit code %d): --demo-data-if-absent needs the demo data generator; "
            "run scripts/update_lead_sales_ledger.py, which provides it",
            JOB_NAME,
            EXIT_CANNOT_RUN,
        )
        return EXIT_CANNOT_RUN
    # cron, systemd and operators stop jobs with SIGTERM: stop dbt, report, release the lock.
    raise_on_signals(signal.SIGTERM, signal.SIGINT)
    config = JobConfig(
        log_dir=log_dir,
        state_dir=args.state_dir.resolve(),
        target=args.target or dbt_target(),
        demo_data=demo_data if args.demo_data_if_absent else None,
    )
    try:
        return run_job(config)
    except Terminated as stop:  # arrived after the run's own handling, e.g. mid-heartbeat
        log.error("%s FAILED: stopped by signal %d", JOB_NAME, stop.signum)
        return 128 + stop.signum
