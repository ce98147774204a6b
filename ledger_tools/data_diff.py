"""What a pull request changes in the numbers: the marts of two builds, compared on the engine.

The two builds are two DuckDB files (attached read-only to one in-memory connection) or two
schema prefixes (`LEDGER_SCHEMA`) of one database. Every comparison is a group by or a full
outer join run by the engine, so the work grows linearly with the ledger and only summaries
and a few example rows reach Python. Money stays Decimal from the engine to the report.

Every mart is compared by its grain key in SQL generated and run by the dbt macro
data_diff_marts (`dbt run-operation`, `mart_diffs`): rows added, removed and changed, and the
columns whose values moved; Python only renders the counts it prints.

Ledger rows are matched by `ledger_id` and copy number: each side numbers the copies of an
id (`row_number()`), and the full outer join is on (ledger_id, copy number). A ledger_id
held twice on one side and once on the other leaves one unmatched copy, counted as an extra
copy added or removed; EXCEPT, a set operation, would fold the copies together and hide it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger_job.money import format_usd, plural, signed_usd
from ledger_job.paths import PROJECT_ROOT, dbt_executable
from ledger_tools.warehouse import (
    DuckDBWarehouse,
    PostgresSettings,
    PostgresWarehouse,
    Warehouse,
    validate_identifier,
)

LEDGER = "lead_sales_ledger"
BALANCE_CHECK = "ledger_balance_check"
# The ledger columns the report groups by and sums; a side without them cannot be compared.
REQUIRED_COLUMNS = ("ledger_id", "deal_type", "mortgage_broker_id", "event_at", "billed_amount")
# Columns shown for example rows added or removed (those present on both sides).
EXAMPLE_COLUMNS = (
    "deal_type",
    "event_type",
    "source_id",
    "mortgage_broker_id",
    "event_at",
    "discount_amount",
    "billed_amount",
)
# Balance-check columns that are not figures: the time of the read differs on every read.
_BALANCE_IGNORED = ("checked_at",)
# Stands in for a null group key, so a null deal type or broker matches itself in the join.
_NULL_TEXT = "(none)"
_NULL_BROKER = -1


@dataclass(frozen=True)
class Side:
    """One build: the schema prefix of its models and, for DuckDB files, its catalog alias."""

    label: str
    prefix: str = "ledger"
    catalog: str | None = None

    def relation(self, name: str) -> str:
        schema = validate_identifier(f"{self.prefix}_marts")
        qualified = f"{schema}.{validate_identifier(name)}"
        return f"{self.catalog}.{qualified}" if self.catalog else qualified


@dataclass(frozen=True)
class MartDiff:
    """One mart of both builds joined on its grain key (copies of a key numbered)."""

    name: str
    key: str | None  # the SQL of its grain key; None: no grain test, only counted
    base_rows: int | None  # None: the mart does not exist on that side
    head_rows: int | None
    added: int = 0
    removed: int = 0
    changed: int = 0
    base_extra_copies: int = 0  # rows beyond the first of their key
    head_extra_copies: int = 0
    changed_columns: dict[str, int] = field(default_factory=dict)
    base_only_columns: tuple[str, ...] = ()
    head_only_columns: tuple[str, ...] = ()
    retyped_columns: tuple[str, ...] = ()

    @property
    def moved(self) -> bool:
        """Its rows, values or columns differ (a mart on one side only counts too)."""
        return bool(
            self.base_rows is None
            or self.head_rows is None
            or self.base_rows != self.head_rows
            or self.added
            or self.removed
            or self.changed
            or self.base_extra_copies != self.head_extra_copies
            or self.base_only_columns
            or self.head_only_columns
            or self.retyped_columns
        )

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> MartDiff:
        return cls(
            name=str(item["name"]),
            key=item.get("key"),
            base_rows=item.get("base_rows"),
            head_rows=item.get("head_rows"),
            added=int(item.get("added", 0)),
            removed=int(item.get("removed", 0)),
            changed=int(item.get("changed", 0)),
            base_extra_copies=int(item.get("base_extra_copies", 0)),
            head_extra_copies=int(item.get("head_extra_copies", 0)),
            changed_columns={str(k): int(v) for k, v in item.get("changed_columns", {}).items()},
            base_only_columns=tuple(item.get("base_only_columns", ())),
            head_only_columns=tuple(item.get("head_only_columns", ())),
            retyped_columns=tuple(item.get("retyped_columns", ())),
        )


@dataclass(frozen=True)
class Totals:
    """Rows and billed amount of one group (a deal type, a broker and month) on both sides."""

    key: tuple[Any, ...]
    base_rows: int
    head_rows: int
    base_billed: Decimal
    head_billed: Decimal

    @property
    def billed_delta(self) -> Decimal:
        return self.head_billed - self.base_billed


@dataclass(frozen=True)
class ColumnChange:
    column: str
    rows: int  # matched rows whose value differs
    note: str = ""  # a type change, or a column present on one side only


@dataclass(frozen=True)
class ChangedRow:
    ledger_id: str
    copy_number: int
    changes: tuple[tuple[str, Any, Any], ...]  # (column, base value, head value)


@dataclass(frozen=True)
class ExampleRow:
    ledger_id: str
    copy_number: int
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class LedgerRowDiff:
    base_rows: int
    head_rows: int
    unchanged: int
    changed: int
    added_ids: int  # rows whose ledger_id the base does not hold at all
    added_copies: int  # extra copies of a ledger_id the base holds fewer times
    removed_ids: int
    removed_copies: int
    base_duplicated_ids: int  # ledger_ids held more than once
    head_duplicated_ids: int
    base_extra_copies: int  # rows beyond the first of their ledger_id
    head_extra_copies: int
    base_billed: Decimal
    head_billed: Decimal
    columns: tuple[ColumnChange, ...]
    added_examples: tuple[ExampleRow, ...] = ()
    removed_examples: tuple[ExampleRow, ...] = ()
    changed_examples: tuple[ChangedRow, ...] = ()

    @property
    def added(self) -> int:
        return self.added_ids + self.added_copies

    @property
    def removed(self) -> int:
        return self.removed_ids + self.removed_copies

    @property
    def differing(self) -> int:
        return self.added + self.removed + self.changed

    @property
    def billed_delta(self) -> Decimal:
        return self.head_billed - self.base_billed


@dataclass(frozen=True)
class BalanceCheck:
    columns: tuple[str, ...]
    base: tuple[Any, ...] | None  # None: no such view on that side
    head: tuple[Any, ...] | None

    def is_balanced(self, side: tuple[Any, ...] | None) -> bool | None:
        if side is None or "is_balanced" not in self.columns:
            return None
        return bool(side[self.columns.index("is_balanced")])


@dataclass(frozen=True)
class DataDiff:
    base: Side
    head: Side
    marts: tuple[MartDiff, ...]
    deal_types: tuple[Totals, ...]
    broker_months: tuple[Totals, ...]  # the top moved ones, by absolute billed change
    broker_months_moved: int  # how many broker-months moved in all
    ledger: LedgerRowDiff
    balance: BalanceCheck
    schema_notes: tuple[str, ...] = field(default=())

    @property
    def ledger_unchanged(self) -> bool:
        return self.ledger.differing == 0 and not any(c.note for c in self.ledger.columns)

    def verdict(self) -> str:
        """The report's one-line conclusion."""
        if self.ledger_unchanged:
            line = "no change in the ledger"
        else:
            rows = self.ledger.differing
            line = (
                f"{rows} ledger row{'s' if rows != 1 else ''} differ "
                f"({self.ledger.added} added, {self.ledger.removed} removed, "
                f"{self.ledger.changed} changed), "
                f"billed total {signed_usd(self.ledger.billed_delta)}"
            )
        others = [m.name for m in self.marts if m.moved and m.name != LEDGER]
        if others:
            line += f"; values moved in {plural(len(others), 'other mart')}: {', '.join(others)}"
        if self.balance.is_balanced(self.balance.head) is False:
            line += "; the head ledger does NOT balance"
        return line


# -- the marts, by the dbt macro data_diff_marts -----------------------------------------------

_MARTS_LINE = "data_diff_marts: "


def mart_diffs(
    target: str,
    base_prefix: str,
    head_prefix: str,
    *,
    base_file: Path | None = None,
    head_file: Path | None = None,
    project_dir: Path = PROJECT_ROOT,
) -> tuple[MartDiff, ...]:
    """Every mart of the two builds compared by the macro, on the engine of `target`.

    DuckDB files are attached read-only to an in-memory DuckDB; PostgreSQL is that of
    BILLING_DB_*, the two builds told apart by their schema prefixes.
    """
    arguments: dict[str, str] = {
        "base_prefix": validate_identifier(base_prefix),
        "head_prefix": validate_identifier(head_prefix),
    }
    env = dict(os.environ)
    if base_file is not None and head_file is not None:
        for path in (base_file, head_file):
            if not path.is_file():
                raise FileNotFoundError(f"no DuckDB file at {path}")
        arguments |= {"base_file": str(base_file.resolve()), "head_file": str(head_file.resolve())}
        env["LEDGER_DUCKDB_PATH"] = ":memory:"
    work = project_dir / "target" / "data_diff"
    command = [str(dbt_executable()), "--quiet", "run-operation", "data_diff_marts"]
    command += ["--args", json.dumps(arguments), "--target", target]
    command += ["--target-path", str(work), "--log-path", str(work / "logs")]
    result = subprocess.run(
        command,
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith(_MARTS_LINE):
            items = json.loads(line[len(_MARTS_LINE) :])["marts"]
            return tuple(MartDiff.from_json(item) for item in items)
    output = (result.stdout + result.stderr).strip().splitlines()
    raise RuntimeError(
        f"dbt run-operation data_diff_marts exited {result.returncode}: " + " / ".join(output[-5:])
    )


# -- connections ----------------------------------------------------------------------------


@contextmanager
def duckdb_pair(base_path: Path, head_path: Path) -> Iterator[tuple[Warehouse, str, str]]:
    """One in-memory DuckDB with both files attached read-only: (warehouse, base, head alias).

    The same file given twice is attached once (DuckDB refuses a file attached twice); the
    two sides are then told apart by their schema prefixes.
    """
    for path in (base_path, head_path):
        if not path.is_file():
            raise FileNotFoundError(f"no DuckDB file at {path}")
    warehouse = DuckDBWarehouse(":memory:")
    try:
        _attach(warehouse, "diff_base", base_path)
        head_alias = "diff_base"
        if base_path.resolve() != head_path.resolve():
            head_alias = "diff_head"
            _attach(warehouse, head_alias, head_path)
        yield warehouse, "diff_base", head_alias
    finally:
        warehouse.close()


def _attach(warehouse: Warehouse, alias: str, path: Path) -> None:
    literal = str(path.resolve()).replace("'", "''")
    warehouse.execute(f"attach '{literal}' as {validate_identifier(alias)} (read_only)")


@contextmanager
def postgres_connection(settings: PostgresSettings | None = None) -> Iterator[Warehouse]:
    """A PostgreSQL session for the diff, with JIT off as for the job (docs/engines.md, JIT)."""
    warehouse = PostgresWarehouse(settings)
    try:
        warehouse.execute("set jit = off")
        yield warehouse
    finally:
        warehouse.close()


# -- the comparison ---------------------------------------------------------------------------


def compare(
    warehouse: Warehouse,
    base: Side,
    head: Side,
    *,
    marts: Sequence[MartDiff] = (),
    top: int = 10,
    examples: int = 5,
) -> DataDiff:
    """Compare the ledgers of `base` and `head`, both readable through `warehouse`; `marts`
    are mart_diffs' comparison of every mart."""
    if base.relation(LEDGER) == head.relation(LEDGER):
        raise ValueError(f"base and head are the same relation {base.relation(LEDGER)}")
    base_marts = _marts(warehouse, base)
    head_marts = _marts(warehouse, head)
    for side, names in ((base, base_marts), (head, head_marts)):
        if LEDGER not in names:
            raise ValueError(f"{side.label}: no {side.relation(LEDGER)}")
    base_columns = _columns(warehouse, base, LEDGER)
    head_columns = _columns(warehouse, head, LEDGER)
    for side, columns in ((base, base_columns), (head, head_columns)):
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ValueError(f"{side.label}: {side.relation(LEDGER)} lacks {', '.join(missing)}")

    deal_types, broker_months, moved = _group_totals(warehouse, base, head, top)
    ledger = _ledger_rows(warehouse, base, head, base_columns, head_columns, examples)
    balance = _balance(
        warehouse, base, head, BALANCE_CHECK in base_marts, BALANCE_CHECK in head_marts
    )
    notes = tuple(f"{c.column}: {c.note}" for c in ledger.columns if c.note)
    return DataDiff(
        base, head, tuple(marts), deal_types, broker_months, moved, ledger, balance, notes
    )


def _marts(warehouse: Warehouse, side: Side) -> set[str]:
    catalog = f" and table_catalog = '{side.catalog}'" if side.catalog else ""
    schema = validate_identifier(f"{side.prefix}_marts")
    rows = warehouse.query(
        f"select table_name from information_schema.tables where table_schema = '{schema}'{catalog}"
    )
    return {str(name) for (name,) in rows}


def _columns(warehouse: Warehouse, side: Side, table: str) -> dict[str, str]:
    """Column name -> type, in the table's order."""
    catalog = f" and table_catalog = '{side.catalog}'" if side.catalog else ""
    schema = validate_identifier(f"{side.prefix}_marts")
    rows = warehouse.query(
        "select column_name, data_type from information_schema.columns"
        f" where table_schema = '{schema}' and table_name = '{validate_identifier(table)}'"
        f"{catalog} order by ordinal_position"
    )
    return {str(name): str(kind).lower() for name, kind in rows}


def _group_totals(
    warehouse: Warehouse, base: Side, head: Side, top: int
) -> tuple[tuple[Totals, ...], tuple[Totals, ...], int]:
    """Totals by deal type, and the broker-months that moved (top N and how many in all).

    Both come from one grouping of each ledger by deal type, broker and month, kept in a
    temporary table so that each ledger view is read once for the two.
    """

    def grouped(side: Side) -> str:
        return (
            f"select coalesce(deal_type, '{_NULL_TEXT}') as deal_type,"
            f" coalesce(mortgage_broker_id, {_NULL_BROKER}) as broker_id,"
            " coalesce(cast(date_trunc('month', event_at) as date), date '0001-01-01') as month,"
            " count(*) as row_count, sum(billed_amount) as billed"
            f" from {side.relation(LEDGER)} group by 1, 2, 3"
        )

    warehouse.execute("drop table if exists data_diff_groups")
    warehouse.execute(
        "create temporary table data_diff_groups as"
        f" with b as ({grouped(base)}), h as ({grouped(head)})"
        " select coalesce(b.deal_type, h.deal_type) as deal_type,"
        " coalesce(b.broker_id, h.broker_id) as broker_id,"
        " coalesce(b.month, h.month) as month,"
        " coalesce(b.row_count, 0) as base_rows, coalesce(h.row_count, 0) as head_rows,"
        " coalesce(b.billed, 0) as base_billed, coalesce(h.billed, 0) as head_billed"
        " from b full outer join h"
        " on b.deal_type = h.deal_type and b.broker_id = h.broker_id and b.month = h.month"
    )
    deal_types = tuple(
        _totals((deal_type,), row)
        for deal_type, *row in warehouse.query(
            "select deal_type, sum(base_rows), sum(head_rows), sum(base_billed), sum(head_billed)"
            " from data_diff_groups group by deal_type order by deal_type"
        )
    )
    moved_rows = warehouse.query(
        "with by_broker_month as ("
        " select broker_id, month, sum(base_rows) as base_rows, sum(head_rows) as head_rows,"
        " sum(base_billed) as base_billed, sum(head_billed) as head_billed"
        " from data_diff_groups group by broker_id, month),"
        " moved as (select * from by_broker_month"
        " where base_billed <> head_billed or base_rows <> head_rows)"
        " select broker_id, month, base_rows, head_rows, base_billed, head_billed,"
        " count(*) over () as moved_count from moved"
        f" order by abs(head_billed - base_billed) desc, broker_id, month limit {int(top)}"
    )
    moved = int(moved_rows[0][-1]) if moved_rows else 0
    broker_months = tuple(
        _totals((None if broker == _NULL_BROKER else broker, month), row[:-1])
        for broker, month, *row in moved_rows
    )
    warehouse.execute("drop table data_diff_groups")
    return deal_types, broker_months, moved


def _totals(key: tuple[Any, ...], row: Sequence[Any]) -> Totals:
    base_rows, head_rows, base_billed, head_billed = row
    return Totals(key, int(base_rows), int(head_rows), _money(base_billed), _money(head_billed))


def _money(value: Any) -> Decimal:
    """An engine's numeric as Decimal; a float would mean inexact money somewhere upstream."""
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal | int):
        raise TypeError(f"money came back as {type(value).__name__}: {value!r}")
    return Decimal(value)


def _ledger_rows(
    warehouse: Warehouse,
    base: Side,
    head: Side,
    base_columns: dict[str, str],
    head_columns: dict[str, str],
    examples: int,
) -> LedgerRowDiff:
    common = [
        validate_identifier(c) for c in base_columns if c in head_columns and c != "ledger_id"
    ]
    notes: list[ColumnChange] = []
    compared: dict[str, str] = {}  # column -> its "differs" predicate
    for column in common:
        if base_columns[column] == head_columns[column]:
            compared[column] = f"b.{column} is distinct from h.{column}"
        else:
            compared[column] = (
                f"cast(b.{column} as varchar) is distinct from cast(h.{column} as varchar)"
            )
    order = ", ".join(common)

    def numbered(side: Side) -> str:
        return (
            f"select ledger_id, {order}, row_number() over"
            f" (partition by ledger_id order by {order}) as copy_number"
            f" from {side.relation(LEDGER)}"
        )

    both = "b.copy_number is not null and h.copy_number is not null"
    flags = ", ".join(
        f"case when {both} and {predicate} then 1 else 0 end as {column}__changed"
        for column, predicate in compared.items()
    )
    any_change = " + ".join(f"{column}__changed" for column in compared) or "0"
    sides = ", ".join(f"b.{c} as {c}__base, h.{c} as {c}__head" for c in common)
    warehouse.execute("drop table if exists data_diff_rows")
    # Every row of both sides goes through the join once; only the ones that differ, and
    # the per-side counts, are kept.
    warehouse.execute(
        "create temporary table data_diff_rows as"
        f" with b as ({numbered(base)}), h as ({numbered(head)}),"
        " joined as ("
        " select coalesce(b.ledger_id, h.ledger_id) as ledger_id,"
        " coalesce(b.copy_number, h.copy_number) as copy_number,"
        " b.copy_number as base_copy, h.copy_number as head_copy,"
        f" {flags + ',' if flags else ''} {sides + ',' if sides else ''}"
        " b.billed_amount as base_billed, h.billed_amount as head_billed"
        " from b full outer join h"
        " on b.ledger_id = h.ledger_id and b.copy_number = h.copy_number),"
        f" classified as (select *, case when base_copy is null then 'added'"
        " when head_copy is null then 'removed'"
        f" when ({any_change}) > 0 then 'changed' else 'unchanged' end as kind from joined)"
        " select * from classified"
    )
    column_sums = "".join(f", sum({column}__changed)" for column in compared)
    summary = warehouse.query(
        "select"
        " sum(case when kind = 'unchanged' then 1 else 0 end),"
        " sum(case when kind = 'changed' then 1 else 0 end),"
        " sum(case when kind = 'added' and copy_number = 1 then 1 else 0 end),"
        " sum(case when kind = 'added' and copy_number > 1 then 1 else 0 end),"
        " sum(case when kind = 'removed' and copy_number = 1 then 1 else 0 end),"
        " sum(case when kind = 'removed' and copy_number > 1 then 1 else 0 end),"
        " sum(case when base_copy = 2 then 1 else 0 end),"
        " sum(case when head_copy = 2 then 1 else 0 end),"
        " sum(case when base_copy > 1 then 1 else 0 end),"
        " sum(case when head_copy > 1 then 1 else 0 end),"
        " sum(case when base_copy is not null then 1 else 0 end),"
        " sum(case when head_copy is not null then 1 else 0 end),"
        f" sum(base_billed), sum(head_billed){column_sums}"
        " from data_diff_rows"
    )[0]
    counts = [int(v or 0) for v in summary[:12]]
    base_billed, head_billed = _money(summary[12]), _money(summary[13])
    changes = dict(zip(compared, (int(v or 0) for v in summary[14:]), strict=True))

    for column in common:
        if base_columns[column] != head_columns[column]:
            notes.append(
                ColumnChange(
                    column,
                    changes[column],
                    f"type {base_columns[column]} -> {head_columns[column]}",
                )
            )
        elif changes[column]:
            notes.append(ColumnChange(column, changes[column]))
    for column in base_columns:
        if column not in head_columns:
            notes.append(ColumnChange(column, 0, "only in base (removed by the head)"))
    for column in head_columns:
        if column not in base_columns:
            notes.append(ColumnChange(column, 0, "only in head (added by the head)"))

    shown = [c for c in EXAMPLE_COLUMNS if c in common]
    added = _examples(warehouse, "added", "head", shown, examples)
    removed = _examples(warehouse, "removed", "base", shown, examples)
    changed_examples: list[ChangedRow] = []
    if common:
        picked = ", ".join(f"{c}__changed, {c}__base, {c}__head" for c in common if c in compared)
        for ledger_id, copy_number, *values in warehouse.query(
            f"select ledger_id, copy_number, {picked} from data_diff_rows"
            f" where kind = 'changed' order by ledger_id, copy_number limit {int(examples)}"
        ):
            cells = []
            for index, column in enumerate(compared):
                flag, before, after = values[3 * index : 3 * index + 3]
                if flag:
                    cells.append((column, before, after))
            changed_examples.append(ChangedRow(str(ledger_id), int(copy_number), tuple(cells)))
    warehouse.execute("drop table data_diff_rows")

    (
        unchanged,
        changed,
        added_ids,
        added_copies,
        removed_ids,
        removed_copies,
        base_dup,
        head_dup,
        base_extra,
        head_extra,
        base_rows,
        head_rows,
    ) = counts
    return LedgerRowDiff(
        base_rows=base_rows,
        head_rows=head_rows,
        unchanged=unchanged,
        changed=changed,
        added_ids=added_ids,
        added_copies=added_copies,
        removed_ids=removed_ids,
        removed_copies=removed_copies,
        base_duplicated_ids=base_dup,
        head_duplicated_ids=head_dup,
        base_extra_copies=base_extra,
        head_extra_copies=head_extra,
        base_billed=base_billed,
        head_billed=head_billed,
        columns=tuple(notes),
        added_examples=added,
        removed_examples=removed,
        changed_examples=tuple(changed_examples),
    )


def _examples(
    warehouse: Warehouse, kind: str, side: str, columns: Sequence[str], limit: int
) -> tuple[ExampleRow, ...]:
    picked = "".join(f", {c}__{side}" for c in columns)
    rows = warehouse.query(
        f"select ledger_id, copy_number{picked} from data_diff_rows"
        f" where kind = '{kind}' order by ledger_id, copy_number limit {int(limit)}"
    )
    return tuple(
        ExampleRow(str(ledger_id), int(copy), tuple(zip(columns, values, strict=True)))
        for ledger_id, copy, *values in rows
    )


def _balance(
    warehouse: Warehouse, base: Side, head: Side, in_base: bool, in_head: bool
) -> BalanceCheck:
    sides = [(base, in_base), (head, in_head)]
    columns: list[str] = []
    for side, present in sides:
        if present:
            names = _columns(warehouse, side, BALANCE_CHECK)
            columns += [c for c in names if c not in columns and c not in _BALANCE_IGNORED]
    values: list[tuple[Any, ...] | None] = []
    for side, present in sides:
        if not present:
            values.append(None)
            continue
        names = _columns(warehouse, side, BALANCE_CHECK)
        picked = ", ".join(c if c in names else "null" for c in columns)
        rows = warehouse.query(f"select {picked} from {side.relation(BALANCE_CHECK)}")
        values.append(tuple(rows[0]) if rows else None)
    return BalanceCheck(tuple(columns), values[0], values[1])


# -- the report -------------------------------------------------------------------------------


def render_markdown(diff: DataDiff, *, title: str = "Data diff") -> str:
    """The report as GitHub markdown, ready to post as a pull request comment."""
    ledger = diff.ledger
    lines = [
        f"## {title}: `{diff.base.label}` → `{diff.head.label}`",
        "",
        f"**Verdict: {diff.verdict()}.**",
        "",
        "### Marts by grain key",
        "",
        "Each mart's rows of both builds joined on its grain key (copies of a key numbered):"
        " **values moved** marks every mart whose rows, values or columns differ.",
        "",
        "| mart | base | head | added | removed | changed | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    if not diff.marts:
        lines.append("| (not compared) | | | | | | |")
    for mart in diff.marts:
        flag = "**values moved**" if mart.moved else ""
        if mart.key is None:
            flag = (flag + " (no grain key: counted only)").strip()
        lines.append(
            f"| `{mart.name}` | {_count(mart.base_rows)} | {_count(mart.head_rows)}"
            f" | {mart.added:,} | {mart.removed:,} | {mart.changed:,} | {flag} |"
        )
    moved_columns: list[str] = []
    for mart in diff.marts:
        notes = [f"`{name}` {rows:,}" for name, rows in mart.changed_columns.items()]
        notes += [f"`{name}` only in base" for name in mart.base_only_columns]
        notes += [f"`{name}` only in head" for name in mart.head_only_columns]
        notes += [f"`{text}`" for text in mart.retyped_columns]
        if mart.base_extra_copies or mart.head_extra_copies:
            notes.append(
                f"extra copies of a key: base {mart.base_extra_copies:,},"
                f" head {mart.head_extra_copies:,}"
            )
        if notes:
            moved_columns.append(f"- `{mart.name}`: {', '.join(notes)}")
    if moved_columns:
        lines += ["", "Columns whose values moved (rows changed in each):", "", *moved_columns]

    lines += [
        "",
        "### Billed amount by deal type (`lead_sales_ledger`)",
        "",
        "| deal type | rows base | rows head | billed base | billed head | change |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for totals in diff.deal_types:
        lines.append(
            f"| {_cell(totals.key[0])} | {totals.base_rows:,} | {totals.head_rows:,}"
            f" | {format_usd(totals.base_billed)} | {format_usd(totals.head_billed)}"
            f" | {signed_usd(totals.billed_delta)} |"
        )
    lines.append(
        f"| **total** | {ledger.base_rows:,} | {ledger.head_rows:,}"
        f" | {format_usd(ledger.base_billed)} | {format_usd(ledger.head_billed)}"
        f" | {signed_usd(ledger.billed_delta)} |"
    )

    lines += ["", "### Broker and month totals that moved", ""]
    if diff.broker_months_moved == 0:
        lines.append("No broker's monthly rows or billed amount moved.")
    else:
        shown = len(diff.broker_months)
        lines += [
            f"{diff.broker_months_moved:,} broker-month"
            f"{'s' if diff.broker_months_moved != 1 else ''} moved; "
            + (
                f"the top {shown} by absolute change:"
                if shown < diff.broker_months_moved
                else "all of them, by absolute change:"
            ),
            "",
            "| broker | month | rows base | rows head | billed base | billed head | change |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for totals in diff.broker_months:
            broker, month = totals.key
            lines.append(
                f"| {_cell(broker)} | {_month(month)} | {totals.base_rows:,}"
                f" | {totals.head_rows:,} | {format_usd(totals.base_billed)}"
                f" | {format_usd(totals.head_billed)} | {signed_usd(totals.billed_delta)} |"
            )

    lines += [
        "",
        "### Ledger rows by `ledger_id`",
        "",
        "| | rows |",
        "|---|---:|",
        f"| unchanged | {ledger.unchanged:,} |",
        f"| changed | {ledger.changed:,} |",
        f"| added: new ledger_id | {ledger.added_ids:,} |",
        f"| added: extra copy of a ledger_id | {ledger.added_copies:,} |",
        f"| removed: ledger_id gone | {ledger.removed_ids:,} |",
        f"| removed: copy of a ledger_id | {ledger.removed_copies:,} |",
        "",
        f"Duplicated ledger_ids: base {ledger.base_duplicated_ids:,}"
        f" ({plural(ledger.base_extra_copies, 'extra row')}),"
        f" head {ledger.head_duplicated_ids:,} ({plural(ledger.head_extra_copies, 'extra row')}).",
    ]
    if ledger.columns:
        lines += ["", "Columns that changed:", "", "| column | rows | note |", "|---|---:|---|"]
        for column in ledger.columns:
            lines.append(f"| `{column.column}` | {column.rows:,} | {column.note} |")
    if ledger.changed_examples:
        lines += [
            "",
            "<details><summary>Changed rows (examples)</summary>",
            "",
            "| ledger_id | copy | column | base | head |",
            "|---|---:|---|---|---|",
        ]
        for row in ledger.changed_examples:
            for column, before, after in row.changes:
                lines.append(
                    f"| `{_escape(row.ledger_id)}` | {row.copy_number} | `{column}`"
                    f" | {_cell(before)} | {_cell(after)} |"
                )
        lines += ["", "</details>"]
    for heading, rows in (
        ("Added rows (examples, head values)", ledger.added_examples),
        ("Removed rows (examples, base values)", ledger.removed_examples),
    ):
        if not rows:
            continue
        names = [name for name, _ in rows[0].values]
        lines += [
            "",
            f"<details><summary>{heading}</summary>",
            "",
            "| ledger_id | copy | " + " | ".join(names) + " |",
            "|---|---:|" + "---|" * len(names),
        ]
        for row in rows:
            cells = " | ".join(_cell(value) for _, value in row.values)
            lines.append(f"| `{_escape(row.ledger_id)}` | {row.copy_number} | {cells} |")
        lines += ["", "</details>"]

    lines += ["", "### `ledger_balance_check`", ""]
    balance = diff.balance
    if balance.base is None and balance.head is None:
        lines.append("Not built on either side.")
    else:
        lines += ["| | base | head |", "|---|---:|---:|"]
        for index, column in enumerate(balance.columns):
            before = _cell(balance.base[index]) if balance.base is not None else "(missing)"
            after = _cell(balance.head[index]) if balance.head is not None else "(missing)"
            marker = " **≠**" if before != after else ""
            lines.append(f"| `{column}`{marker} | {before} | {after} |")
    lines.append("")
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "(missing)" if value is None else f"{value:,}"


def _signed_int(value: int) -> str:
    return f"{value:+,}" if value else "0"


def _month(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m")
    return _cell(value)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return _escape(str(value))
