"""The pull request data diff on real builds: a deliberate rule change, no change, duplicates.

The base is the run's shared demo build; a head is a copy of the project with one revenue
rule edited (discounts truncated to the cent instead of rounded half away from zero; calls
as long as the campaign's minimum no longer billed, `<` -> `<=`), its edited model and
everything downstream rebuilt on a copy of the base's DuckDB file, so both read the same raw
data and price snapshot. The report's figures are checked against the two ledgers, and the
marts outside the ledger, read into Python.
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

from ledger_ops import data_diff
from ledger_ops.paths import PROJECT_ROOT
from ledger_ops.warehouse import PostgresWarehouse

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
    head: Path  # the same raw data, built by the project with truncated discounts
    calls_head: Path  # the same raw data, calls of exactly the minimum duration not billed
    rebuilt: Path  # the same raw data, the unchanged project built again
    head_project: Path
    workdir: Path


def truncating_copy(destination: Path) -> Path:
    """A copy of the project whose discounts are truncated to the cent, not rounded."""
    project = copy_project(destination)
    model = project / PRICED_MODEL
    text = model.read_text()
    assert ROUNDED in text, "the discount rule moved: update this test's edit"
    model.write_text(text.replace(ROUNDED, TRUNCATED))
    return project


def call_rule_copy(destination: Path) -> Path:
    """A copy of the project that bills only calls longer than the campaign's minimum."""
    project = copy_project(destination)
    for path, (before, after) in CALL_RULES.items():
        text = (project / path).read_text()
        assert before in text, f"the call rule moved in {path}: update this test's edit"
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

    head_project = truncating_copy(workdir / "head_project")
    head_file = copy_duckdb(base, workdir / "head.duckdb")
    rebuilt_file = copy_duckdb(base, workdir / "rebuilt.duckdb")
    head = DbtSandbox(
        target="dev", workdir=workdir / "head", duckdb_path=head_file, project_dir=head_project
    )
    # `dbt run` of what the edit touches: the seed, the snapshot and the other views are in
    # the copied file, and the unit test that pins the rounding rule fails on the edit, as
    # it should (the PR would update it).
    result = head.dbt("run", "--select", f"{Path(PRICED_MODEL).stem}+")
    assert result.returncode == 0, output_of(result)[-4000:]
    calls_head = copy_duckdb(base, workdir / "calls_head.duckdb")
    result = DbtSandbox(
        target="dev",
        workdir=workdir / "calls_head",
        duckdb_path=calls_head,
        project_dir=call_rule_copy(workdir / "calls_project"),
    ).dbt("run", "--select", "int_calls_attributed+")
    assert result.returncode == 0, output_of(result)[-4000:]
    # Every view made again by the unchanged project: the same build twice.
    rebuilt = DbtSandbox(target="dev", workdir=workdir / "rebuilt", duckdb_path=rebuilt_file)
    result = rebuilt.dbt("run")
    assert result.returncode == 0, output_of(result)[-4000:]
    return Builds(base, head_file, calls_head, rebuilt_file, head_project, workdir)


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


def test_rule_change_report_matches_the_ledgers(builds: Builds) -> None:
    report = duckdb_report(builds.base, builds.head, builds.workdir / "rule_change.md")

    columns, base = ledger_by_id(builds.base)
    _, head = ledger_by_id(builds.head)
    assert base.keys() == head.keys()
    changed = {i for i in base if base[i] != head[i]}
    changed_columns = Counter(
        columns[n] for i in changed for n in range(len(columns)) if base[i][n] != head[i][n]
    )
    delta = sum(r[13] for r in head.values()) - sum(r[13] for r in base.values())
    # The rule, worked out from the base rows: a discount whose fraction of a cent is half or
    # more was rounded up and is now cut down, so the row bills one cent more.
    expected = {
        i for i, r in base.items() if r[1] == "plain" and (r[10] * r[11]) % 1 >= Decimal("0.5")
    }
    assert changed == expected and len(changed) > 10
    assert dict(changed_columns) == {"discount_amount": len(changed), "billed_amount": len(changed)}
    assert delta == Decimal("0.01") * len(changed)

    n = len(changed)
    assert f"**Verdict: {n} ledger rows differ (0 added, 0 removed, {n} changed), " in report
    assert f"billed total +${delta}; values moved in " in report
    assert table_row(report, "changed") == [str(n)]
    assert table_row(report, "unchanged") == [f"{len(base) - n:,}"]
    assert table_row(report, "`discount_amount`") == [str(n), ""]
    assert table_row(report, "`billed_amount`") == [str(n), ""]
    assert table_row(report, "plain")[-1] == f"+${delta}"
    assert table_row(report, "cpa_cpt")[-1] == "+$0.00"
    assert table_row(report, "`lead_sales_ledger`")[2:] == ["0", "0", f"{n:,}", "**values moved**"]
    moved = {(base[i][7], base[i][8].strftime("%Y-%m")) for i in changed}
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


def test_call_rule_change_flags_the_marts_outside_the_ledger(builds: Builds) -> None:
    report = duckdb_report(builds.base, builds.calls_head, builds.workdir / "calls.md")
    # Named by their files, never by this machine's paths.
    assert report.splitlines()[0] == "## Data diff: `base.duckdb` → `calls_head.duckdb`"
    assert str(builds.workdir) not in report and "/tmp" not in report

    _, base = ledger_by_id(builds.base)
    _, head = ledger_by_id(builds.calls_head)
    removed = len(base.keys() - head.keys())
    assert removed > 0 and head.keys() <= base.keys()
    assert table_row(report, "`lead_sales_ledger`") == [
        f"{len(base):,}", f"{len(head):,}", "0", str(removed), "0", "**values moved**",
    ]  # fmt: skip
    verdict = report.splitlines()[2]
    for mart in GRAINS:
        before, after = rows_by_grain(builds.base, mart), rows_by_grain(builds.calls_head, mart)
        assert before.keys() == after.keys()
        changed = sum(1 for key, row in before.items() if after[key] != row)
        assert changed > 0, mart
        assert table_row(report, f"`{mart}`") == [
            f"{len(before):,}", f"{len(after):,}", "0", "0", f"{changed:,}", "**values moved**",
        ]  # fmt: skip
        assert mart in verdict
    # The parallel run reads deliveries only: not moved, not flagged.
    assert table_row(report, "`legacy_reconciliation_rows`")[-1] == ""


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
        tmp_path / "head", PG_HEAD, project_dir=truncating_copy(tmp_path / "head_project")
    )
    yield head
    head.drop_schemas(*LAYERS)


@pytest.mark.postgres
def test_postgres_schema_mode(
    builds: Builds, shared_postgres: SharedPostgres, postgres_head: DbtSandbox, tmp_path: Path
) -> None:
    base, head = shared_postgres.sandbox.schema_prefix, postgres_head
    result = head.dbt("seed")
    assert result.returncode == 0, output_of(result)[-4000:]
    result = head.dbt("snapshot")
    assert result.returncode == 0, output_of(result)[-4000:]
    result = head.dbt("run")
    assert result.returncode == 0, output_of(result)[-4000:]

    output = tmp_path / "report.md"
    result = run_cli(
        "--target", "postgres", "--base-schema", base, "--head-schema", head.schema_prefix,
        "--output", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = output.read_text()

    with PostgresWarehouse() as warehouse:
        ((changed, delta),) = warehouse.query(
            f"select count(*), sum(h.billed_amount - b.billed_amount)"
            f" from {base}_marts.lead_sales_ledger as b"
            f" join {head.schema_prefix}_marts.lead_sales_ledger as h on b.ledger_id = h.ledger_id"
            " where b.discount_amount <> h.discount_amount or b.billed_amount <> h.billed_amount"
        )
    assert changed > 10
    verdict = f"{changed} ledger rows differ (0 added, 0 removed, {changed} changed)"
    assert f"**Verdict: {verdict}, billed total +${delta}; values moved in " in report
    # The same data and the same edit give the same verdict on DuckDB, the same marts moved.
    duck = duckdb_report(builds.base, builds.head, tmp_path / "duck.md")
    assert duck.splitlines()[2] == report.splitlines()[2]
    assert report.splitlines()[0] == f"## Data diff: `{base}` → `{head.schema_prefix}`"
