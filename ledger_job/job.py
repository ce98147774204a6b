"""Nightly dbt build of the lead revenue ledger, with heartbeat and ledger balance alert.

A run: (1) takes the lock, so overlapping runs never build together; (2) says what the target
is and, on DuckDB, waits for the file while an analyst holds it (--demo-data-if-absent loads
demo data then); (3) `dbt source freshness`, warn-only: late data must not stop billing;
(4) `dbt build`, whose exit code is the job's; (5) on DuckDB after a good build, publishes the
analysts' copy and reads the totals from it (else `dbt run-operation ledger_totals`), then the
balance alert; (6) the heartbeat, whatever happened. Steps 5 and 6 never change the exit code.

Exit codes: 0 built (even if the heartbeat or alert failed); 1, 2 dbt's own (a node failed;
dbt could not run); 70 the job itself failed; 75 another run holds the lock, or an analyst
held the DuckDB file past LEDGER_DUCKDB_LOCK_WAIT_SECONDS; 127 dbt is missing (`make setup`);
130, 143 SIGINT, SIGTERM (dbt is stopped too).
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

from ledger_job import duckdb_file, paths, targets
from ledger_job.alert import STATE_FILE_NAME, BalanceMonitor, balance_outcome
from ledger_job.balance_report import BALANCE_TESTS
from ledger_job.dbt_artifacts import BuildSummary, build_failure_cause, first_line, relation_names
from ledger_job.dbt_runner import DbtRunner
from ledger_job.heartbeat import fetch_ledger_totals, send_heartbeat
from ledger_job.lock import EXIT_LOCKED, JobLock, LockHeldError
from ledger_job.logsetup import JOB_NAME, configure_logging, redact, secrets_from_env
from ledger_job.process import Terminated, raise_on_signals

EXIT_CANNOT_RUN = 2  # dbt's own code for "could not run"
EXIT_INTERNAL_ERROR = 70
EXIT_NO_DBT = 127
_ERROR_EXCERPT = 1000
NIGHTLY_SELECTOR = "nightly"  # selectors.yml: all but the tests only a code change can fail

log = logging.getLogger(__name__)

# Loads demo data into a DuckDB file without raw schemas; its ValueError is the run's cause.
DemoDataLoader = Callable[[Path, Mapping[str, str]], None]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class StopRun(Exception):
    """The run cannot go on; its text is the one line the log and the heartbeat give."""

    def __init__(self, exit_code: int, cause: str) -> None:
        super().__init__(cause)
        self.exit_code = exit_code


@dataclass
class _Run:
    """One run's settings, and what it found out for the heartbeat and its last line."""

    state_dir: Path
    demo_data: DemoDataLoader | None
    target: targets.TargetInfo
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    runner: DbtRunner = field(init=False)
    details: dict[str, Any] = field(init=False)  # every key always present
    build: BuildSummary | None = None
    ledger: dict[str, Any] | None = None
    exit_code: int = EXIT_INTERNAL_ERROR

    def __post_init__(self) -> None:
        self.runner = DbtRunner(target=self.target.name, env=self.env)
        self.details = {"target": self.target.name, "failed_nodes": [], "warning_tests": []}
        self.details |= {"stale_sources": [], "ledger_balanced": None, "error": None}


def _run_locked(run: _Run) -> int:
    started_at, clock, target = utc_now(), time.monotonic(), run.target
    where = f"{target.name}, {target.description} (dbt {run.runner.executable})"
    log.info(f"{JOB_NAME} started: target {where}")
    try:
        _build_and_check(run)
    except (StopRun, duckdb_file.WarehouseBusyError) as stop:
        run.details["error"] = str(stop)
        code = stop.exit_code if isinstance(stop, StopRun) else EXIT_LOCKED
        # After the build (e.g. the file taken before the totals), the build's code stands.
        run.exit_code = run.build.returncode if run.build is not None else code
    except Terminated as stop:
        run.details["error"] = f"stopped by signal {stop.signum}"
        run.exit_code = 128 + stop.signum
    except Exception as exc:
        log.exception("%s failed unexpectedly", JOB_NAME)
        run.details["error"] = f"{type(exc).__name__}: {exc}"
        run.exit_code = EXIT_INTERNAL_ERROR
    try:
        send_heartbeat(_heartbeat(run, started_at), env=run.env)
    except Exception:
        log.exception("heartbeat failed")
    if run.exit_code == 0:  # the last line of every run: how it ended, and the cause to act on
        log.info("%s succeeded in %.0f s", JOB_NAME, time.monotonic() - clock)
    else:
        cause = run.details["error"] or f"see {paths.PROJECT_ROOT / 'logs'} for dbt's output"
        log.error("%s FAILED (exit code %d): %s", JOB_NAME, run.exit_code, cause)
    return run.exit_code


def _build_and_check(run: _Run) -> None:
    """Steps 2 to 5 of the run (see the module's docstring)."""
    runner, target, env = run.runner, run.target, run.env
    if not runner.executable.exists():
        raise StopRun(EXIT_NO_DBT, f"dbt executable missing: {runner.executable}; run `make setup`")
    _prepare_target(run)
    run.details["stale_sources"] = _check_freshness(run)
    run.build = build = runner.build(selector=NIGHTLY_SELECTOR)
    run.exit_code = build.returncode
    if build.returncode == EXIT_CANNOT_RUN and build.results is None:
        raise StopRun(EXIT_CANNOT_RUN, _cannot_run(run, build.error or "dbt build could not run"))
    manifest, database = runner.target_path / "manifest.json", paths.duckdb_path(env)
    if build.returncode == 0 and target.is_duckdb:
        run.ledger = duckdb_file.publish_read_copy(database, env, manifest)
    elif target.is_duckdb and build.invocation_id:  # the copy keeps the last good build's data
        duckdb_file.record_failed_build_in_copy(database, env, manifest, build.invocation_id)
    run.ledger = run.ledger or fetch_ledger_totals(runner)
    _alert(run, build)


def _alert(run: _Run, build: BuildSummary) -> None:
    balanced = run.details["ledger_balanced"] = balance_outcome(build)
    failing = [t for t in build.test_names() if t in BALANCE_TESTS] or build.test_names()
    relations = relation_names(run.runner.target_path / "manifest.json")
    monitor = BalanceMonitor(run.runner, run.state_dir / STATE_FILE_NAME, relations, run.env)
    context = {"now": utc_now(), "run_id": build.invocation_id, "failing_tests": failing}
    try:
        monitor.check(balanced, **context, ledger_totals=run.ledger)
    except Exception:  # the alert reports on the build; its own failure must not fail the job
        log.exception("ledger balance alert failed")


def _heartbeat(run: _Run, started_at: str) -> dict[str, Any]:
    build, details = run.build or BuildSummary(0, None, None), run.details  # none: counts None
    details.update(failed_nodes=build.failed_nodes(), warning_tests=build.test_names({"warn"}))
    if build.returncode != 0:
        details["error"] = details["error"] or build_failure_cause(build)
    if run.build is not None:
        log.info("dbt build: %s", ", ".join(f"{k} {v}" for k, v in build.counts().items()))
    if details["error"]:
        error = " ".join(str(details["error"]).split())
        details["error"] = redact(error, secrets_from_env(run.env))[:_ERROR_EXCERPT]
    status = "success" if run.exit_code == 0 else "failure"
    beat = {"job": JOB_NAME, "status": status, "run_id": build.invocation_id}
    beat |= {"started_at": started_at, "finished_at": utc_now(), **build.counts()}
    beat |= {"failing_tests": build.test_names(), "ledger": run.ledger}
    return beat | {"exit_code": run.exit_code, **details}


def _cannot_run(run: _Run, message: str) -> str:
    """dbt could not run on the target: its cause, and on PostgreSQL the defaults used."""
    cause = (first_line(message) or message)[:_ERROR_EXCERPT]
    cause = f"dbt cannot run on {run.target.description}: {cause}"
    note = targets.postgres_defaults_note(run.env) if run.target.is_postgres else None
    return f"{cause}; {note}" if note else cause


def _prepare_target(run: _Run) -> None:
    """Check what can be checked before dbt runs; on DuckDB wait for the file."""
    target, env = run.target, run.env
    if target.problem is not None or target.engine is None:
        raise StopRun(EXIT_CANNOT_RUN, target.problem or f"no engine for {target.name!r}")
    if target.is_postgres and (note := targets.postgres_defaults_note(env)):
        log.warning("%s", note)
    if not target.is_duckdb:
        return
    database = paths.duckdb_path(env)
    if not database.exists() and run.demo_data is None:
        missing = f"the DuckDB file {database} does not exist: check LEDGER_DUCKDB_PATH"
        raise StopRun(EXIT_CANNOT_RUN, f"{missing} (`make run` creates demo data in a new file)")
    # WarehouseBusyError, here or before any dbt command, ends the run with EXIT_LOCKED.
    run.runner.wait_for_warehouse = duckdb_file.DuckDbFile.from_env(database, env).wait_until_free
    if database.exists():
        run.runner.wait_for_warehouse()
    try:
        if run.demo_data is not None:
            run.demo_data(database, env)
    except ValueError as exc:
        raise StopRun(EXIT_CANNOT_RUN, str(exc)) from None


def _check_freshness(run: _Run) -> list[str]:
    freshness = run.runner.invoke(["source", "freshness"])
    problems = sorted(freshness.freshness_problems)
    if freshness.returncode == EXIT_CANNOT_RUN:  # not stale data: dbt cannot run at all
        message = freshness.fatal or freshness.last_error or "dbt exited with 2"
        raise StopRun(EXIT_CANNOT_RUN, _cannot_run(run, message))
    if freshness.returncode != 0 or problems:
        listed = ": " + ", ".join(problems) if problems else ""
        log.warning(
            f"source freshness reported problems (exit code {freshness.returncode}){listed}; "
            "continuing with the build"
        )
    else:
        log.info("sources are fresh")
    return problems


def main(argv: Sequence[str] | None = None, demo_data: DemoDataLoader | None = None) -> int:
    """Command-line entry point; `demo_data` serves --demo-data-if-absent."""
    formatter = argparse.RawDescriptionHelpFormatter  # the docstring's layout kept
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    add = parser.add_argument
    add("--target", help="dbt profile target (default: $LEDGER_TARGET, else dev)")
    logs, state = paths.PROJECT_ROOT / "logs", paths.PROJECT_ROOT / "state"
    add("--log-dir", type=Path, default=logs, help="the job log and lock file (default: logs/)")
    add("--state-dir", type=Path, default=state, help="the alert state file (default: state/)")
    quiet = "counts, warnings and failures with their rows, progress; the log has everything"
    add("--verbose", action="store_true", help=f"print all dbt prints (else: {quiet})")
    demo = "DuckDB only: load demo data when no raw schema exists (what `make run` does)"
    add("--demo-data-if-absent", action="store_true", help=demo)
    args = parser.parse_args(argv)
    if args.demo_data_if_absent and demo_data is None:  # exits 2, as dbt when it cannot run
        parser.error("--demo-data-if-absent: run scripts/update_lead_sales_ledger.py, which has it")
    configure_logging(args.log_dir.resolve(), verbose=args.verbose)
    # cron, systemd and operators stop jobs with SIGTERM: stop dbt, report, release the lock.
    raise_on_signals(signal.SIGTERM, signal.SIGINT)
    loader = demo_data if args.demo_data_if_absent else None
    try:
        with JobLock(args.log_dir.resolve() / f"{JOB_NAME}.lock"):
            target = targets.describe(args.target or targets.dbt_target(os.environ), os.environ)
            return _run_locked(_Run(args.state_dir.resolve(), loader, target))
    except LockHeldError as exc:
        log.error(
            f"another run of {JOB_NAME} holds the lock {exc.path} "
            f"({exc.holder or 'holder unknown'}); not starting dbt, exiting with {EXIT_LOCKED}"
        )
        return EXIT_LOCKED
    except Terminated as stop:  # arrived after the run's own handling, e.g. mid-heartbeat
        log.error("%s FAILED: stopped by signal %d", JOB_NAME, stop.signum)
        return 128 + stop.signum
