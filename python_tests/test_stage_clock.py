"""make test's stage clock: a failed run ends with one line naming the stage and what failed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ledger_tools import stage_clock


def _run(record: Path, name: str, code: int) -> None:
    stage_clock.run_stage(record, name, [sys.executable, "-c", f"raise SystemExit({code})"])


def test_report_lists_stages_in_the_order_they_began(tmp_path: Path) -> None:
    record = tmp_path / "stages.tsv"
    assert stage_clock.main(["--file", str(record), "reset"]) == 0
    _run(record, "lint", 0)
    _run(record, "dbt-duckdb", 0)
    text = stage_clock.report(record, started=0.0)
    lines = text.splitlines()
    assert lines[1].startswith("lint") and lines[2].startswith("dbt-duckdb")
    assert "wall clock" in lines[-1]


def test_cause_names_the_failing_dbt_test_and_its_file(tmp_path: Path) -> None:
    record = tmp_path / "stages.tsv"
    stage_clock.main(["--file", str(record), "reset"])
    _run(record, "lint", 0)
    target = tmp_path / "duckdb"
    target.mkdir()
    unit = "unit_test.lead_revenue_ledger.int_calls_priced.test_unbilled_calls_say_why"
    test = "test.lead_revenue_ledger.unique_stg_boberdoo__leads_lead_id.abc123"
    (target / "manifest.json").write_text(
        json.dumps(
            {
                "nodes": {
                    test: {
                        "name": "unique_stg_boberdoo__leads_lead_id",
                        "resource_type": "test",
                        "original_file_path": "models/staging/_boberdoo.yml",
                    }
                },
                "unit_tests": {
                    unit: {
                        "name": "test_unbilled_calls_say_why",
                        "resource_type": "unit_test",
                        "original_file_path": "models/_calls__models.yml",
                    }
                },
            }
        )
    )
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "this-run"},
                "results": [
                    {"unique_id": unit, "status": "fail"},
                    {"unique_id": "model.lead_revenue_ledger.x", "status": "success"},
                    {"unique_id": test, "status": "error"},
                ],
            }
        )
    )
    _run(record, "dbt-duckdb", 1)
    _run(record, "check-redshift", 2)
    line = stage_clock.cause(record, {"dbt-duckdb": target / "run_results.json"}, None)
    assert line == (
        "make test FAILED at stage dbt-duckdb: unit_test test_unbilled_calls_say_why fail "
        "(models/_calls__models.yml); +1 more (also failed: check-redshift)"
    )


def test_cause_names_the_failing_pytest_test(tmp_path: Path) -> None:
    record = tmp_path / "stages.tsv"
    stage_clock.main(["--file", str(record), "reset"])
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="python_tests.test_job" name="test_ok"/>'
        '<testcase classname="python_tests.test_job" name="test_lock">'
        '<failure message="boom"/></testcase></testsuite></testsuites>'
    )
    _run(record, "pytest", 1)
    line = stage_clock.cause(record, {}, junit)
    assert line == "make test FAILED at stage pytest: python_tests/test_job.py::test_lock failed"


def test_cause_of_a_stage_without_details_points_at_its_output(tmp_path: Path) -> None:
    record = tmp_path / "stages.tsv"
    stage_clock.main(["--file", str(record), "reset"])
    _run(record, "lint", 1)
    assert stage_clock.cause(record, {}, None) == (
        "make test FAILED at stage lint: its output above says what"
    )
