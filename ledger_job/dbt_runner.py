"""Runs the project's dbt as a subprocess and reads back what it did.

The CLI, not dbt's Python API: the supported contract, and a crash in dbt cannot take the
job's error handling with it. The alert's and totals' queries (`dbt show --inline`, `ref()`:
no driver needed on any engine) pass `--no-write-json`: run_results.json stays the build's.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger_job import paths
from ledger_job.dbt_artifacts import BuildSummary, PrintedFailure, read_run_results
from ledger_job.duckdb_file import is_lock_conflict
from ledger_job.logsetup import CONSOLE, CONSOLE_ONLY
from ledger_job.process import stop_process
from ledger_job.targets import dbt_environment, dbt_target, default_target_path

_LOCK_CONFLICT_RETRIES = 3  # a reader may open the DuckDB file between the wait and dbt's start
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LEVELS = logging.getLevelNamesMapping()  # dbt's "warn", "error" ... as logging's levels
CONSOLE_ROWS_PER_TEST = 5  # rows of each failing test a quiet console shows (the log has all)
CONSOLE_ERRORS = 12  # dbt error lines a quiet console shows a command (an empty warehouse: 100s)
PROGRESS_SECONDS = 10.0
_NODE_DONE = re.compile(r"^(\d+) of (\d+) (?!START)")  # "12 of 257 PASS ...": a node finished
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
    printed: dict[str, PrintedFailure] = field(default_factory=dict)  # by log_test_failures

    @property
    def last_error(self) -> str | None:
        return self.errors[-1] if self.errors else None


class DbtRunner:
    """Runs dbt commands of this project against one profile target."""

    def __init__(self, *, target: str | None = None, env: Mapping[str, str] | None = None) -> None:
        self.target, self.env = target or dbt_target(env), dbt_environment(env)
        self.executable, self.target_path = paths.dbt_executable(), default_target_path(env)
        # Called before every command, and again when dbt found the DuckDB file taken.
        self.wait_for_warehouse: Callable[[], None] | None = None
        self._block: PrintedFailure | None = None
        self._errors_shown = self._errors_hidden = 0
        self._last_progress = time.monotonic()

    def invoke(self, args: Sequence[str], *, quiet: bool = False) -> DbtInvocation:
        """`dbt <args>`, run again when another process took the DuckDB file meanwhile."""
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
        self._block, self._errors_shown, self._errors_hidden = None, 0, 0
        self._last_progress = time.monotonic()
        with subprocess.Popen(
            command,
            cwd=paths.PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            encoding="utf-8",
            errors="replace",
        ) as process:
            assert process.stdout is not None
            try:
                for line in process.stdout:
                    self._handle_line(line, invocation, quiet=quiet)
            except BaseException:
                # The job is being stopped: dbt too, or it would build on after the lock is gone.
                stop_process(process, grace=30.0)
                raise
        self._end_block()
        if self._errors_hidden:
            hidden = f"... {self._errors_hidden} more error line(s) of dbt {name} in the job's log"
            dbt_log.error(hidden, extra={CONSOLE: True, CONSOLE_ONLY: True})
        invocation.returncode = process.returncode
        log.log(level, "dbt %s exited with code %d", name, invocation.returncode)
        return invocation

    def _handle_line(self, line: str, invocation: DbtInvocation, *, quiet: bool) -> None:
        text = _ANSI.sub("", line.rstrip("\n"))
        event = _parse_event(text) if text.strip() else None
        if event is None:  # blank, or a traceback or library writing to stdout directly
            if text.strip():
                dbt_log.log(logging.DEBUG if quiet else logging.INFO, "%s", text)
            return
        info = event["info"]
        level = _LEVELS.get(str(info.get("level", "info")).upper(), logging.INFO)
        message = _ANSI.sub("", str(info.get("msg", "")))
        _record(invocation, event, level, message)
        if info.get("name") == "ShowNode":
            return  # the rows go to the caller, not to the log: they can be many
        console = self._console(info.get("name"), level, message, invocation, quiet=quiet)
        if message.strip():
            extra = {} if console is None else {CONSOLE: console}
            dbt_log.log(logging.DEBUG if quiet else level, "%s", message, extra=extra)
        done = None if quiet else _NODE_DONE.match(message)
        if done and time.monotonic() - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = time.monotonic()  # a line every PROGRESS_SECONDS while nodes end
            progress = f"dbt {_command_name(invocation.args)}: {done[1]} of {done[2]} done"
            log.info(progress, extra={CONSOLE_ONLY: True})

    def _console(
        self, name: str | None, level: int, message: str, invocation: DbtInvocation, *, quiet: bool
    ) -> bool | None:
        """Whether a quiet console shows the event (None: logsetup decides): the counts, the first
        errors, and each failing test's header and first rows (the first kept for the cause)."""
        printing, block = name == "JinjaLogInfo", self._block
        header = PrintedFailure.from_header(message) if printing else None
        if printing and header is None and block is not None and message.startswith("    "):
            block.rows_printed += 1
            block.first_row = block.first_row or message.strip()
            return block.rows_printed <= CONSOLE_ROWS_PER_TEST
        self._end_block()
        if header is not None:
            invocation.printed[header.test] = self._block = header
        if printing or name == "StatsLine":  # StatsLine: "Done. PASS=255 WARN=2 ..."
            return True
        if level < logging.ERROR or quiet:
            return None
        shown = self._errors_shown < CONSOLE_ERRORS
        self._errors_shown += shown
        self._errors_hidden += not shown
        return shown

    def _end_block(self) -> None:
        block, self._block = self._block, None
        if block is not None and block.rows_printed > CONSOLE_ROWS_PER_TEST:
            more = f"{block.rows_printed - CONSOLE_ROWS_PER_TEST} more row(s) of {block.test}"
            text = f"    ... {more} in the job's log; all {block.failures} in {block.stored_in}"
            dbt_log.info(text, extra={CONSOLE: True, CONSOLE_ONLY: True})

    def build(self, selector: str) -> BuildSummary:
        """`dbt build` of a selectors.yml selector and its run_results.json."""
        invocation = self.invoke(["build", "--selector", selector])
        id_, printed, target = invocation.invocation_id, invocation.printed, self.target_path
        results = read_run_results(target / "run_results.json", target / "manifest.json", id_)
        # Results name failed nodes; the message is for a build that broke down as a whole.
        error = invocation.fatal
        if error is None and results is None and invocation.returncode != 0:
            error = invocation.last_error or f"dbt build exited with {invocation.returncode}"
        return BuildSummary(invocation.returncode, id_, results, error, printed)

    def show(self, sql: str, *, limit: int = -1) -> list[dict[str, Any]]:
        """Rows of `sql` (Jinja, ref() allowed; `limit` -1: all); DbtError when it fails."""
        log.debug("dbt show: %s", " ".join(sql.split()))
        args = ["show", "--inline", sql, "--output", "json", "--limit", str(limit)]
        rows = self._query(args, "show").show_rows
        if rows is None:
            raise DbtError("dbt show failed: exit code 0, no rows reported")
        return rows

    def run_operation(self, macro: str) -> list[str]:
        """What the macro logged with `log(..., info=True)`, in order; DbtError when it fails."""
        return self._query(["run-operation", macro], f"run-operation {macro}").macro_logs

    def _query(self, args: list[str], what: str) -> DbtInvocation:
        invocation = self.invoke([*args, "--no-write-json"], quiet=True)
        if invocation.returncode != 0:
            reason = invocation.last_error or f"exit code {invocation.returncode}"
            raise DbtError(f"dbt {what} failed: {' '.join(reason.split())}")
        return invocation


def _command_name(args: Sequence[str]) -> str:
    # "source freshness", "build", "show": never the inline SQL that follows.
    return " ".join(args[:2] if args[:1] == ["source"] else args[:1])


def _parse_event(text: str) -> dict[str, Any] | None:
    try:
        event = json.loads(text) if text.startswith("{") else None
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
    if name == "MainEncounteredError":  # dbt gave up as a whole (bad profile, compilation)
        invocation.fatal = message
    elif name == "ShowNode":
        try:  # parse_float=Decimal: 1234.5 stays exactly what was printed
            rows = json.loads(str(data.get("preview")), parse_float=Decimal)
        except json.JSONDecodeError:
            rows = None
        listed = isinstance(rows, list)
        invocation.show_rows = [r for r in rows if isinstance(r, dict)] if listed else None
    elif name == "JinjaLogInfo":  # what a macro of `dbt run-operation` logged
        invocation.macro_logs.append(str(data.get("msg", message)))
    elif name == "LogFreshnessResult" and data.get("status") != "pass":
        # From the events: sources.json omits sources whose check errored.
        table = f"{data.get('source_name')}.{data.get('table_name')}"
        invocation.freshness_problems.append(f"{table} ({data.get('status')})")
