"""Wall clock of `make test` by stage: each stage timed as it ends, the whole table at the end.

The budget (docs/testing.md) is watched from these figures, never from timed tests. The load
average is printed with them: on a shared machine the same suite takes longer under load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from pathlib import Path

from ledger_job.dbt_artifacts import FAILED_STATUSES, read_run_results


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}"


def _started_file(record: Path) -> Path:
    return record.with_suffix(".started")


def _run_started(record: Path) -> float | None:
    started_file = _started_file(record)
    return float(started_file.read_text()) if started_file.exists() else None


def run_stage(record: Path, name: str, command: Sequence[str]) -> int:
    """Run `command`, append its time to `record`, print it; its exit code passes through."""
    # Stages run two at a time (make -j2), so each row also says when it began in the run.
    run_started = _run_started(record)
    offset = time.time() - run_started if run_started is not None else 0.0
    started = time.monotonic()
    code = subprocess.call(list(command))
    seconds = time.monotonic() - started
    status = "ok" if code == 0 else f"failed ({code})"
    record.parent.mkdir(parents=True, exist_ok=True)
    with record.open("a", encoding="utf-8") as file:
        file.write(f"{name}\t{seconds:.1f}\t{status}\t{offset:.1f}\n")
    print(f"== stage {name}: {seconds:.1f} s, {status} ({_load()})", flush=True)
    return code


def report(record: Path, started: float | None = None) -> str:
    """The stages recorded so far, and the whole run's wall clock since `started`."""
    rows = []
    if record.exists():
        for line in record.read_text(encoding="utf-8").splitlines():
            name, seconds, status, offset = line.split("\t")
            rows.append((name, float(seconds), status, float(offset)))
    rows.sort(key=lambda row: row[3])
    width = max([len(row[0]) for row in rows] + [len("stage")])
    lines = [f"{'stage':<{width}}  {'from':>7}  {'seconds':>8}  status"]
    lines += [
        f"{name:<{width}}  {offset:>6.0f}s  {seconds:>8.1f}  {status}"
        for name, seconds, status, offset in rows
    ]
    total = sum(row[1] for row in rows)
    wall = time.time() - started if started is not None else None
    # make test runs two stages at a time: then their sum is more than the wall clock.
    overlap = "  (two at a time: more than the wall clock)" if wall and total > wall + 1 else ""
    lines.append(f"{'stages':<{width}}  {'':>7}  {total:>8.1f}{overlap}")
    if wall is not None:
        lines.append(f"{'wall clock':<{width}}  {'':>7}  {wall:>8.1f}  ({_load()})")
    return "\n".join(lines)


def _failed_stages(record: Path) -> list[str]:
    if not record.exists():
        return []
    rows = [line.split("\t") for line in record.read_text(encoding="utf-8").splitlines()]
    return [row[0] for row in sorted(rows, key=lambda row: float(row[3])) if row[2] != "ok"]


def _named(failures: list[str]) -> str:
    more = f"; +{len(failures) - 1} more" if len(failures) > 1 else ""
    return f"{failures[0]}{more}"


def _dbt_failures(run_results: Path, since: float | None) -> list[str]:
    """The nodes a dbt build of this run failed, with the file each is declared in."""
    if not run_results.is_file() or (since is not None and run_results.stat().st_mtime < since):
        return []
    # Written in this run (its time says so): read as the job reads its own build's.
    invocation = json.loads(run_results.read_text(encoding="utf-8"))["metadata"]["invocation_id"]
    results = read_run_results(run_results, run_results.with_name("manifest.json"), invocation)
    return [
        f"{result.resource_type} {result.name} {result.status}"
        + (f" ({result.path})" if result.path else "")
        for result in results or []
        if result.status in FAILED_STATUSES
    ]


def _pytest_failures(junit: Path, since: float | None) -> list[str]:
    if not junit.is_file() or (since is not None and junit.stat().st_mtime < since):
        return []
    failed = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").replace(".", "/")
            failed.append(f"{module}.py::{case.get('name')} failed")
    return failed


def cause(record: Path, dbt_results: Mapping[str, Path], junit: Path | None) -> str:
    """One line: the first stage that failed and what in it, for whoever reads the end."""
    failed = _failed_stages(record)
    if not failed:
        return "make test FAILED before its stages ran: see the lines above"
    since = _run_started(record)
    first = failed[0]
    found: list[str] = []
    if first in dbt_results:
        found = _dbt_failures(dbt_results[first], since)
    elif first == "pytest" and junit is not None:
        found = _pytest_failures(junit, since)
    what = _named(found) if found else "its output above says what"
    also = f" (also failed: {', '.join(failed[1:])})" if len(failed) > 1 else ""
    return f"make test FAILED at stage {first}: {what}{also}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, required=True, help="where the stages are recorded")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("reset", help="forget the stages of an earlier run; the clock starts")
    stage = sub.add_parser("run", help="NAME -- COMMAND ...: run and time one stage")
    stage.add_argument("name")
    stage.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("report", help="print every stage recorded and the wall clock since reset")
    failure = sub.add_parser("cause", help="one line: the first failed stage and what failed")
    failure.add_argument(
        "--dbt", action="append", default=[], metavar="STAGE=RUN_RESULTS", help="a dbt stage"
    )
    failure.add_argument("--junit", type=Path, help="pytest's junit XML")
    args = parser.parse_args(argv)
    started_file = _started_file(args.file)
    if args.action == "reset":
        args.file.parent.mkdir(parents=True, exist_ok=True)
        args.file.write_text("", encoding="utf-8")
        started_file.write_text(f"{time.time()}\n", encoding="utf-8")
        return 0
    if args.action == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command after --")
        return run_stage(args.file, args.name, command)
    if args.action == "cause":
        stages = dict(pair.split("=", 1) for pair in args.dbt)
        paths = {name: Path(path) for name, path in stages.items()}
        print(cause(args.file, paths, args.junit), flush=True)
        return 0
    print(report(args.file, _run_started(args.file)), flush=True)
    return 0
