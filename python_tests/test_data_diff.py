"""The pull request data diff on real builds: a deliberate rule change, no change, duplicates.

The base is the run's shared demo build; the head is a copy of the project with two revenue
rules edited (discounts truncated to the cent instead of rounded half away from zero; calls
exactly as long as the campaign's minimum no longer billed, `<` -> `<=`), the edited models
and everything downstream rebuilt on a copy of the base's DuckDB file, so both read the same
raw data and price snapshot. The report's figures are checked against the two ledgers, and
the marts outside the ledger, read into Python.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import DbtSandbox, copy_project, output_of
from shared_warehouse import SharedDuckDB, SharedPostgres

from ledger_job.paths import PROJECT_ROOT
from ledger_tools import data_diff
from ledger_tools.warehouse import PostgresWarehouse

pytestmark = pytest.mark.dbt

PRICED_MODEL = "models/intermediate/deliveries/int_lead_deliveries_priced.sql"
ROUNDED = "{{ round_money('msrp * discount_percent * 0.01') }}"
TRUNCATED = "cast(floor(msrp * discount_percent) * 0.01 as numeric(12, 2))"
LEDGER = "ledger_marts.lead_sales_ledger"
# The billing rule of calls: billable from the campaign's minimum duration on; the edit
# bills only calls longer than it. The unbilled reason follows the same rule.
CALL_RULES = {
    "models/intermediate/calls/int_calls_attributed.sql": (
        "coalesce(duration_seconds < min_duration_seconds, false)",
        "coalesce(duration_seconds <= min_duration_seconds, false)",
    ),
    "models/intermediate/calls/int_calls_priced.sql": (
        "calls.duration_seconds < calls.min_duration_seconds",
        "calls.duration_seconds <= calls.min_duration_seconds",
    ),
}
# Marts outside the ledger the call rule moves, by their grain columns.
GRAINS = {
    "lead_quality_by_broker_month": ("mortgage_broker_id", "sold_month", "deal_type"),
    "account_balances": ("account_code",),
    "trial_balance_monthly": ("account_code", "balance_month"),
}


@dataclass(frozen=True)
class Builds:
    base: Path  # DuckDB file of the project as it is
    head: Path  # the same raw data, built by the project with both rules edited
    rebuilt: Path  # the same raw data, the unchanged project built again
    head_project: Path
    workdir: Path


def edited_copy(destination: Path) -> Path:
    """A copy of the project whose discounts are truncated to the cent, not rounded, and
    that bills only calls longer than the campaign's minimum."""
    project = copy_project(destination)
    for path, (before, after) in {PRICED_MODEL: (ROUNDED, TRUNCATED), **CALL_RULES}.items():
        text = (project / path).read_text()
        assert before in text, f"the rule moved in {path}: update this test's edit"
        (project / path).write_text(text.replace(before, after))
    return project


def copy_duckdb(source: Path, destination: Path) -> Path:
    shutil.copy2(source, destination)
    return destination


@pytest.fixture(scope="module")
def builds(shared_duckdb: SharedDuckDB, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    workdir = tmp_path_factory.mktemp("data_diff")
    base = shared_duckdb.copy(workdir, "base.duckdb").duckdb_path
    assert base is not None

    head_project = edited_copy(workdir / "head_project")
    head_file = copy_duckdb(base, workdir / "head.duckdb")
    # Named as the shared build's file: the same catalog, so dbt's parse of this worker's
    # earlier DuckDB sandboxes is reused instead of parsing the project again.
    (workdir / "rebuilt").mkdir()
    rebuilt_file = copy_duckdb(base, workdir / "rebuilt" / "ledger.duckdb")
    head = DbtSandbox(
        target="dev", workdir=workdir / "head", duckdb_path=head_file, project_dir=head_project
    )
    # `dbt run` of what the edit touches: the seed, the snapshot and the other views are in
    # the copied file, and the unit test that pins the rounding rule fails on the edit, as
    # it should (the PR would update it).
    edited = [f"{Path(path).stem}+" for path in (PRICED_MODEL, *CALL_RULES)]
    result = head.dbt("run", "--select", *edited)
    assert result.returncode == 0, output_of(result)[-4000:]
    # Every view made again by the unchanged project: the same build twice.
    rebuilt = DbtSandbox(target="dev", workdir=workdir / "rebuilt", duckdb_path=rebuilt_file)
    result = rebuilt.dbt("run")
    assert result.returncode == 0, output_of(result)[-4000:]
    return Builds(base, head_file, rebuilt_file, head_project, workdir)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "data_diff.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def duckdb_report(base: Path, head: Path, output: Path, *extra: str) -> str:
    result = run_cli(
        "--base-duckdb", str(base), "--head-duckdb", str(head), "--output", str(output)
    )
    assert result.returncode == 0, result.stderr
    return output.read_text()


def ledger_by_id(path: Path) -> tuple[list[str], dict[str, tuple[Any, ...]]]:
    """Every ledger row of a file, read into Python: the independent side of the checks."""
    with duckdb.connect(str(path), read_only=True) as conn:
        cursor = conn.execute(f"select * from {LEDGER}")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    by_id = {row[0]: row for row in rows}
    assert len(by_id) == len(rows), "the built ledger holds a duplicated ledger_id"
    return columns, by_id


def table_row(report: str, label: str) -> list[str]:
    """The cells of the report's table row whose first cell is `label`."""
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in the report:\n{report}")


@pytest.fixture(scope="module")
def rule_change_report(builds: Builds) -> str:
    return duckdb_report(builds.base, builds.head, builds.workdir / "rule_change.md")


def test_rule_change_report_matches_the_ledgers(builds: Builds, rule_change_report: str) -> None:
    report = rule_change_report
    columns, base = ledger_by_id(builds.base)
    _, head = ledger_by_id(builds.head)
    # Calls of exactly the minimum duration are billed no more: removed, all of them calls.
    removed = base.keys() - head.keys()
    assert removed and head.keys() <= base.keys()
    assert {base[i][1] for i in removed} == {"cbm_call"}
    removed_billed = sum(base[i][13] for i in removed)
    changed = {i for i in head if base[i] != head[i]}
    changed_columns = Counter(
        columns[n] for i in changed for n in range(len(columns)) if base[i][n] != head[i][n]
    )
    delta = sum(r[13] for r in head.values()) - sum(r[13] for r in base.values())
    signed = f"{'-' if delta < 0 else '+'}${abs(delta):,}"
    # The rule, worked out from the base rows: a discount whose fraction of a cent is half or
    # more was rounded up and is now cut down, so the row bills one cent more.
    expected = {
        i for i, r in base.items() if r[1] == "plain" and (r[10] * r[11]) % 1 >= Decimal("0.5")
    }
    assert changed == expected and len(changed) > 10
    assert dict(changed_columns) == {"discount_amount": len(changed), "billed_amount": len(changed)}
    assert delta == Decimal("0.01") * len(changed) - removed_billed

    n, r = len(changed), len(removed)
    verdict = f"**Verdict: {n + r} ledger rows differ (0 added, {r} removed, {n} changed), "
    assert f"{verdict}billed total {signed}; values moved in " in report
    assert table_row(report, "changed") == [str(n)]
    assert table_row(report, "unchanged") == [f"{len(base) - n - r:,}"]
    assert table_row(report, "removed: ledger_id gone") == [str(r)]
    assert table_row(report, "`discount_amount`") == [str(n), ""]
    assert table_row(report, "`billed_amount`") == [str(n), ""]
    assert table_row(report, "plain")[-1] == f"+${Decimal('0.01') * n}"
    assert table_row(report, "cbm_call")[-1] == f"-${removed_billed:,}"
    assert table_row(report, "cpa_cpt")[-1] == "+$0.00"
    assert table_row(report, "`lead_sales_ledger`") == [
        f"{len(base):,}", f"{len(head):,}", "0", str(r), str(n), "**values moved**",
    ]  # fmt: skip
    moved = {(base[i][7], base[i][8].strftime("%Y-%m")) for i in changed | removed}
    assert f"{len(moved)} broker-months moved" in report
    # The ledger still balances on both sides; its totals moved with the discounts.
    assert table_row(report, "`is_balanced`") == ["true", "true"]
    assert "does NOT balance" not in report


def rows_by_grain(path: Path, mart: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """A mart's rows keyed by its grain columns, read into Python."""
    with duckdb.connect(str(path), read_only=True) as conn:
        cursor = conn.execute(f"select * from ledger_marts.{mart}")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    key = [columns.index(name) for name in GRAINS[mart]]
    by_key = {tuple(row[i] for i in key): row for row in rows}
    assert len(by_key) == len(rows), f"{mart}: a duplicated grain key"
    return by_key


def test_marts_outside_the_ledger_are_flagged(builds: Builds, rule_change_report: str) -> None:
    report = rule_change_report
    # Named by their files, never by this machine's paths.
    assert report.splitlines()[0] == "## Data diff: `base.duckdb` → `head.duckdb`"
    assert str(builds.workdir) not in report and "/tmp" not in report
    verdict = report.splitlines()[2]
    for mart in GRAINS:
        before, after = rows_by_grain(builds.base, mart), rows_by_grain(builds.head, mart)
        assert before.keys() == after.keys()
        changed = sum(1 for key, row in before.items() if after[key] != row)
        assert changed > 0, mart
        assert table_row(report, f"`{mart}`") == [
            f"{len(before):,}", f"{len(after):,}", "0", "0", f"{changed:,}", "**values moved**",
        ]  # fmt: skip
        assert mart in verdict
    # Still no unbalanced transaction: nothing moved, nothing flagged.
    assert table_row(report, "`ledger_unbalanced_transactions`") == ["0", "0", "0", "0", "0", ""]


def test_same_project_built_twice_reports_no_change(builds: Builds) -> None:
    report = duckdb_report(builds.base, builds.rebuilt, builds.workdir / "same.md")
    assert "**Verdict: no change in the ledger.**" in report
    assert "No broker's monthly rows or billed amount moved." in report
    assert "**≠**" not in report and "**values moved** |" not in report
    assert table_row(report, "`lead_sales_ledger`")[2:] == ["0", "0", "0", ""]


def test_a_duplicated_ledger_id_is_counted_not_hidden(builds: Builds) -> None:
    """A head whose ledger holds one ledger_id twice, lost one row and changed another."""
    path = copy_duckdb(builds.base, builds.workdir / "duplicates.duckdb")
    with duckdb.connect(str(path)) as conn:
        ids = [r[0] for r in conn.execute(f"select ledger_id from {LEDGER} order by 1").fetchall()]
        doubled, dropped, altered = ids[3], ids[5], ids[7]
        conn.execute(
            f"create schema scratch; create table scratch.ledger as select * from {LEDGER}"
        )
        conn.execute(
            "update scratch.ledger set billed_amount = billed_amount + 1.00"
            f" where ledger_id = '{altered}'"
        )
        conn.execute(
            f"create or replace view {LEDGER} as"
            f" select * from scratch.ledger where ledger_id <> '{dropped}'"
            f" union all select * from scratch.ledger where ledger_id = '{doubled}'"
        )
        amounts = dict(
            conn.execute(
                f"select ledger_id, billed_amount from {LEDGER}"
                f" where ledger_id in ('{doubled}', '{dropped}')"
            ).fetchall()
        )
    _, base = ledger_by_id(builds.base)
    expected_delta = base[doubled][13] - base[dropped][13] + Decimal("1.00")

    with data_diff.duckdb_pair(builds.base, path) as (warehouse, b, h):
        diff = data_diff.compare(
            warehouse, data_diff.Side("base", catalog=b), data_diff.Side("head", catalog=h)
        )
    ledger = diff.ledger
    assert (ledger.added_ids, ledger.added_copies) == (0, 1)
    assert (ledger.removed_ids, ledger.removed_copies, ledger.changed) == (1, 0, 1)
    assert (ledger.base_duplicated_ids, ledger.head_duplicated_ids) == (0, 1)
    assert ledger.head_rows == ledger.base_rows  # one more, one less: EXCEPT would say little
    assert ledger.billed_delta == expected_delta
    assert [(r.ledger_id, r.copy_number) for r in ledger.added_examples] == [(doubled, 2)]
    assert [r.ledger_id for r in ledger.removed_examples] == [dropped]
    assert ledger.changed_examples[0].changes == (
        ("billed_amount", base[altered][13], base[altered][13] + Decimal("1.00")),
    )
    assert amounts[doubled] == base[doubled][13]

    report = data_diff.render_markdown(diff)
    assert "**Verdict: 3 ledger rows differ (1 added, 1 removed, 1 changed)" in report
    assert table_row(report, "added: extra copy of a ledger_id") == ["1"]
    assert "base 0 (0 extra rows), head 1 (1 extra row)." in report
    assert re.search(rf"\| `{re.escape(doubled)}` \| 2 \|", report)

    # The other way round, the copy is one the head removed.
    with data_diff.duckdb_pair(path, builds.base) as (warehouse, b, h):
        reverse = data_diff.compare(
            warehouse, data_diff.Side("dup", catalog=b), data_diff.Side("fixed", catalog=h)
        ).ledger
    assert (reverse.removed_copies, reverse.added_ids, reverse.base_duplicated_ids) == (1, 1, 1)
    assert reverse.billed_delta == -expected_delta


def test_the_cli_refuses_what_it_cannot_compare(tmp_path: Path) -> None:
    missing = run_cli("--base-duckdb", str(tmp_path / "no.duckdb"), "--head-duckdb", "x.duckdb")
    assert missing.returncode == 1 and "no DuckDB file" in missing.stderr
    assert run_cli("--target", "postgres", "--base-schema", "ledger").returncode == 2
    assert (
        run_cli("--base-duckdb", "a", "--head-duckdb", "b", "--base-schema", "Bad").returncode == 2
    )


# -- PostgreSQL: two schema prefixes of one database ---------------------------------------


PG_HEAD = "ledger_pytest_diff_head"
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit", "retired")


@pytest.fixture
def postgres_head(shared_postgres: SharedPostgres, tmp_path: Path) -> Iterator[DbtSandbox]:
    # The head reads the shared build's raw schemas: the same data, built by the edited project.
    head = shared_postgres.variant(
        tmp_path / "head", PG_HEAD, project_dir=edited_copy(tmp_path / "head_project")
    )
    yield head
    head.drop_schemas(*LAYERS)


@pytest.mark.postgres
def test_postgres_schema_mode(
    builds: Builds, shared_postgres: SharedPostgres, postgres_head: DbtSandbox, tmp_path: Path
) -> None:
    base, head = shared_postgres.sandbox.schema_prefix, postgres_head
    # Seed, snapshot and views in one command: an edited copy of the project has no parse
    # to reuse, so each dbt command on it would parse it whole again.
    result = head.build("--exclude-resource-type", "test", "unit_test")
    assert result.returncode == 0, output_of(result)[-4000:]

    output = tmp_path / "report.md"
    result = run_cli(
        "--target", "postgres", "--base-schema", base, "--head-schema", head.schema_prefix,
        "--output", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = output.read_text()

    with PostgresWarehouse() as warehouse:
        ((changed,),) = warehouse.query(
            f"select count(*) from {base}_marts.lead_sales_ledger as b"
            f" join {head.schema_prefix}_marts.lead_sales_ledger as h on b.ledger_id = h.ledger_id"
            " where b.discount_amount <> h.discount_amount or b.billed_amount <> h.billed_amount"
        )
        ((removed,),) = warehouse.query(
            f"select count(*) from {base}_marts.lead_sales_ledger as b"
            f" left join {head.schema_prefix}_marts.lead_sales_ledger as h"
            " on b.ledger_id = h.ledger_id where h.ledger_id is null"
        )
    assert changed > 10 and removed > 0
    verdict = f"ledger rows differ (0 added, {removed} removed, {changed} changed)"
    assert f"**Verdict: {changed + removed} {verdict}, billed total " in report
    assert "values moved in " in report.splitlines()[2]
    assert report.splitlines()[0] == f"## Data diff: `{base}` → `{head.schema_prefix}`"
    # The same data and the same edits: the same verdict on DuckDB, the same marts moved.
    duck = duckdb_report(builds.base, builds.head, tmp_path / "duck.md")
    assert duck.splitlines()[2] == report.splitlines()[2]
