"""Runs the project's dbt as a subprocess and reads back what it did.

dbt is driven through its command line, not its Python API: the CLI is the supported
contract, it is what analysts run by hand, and a crash inside dbt cannot take the job's
own error handling down with it. `--log-format json` makes its output machine-readable
(invocation id, errors, `dbt show` rows) while each event's text still goes to the log.

Queries for the heartbeat and the alert go through `dbt show --inline` with `ref()`, so
the job needs no database driver and runs unchanged on DuckDB, PostgreSQL and Redshift.
They use their own target path: every dbt command rewrites run_results.json, and the one
in target/ must stay the build's for whoever inspects the run afterwards.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger_job import paths
from ledger_job.dbt_artifacts import (
    BuildSummary,
    PrintedFailure,
    read_run_results,
    relation_names,
)
from ledger_job.duckdb_file import is_lock_conflict
from ledger_job.logsetup import CONSOLE, CONSOLE_ONLY
from ledger_job.process import stop_process
from ledger_job.targets import dbt_environment, dbt_target, default_target_path

# A reader can open the DuckDB file between the job's wait and dbt's own connection;
# dbt then fails at once, before touching anything, and the command is run again.
_LOCK_CONFLICT_RETRIES = 3
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# On a quiet console: this many rows of each failing or warning test (all go to the log),
# and a progress line at most this often while a command runs.
CONSOLE_ROWS_PER_TEST = 5
# dbt's error lines a quiet console shows per command; the rest only go to the log (a build
# on an empty warehouse has hundreds, and the job's last line names the first failures).
CONSOLE_ERRORS = 12
PROGRESS_SECONDS = 10.0
# "12 of 257 PASS ..." and the like: a node finished (START lines are not counted).
_NODE_DONE = re.compile(r"^(\d+) of (\d+) (?!START)")
# dbt's closing line of counts ("Done. PASS=255 WARN=2 ...").
_SHOWN_EVENTS = frozenset({"StatsLine"})
log = logging.getLogger(__name__)
dbt_log = logging.getLogger("dbt")


class DbtError(RuntimeError):
    """A dbt command could not give the job what it asked for."""


@dataclass
class DbtInvocation:
    """What one dbt command reported on its JSON log stream."""

    args: list[str]
    returncode: int
    invocation_id: str | None = None
    errors: list[str] = field(default_factory=list)
    show_rows: list[dict[str, Any]] | None = None
    macro_logs: list[str] = field(default_factory=list)
    freshness_problems: list[str] = field(default_factory=list)
    fatal: str | None = None
    # What log_test_failures printed, by test name, in order.
    printed: dict[str, PrintedFailure] = field(default_factory=dict)

    @property
    def last_error(self) -> str | None:
        return self.errors[-1] if self.errors else None


class DbtRunner:
    """Runs dbt commands of this project against one profile target."""

    def __init__(
        self,
        *,
        target: str | None = None,
        executable: Path | None = None,
        target_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        wait_for_warehouse: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target or dbt_target(env)
        self.clock = clock
        self._block: PrintedFailure | None = None
        self._errors_shown = self._errors_hidden = 0
        self._last_progress = clock()
        # Called before every dbt command, and again when dbt found the DuckDB file taken.
        self.wait_for_warehouse = wait_for_warehouse
        self.executable = executable or paths.dbt_executable()
        self.env = dbt_environment(env)
        self.target_path = target_path or default_target_path(env)
        self.query_target_path = self.target_path / "job_queries"

    def invoke(self, args: Sequence[str], *, quiet: bool = False) -> DbtInvocation:
        """Run `dbt <args>` streaming its events to the log; `quiet` logs them at DEBUG.

        With `wait_for_warehouse`, waits for the warehouse first, and runs the command
        again when it failed because another process had taken the DuckDB file meanwhile.
        Raises FileNotFoundError when the dbt executable is missing.
        """
        for _ in range(_LOCK_CONFLICT_RETRIES):
            if self.wait_for_warehouse is not None:
                self.wait_for_warehouse()
            invocation = self._invoke_once(args, quiet=quiet)
            messages = [*invocation.errors, invocation.fatal or ""]
            taken = invocation.returncode != 0 and any(map(is_lock_conflict, messages))
            if not (taken and self.wait_for_warehouse is not None):
                return invocation
            log.warning("dbt %s found the DuckDB file taken; trying again", _command_name(args))
        return invocation

    def _invoke_once(self, args: Sequence[str], *, quiet: bool) -> DbtInvocation:
        command = [str(self.executable), *args, "--target", self.target, "--log-format", "json"]
        level, name = logging.DEBUG if quiet else logging.INFO, _command_name(args)
        log.log(level, "running: dbt %s (target %s)", name, self.target)
        invocation = DbtInvocation(args=list(args), returncode=-1)
        self._block = None
        self._errors_shown = self._errors_hidden = 0
        self._last_progress = self.clock()
        with subprocess.Popen(
            command,
            cwd=paths.PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as process:
            assert process.stdout is not None
            try:
                for line in process.stdout:
                    self._handle_line(line, invocation, quiet=quiet)
            except BaseException:
                # The job is being stopped: dbt must stop with it, or it would keep
                # building after the lock is released and overlap the next run.
                stop_process(process, grace=30.0)
                raise
        self._end_block()
        if self._errors_hidden:
            dbt_log.error(
                "... %d more error line(s) of dbt %s in the job's log",
                self._errors_hidden,
                name,
                extra={CONSOLE: True, CONSOLE_ONLY: True},
            )
        invocation.returncode = process.returncode
        log.log(level, "dbt %s exited with code %d", name, invocation.returncode)
        return invocation

    def _handle_line(self, line: str, invocation: DbtInvocation, *, quiet: bool) -> None:
        text = _ANSI.sub("", line.rstrip("\n"))
        if not text.strip():
            return
        event = _parse_event(text)
        if event is None:
            # Not an event: a traceback or a library writing to stdout directly.
            dbt_log.log(logging.DEBUG if quiet else logging.INFO, "%s", text)
            return
        name = event["info"].get("name")
        level_name = str(event["info"].get("level", "info")).upper()
        level = logging.getLevelNamesMapping().get(level_name, logging.INFO)
        message = _ANSI.sub("", str(event["info"].get("msg", "")))
        _record(invocation, event, level, message)
        if name == "ShowNode":
            return  # the rows go to the caller, not to the log: they can be many
        console = self._console(name, level, message, invocation, quiet=quiet)
        if message.strip():
            extra = {} if console is None else {CONSOLE: console}
            dbt_log.log(logging.DEBUG if quiet else level, "%s", message, extra=extra)
        if not quiet:
            self._progress(message, invocation)

    def _console(
        self, name: str | None, level: int, message: str, invocation: DbtInvocation, *, quiet: bool
    ) -> bool | None:
        """Whether a quiet console shows the event; None: as logsetup's quiet filter decides."""
        if name == "JinjaLogInfo":
            return self._printed_rows(message, invocation)
        self._end_block()
        if name in _SHOWN_EVENTS:
            return True
        if level < logging.ERROR or quiet:
            return None
        shown = self._errors_shown < CONSOLE_ERRORS
        self._errors_shown += shown
        self._errors_hidden += not shown
        return shown

    def _printed_rows(self, message: str, invocation: DbtInvocation) -> bool:
        """Follow log_test_failures' printout: remember each test's first row, and show
        only the first CONSOLE_ROWS_PER_TEST rows of each on a quiet console."""
        header = PrintedFailure.from_header(message)
        if header is not None:
            self._end_block()
            invocation.printed[header.test] = self._block = header
            return True
        block = self._block
        if block is None or not message.startswith("    "):
            self._end_block()
            return True
        block.rows_printed += 1
        block.first_row = block.first_row or message.strip()
        return block.rows_printed <= CONSOLE_ROWS_PER_TEST

    def _end_block(self) -> None:
        block, self._block = self._block, None
        if block is not None and block.rows_printed > CONSOLE_ROWS_PER_TEST:
            dbt_log.info(
                "    ... %d more row(s) of %s in the job's log; all %d in %s",
                block.rows_printed - CONSOLE_ROWS_PER_TEST,
                block.test,
                block.failures,
                block.stored_in,
                extra={CONSOLE: True, CONSOLE_ONLY: True},
            )

    def _progress(self, message: str, invocation: DbtInvocation) -> None:
        """A line every PROGRESS_SECONDS on a quiet console while nodes finish."""
        done = _NODE_DONE.match(message)
        if done is None or self.clock() - self._last_progress < PROGRESS_SECONDS:
            return
        self._last_progress = self.clock()
        log.info(
            "dbt %s: %s of %s done",
            _command_name(invocation.args),
            done.group(1),
            done.group(2),
            extra={CONSOLE_ONLY: True},
        )

    def source_freshness(self) -> DbtInvocation:
        """`dbt source freshness`; the caller decides that problems only warn."""
        invocation = self.invoke(["source", "freshness"])
        invocation.freshness_problems.sort()
        return invocation

    def build(self, selector: str | None = None) -> BuildSummary:
        """`dbt build` (of a selectors.yml selector), then its run_results.json (None when
        dbt wrote none for it)."""
        invocation = self.invoke(["build", *(["--selector", selector] if selector else [])])
        results = read_run_results(
            self.target_path / "run_results.json",
            self.target_path / "manifest.json",
            invocation.invocation_id,
        )
        # Failed nodes are named by the results; the message is for a build that broke
        # down as a whole, or left no results to name anything.
        error = invocation.fatal
        if error is None and results is None and invocation.returncode != 0:
            error = invocation.last_error or f"dbt build exited with {invocation.returncode}"
        return BuildSummary(
            invocation.returncode, invocation.invocation_id, results, error, invocation.printed
        )

    def show(self, sql: str, *, limit: int = -1) -> list[dict[str, Any]]:
        """Rows of `sql` (Jinja with ref() allowed); `limit` -1 means every row.

        Raises DbtError with dbt's own error message when the query does not run.
        """
        log.debug("dbt show: %s", " ".join(sql.split()))
        args = ["show", "--inline", sql, "--output", "json", "--limit", str(limit)]
        rows = self._query(args, "show").show_rows
        if rows is None:
            raise DbtError("dbt show failed: exit code 0, no rows reported")
        return rows

    def run_operation(self, macro: str) -> list[str]:
        """What `dbt run-operation <macro>` logged with `log(..., info=True)`, in order.

        Raises DbtError with dbt's own error message when the macro does not run.
        """
        return self._query(["run-operation", macro], f"run-operation {macro}").macro_logs

    def _query(self, args: list[str], what: str) -> DbtInvocation:
        """A quiet command with the query target path (see the module's docstring)."""
        self._prime_query_target()
        invocation = self.invoke([*args, "--target-path", str(self.query_target_path)], quiet=True)
        if invocation.returncode != 0:
            reason = invocation.last_error or f"exit code {invocation.returncode}"
            raise DbtError(f"dbt {what} failed: {' '.join(reason.split())}")
        return invocation

    def _prime_query_target(self) -> None:
        """Give the query target dbt's parse cache of the build, to skip a full parse.

        dbt checks the cache against the project files, vars and profile and parses in
        full when it does not match, so a stale copy costs time, never correctness.
        """
        cache = self.target_path / "partial_parse.msgpack"
        copy = self.query_target_path / cache.name
        try:
            if cache.exists() and (
                not copy.exists() or copy.stat().st_mtime < cache.stat().st_mtime
            ):
                self.query_target_path.mkdir(parents=True, exist_ok=True)
                shutil.copy2(cache, copy)
        except OSError as exc:
            log.debug("parse cache not copied to %s: %s", self.query_target_path, exc)

    def relation_names(self) -> dict[str, str]:
        """Relation names of the build's manifest (see `relation_names`)."""
        return relation_names(self.target_path / "manifest.json")


def _command_name(args: Sequence[str]) -> str:
    # "source freshness", "build", "show": never the inline SQL that follows.
    words = list(args[:2]) if args[:1] == ["source"] else list(args[:1])
    return " ".join(words)


def _parse_event(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("info"), dict) else None


def _record(invocation: DbtInvocation, event: dict[str, Any], level: int, message: str) -> None:
    """What the caller gets from an event: dbt's invocation id, errors, rows, macro logs."""
    info, data = event["info"], event.get("data", {})
    invocation.invocation_id = invocation.invocation_id or info.get("invocation_id")
    if level >= logging.ERROR and message:
        invocation.errors.append(message)
    name = info.get("name")
    if name == "MainEncounteredError":
        # dbt gave up as a whole (bad profile, compilation error), not one node.
        invocation.fatal = message
    elif name == "ShowNode":
        invocation.show_rows = _show_rows(data.get("preview"))
    elif name == "JinjaLogInfo":
        # What a macro of `dbt run-operation` logged: its result, for the caller.
        invocation.macro_logs.append(str(data.get("msg", message)))
    elif name == "LogFreshnessResult" and data.get("status") != "pass":
        # Taken from the events: sources.json omits sources whose check errored.
        table = f"{data.get('source_name')}.{data.get('table_name')}"
        invocation.freshness_problems.append(f"{table} ({data.get('status')})")


def _show_rows(preview: Any) -> list[dict[str, Any]] | None:
    # parse_float=Decimal: a JSON number like 1234.5 stays exactly what was printed.
    try:
        rows = json.loads(str(preview), parse_float=Decimal)
    except json.JSONDecodeError:
        return None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else None
