"""What a pull request changes in the numbers: two builds' marts compared on the engine.

The comparison is the dbt macro `data_diff` (macros/data_diff/), run by `dbt run-operation`:
every mart joined to its other build on its grain key, and the ledger row by row, grouped by
deal type and broker-month, and its balance check side by side. It prints one JSON line whose
fields are named; this module only invokes dbt, reads that line into the dataclasses below
(money as Decimal: the macro sends decimals as text); data_diff_report renders the markdown.

The two builds are two DuckDB files (attached read-only to an in-memory DuckDB) or two schema
prefixes (`LEDGER_SCHEMA`) of one database.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from ledger_job.money import plural
from ledger_job.paths import PROJECT_ROOT, dbt_executable
from ledger_tools.data_diff_report import render_markdown as render_markdown
from ledger_tools.data_diff_report import signed_usd
from ledger_tools.warehouse import validate_identifier

LEDGER = "lead_sales_ledger"
_LINE = "data_diff: "
_DECIMAL = "__decimal__"  # the macro's {"__decimal__": "<text>"}: a decimal kept exact


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
class Engine:
    """Where dbt runs the macro: a target of profiles.yml and, for DuckDB, the two files."""

    target: str
    base_file: Path | None = None
    head_file: Path | None = None
    project_dir: Path = PROJECT_ROOT


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
        counts = ("added", "removed", "changed", "base_extra_copies", "head_extra_copies")
        names = ("base_only_columns", "head_only_columns", "retyped_columns")
        return cls(
            name=str(item["name"]),
            key=item.get("key"),
            base_rows=item.get("base_rows"),
            head_rows=item.get("head_rows"),
            changed_columns={str(k): int(v) for k, v in item.get("changed_columns", {}).items()},
            **{name: int(item.get(name, 0)) for name in counts},
            **{name: tuple(item.get(name, ())) for name in names},
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

    @classmethod
    def from_json(cls, key: tuple[Any, ...], item: dict[str, Any]) -> Totals:
        rows = int(item["base_rows"] or 0), int(item["head_rows"] or 0)
        return cls(key, *rows, _money(item["base_billed"]), _money(item["head_billed"]))


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

    @classmethod
    def from_json(cls, ledger: dict[str, Any]) -> LedgerRowDiff:
        counts = ledger["counts"]
        shown = ledger["example_columns"]

        def examples(kind: str) -> tuple[ExampleRow, ...]:
            return tuple(
                ExampleRow(
                    str(row["ledger_id"]),
                    int(row["copy_number"]),
                    tuple((name, row[name]) for name in shown),
                )
                for row in ledger[f"{kind}_examples"]
            )

        return cls(
            # Every int field is a count of the macro's summary, under the same name.
            **{f.name: int(counts[f.name] or 0) for f in fields(cls) if f.type == "int"},
            base_billed=_money(counts["base_sum__billed_amount"]),
            head_billed=_money(counts["head_sum__billed_amount"]),
            columns=tuple(ColumnChange(**item) for item in ledger["columns"]),
            added_examples=examples("added"),
            removed_examples=examples("removed"),
            changed_examples=tuple(
                ChangedRow(
                    str(row["ledger_id"]),
                    int(row["copy_number"]),
                    tuple((c["column"], c["base"], c["head"]) for c in row["changes"]),
                )
                for row in ledger["changed_examples"]
            ),
        )


@dataclass(frozen=True)
class BalanceCheck:
    columns: tuple[str, ...]
    base: tuple[Any, ...] | None  # None: no such view on that side
    head: tuple[Any, ...] | None

    def is_balanced(self, side: tuple[Any, ...] | None) -> bool | None:
        if side is None or "is_balanced" not in self.columns:
            return None
        return bool(side[self.columns.index("is_balanced")])

    @classmethod
    def from_json(cls, balance: dict[str, Any]) -> BalanceCheck:
        columns = tuple(balance["columns"])

        def values(side: dict[str, Any] | None) -> tuple[Any, ...] | None:
            return None if side is None else tuple(side[name] for name in columns)

        return cls(columns, values(balance["base"]), values(balance["head"]))


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


# -- the engines ------------------------------------------------------------------------------


@contextmanager
def duckdb_pair(base_path: Path, head_path: Path) -> Iterator[tuple[Engine, str, str]]:
    """Two DuckDB files for the macro, which attaches them read-only to an in-memory DuckDB:
    (engine, base alias, head alias). The same file given twice is attached once; the two
    sides are then told apart by their schema prefixes."""
    for path in (base_path, head_path):
        if not path.is_file():
            raise FileNotFoundError(f"no DuckDB file at {path}")
    same = base_path.resolve() == head_path.resolve()
    yield Engine("dev", base_path, head_path), "diff_base", "diff_base" if same else "diff_head"


def compare(
    engine: Engine,
    base: Side,
    head: Side,
    *,
    with_marts: bool = False,
    top: int = 10,
    examples: int = 5,
) -> DataDiff:
    """The ledgers of `base` and `head` compared by the macro and, `with_marts`, every mart."""
    if base.relation(LEDGER) == head.relation(LEDGER):
        raise ValueError(f"base and head are the same relation {base.relation(LEDGER)}")
    arguments: dict[str, Any] = {
        "base_prefix": validate_identifier(base.prefix),
        "head_prefix": validate_identifier(head.prefix),
        "base_label": base.label,
        "head_label": head.label,
        "top": int(top),
        "examples": int(examples),
        "marts": with_marts,
    }
    found = run_macro(engine, arguments)
    ledger = found["ledger"]
    ledger_rows = LedgerRowDiff.from_json(ledger)
    return DataDiff(
        base,
        head,
        tuple(MartDiff.from_json(item) for item in found["marts"]),
        tuple(Totals.from_json((t["deal_type"],), t) for t in ledger["deal_types"]),
        tuple(
            Totals.from_json((t["mortgage_broker_id"], t["month_start"]), t)
            for t in ledger["broker_months"]
        ),
        int(ledger["broker_months_moved"]),
        ledger_rows,
        BalanceCheck.from_json(ledger["balance"]),
        tuple(f"{c.column}: {c.note}" for c in ledger_rows.columns if c.note),
    )


def run_macro(engine: Engine, arguments: dict[str, Any]) -> dict[str, Any]:
    """`dbt run-operation data_diff` on the engine; its JSON line, decimals as Decimal."""
    env = dict(os.environ)
    if engine.base_file is not None and engine.head_file is not None:
        arguments = arguments | {
            "base_file": str(engine.base_file.resolve()),
            "head_file": str(engine.head_file.resolve()),
        }
        env["LEDGER_DUCKDB_PATH"] = ":memory:"
    work = engine.project_dir / "target" / "data_diff"
    command = [str(dbt_executable()), "--quiet", "run-operation", "data_diff"]
    command += ["--args", json.dumps(arguments), "--target", engine.target]
    command += ["--target-path", str(work), "--log-path", str(work / "logs")]
    result = subprocess.run(
        command, cwd=engine.project_dir, env=env, capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith(_LINE):
            found: dict[str, Any] = json.loads(line[len(_LINE) :], object_hook=_decimal)
            return found
    output = (result.stdout + result.stderr).strip().splitlines()
    for before, line in pairwise(output):
        if "Compilation Error in macro" in before:  # the macro refused a side, naming it
            raise ValueError(line.strip())
    raise RuntimeError(
        f"dbt run-operation data_diff exited {result.returncode}: " + " / ".join(output[-5:])
    )


def _decimal(item: dict[str, Any]) -> Any:
    return Decimal(item[_DECIMAL]) if item.keys() == {_DECIMAL} else item


def _money(value: Any) -> Decimal:
    """An engine's numeric as Decimal; a float would mean inexact money somewhere upstream."""
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal | int):
        raise TypeError(f"money came back as {type(value).__name__}: {value!r}")
    return Decimal(value)
