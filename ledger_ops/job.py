"""The nightly job `update_lead_sales_ledger`: dbt build plus heartbeat and balance alert.

Order of a run, and why:

1. take the lock, so an overlapping run never builds at the same time;
2. `dbt source freshness`, warn-only: a late EL load must not stop the billing run,
   but the log and the heartbeat say which sources were stale;
3. `dbt build` (seeds, snapshots, views, every data test); its exit code is the job's;
4. ledger totals and the balance alert, read through `dbt show`;
5. the heartbeat, sent whatever happened before, including a crash of the job itself.

Steps 4 and 5 report; they never change the exit code.

Exit codes:
    0    dbt build succeeded (even if the heartbeat or alert could not be posted)
    1, 2 dbt build failed: dbt's own code (1: a node or test failed, 2: dbt could not run)
    70   unexpected error in the job itself (logged with a failure heartbeat; EX_SOFTWARE)
    75   another run holds the lock; dbt was not started (EX_TEMPFAIL)
    127  the dbt executable is missing (run `make setup`)
    130, 143  stopped by SIGINT / SIGTERM: dbt is stopped too, a failure heartbeat is sent
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from ledger_ops import paths
from ledger_ops.alert import STATE_FILE_NAME, BalanceMonitor
from ledger_ops.balance_report import BALANCE_TESTS
from ledger_ops.dbt_artifacts import BuildSummary
from ledger_ops.dbt_runner import DbtRunner, dbt_target
from ledger_ops.heartbeat import heartbeat_payload, send_heartbeat
from ledger_ops.http_post import DEFAULT_TIMEOUT_SECONDS
from ledger_ops.ledger_totals import fetch_ledger_totals
from ledger_ops.lock import EXIT_LOCKED, JobLock, LockHeldError
from ledger_ops.logsetup import JOB_NAME, configure_logging, redact, secrets_from_env

EXIT_INTERNAL_ERROR = 70
EXIT_NO_DBT = 127
_ERROR_EXCERPT = 500

log = logging.getLogger(__name__)


class Terminated(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


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

    @property
    def lock_path(self) -> Path:
        return self.log_dir / f"{JOB_NAME}.lock"

    @property
    def state_path(self) -> Path:
        return self.state_dir / STATE_FILE_NAME


def balance_outcome(build: BuildSummary) -> bool | None:
    """True/False when the balance tests ran and passed/failed, None when none ran.

    A "warn" means the test returned rows too, so it counts as an imbalance; an "error"
    (the test's SQL broke) says nothing about the balance.
    """
    statuses = [s for s in (build.status_of(name) for name in BALANCE_TESTS) if s is not None]
    if any(s in ("fail", "warn") for s in statuses):
        return False
    if statuses and all(s == "pass" for s in statuses):
        return True
    return None


def run_job(config: JobConfig) -> int:
    """One run of the job; returns the process exit code."""
    lock = JobLock(config.lock_path)
    try:
        lock.acquire()
    except LockHeldError as exc:
        log.error(
            "another run of %s holds the lock %s (%s); not starting dbt, exiting with %d",
            JOB_NAME,
            exc.path,
            exc.holder or "holder unknown",
            EXIT_LOCKED,
        )
        return EXIT_LOCKED
    try:
        return _run_locked(config)
    finally:
        lock.release()


def _run_locked(config: JobConfig) -> int:
    env = os.environ if config.env is None else config.env
    started_at, clock = utc_now(), time.monotonic()
    runner = DbtRunner(target=config.target, env=env)
    log.info("%s started (target %s, dbt %s)", JOB_NAME, runner.target, runner.executable)

    build: BuildSummary | None = None
    ledger: dict[str, Any] | None = None
    # Every key is always present, so the monitoring side can rely on the document's shape.
    details: dict[str, Any] = {
        "target": runner.target,
        "failed_nodes": [],
        "warning_tests": [],
        "stale_sources": [],
        "ledger_balanced": None,
        "error": None,
    }
    try:
        if not runner.executable.exists():
            log.error("dbt not found at %s; run `make setup`", runner.executable)
            details["error"] = f"dbt executable missing: {runner.executable}"
            exit_code = EXIT_NO_DBT
        else:
            details["stale_sources"] = _check_freshness(runner)
            build = runner.build()
            exit_code = build.returncode
            ledger = fetch_ledger_totals(runner)
            details["ledger_balanced"] = _monitor_balance(config, runner, build, ledger, env)
    except Terminated as stop:
        log.error("%s stopped by signal %d", JOB_NAME, stop.signum)
        details["error"] = f"stopped by signal {stop.signum}"
        exit_code = 128 + stop.signum
    except Exception as exc:
        log.exception("%s failed unexpectedly", JOB_NAME)
        details["error"] = f"{type(exc).__name__}: {exc}"
        exit_code = EXIT_INTERNAL_ERROR

    if build is not None:
        details.update(failed_nodes=build.failed_nodes(), warning_tests=build.warning_tests())
        details["error"] = details["error"] or build.error
    if details["error"]:
        secrets = secrets_from_env(env)
        details["error"] = redact(" ".join(str(details["error"]).split()), secrets)[:_ERROR_EXCERPT]
    counts = build.counts() if build is not None else BuildSummary(0, None, None).counts()
    succeeded = exit_code == 0
    log.info(
        "%s finished in %.0f s: %s, exit code %d, %s",
        JOB_NAME,
        time.monotonic() - clock,
        "success" if succeeded else "failure",
        exit_code,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    _send_heartbeat(
        config,
        env,
        heartbeat_payload(
            job=JOB_NAME,
            succeeded=succeeded,
            run_id=build.invocation_id if build is not None else None,
            started_at=started_at,
            finished_at=utc_now(),
            counts=counts,
            failing_tests=build.failing_tests() if build is not None else [],
            ledger=ledger,
            exit_code=exit_code,
            **details,
        ),
    )
    return exit_code


def _check_freshness(runner: DbtRunner) -> list[str]:
    freshness = runner.source_freshness()
    if freshness.returncode != 0 or freshness.problems:
        # Warn-only by contract: late data must not stop the nightly billing run.
        log.warning(
            "source freshness reported problems (exit code %d)%s; continuing with the build",
            freshness.returncode,
            ": " + ", ".join(freshness.problems) if freshness.problems else "",
        )
    else:
        log.info("sources are fresh")
    return freshness.problems


def _monitor_balance(
    config: JobConfig,
    runner: DbtRunner,
    build: BuildSummary,
    ledger: Mapping[str, Any] | None,
    env: Mapping[str, str],
) -> bool | None:
    balanced = balance_outcome(build)
    monitor = BalanceMonitor(
        runner=runner,
        state_path=config.state_path,
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
            failing_tests=[t for t in build.failing_tests() if t in BALANCE_TESTS]
            or build.failing_tests(),
            ledger_totals=ledger,
        )
    except Exception:
        # The alert is a report on the build; its own failure must not fail the job.
        log.exception("ledger balance alert failed")
    return balanced


def _send_heartbeat(config: JobConfig, env: Mapping[str, str], payload: dict[str, Any]) -> None:
    try:
        send_heartbeat(
            payload, env=env, timeout=config.http_timeout, backoff_base=config.backoff_base
        )
    except Exception:
        log.exception("heartbeat failed")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="update_lead_sales_ledger.py",
        description="Nightly dbt build of the lead revenue ledger, with heartbeat and "
        "ledger balance alert. Exit codes: 0 ok, dbt's code when the build fails, "
        f"{EXIT_LOCKED} another run holds the lock, {EXIT_NO_DBT} dbt missing, "
        f"{EXIT_INTERNAL_ERROR} internal error.",
    )
    parser.add_argument(
        "--target",
        default=None,
        help="dbt profile target (default: $LEDGER_TARGET, else dev)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=paths.PROJECT_ROOT / "logs",
        help="directory of the job log and lock file (default: logs/)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=paths.PROJECT_ROOT / "state",
        help="directory of the alert state file (default: state/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    args = parse_args(argv)
    log_dir = args.log_dir.resolve()
    configure_logging(log_dir)
    # cron, systemd and operators stop jobs with SIGTERM: stop dbt, report, release the lock.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _raise_terminated)
    config = JobConfig(
        log_dir=log_dir,
        state_dir=args.state_dir.resolve(),
        target=args.target or dbt_target(),
    )
    try:
        return run_job(config)
    except Terminated as stop:  # arrived after the run's own handling, e.g. mid-heartbeat
        log.error("%s stopped by signal %d", JOB_NAME, stop.signum)
        return 128 + stop.signum
