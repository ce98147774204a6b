"""What the nightly job prints: one last line naming the cause, a quiet console, rotation.

The profile and target cases stop before any build (the job itself, as cron runs it, on
a profiles.yml of the test's own); the failing-build lines are asserted in test_job.py,
on the builds it already runs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from readers import run_job

from ledger_job import targets
from ledger_job.dbt_artifacts import BuildSummary, NodeResult, PrintedFailure, build_failure_cause
from ledger_job.dbt_runner import CONSOLE_ROWS_PER_TEST, PROGRESS_SECONDS, DbtInvocation, DbtRunner
from ledger_job.logsetup import LOG_BACKUPS, SECRET_ENV_VARS, close_logging, configure_logging
from ledger_tools import demo_data

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ISOLATED_PREFIXES = ("LEDGER_", "DBT_", "BILLING_DB_")
_ISOLATED = ("INTERNAL_API_URL", "INTERNAL_API_KEY", "ALERT_WEBHOOK_URL")


def job_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_ISOLATED_PREFIXES) and k not in _ISOLATED
    }
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "profiles.yml.example", profiles / "profiles.yml")
    env.update(
        DBT_PROFILES_DIR=str(profiles),
        LEDGER_DUCKDB_PATH=str(tmp_path / "ledger.duckdb"),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "dbt_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.update(extra)
    return env


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


# --- profile and target: no build ------------------------------------------------------


def test_a_tab_in_profiles_yml_is_named_with_line_and_column(tmp_path: Path) -> None:
    env = job_env(tmp_path)
    profile = Path(env["DBT_PROFILES_DIR"]) / "profiles.yml"
    text = profile.read_text()
    assert "\n      threads: 2\n" in text
    profile.write_text(text.replace("\n      threads: 2\n", "\n\t      threads: 2\n", 1))
    line_number = text.splitlines().index("      threads: 2") + 1

    result = run_job(tmp_path, env)

    assert result.returncode == 2
    last = last_line(result.stderr)
    assert "FAILED (exit code 2): invalid YAML in" in last
    assert f"profiles.yml, line {line_number}, column 1" in last
    assert "not tabs" in last and "unknown dbt target" not in last


def test_a_missing_profiles_yml_says_so(tmp_path: Path) -> None:
    env = job_env(tmp_path)
    (Path(env["DBT_PROFILES_DIR"]) / "profiles.yml").unlink()

    result = run_job(tmp_path, env)

    assert result.returncode == 2
    assert "profiles.yml is missing: run `make setup`" in last_line(result.stderr)


def test_an_unknown_target_lists_the_valid_ones(tmp_path: Path) -> None:
    result = run_job(tmp_path, job_env(tmp_path, LEDGER_TARGET="prod"))

    assert result.returncode == 2
    last = last_line(result.stderr)
    assert "unknown dbt target 'prod'" in last
    assert last.endswith("are dev, postgres, redshift")
    # The heartbeat notice comes before the cause, never after it.
    assert "INTERNAL_API_URL is not set" in result.stderr


def test_unset_billing_db_variables_are_named_with_the_defaults() -> None:
    note = targets.postgres_defaults_note({"BILLING_DB_PASSWORD": "x", "BILLING_DB_PORT": "1"})
    assert note == (
        "BILLING_DB_HOST, BILLING_DB_USER, BILLING_DB_NAME unset: profiles.yml used "
        "host=localhost, user=postgres, dbname=billing_db"
    )
    assert targets.postgres_defaults_note(dict.fromkeys(targets.POSTGRES_DEFAULTS, "x")) is None


@pytest.mark.dbt
def test_postgres_without_billing_db_says_what_is_unset_then_the_error(tmp_path: Path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    env = job_env(tmp_path, LEDGER_TARGET="postgres", BILLING_DB_PORT="1")

    result = run_job(tmp_path, env)

    assert result.returncode == 2
    last = last_line(result.stderr)
    assert "FAILED (exit code 2): dbt cannot run on PostgreSQL database billing_db" in last
    assert "port 1 failed" in last  # the connection error itself
    assert last.endswith(
        "BILLING_DB_HOST, BILLING_DB_USER, BILLING_DB_PASSWORD, BILLING_DB_NAME unset: "
        "profiles.yml used host=localhost, user=postgres, an empty password, dbname=billing_db"
    )


# --- the cause of a failed build -------------------------------------------------------


def _test(
    name: str, status: str, failures: int | None = 1, tested: str | None = None
) -> NodeResult:
    return NodeResult(f"test.p.{name}", name, "test", status, None, tested, failures)


def test_build_cause_names_the_test_its_table_first_row_and_the_rest() -> None:
    printed = PrintedFailure.from_header(
        "FAIL not_null_stg_deliveries_broker_id: 2 offending row(s) in model stg_deliveries, "
        'stored in "ledger"."ledger_audit"."not_null_stg_deliveries_broker_id"'
    )
    assert printed is not None
    printed.first_row = "delivery_id=D-1, mortgage_broker_id=None"
    build = BuildSummary(
        1,
        "inv",
        [
            _test("a_warning", "warn", 3),
            NodeResult("model.p.m", "m", "model", "error", "Database Error\n  boom"),
            _test("other_test", "fail", 4, "source billing.x"),
            _test("not_null_stg_deliveries_broker_id", "fail", 2, "model stg_deliveries"),
        ],
        printed={printed.test: printed},
    )

    cause = build_failure_cause(build)

    assert cause.startswith("dbt build failed: test ")
    # The tests that returned rows come first, in the order dbt reported them.
    assert "test other_test failed on source billing.x: 4 row(s); +2 more (" in cause
    assert "not_null_stg_deliveries_broker_id" in cause and "m)" in cause
    only = BuildSummary(1, "inv", [build.results[3]], printed=build.printed)  # type: ignore[index]
    assert build_failure_cause(only) == (
        "dbt build failed: test not_null_stg_deliveries_broker_id failed on model "
        "stg_deliveries: 2 row(s), first: delivery_id=D-1, mortgage_broker_id=None"
    )


def test_build_cause_without_results_is_dbts_error() -> None:
    build = BuildSummary(2, None, None, "Compilation Error\nmodel x: bad jinja")
    assert build_failure_cause(build) == "model x: bad jinja"  # dbt's framing left out


# --- the quiet console ----------------------------------------------------------------


def _event(name: str, msg: str, level: str = "info", **data: object) -> str:
    return json.dumps({"info": {"name": name, "msg": msg, "level": level}, "data": data})


def test_runner_keeps_first_rows_and_shows_a_few_with_progress(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    runner = DbtRunner(target="dev", env={})
    invocation = DbtInvocation(args=["build"], returncode=-1)
    header = "WARN t: 40 offending row(s) in model m, stored in rel"
    lines = [_event("JinjaLogInfo", header)]
    lines += [_event("JinjaLogInfo", f"    id={i}") for i in range(8)]
    lines += [_event("LogTestResult", "3 of 9 PASS x", "info")]
    caplog.set_level(logging.INFO)

    for line in lines:
        runner._handle_line(line, invocation, quiet=False)
    now[0] = PROGRESS_SECONDS + 1
    runner._handle_line(_event("LogTestResult", "4 of 9 PASS y"), invocation, quiet=False)

    printed = invocation.printed["t"]
    assert (printed.failures, printed.relation, printed.first_row) == (40, "model m", "id=0")
    shown = [r.getMessage() for r in caplog.records if getattr(r, "console", None) is True]
    assert shown[0] == header
    assert shown[1 : 1 + CONSOLE_ROWS_PER_TEST] == [f"    id={i}" for i in range(5)]
    assert shown[-1] == "    ... 3 more row(s) of t in the job's log; all 40 in rel"
    hidden = [r.getMessage() for r in caplog.records if getattr(r, "console", None) is False]
    assert hidden == ["    id=5", "    id=6", "    id=7"]
    progress = [r.getMessage() for r in caplog.records if "done" in r.getMessage()]
    assert progress == ["dbt build: 4 of 9 done"]  # not at 3 of 9: too soon


def test_quiet_console_and_rotating_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRET_ENV_VARS:  # nothing of the run's environment redacted here
        monkeypatch.delenv(name, raising=False)
    path = configure_logging(tmp_path, verbose=False)
    try:
        logging.getLogger("dbt").info("1 of 9 START model x")
        logging.getLogger("dbt").warning("1 of 9 WARN freshness of a.b")
        logging.getLogger("dbt").error("2 of 9 FAIL 1 some_test")
        logging.getLogger("dbt").info("Done. PASS=8", extra={"console": True})
        logging.getLogger("ledger_job.job").info("job line")
        logging.getLogger("ledger_job.x").info("progress", extra={"console_only": True})
        handler = next(h for h in logging.getLogger().handlers if hasattr(h, "maxBytes"))
        assert handler.maxBytes > 0 and handler.backupCount == LOG_BACKUPS  # type: ignore[attr-defined]
    finally:
        close_logging()
    err = capsys.readouterr().err
    assert "START model x" not in err and "WARN freshness" not in err
    assert "FAIL 1 some_test" in err and "Done. PASS=8" in err and "job line" in err
    assert "progress" in err
    text = path.read_text()
    assert "START model x" in text and "WARN freshness" in text and "progress" not in text


# --- demo data as of a date ------------------------------------------------------------


def test_demo_data_as_of_moves_every_timestamp_by_whole_days() -> None:
    fixed = demo_data.generate_tables(3, 0.05)
    # The fixed day is the data without --as-of, row for row: the tests' figures stand.
    assert demo_data.generate(3, 0.05, demo_data.FIXED_AS_OF) == demo_data.generate(3, 0.05)
    moved = demo_data.generate_tables(3, 0.05, demo_data.FIXED_AS_OF + timedelta(days=10))
    stamps = 0
    for key, columns in fixed.items():
        for name, values in columns.items():
            if values.dtype.kind == "M":
                stamps += 1
                delta = (moved[key][name] - values)[~(values != values)]  # NaT stays NaT
                assert (delta == delta.dtype.type(10 * 86_400, "s")).all(), (key, name)
            else:
                assert (moved[key][name] == values).all(), (key, name)
    assert stamps > 10
