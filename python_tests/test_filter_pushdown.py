"""An analyst's filter reaches the raw tables: EXPLAIN of the selective reads, on both engines.

A view answers one broker's month cheaply only if the planner pushes the broker and date
filters below every window, grouping and union into the raw scans (docs/speed.md). Nothing
else notices when a model change stops that: the numbers stay right, only slower. So each
selective read is explained on a small demo build, and each raw table's scans are checked:

- DuckDB: every scan of a table with a broker column carries the broker filter (a read of
  one broker's month); the table whose column is the ledger's event_at carries the date
  range in at least one scan (the branch where that column is event_at). Tables with
  neither column (leads, and calls reached from a refund) are probed by the join.
- PostgreSQL, with the recommended raw indexes (make pg-indexes) and sequential scans,
  hash and merge joins priced out: in one broker's read, every scan of a big raw table
  has an index condition or filter on the user's filter column or on the join key it is
  reached by, so none is read in full. A view the planner cannot fold into its reader (a
  WITH clause, a distinct or a window over the whole table) shows up as a scan with
  neither. Both engines: some scan of each table whose column is the ledger's event_at
  carries the date range.

A failure names the read, the engine and the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from dbt_harness import DbtSandbox, output_of

pytestmark = pytest.mark.dbt

SCALE = 0.2
BROKER_SELECTION = ("+lead_sales_ledger", "+ledger_entries", "+mortgage_brokers")
DELIVERY_TABLES = (
    "mortgage_broker_filter_to_mortgage_lead",
    "construction_loan_lead_filter_to_construction_loan_lead",
    "hard_money_lead_filter_to_hard_money_lead",
    "land_lead_filter_to_land_lead",
)
# Raw tables whose scans must never be whole on PostgreSQL, with every column a read may
# reach them by: the analyst's filter columns and the keys the views join them on.
REACHABLE_BY = {
    **{t: ("mortgage_broker_id", "created_at") for t in DELIVERY_TABLES},
    "mortgage_broker_subscription_plan": ("mortgage_broker_id",),
    "leads": ("lead_id", "phone"),
    "lead_sales": ("buyer_id", "sold_at", "transaction_id", "lead_id"),
    "dispositions": ("buyer_id", "reported_at", "transaction_id", "call_id"),
    "broker_deals": ("buyer_id",),
    "call_campaigns": ("buyer_id", "campaign_id"),
    "calls": ("started_at", "call_id", "campaign_id"),
}
# Tables with the broker: one broker's read filters every scan of them by it.
BROKER_COLUMN = {
    **{t: "mortgage_broker_id" for t in DELIVERY_TABLES},
    "mortgage_broker": "id",
    "mortgage_broker_subscription_plan": "mortgage_broker_id",
    "lead_sales": "buyer_id",
    "dispositions": "buyer_id",
    "broker_deals": "buyer_id",
    "call_campaigns": "buyer_id",
}
# Where the ledger's event_at is a raw column: some scan of the table carries the range.
EVENT_AT_COLUMN = {
    **{t: "created_at" for t in DELIVERY_TABLES},
    "lead_sales": "sold_at",
    "dispositions": "reported_at",
    "calls": "started_at",
}


@dataclass(frozen=True)
class Read:
    key: str
    relation: str
    sql: str  # {relation}, {broker_id}
    by_broker: bool
    # The read reaches the dated raw tables (EVENT_AT_COLUMN): every ledger read does; a read
    # of brokers and their plans reaches the plans only.
    dated: bool = True


READS = (
    Read(
        "one broker's month of the ledger",
        "lead_sales_ledger",
        "select * from {relation} where mortgage_broker_id = {broker_id}"
        " and event_at >= timestamp '2025-06-01' and event_at < timestamp '2025-07-01'",
        by_broker=True,
    ),
    Read(
        "one broker's month of the entries",
        "ledger_entries",
        "select * from {relation} where mortgage_broker_id = {broker_id}"
        " and event_at >= timestamp '2025-06-01' and event_at < timestamp '2025-07-01'",
        by_broker=True,
    ),
    Read(
        "one day by deal type",
        "lead_sales_ledger",
        "select deal_type, sum(billed_amount) from {relation}"
        " where event_at >= timestamp '2025-06-15' and event_at < timestamp '2025-06-16'"
        " group by deal_type",
        by_broker=False,
    ),
    Read(
        "one broker and its current plan",
        "mortgage_brokers",
        "select * from {relation} where mortgage_broker_id = {broker_id}",
        by_broker=True,
        dated=False,
    ),
)


@dataclass(frozen=True)
class Scan:
    table: str
    conditions: str  # every filter and index condition of the scan, as text


def _mentions(conditions: str, column: str) -> bool:
    return re.search(rf"\b{column}\b", conditions) is not None


def _duckdb_scans(plan: Any) -> Iterator[Scan]:
    if isinstance(plan, list):
        for node in plan:
            yield from _duckdb_scans(node)
        return
    info = plan.get("extra_info") or {}
    if "SCAN" in plan.get("name", "") and "Table" in info:
        yield Scan(info["Table"], json.dumps(info.get("Filters", "")))
    for child in plan.get("children", []):
        yield from _duckdb_scans(child)


def _postgres_scans(node: dict[str, Any]) -> Iterator[Scan]:
    if "Relation Name" in node:
        conditions = " ".join(
            str(node.get(key, ""))
            for key in ("Filter", "Index Cond", "Recheck Cond", "Join Filter")
        )
        # A bitmap heap scan's index condition sits on its bitmap index scan children.
        for child in node.get("Plans", []):
            if child.get("Node Type", "").startswith("Bitmap"):
                conditions += " " + str(child.get("Index Cond", ""))
        yield Scan(node["Relation Name"], conditions)
    for child in node.get("Plans", []):
        yield from _postgres_scans(child)


def broker_with_rows_in_june(sandbox: DbtSandbox) -> int:
    with sandbox.warehouse() as warehouse:
        rows = warehouse.query(
            f"select mortgage_broker_id from {sandbox.relation('marts', 'lead_sales_ledger')}"
            " where event_at >= timestamp '2025-06-01' and event_at < timestamp '2025-07-01'"
            " and mortgage_broker_id is not null and deal_type <> 'plain'"
            " group by mortgage_broker_id order by count(*) desc, mortgage_broker_id limit 1"
        )
    return int(rows[0][0])


def broker_with_a_current_plan(sandbox: DbtSandbox) -> int:
    # A broker with plans: one without any lies outside the plans' id range, and DuckDB then
    # skips the scan altogether, which would prove nothing.
    with sandbox.warehouse() as warehouse:
        rows = warehouse.query(
            f"select min(mortgage_broker_id) from {sandbox.relation('marts', 'mortgage_brokers')}"
            " where current_subscription_plan_id is not null"
        )
    return int(rows[0][0])


def broker_for(read: Read, sandbox: DbtSandbox) -> int:
    if read.dated:
        return broker_with_rows_in_june(sandbox)
    return broker_with_a_current_plan(sandbox)


def rendered(read: Read, sandbox: DbtSandbox, broker_id: int) -> str:
    return read.sql.format(relation=sandbox.relation("marts", read.relation), broker_id=broker_id)


def build(sandbox: DbtSandbox) -> DbtSandbox:
    sandbox.load_demo_data(seed=11, scale=SCALE)
    result = sandbox.build(
        "--select", *BROKER_SELECTION, "--exclude-resource-type", "test", "unit_test"
    )
    assert result.returncode == 0, output_of(result)[-4000:]
    return sandbox


def misses(read: Read, scans: list[Scan]) -> list[str]:
    """What the plan of `read` fails to push, one line per table."""
    found: list[str] = []
    if read.by_broker:
        for scan in scans:
            column = BROKER_COLUMN.get(scan.table)
            if column and not _mentions(scan.conditions, column):
                found.append(f"{scan.table}: a scan without the broker filter ({column})")
    for table, column in EVENT_AT_COLUMN.items() if read.dated else ():
        if read.by_broker and table not in BROKER_COLUMN:
            continue  # reached by the join from the broker's rows instead
        if not any(s.table == table and _mentions(s.conditions, column) for s in scans):
            found.append(f"{table}: no scan carries the event_at range ({column})")
    return found


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> DbtSandbox:
    workdir = tmp_path_factory.mktemp("pushdown_duckdb")
    return build(DbtSandbox(target="dev", workdir=workdir, duckdb_path=workdir / "l.duckdb"))


@pytest.fixture(scope="module")
def postgres_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtSandbox]:
    sandbox = DbtSandbox(
        target="postgres",
        workdir=tmp_path_factory.mktemp("pushdown_postgres"),
        schema_prefix="ledger_pytest_pushdown",
    )
    build(sandbox)
    indexes = sandbox.dbt("run-operation", "create_raw_indexes")
    assert indexes.returncode == 0, output_of(indexes)[-3000:]
    yield sandbox
    sandbox.drop_schemas(*sandbox.raw_schemas, "snapshots", "staging", "intermediate", "marts")


@pytest.mark.parametrize("read", READS, ids=[r.key for r in READS])
def test_duckdb_pushes_the_filter_into_the_raw_scans(duckdb_build: DbtSandbox, read: Read) -> None:
    sql = rendered(read, duckdb_build, broker_for(read, duckdb_build))
    with duckdb_build.warehouse() as warehouse:
        warehouse.execute("pragma explain_output = 'physical_only'")
        plan = json.loads(warehouse.query(f"explain (format json) {sql}")[0][1])
    scans = list(_duckdb_scans(plan))
    expected = set(EVENT_AT_COLUMN) if read.dated else {"mortgage_broker_subscription_plan"}
    assert {s.table for s in scans} >= expected, "the plan lost raw tables"
    assert misses(read, scans) == [], f"DuckDB, {read.key}"


@pytest.mark.postgres
@pytest.mark.parametrize("read", READS, ids=[r.key for r in READS])
def test_postgres_reaches_every_raw_table_by_a_condition(
    postgres_build: DbtSandbox, read: Read
) -> None:
    sql = rendered(read, postgres_build, broker_for(read, postgres_build))
    with postgres_build.warehouse() as warehouse:
        # The demo is small, so the planner would rather read it all. With sequential scans
        # and hash and merge joins priced out, a table is read in full only where no
        # condition can reach it: where a view hides it from the key it is joined on.
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            warehouse.execute(f"set {setting} = off")
        plan = warehouse.query(f"explain (format json) {sql}")[0][0]
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    scans = list(_postgres_scans(root))
    # A date alone reaches only the tables whose column is event_at; the others are joined
    # from those rows, in whatever order the planner finds cheapest for a tiny demo.
    whole = [
        f"{s.table}: read in full (no condition on {', '.join(REACHABLE_BY[s.table])})"
        for s in scans
        if read.by_broker
        and s.table in REACHABLE_BY
        and not any(_mentions(s.conditions, c) for c in REACHABLE_BY[s.table])
    ]
    assert whole + misses(read, scans) == [], f"PostgreSQL, {read.key}"


def test_a_scan_without_the_filter_is_named() -> None:
    """The check itself: a scan without the broker filter is named, one with it is not."""
    read = READS[0]
    good = [Scan(t, f"{c}=7 AND {EVENT_AT_COLUMN.get(t, c)}>x") for t, c in BROKER_COLUMN.items()]
    good += [Scan("calls", "started_at>x")]
    assert misses(read, good) == []
    hidden = [*good, Scan("lead_sales", "")]
    assert misses(read, hidden) == ["lead_sales: a scan without the broker filter (buyer_id)"]
