"""The parallel run against the legacy job, on real DuckDB and PostgreSQL builds of demo data.

The reconciliation's totals must equal sums taken independently (the legacy side from the
raw legacy table, the new side from lead_sales_ledger), every difference class the demo
legacy ledger plants must show with its rows, and the cutover gate must warn, fail when
told to, stay quiet on money within its tolerance and never on a row that differs beyond
money (a side missing, an extra copy, another broker or delivery time, whatever the
amounts). The build must also work without the table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of
from shared_warehouse import SCALE, SEED, SharedDuckDB, SharedPostgres

from ledger_tools import demo_data

pytestmark = pytest.mark.dbt

# From before the legacy job's 2025-01-01 floor, so deliveries it could never record show.
VARIABLES = {"ledger_start_date": "2024-12-15"}
# What the var changes: the models that read it (through ledger_start_at()), their children
# and the tests of all of them, found in the shared build's manifest so that a new model
# reading it is rebuilt too. Everything upstream is the shared build's, already tested.
VAR_MACRO = "macro.lead_revenue_ledger.ledger_start_at"
CLASSES = {
    "matched",
    "missing_in_legacy",
    "missing_in_new",
    "price_differs",
    "discount_differs",
    "outside_legacy_window",
    "duplicate_in_legacy",
}
GATE = "assert_legacy_reconciliation_within_tolerance"
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit")


def starting_at_the_var(manifest: Path) -> list[str]:
    document = json.loads(manifest.read_text())
    # A model reads the var through the macro, or through a macro that calls it.
    callers, found = {VAR_MACRO}, True
    while found:
        found = False
        for name, macro in document["macros"].items():
            if name not in callers and callers & set(macro["depends_on"]["macros"]):
                callers.add(name)
                found = True
    readers = sorted(
        f"{node['name']}+"
        for node in document["nodes"].values()
        if node["resource_type"] == "model" and callers & set(node["depends_on"]["macros"])
    )
    assert "lead_sales_ledger+" in readers, readers
    return readers


def rebuilt_from_the_var(sandbox: DbtSandbox, shared_target: Path, *args: str) -> DbtSandbox:
    selection = starting_at_the_var(shared_target / "manifest.json")
    result = sandbox.build("--select", *selection, *args, variables=VARIABLES)
    assert result.returncode == 0, output_of(result)[-4000:]
    return sandbox


@pytest.fixture(scope="module")
def duck(shared_duckdb: SharedDuckDB, tmp_path_factory: pytest.TempPathFactory) -> DbtSandbox:
    copy = shared_duckdb.copy(tmp_path_factory.mktemp("recon_duckdb"))
    return rebuilt_from_the_var(copy, shared_duckdb.target)


@pytest.fixture(scope="module")
def postgres(
    shared_postgres: SharedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbtSandbox]:
    sandbox = shared_postgres.variant(
        tmp_path_factory.mktemp("recon_postgres"), "ledger_recon_pytest"
    )
    try:
        yield rebuilt_from_the_var(sandbox, shared_postgres.target, *shared_postgres.defer_args())
    finally:
        sandbox.drop_schemas(*LAYERS)


def query(sandbox: DbtSandbox, sql: str) -> list[tuple]:
    names = {
        "billing": sandbox.raw_schemas["billing"],
        "marts": f"{sandbox.schema_prefix}_marts",
    }
    with sandbox.warehouse() as warehouse:
        return warehouse.query(sql.format(**names))


def assert_totals_match_independent_sums(sandbox: DbtSandbox) -> None:
    legacy_raw = query(
        sandbox, "select count(*), sum(billed_amount) from {billing}.legacy_lead_sales_ledger"
    )
    new_ledger = query(
        sandbox,
        "select count(*), sum(billed_amount) from {marts}.lead_sales_ledger"
        " where deal_type = 'plain' and event_type = 'lead_delivery'",
    )
    rows = query(
        sandbox,
        "select count(legacy_row_id), sum(legacy_billed_amount), count(ledger_id),"
        " sum(new_billed_amount), sum(billed_difference) from {marts}.legacy_reconciliation_rows",
    )
    daily = query(
        sandbox,
        "select sum(legacy_billed_amount), sum(new_billed_amount), sum(billed_difference),"
        " sum(compared_row_count) from {marts}.legacy_reconciliation_daily",
    )
    (legacy_count, legacy_sum), (new_count, new_sum) = legacy_raw[0], new_ledger[0]
    assert legacy_count > 100 and new_count > 100
    assert rows == [(legacy_count, legacy_sum, new_count, new_sum, new_sum - legacy_sum)]
    assert daily[0][:3] == (legacy_sum, new_sum, new_sum - legacy_sum)
    for value in daily[0][:3]:
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2


def class_counts(sandbox: DbtSandbox) -> dict[str, int]:
    return dict(
        query(
            sandbox,
            "select difference_class, count(*) from {marts}.legacy_reconciliation_rows"
            " group by difference_class",
        )
    )


def test_duckdb_totals_equal_independent_sums(duck: DbtSandbox) -> None:
    assert_totals_match_independent_sums(duck)


def test_every_class_shows_with_its_rows(duck: DbtSandbox) -> None:
    counts = class_counts(duck)
    assert set(counts) >= CLASSES, counts
    # Independently of dbt: the generated rows' duplicates and keys without a delivery.
    data = demo_data.generate(SEED, SCALE)
    legacy = data[("billing", "legacy_lead_sales_ledger")]
    keys = Counter((row[1], row[2]) for row in legacy)
    deliveries = {
        (lead_type, row[0])
        for lead_type, table in (
            ("professional", "mortgage_broker_filter_to_mortgage_lead"),
            ("construction", "construction_loan_lead_filter_to_construction_loan_lead"),
            ("hard_money", "hard_money_lead_filter_to_hard_money_lead"),
            ("land", "land_lead_filter_to_land_lead"),
        )
        for row in data[("billing", table)]
    }
    assert counts["duplicate_in_legacy"] == sum(n - 1 for n in keys.values())
    assert counts["missing_in_new"] == len(set(keys) - deliveries)
    assert counts["matched"] > 0.9 * len(keys)
    # The daily mart counts every row once, under one class.
    daily = query(
        duck,
        "select sum(compared_row_count), sum(matched_count + missing_in_legacy_count"
        " + missing_in_new_count + price_differs_count + discount_differs_count"
        " + details_differ_count + outside_legacy_window_count + duplicate_in_legacy_count)"
        " from {marts}.legacy_reconciliation_daily",
    )
    assert daily == [(sum(counts.values()), sum(counts.values()))]


def test_explained_classes(duck: DbtSandbox) -> None:
    rows = query(
        duck,
        "select difference_class, explanation, is_explained, count(*),"
        " sum(unexplained_difference) from {marts}.legacy_reconciliation_rows"
        " group by difference_class, explanation, is_explained",
    )
    by_class = {(r[0], r[1]): (r[2], r[4]) for r in rows}
    # Deliveries before the floor, and those of the day after the legacy job's last run.
    assert by_class[("outside_legacy_window", "before_legacy_floor")] == (True, Decimal("0.00"))
    assert by_class[("missing_in_legacy", "after_last_legacy_run")] == (True, Decimal("0.00"))
    for name in ("price_differs", "discount_differs", "duplicate_in_legacy", "missing_in_new"):
        explained, unexplained = by_class[(name, None)]
        assert not explained and unexplained != 0, name
    assert ("missing_in_legacy", None) not in by_class  # the demo job missed nothing it saw


def beyond_money_groups(sandbox: DbtSandbox) -> set[tuple]:
    """Days, brokers and lead types with an unexplained row that is more than money, from
    the rows' own columns (not the daily mart's count)."""
    return set(
        query(
            sandbox,
            "select distinct delivery_date, mortgage_broker_id, lead_type"
            " from {marts}.legacy_reconciliation_rows where not is_explained and ("
            " difference_class in ('missing_in_legacy', 'missing_in_new', 'duplicate_in_legacy')"
            " or new_mortgage_broker_id <> legacy_mortgage_broker_id"
            " or new_delivered_at <> legacy_delivered_at)",
        )
    )


def test_gate_warns_by_default_and_names_the_days(duck: DbtSandbox) -> None:
    offending = query(
        duck,
        "select delivery_date, mortgage_broker_id, lead_type, unexplained_classes"
        " from {marts}.legacy_reconciliation_daily"
        " where unexplained_row_count > 0 order by 1, 2, 3",
    )
    assert offending
    result = duck.dbt("test", "--select", GATE, variables=VARIABLES)
    out = output_of(result)
    assert result.returncode == 0, out[-3000:]
    assert f"WARN {GATE}: {len(offending)} offending row(s)" in out
    day, broker, lead_type, classes = offending[0]
    assert f"delivery_date={day}, mortgage_broker_id={broker}, lead_type={lead_type}" in out
    assert f"unexplained_classes={classes}," in out


def test_gate_fails_when_the_severity_says_error(duck: DbtSandbox) -> None:
    result = duck.dbt(
        "test", "--select", GATE, variables={**VARIABLES, "legacy_reconciliation_severity": "error"}
    )
    assert result.returncode == 1
    assert f"FAIL {GATE}" in output_of(result)


def test_gate_severity_from_the_environment(duck: DbtSandbox) -> None:
    sandbox = DbtSandbox(
        target=duck.target,
        workdir=duck.workdir / "env",
        duckdb_path=duck.duckdb_path,
        extra_env={"LEDGER_LEGACY_RECONCILIATION_SEVERITY": "error"},
    )
    result = sandbox.dbt("test", "--select", GATE, variables=VARIABLES)
    assert result.returncode == 1, output_of(result)[-3000:]


def test_tolerance_applies_to_money_only(duck: DbtSandbox) -> None:
    beyond = beyond_money_groups(duck)
    assert beyond  # the demo's missing and duplicated rows
    money_only = {
        row[:3]: row[3]
        for row in query(
            duck,
            "select delivery_date, mortgage_broker_id, lead_type, unexplained_absolute_difference"
            " from {marts}.legacy_reconciliation_daily where unexplained_absolute_difference > 0",
        )
        if row[:3] not in beyond
    }
    largest = max(money_only.values())
    within = {**VARIABLES, "legacy_reconciliation_severity": "error"}
    # Every money difference within the tolerance: only the rows beyond money fail.
    at_largest = duck.dbt(
        "test", "--select", GATE, variables={**within, "legacy_reconciliation_tolerance": largest}
    )
    out = output_of(at_largest)
    assert at_largest.returncode == 1
    assert f"FAIL {GATE}: {len(beyond)} offending row(s)" in out, out[-3000:]
    assert "failed_because=money above the tolerance" not in out
    below = largest - Decimal("0.01")
    just_below = duck.dbt(
        "test", "--select", GATE, variables={**within, "legacy_reconciliation_tolerance": below}
    )
    at_largest_count = sum(1 for value in money_only.values() if value == largest)
    assert just_below.returncode == 1
    assert f"FAIL {GATE}: {len(beyond) + at_largest_count} offending row(s)" in output_of(
        just_below
    )


def test_gate_fails_on_another_broker_or_time_whatever_the_money(
    duck: DbtSandbox, tmp_path: Path
) -> None:
    """A delivery the legacy job billed to another broker, or at another time, for the same
    money: the gate names its day, broker and lead type and the class, at any tolerance."""
    copy = SharedDuckDB(duck.duckdb_path, duck.workdir / "target").copy(tmp_path, "copy.duckdb")
    clean = query(
        copy,
        "select rows.legacy_row_id, rows.delivery_date, rows.mortgage_broker_id, rows.lead_type"
        " from {marts}.legacy_reconciliation_rows as rows"
        " inner join {marts}.legacy_reconciliation_daily as daily"
        " on rows.delivery_date = daily.delivery_date"
        " and rows.mortgage_broker_id = daily.mortgage_broker_id"
        " and rows.lead_type = daily.lead_type"
        " where rows.difference_class = 'matched' and daily.compared_row_count = 1"
        " order by rows.legacy_row_id limit 2",
    )
    (broker_row, *broker_group), (time_row, *time_group) = clean
    with copy.warehouse() as warehouse:
        legacy = f"{copy.raw_schemas['billing']}.legacy_lead_sales_ledger"
        warehouse.execute(
            f"update {legacy} set mortgage_broker_id = case when mortgage_broker_id = 1"
            f" then 2 else 1 end where id = {broker_row}"
        )
        warehouse.execute(
            f"update {legacy} set delivered_at = delivered_at + interval '1 second'"
            f" where id = {time_row}"
        )
    # No tolerance covers it; the views read the edited rows, nothing to rebuild.
    lenient = {**VARIABLES, "legacy_reconciliation_tolerance": "1000000.00"}
    stored = (
        "select delivery_date, mortgage_broker_id, lead_type, failed_because,"
        f" unexplained_classes, unexplained_absolute_difference from {copy.relation('audit', GATE)}"
        " where unexplained_classes = 'details_differ 1'"
    )
    expected = {
        (*group, "rows differ beyond money", "details_differ 1", Decimal("0.00"))
        for group in (tuple(broker_group), tuple(time_group))
    }
    warned = copy.dbt("test", "--select", GATE, variables=lenient)
    assert warned.returncode == 0, output_of(warned)[-3000:]
    assert f"WARN {GATE}" in output_of(warned)
    assert set(query(copy, stored)) == expected
    failed = copy.dbt(
        "test",
        "--select",
        GATE,
        variables={**lenient, "legacy_reconciliation_severity": "error"},
    )
    assert failed.returncode == 1
    assert f"FAIL {GATE}" in output_of(failed)
    assert set(query(copy, stored)) == expected


def test_build_works_without_the_legacy_table(duck: DbtSandbox, tmp_path: Path) -> None:
    copy = SharedDuckDB(duck.duckdb_path, duck.workdir / "target").copy(tmp_path, "copy.duckdb")
    with copy.warehouse() as warehouse:
        warehouse.execute("drop table billing.legacy_lead_sales_ledger")
    result = copy.build(
        "--select", "stg_billing__legacy_lead_sales_ledger+", "--exclude", "test_type:unit",
        variables={**VARIABLES, "legacy_reconciliation_severity": "error"},
    )  # fmt: skip
    assert result.returncode == 0, output_of(result)[-4000:]
    counts = query(
        copy,
        "select difference_class, explanation, count(*), sum(unexplained_difference)"
        " from {marts}.legacy_reconciliation_rows group by 1, 2",
    )
    plain_sql = "select count(*) from {marts}.lead_sales_ledger where deal_type = 'plain'"
    plain = query(copy, plain_sql)[0][0]
    # Nothing to compare with: no difference is unexplained, the gate (at error) passed.
    (missing, _, seen, missing_total), (window, _, unseen, window_total) = sorted(counts)
    assert (missing, window) == ("missing_in_legacy", "outside_legacy_window")
    assert sorted(counts)[0][1] == "no_legacy_rows" and seen + unseen == plain
    assert missing_total == window_total == Decimal("0.00")


@pytest.mark.postgres
def test_postgres_reconciles_like_duckdb(duck: DbtSandbox, postgres: DbtSandbox) -> None:
    assert_totals_match_independent_sums(postgres)
    sql = "select * from {marts}.legacy_reconciliation_rows order by compared_row_id"
    duck_rows, postgres_rows = query(duck, sql), query(postgres, sql)
    assert len(duck_rows) == len(postgres_rows) > 100
    assert duck_rows == postgres_rows
    sql = (
        "select * from {marts}.legacy_reconciliation_daily"
        " order by delivery_date, mortgage_broker_id, lead_type"
    )
    assert query(duck, sql) == query(postgres, sql)
    assert set(class_counts(postgres)) >= CLASSES


@pytest.mark.postgres
def test_postgres_gate_warns_then_fails_on_error(postgres: DbtSandbox) -> None:
    warned = postgres.dbt("test", "--select", GATE, variables=VARIABLES)
    assert warned.returncode == 0 and f"WARN {GATE}" in output_of(warned)
    failed = postgres.dbt(
        "test", "--select", GATE, variables={**VARIABLES, "legacy_reconciliation_severity": "error"}
    )
    assert failed.returncode == 1 and f"FAIL {GATE}" in output_of(failed)
