"""Analysts for tests: sessions that query the marts in a loop while builds run.

Real connections on real engines, so what they see is what an analyst's SQL client sees:
a query that fails for a missing relation, a lock wait or a deadlock is recorded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from ledger_tools.warehouse import PostgresSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
JOB = PROJECT_ROOT / "scripts" / "update_lead_sales_ledger.py"
# The accounting reports over the ledger (README, "The marts").
REPORT_MARTS = (
    "account_balances",
    "ledger_balance_check",
    "ledger_unbalanced_transactions",
    "ledger_imbalance_accounts",
    "ledger_imbalance_by_account_type",
    "ledger_top_accounts",
    "trial_balance_monthly",
)
# The marts whose columns the spec fixes and the accounting marts the alert reads.
CONTRACTED_MARTS = ("lead_sales_ledger", "ledger_entries", *REPORT_MARTS)
# What analysts read.
MARTS = (*CONTRACTED_MARTS, "unbilled_calls", "lead_quality_by_broker_month", "ledger_build_status")
POLLED_MARTS = ("lead_sales_ledger", "ledger_entries", "ledger_balance_check", "account_balances")


def pg_connect(*, autocommit: bool = True) -> psycopg.Connection:
    return PostgresSettings.from_env().connect(autocommit=autocommit, application_name="analyst")


class LoopThreads:
    """Threads that loop until the `with` block ends: analysts' sessions during a build."""

    _stop: threading.Event
    _threads: list[threading.Thread]

    def _start_loops(self, loop: Callable[[], None], count: int = 1) -> None:
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=loop, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


@dataclass
class PostgresReaders(LoopThreads):
    """`sessions` threads, each querying the polled marts in turn every `interval` seconds."""

    marts_schema: str
    sessions: int = 2
    interval: float = 0.05
    queries: int = 0
    failures: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _read(self) -> None:
        with pg_connect() as connection:
            while not self._stop.is_set():
                for mart in POLLED_MARTS:
                    try:
                        connection.execute(f"select count(*) from {self.marts_schema}.{mart}")
                        with self._lock:
                            self.queries += 1
                    except psycopg.Error as exc:
                        with self._lock:
                            self.failures.append(f"{mart}: {' '.join(str(exc).split())}")
                    time.sleep(self.interval)

    def __enter__(self) -> PostgresReaders:
        self._start_loops(self._read, self.sessions)
        return self


# What an analyst checks first: the builds shown, their status and what failed or warned.
BUILD_STATUS_SQL = (
    "select invocation_id, build_status, is_latest_build, node_name, node_status,"
    " failure_count, note from {schema}.ledger_build_status"
    " order by build_started_at, node_name nulls first"
)
StatusRows = list[tuple[Any, ...]]


def build_status(rows: StatusRows, *, warnings: bool = False) -> StatusRows:
    """The rows without the warning tests (which vary with the demo data) unless asked."""
    return [tuple(row) for row in rows if warnings or row[4] != "warn"]


def pg_build_status(marts_schema: str) -> StatusRows:
    with pg_connect() as connection:
        return connection.execute(BUILD_STATUS_SQL.format(schema=marts_schema)).fetchall()


def invocation_of(workdir: Path) -> str:
    """The dbt invocation id of the build whose target path is `workdir/target`."""
    results = json.loads((workdir / "target" / "run_results.json").read_text())
    return str(results["metadata"]["invocation_id"])


@dataclass
class StatusWatcher(LoopThreads):
    """An analyst reading ledger_build_status in a loop while a build runs: every distinct
    answer, in the order seen, and every query that failed."""

    read: Callable[[], StatusRows]
    interval: float = 0.1
    seen: list[StatusRows] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                rows = build_status(self.read(), warnings=True)
                if not self.seen or self.seen[-1] != rows:
                    self.seen.append(rows)
            except Exception as exc:  # whatever the engine raises is what an analyst sees
                self.failures.append(" ".join(str(exc).split()))
            time.sleep(self.interval)

    def __enter__(self) -> StatusWatcher:
        self._start_loops(self._watch)
        return self


def missing_or_broken_marts(marts_schema: str) -> list[str]:
    """Marts that do not exist or do not answer a query, with the reason."""
    problems = []
    with pg_connect() as connection:
        for mart in MARTS:
            try:
                connection.execute(f"select count(*) from {marts_schema}.{mart}").fetchone()
            except psycopg.Error as exc:
                problems.append(f"{mart}: {' '.join(str(exc).split())}")
    return problems


def project_copy(destination: Path) -> Path:
    """The dbt project's files in `destination`, to be changed as a deployment would."""
    for name in ("models", "macros", "seeds", "snapshots", "tests", "analyses"):
        shutil.copytree(PROJECT_ROOT / name, destination / name)
    shutil.copy(PROJECT_ROOT / "dbt_project.yml", destination / "dbt_project.yml")
    return destination


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


PARSE_CACHE = "partial_parse.msgpack"


def prime_parse_cache(parse_cache: Path | None, target_path: Path) -> None:
    """dbt's parse cache of an earlier build, put where the next one looks (its target
    path): dbt itself checks it against the project, profile, vars and environment and
    parses again whatever differs, so only the parsing is saved, never a result."""
    if parse_cache is not None and parse_cache.is_file():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copy(parse_cache, target_path / PARSE_CACHE)


def run_job(
    workdir: Path,
    env: dict[str, str],
    timeout: float = 900,
    parse_cache: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """The nightly job as cron runs it: from another directory, so nothing may depend on
    the caller's cwd. `parse_cache`: an earlier build's partial_parse.msgpack (same profile
    values, else dbt parses afresh)."""
    workdir.mkdir(parents=True, exist_ok=True)
    prime_parse_cache(parse_cache, Path(env.get("DBT_TARGET_PATH", workdir / "target")))
    return subprocess.run(
        [
            sys.executable,
            str(JOB),
            "--log-dir",
            str(workdir / "logs"),
            "--state-dir",
            str(workdir / "state"),
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def dbt_debug_log(log_dir: Path) -> str:
    """dbt's debug log of a run, rotated files included (the job has dbt rotate it at 5 MB,
    keeping 5), JSON escaping of quotes removed (the job logs JSON)."""
    files = sorted(log_dir.glob("dbt.log*"), key=lambda f: f.stat().st_mtime)
    return "".join(f.read_text() for f in files).replace("\\", "")


def job_log(workdir: Path) -> str:
    return (workdir / "logs" / "update_lead_sales_ledger.log").read_text()
