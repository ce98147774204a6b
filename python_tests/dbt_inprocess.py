"""dbt inside the test process (dbtRunner), for the harness's commands.

A dbt process spends seconds starting and parsing the project before it does anything, and
the suite runs dbt many times. In the test process the interpreter is started once, and the
project as parsed is kept per (project, target, schemas, DuckDB catalog, vars, environment):
the next command with the same key skips parsing. A project copy that a test edits between
commands is parsed by every command, as the dbt command line would.

Not for a test that must kill dbt or read it from another process: those start their own.
LEDGER_TEST_DBT_SUBPROCESS=1 runs the harness's commands as processes too.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SUBPROCESS_ENV = "LEDGER_TEST_DBT_SUBPROCESS"
_SHOWN_LEVELS = {"info", "warn", "error"}  # what dbt prints on its standard output
_manifests: dict[tuple[object, ...], Any] = {}


def wanted() -> bool:
    return os.environ.get(SUBPROCESS_ENV, "") != "1"


@contextmanager
def _environment(env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    # dbt reads the profile's env_var()s and its own DBT_* settings from os.environ.
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _release_duckdb() -> None:
    """Close dbt-duckdb's database, which it keeps open for the next command of its process.

    Left open, it would hold the file's lock against the test's own connections and every
    other process (the job, readers, the data diff).
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None and getattr(environment, "conn", None) is not None:
            environment.conn.close()
            environment.conn = None


def _run(args: list[str], manifest: Any | None, lines: list[str]) -> tuple[int, Any]:
    from dbt.cli.main import dbtRunner

    def keep(event: Any) -> None:
        if event.info.level in _SHOWN_LEVELS and event.info.msg:
            lines.append(event.info.msg)

    try:
        result = dbtRunner(manifest=manifest, callbacks=[keep]).invoke(args)
    finally:
        _release_duckdb()
    if result.exception is not None:
        # What the command line prints before exiting with 2.
        lines.append(f"Encountered an error:\n{result.exception}")
        return 2, None
    return (0 if result.success else 1), result.result


def invoke(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    project_dir: Path,
    cache_key: tuple[object, ...] | None,
) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` in this process; output as the command line prints it, never raised.

    `cache_key`: the project parsed once under this key serves every later command with it;
    None parses for this command (a project that may have changed).
    """
    args = list(command)
    lines: list[str] = []
    with _environment(env, project_dir):
        manifest = _manifests.get(cache_key) if cache_key is not None else None
        if cache_key is not None and manifest is None:
            parse = ["parse", *_parse_flags(args)]
            code, parsed = _run(parse, None, lines)
            if code != 0:
                return subprocess.CompletedProcess(args, code, "\n".join(lines), "")
            manifest = _manifests[cache_key] = parsed
        code, _ = _run(args, manifest, lines)
    return subprocess.CompletedProcess(args, code, "\n".join(lines) + "\n", "")


def _parse_flags(args: Sequence[str]) -> list[str]:
    """The flags of `args` that `dbt parse` takes: where it writes, the target, the vars."""
    kept = {"--target", "--target-path", "--log-path", "--vars", "--project-dir"}
    flags: list[str] = []
    for name, value in itertools.pairwise(args):
        if name in kept:
            flags += [name, value]
    return flags
