"""The nightly job end to end on DuckDB, with real reader processes and a real HTTP server.

A reader that holds the warehouse file for a few seconds makes the job wait, then succeed;
one that never lets go makes it fail with one line saying which process to close. The good
build's heartbeat carries the views' totals (and a rejected heartbeat fails nothing). The
published copy holds the marts as tables of the views' rows and answers under any name
(its other views name no database). A manual journal out of balance fails the next build:
unchanged views are left alone, the copy keeps its data and its ledger_build_status names
the failure, finance is alerted once, and the build after the fix resolves the alert. A
mistyped path or an unreachable database stops the job at once.

The module's job runs build on one another (waited, imbalanced, resolved), each on copies of
the files the one before left, so the demo is built from raw data once.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from http_server import RecordedRequest, RecordingServer
from job_fixtures import job_env
from readers import (
    BUILD_STATUS_SQL,
    MARTS,
    StatusRows,
    StatusWatcher,
    build_status,
    dbt_debug_log,
    invocation_of,
    job_log,
    run_job,
)

from ledger_job.balance_report import BALANCE_TESTS
from ledger_job.duckdb_file import LIVE_VIEWS
from ledger_tools import demo_data
from ledger_tools.warehouse import connect

pytestmark = pytest.mark.dbt

KEY = "job-key-5c0ffee5d00d4e11"


def reporting_env(workdir: Path, database: Path, server: RecordingServer) -> dict[str, str]:
    """The job as production runs it: heartbeat to the internal API, alerts to the webhook."""
    return job_env(
        workdir,
        database,
        INTERNAL_API_URL=server.url + "/api",
        INTERNAL_API_KEY=KEY,
        ALERT_WEBHOOK_URL=server.url + "/alert",
    )


@pytest.fixture(scope="module")
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as recording:
        yield recording


def posted(requests: list[RecordedRequest], path: str) -> list[dict]:
    return [r.json() for r in requests if r.path == path]


@pytest.fixture(scope="module")
def raw_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "raw.duckdb"
    with connect("duckdb", duckdb_path=path) as warehouse:
        demo_data.load(warehouse, demo_data.generate(5, 0.2), demo_data.resolve_schema_names())
    return path


@contextmanager
def reader_holding(database: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process with the file open read-only for `seconds` (an analyst's client)."""
    code = (
        "import duckdb, sys, time\n"
        f"connection = duckdb.connect({str(database)!r}, read_only=True)\n"
        "print('open', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        yield reader
    finally:
        reader.kill()
        reader.wait()


def fresh_copy(raw_database: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "ledger.duckdb"
    database.write_bytes(raw_database.read_bytes())
    return database


@dataclass(frozen=True)
class WaitedJob:
    """The module's one full job: it waited for a reader, then built and published."""

    workdir: Path
    database: Path
    result: subprocess.CompletedProcess[str]
    reader_pid: int
    requests: list[RecordedRequest]  # what the job posted to the internal API and webhook


@pytest.fixture(scope="module")
def waited_job(
    raw_database: Path, server: RecordingServer, tmp_path_factory: pytest.TempPathFactory
) -> WaitedJob:
    # One build serves the waiting, heartbeat and published copy's tests, and is where the
    # imbalance's builds start: each reads it, none changes it.
    workdir = tmp_path_factory.mktemp("waited_job")
    database = fresh_copy(raw_database, workdir)
    server.script(401)  # the heartbeat is rejected: a 401 is not retried, the job succeeds
    with reader_holding(database, seconds=4) as reader:
        env = reporting_env(workdir, database, server)
        env["LEDGER_DUCKDB_LOCK_WAIT_SECONDS"] = "120"
        result = run_job(workdir, env)
        reader_pid = reader.pid
    return WaitedJob(workdir, database, result, reader_pid, server.requests)


def test_job_waits_for_a_reader_that_closes_then_succeeds(waited_job: WaitedJob) -> None:
    log = job_log(waited_job.workdir)
    assert waited_job.result.returncode == 0, log[-3000:]
    assert f"is held open by PID {waited_job.reader_pid} (" in log and "waiting up to" in log
    assert "is free again; going on" in log
    # What analysts open: the copy published after the good build.
    assert "published the read-only copy for analysts" in log
    assert (waited_job.workdir / "ledger_read.duckdb").exists()


def test_reader_that_never_closes_fails_the_job_with_one_clear_line(
    raw_database: Path, tmp_path: Path
) -> None:
    database = fresh_copy(raw_database, tmp_path)
    with reader_holding(database, seconds=600) as reader:
        started = time.monotonic()
        env = job_env(tmp_path, database, LEDGER_DUCKDB_LOCK_WAIT_SECONDS="3")
        result = run_job(tmp_path, env)
        took = time.monotonic() - started
        reader_pid = reader.pid
    log = job_log(tmp_path)
    assert result.returncode == 75, log[-3000:]
    assert took < 60
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1, errors
    assert f"held open by PID {reader_pid} (" in errors[0]
    assert "close that connection" in errors[0] and "one writer or many readers" in errors[0]
    assert "running: dbt" not in log  # nothing was started against a file it cannot have


def test_good_build_exits_zero_although_the_heartbeat_is_rejected(waited_job: WaitedJob) -> None:
    log = job_log(waited_job.workdir)
    assert waited_job.result.returncode == 0, log[-3000:]
    [request] = [r for r in waited_job.requests if r.path == "/api/heartbeat"]  # not retried
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    beat = request.json()
    assert beat["status"] == "success"
    assert beat["models_built"] > 0 and beat["models_failed"] == 0
    assert beat["tests_passed"] > 0 and beat["tests_failed"] == 0
    assert beat["failing_tests"] == []
    assert beat["ledger_balanced"] is True
    run_results = json.loads((waited_job.workdir / "target" / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"  # the queries did not overwrite it
    assert beat["run_id"] == run_results["metadata"]["invocation_id"]
    with duckdb.connect(str(waited_job.database), read_only=True) as con:
        rows, billed = con.execute(
            "select count(*), sum(billed_amount) from ledger_marts.lead_sales_ledger"
        ).fetchone()
        entries, debits, credits = con.execute(
            "select count(*), sum(debit), sum(credit) from ledger_marts.ledger_entries"
        ).fetchone()
    # The heartbeat carries the views' own totals, to the cent, as decimal strings.
    assert rows > 0 and billed > 0
    assert beat["ledger"] == {
        "rows": rows,
        "billed_amount": str(billed),
        "entries": entries,
        "total_debits": str(debits),
        "total_credits": str(credits),
    }
    assert beat["ledger"]["total_debits"] == beat["ledger"]["total_credits"]
    assert posted(waited_job.requests, "/alert") == []
    assert "heartbeat rejected" in log and "HTTP 401" in log
    assert "ledger (from the copy ledger_read.duckdb)" in log  # its tables, not the views
    assert KEY not in log and KEY not in waited_job.result.stderr


def test_every_mart_answers_from_a_copy_attached_under_another_name(
    waited_job: WaitedJob, tmp_path: Path
) -> None:
    assert waited_job.result.returncode == 0, job_log(waited_job.workdir)[-3000:]
    published = waited_job.workdir / "ledger_read.duckdb"
    copy = tmp_path / "elsewhere" / "warehouse_copy.duckdb"
    copy.parent.mkdir()
    copy.write_bytes(waited_job.database.read_bytes())

    analyst = duckdb.connect()
    analyst.execute(f"attach '{copy}' as wh (read_only)")
    analyst.execute(f"attach '{published}' as published (read_only)")
    for catalog in ("wh", "published"):
        for mart in MARTS:
            analyst.execute(f"select count(*) from {catalog}.ledger_marts.{mart}").fetchone()
    counts = analyst.execute(
        "select (select count(*) from wh.ledger_marts.lead_sales_ledger), "
        "(select count(*) from published.ledger_marts.lead_sales_ledger)"
    ).fetchone()
    assert counts[0] == counts[1] > 0
    assert_marts_are_tables_of_the_views(analyst, live="wh", copy="published")
    analyst.close()

    good = invocation_of(waited_job.workdir)
    assert build_status(duckdb_build_status(published)) == [(good, "passed", True) + (None,) * 4]


def duckdb_build_status(path: Path) -> StatusRows:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(BUILD_STATUS_SQL.format(schema="ledger_marts")).fetchall()


def ledger_rows(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        return int(
            connection.execute("select count(*) from ledger_marts.lead_sales_ledger").fetchone()[0]
        )


@dataclass(frozen=True)
class Imbalanced:
    """A manual journal out of balance keyed after the waited build, then removed again:
    one build that fails (an analyst reading the copy throughout), then one that passes,
    in one work directory (the alert's state carries from the first to the second)."""

    workdir: Path
    database: Path
    published: Path
    good: str  # the waited build, whose data the copy keeps
    copy_status_before: StatusRows
    analyst: StatusWatcher
    failed: subprocess.CompletedProcess[str]
    failed_requests: list[RecordedRequest]
    failed_log: str
    failed_dbt_log: str
    copy_status_after_failure: StatusRows
    live_status_after_failure: StatusRows
    copy_rows_after_failure: int
    resolved: subprocess.CompletedProcess[str]
    resolved_requests: list[RecordedRequest]
    live_status_after_resolve: StatusRows


@pytest.fixture(scope="module")
def imbalanced(
    waited_job: WaitedJob, server: RecordingServer, tmp_path_factory: pytest.TempPathFactory
) -> Imbalanced:
    assert waited_job.result.returncode == 0, job_log(waited_job.workdir)[-3000:]
    # The job writes the live file and its read copy: these runs work on copies of both,
    # side by side as the waited job left them.
    workdir = tmp_path_factory.mktemp("imbalanced")
    database = workdir / "ledger.duckdb"
    database.write_bytes(waited_job.database.read_bytes())
    published = workdir / "ledger_read.duckdb"
    published.write_bytes((waited_job.workdir / "ledger_read.duckdb").read_bytes())
    before = build_status(duckdb_build_status(published), warnings=True)
    with duckdb.connect(str(database)) as connection:
        # A hand-keyed journal with a debit and no credit: $100.00 out of balance.
        connection.execute(
            "insert into finance.manual_journal_lines (journal_id, line_number, account_code,"
            " debit, credit, memo, entered_by, entered_at) values ('JE-TEST-0002', 1, '1100',"
            " 100.00, 0, 'missing credit', 'pytest', timestamp '2025-06-01 09:00:00')"
        )
    env = reporting_env(workdir, database, server)
    seen = len(server.requests)
    with StatusWatcher(lambda: duckdb_build_status(published)) as analyst:
        failed = run_job(workdir, env)
    failed_requests = server.requests[seen:]
    failed_log = job_log(workdir)
    failed_dbt_log = dbt_debug_log(workdir / "dbt_logs")
    copy_after, live_after = duckdb_build_status(published), duckdb_build_status(database)
    copy_rows = ledger_rows(published)

    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "delete from finance.manual_journal_lines where journal_id = 'JE-TEST-0002'"
        )
    seen = len(server.requests)
    resolved = run_job(workdir, env)
    return Imbalanced(
        workdir=workdir,
        database=database,
        published=published,
        good=invocation_of(waited_job.workdir),
        copy_status_before=before,
        analyst=analyst,
        failed=failed,
        failed_requests=failed_requests,
        failed_log=failed_log,
        failed_dbt_log=failed_dbt_log,
        copy_status_after_failure=copy_after,
        live_status_after_failure=live_after,
        copy_rows_after_failure=copy_rows,
        resolved=resolved,
        resolved_requests=server.requests[seen:],
        live_status_after_resolve=duckdb_build_status(database),
    )


def test_a_failed_build_changes_no_view_and_the_copy_keeps_its_data(
    imbalanced: Imbalanced, waited_job: WaitedJob
) -> None:
    """The copy answers throughout; once the job ends, the live file and the copy list the
    failed build after the good one, and the copy says its data is that good build's."""
    run = imbalanced
    assert run.failed.returncode == 1, run.failed_log[-3000:]
    failed = posted(run.failed_requests, "/api/heartbeat")[0]["run_id"]
    assert run.analyst.failures == [], run.analyst.failures[:3]
    assert run.analyst.seen[0] == run.copy_status_before
    assert run.analyst.seen[-1] == build_status(run.copy_status_after_failure, warnings=True)
    assert run.copy_rows_after_failure == ledger_rows(waited_job.workdir / "ledger_read.duckdb")

    [copy_good, copy_failed, *copy_tests] = build_status(run.copy_status_after_failure)
    assert copy_good == (run.good, "passed", False) + (None,) * 4
    assert copy_failed[:6] == (failed, "failed", True, None, None, None)
    note = f"not published: this read copy keeps the data of build {run.good}, passed at "
    assert copy_failed[6].startswith(note) and copy_failed[6].endswith(" UTC")
    assert {test[3] for test in copy_tests} >= set(BALANCE_TESTS)
    for test in copy_tests:
        assert test[:3] == (failed, "failed", True) and test[4] == "fail" and test[5] >= 1
    # The live file says the same, without the copy's note.
    assert build_status(run.live_status_after_failure) == [
        copy_good,
        (failed, "failed", True) + (None,) * 4,
        *copy_tests,
    ]
    # The failed build changed no view: its log shows every view unchanged.
    outcomes = dict(
        re.findall(r"view ([^ ]*?): (unchanged|replaced|created|swapped)", run.failed_dbt_log)
    )
    manifest = json.loads((waited_job.workdir / "target" / "manifest.json").read_text())
    views = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(outcomes) == len(views) > 40, outcomes
    assert set(outcomes.values()) == {"unchanged"}, outcomes


def test_imbalance_alerts_once_and_resolves(imbalanced: Imbalanced) -> None:
    run = imbalanced
    assert run.failed.returncode == 1, run.failed_log[-3000:]
    [alert] = posted(run.failed_requests, "/alert")
    assert "Ledger imbalance detected" in alert["text"]
    assert "Total difference (debits - credits): $100.00 USD" in alert["text"]
    assert "manual:JE-TEST-0002" in alert["text"]
    assert "ledger_marts" in alert["text"]  # schema-qualified investigation SQL
    [beat] = posted(run.failed_requests, "/api/heartbeat")
    assert beat["status"] == "failure" and beat["ledger_balanced"] is False
    assert set(beat["failing_tests"]) >= set(BALANCE_TESTS)
    assert "CRITICAL" in run.failed_log
    # The failing test, the relation it read and its first row end the run's output.
    last = run.failed.stderr.strip().splitlines()[-1]
    assert "FAILED (exit code 1): dbt build failed: test " in last
    assert "assert_ledger_balances" in last and "first: " in last
    assert last.endswith(beat["error"])
    assert "INTERNAL_API_URL" not in last
    # What analysts are told: this build failed, on which test, how many rows.
    [_, build, *tests] = build_status(run.live_status_after_failure)
    assert build == (beat["run_id"], "failed", True, None, None, None, None)
    assert {test[3] for test in tests} == set(beat["failing_tests"])
    assert all(test[:3] == (beat["run_id"], "failed", True) and test[5] >= 1 for test in tests)

    assert run.resolved.returncode == 0, job_log(run.workdir)[-5000:]
    [resolved_beat] = posted(run.resolved_requests, "/api/heartbeat")
    assert resolved_beat["status"] == "success"
    # The passing build validated the data: it alone is shown (and its warnings, if any).
    passed = resolved_beat["run_id"]
    assert build_status(run.live_status_after_resolve) == [(passed, "passed", True) + (None,) * 4]
    [resolution] = posted(run.resolved_requests, "/alert")
    assert "RESOLVED" in resolution["text"]
    assert "Previous difference: $100.00 USD" in resolution["text"]
    state = json.loads((run.workdir / "state" / "ledger_balance_alert.json").read_text())
    assert state["status"] == "balanced"
    assert KEY not in job_log(run.workdir)


def _relations(analyst: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple]:
    """Each relation of ledger_marts: (kind, comment, [(column, type, comment), ...])."""
    rows = analyst.execute(
        "select r.name, r.kind, r.comment,"
        " list((c.column_name, c.data_type, c.comment) order by c.column_index)"
        " from (select view_name as name, 'VIEW' as kind, comment from duckdb_views()"
        "       where database_name = $db and schema_name = 'ledger_marts'"
        "       union all select table_name, 'BASE TABLE', comment from duckdb_tables()"
        "       where database_name = $db and schema_name = 'ledger_marts') as r"
        " join duckdb_columns() as c on c.database_name = $db"
        " and c.schema_name = 'ledger_marts' and c.table_name = r.name"
        " group by r.name, r.kind, r.comment",
        {"db": catalog},
    ).fetchall()
    return {name: (kind, comment, columns) for name, kind, comment, columns in rows}


def assert_marts_are_tables_of_the_views(
    analyst: duckdb.DuckDBPyConnection, *, live: str, copy: str
) -> None:
    """In the copy every marts view is a table of the same name, columns, types, comments
    and rows (counts and every amount's sum); the live file keeps its views."""
    views = {k: v for k, v in _relations(analyst, live).items() if v[0] == "VIEW"}
    tables = _relations(analyst, copy)
    assert set(MARTS) <= set(views), sorted(views)
    for name, (_, comment, columns) in views.items():
        # The build status stays a view: it reads what the job adds after a failed build.
        kind = "VIEW" if name in LIVE_VIEWS else "BASE TABLE"
        assert tables[name] == (kind, comment, columns), name
        assert comment and any(c[2] for c in columns), f"{name} carries no comments"
        amounts = [c[0] for c in columns if c[1].startswith("DECIMAL")]
        figures = ", ".join(["count(*)", *(f"sum({column})" for column in amounts)])
        expected = analyst.execute(f"select {figures} from {live}.ledger_marts.{name}").fetchone()
        assert (
            analyst.execute(f"select {figures} from {copy}.ledger_marts.{name}").fetchone()
            == expected
        ), name


def test_missing_duckdb_file_stops_the_job_at_once(tmp_path: Path) -> None:
    mistyped = tmp_path / "warehuose" / "ledger.duckdb"
    result = run_job(tmp_path, job_env(tmp_path, mistyped))
    log = job_log(tmp_path)
    assert result.returncode == 2
    assert f"the DuckDB file {mistyped} does not exist: check LEDGER_DUCKDB_PATH" in log
    assert "running: dbt" not in log and not mistyped.exists()


def test_unreachable_postgres_stops_the_job_with_one_cause(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = job_env(
        tmp_path,
        tmp_path / "unused.duckdb",
        LEDGER_TARGET="postgres",
        BILLING_DB_HOST="127.0.0.1",
        BILLING_DB_PORT=str(port),
        BILLING_DB_NAME="billing_db",
    )
    result = run_job(tmp_path, env)
    log = job_log(tmp_path)
    assert result.returncode == 2
    assert f"PostgreSQL database billing_db at 127.0.0.1:{port}" in log.splitlines()[0]
    # The cause is the run's last line, once.
    summary = log.splitlines()[-1]
    assert "FAILED (exit code 2): dbt cannot run on PostgreSQL database billing_db" in summary
    assert "Connection refused" in summary and result.stderr.strip().endswith(summary[-60:])
    assert "running: dbt build" not in log and "Traceback" not in log
