"""Analysts' reads, timed on the views and on table copies of the same relations.

The copies stand for the legacy pattern: a consolidation job materializing the ledger into
a table after each load. Reads of a view recompute it; reads of the copy do not. The ratio
view/table is what reading through views costs the analyst.

Every read runs once as a warm-up (caches, DuckDB's first touch of the file, PostgreSQL's
catalog cache) whose time is kept apart, then `repeats` times; the figure is the median of
those. A read whose warm-up takes longer than `once_over_s` is not repeated: at that length
caches no longer matter, and repeating a ten-minute query would only make the run last
hours; its one run is the figure. The SQL is the same text on both engines.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger_ops.benchmark.engines import COPY_SCHEMA, Session

COPIED = ("lead_sales_ledger", "ledger_balance_check", "account_balances")


@dataclass(frozen=True)
class Read:
    key: str
    label: str
    sql: str  # {relation} placeholders, plus {broker_id}, {month_start}, {month_end}


READS: tuple[Read, ...] = (
    Read(
        "ledger_total",
        "ledger rows and billed total",
        "select count(*) as row_count, sum(billed_amount) as billed_amount"
        " from {lead_sales_ledger}",
    ),
    Read(
        "broker_month",
        "revenue by broker and month",
        "select mortgage_broker_id, date_trunc('month', event_at) as billing_month,"
        " sum(billed_amount) as billed_amount from {lead_sales_ledger}"
        " group by mortgage_broker_id, date_trunc('month', event_at) order by 1, 2",
    ),
    Read("balance_check", "ledger_balance_check", "select * from {ledger_balance_check}"),
    Read("account_balances", "account_balances", "select * from {account_balances}"),
    Read(
        "broker_ledger",
        "one broker's ledger for one month",
        "select * from {lead_sales_ledger} where mortgage_broker_id = {broker_id}"
        " and event_at >= timestamp '{month_start}' and event_at < timestamp '{month_end}'"
        " order by event_at, ledger_id",
    ),
)


@dataclass(frozen=True)
class BrokerMonth:
    """The filter of the one-broker read: the broker with the most ledger rows (ties: the
    smallest id), and its month with the most rows (ties: the earliest)."""

    broker_id: int
    month: date

    @property
    def month_end(self) -> date:
        year, month = divmod(self.month.year * 12 + self.month.month, 12)
        return date(year, month + 1, 1)

    def label(self) -> str:
        return f"broker {self.broker_id}, {self.month:%Y-%m}"


@dataclass(frozen=True)
class Timing:
    warmup_s: float
    median_s: float  # of runs_s; the warm-up itself when the read was too slow to repeat
    runs_s: list[float]

    @property
    def repeated(self) -> bool:
        return bool(self.runs_s)


@dataclass(frozen=True)
class ReadFigures:
    key: str
    label: str
    sql: str  # as run on the views
    view: Timing | None
    table: Timing | None
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.view is None or self.table is None or self.table.median_s <= 0:
            return None
        return self.view.median_s / self.table.median_s


def copy_relations() -> dict[str, str]:
    return {name: f"{COPY_SCHEMA}.{name}" for name in COPIED}


def render(read: Read, relations: dict[str, str], filters: BrokerMonth) -> str:
    return read.sql.format(
        **relations,
        broker_id=filters.broker_id,
        month_start=f"{filters.month:%Y-%m-%d}",
        month_end=f"{filters.month_end:%Y-%m-%d}",
    )


def create_copies(session: Session, views: dict[str, str], *, analyze: bool) -> None:
    """Table copies of the marts, as the legacy consolidation made them after a load."""
    session.execute(f"drop schema if exists {COPY_SCHEMA} cascade")
    session.execute(f"create schema {COPY_SCHEMA}")
    for name, table in copy_relations().items():
        session.execute(f"create table {table} as select * from {views[name]}")
        if analyze:
            session.execute(f"analyze {table}")


def pick_broker_month(session: Session, ledger: str) -> BrokerMonth:
    broker = session.query(
        f"select mortgage_broker_id from {ledger} where mortgage_broker_id is not null"
        " group by mortgage_broker_id order by count(*) desc, mortgage_broker_id limit 1"
    )[0][0]
    month: Any = session.query(
        f"select date_trunc('month', event_at) from {ledger}"
        f" where mortgage_broker_id = {int(broker)}"
        " group by date_trunc('month', event_at) order by count(*) desc, 1 limit 1"
    )[0][0]
    if isinstance(month, datetime):
        month = month.date()
    return BrokerMonth(int(broker), month)


def time_read(
    session: Session, sql: str, repeats: int, once_over_s: float
) -> tuple[Timing, list[tuple[Any, ...]]]:
    """The warm-up time, the median of `repeats` runs, and the rows of the last run.

    Fetching every row is part of the time: the analyst waits for the result, not for the
    first byte of it.
    """
    runs: list[float] = []
    rows: list[tuple[Any, ...]] = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        rows = session.query(sql)
        runs.append(time.perf_counter() - started)
        if runs[0] > once_over_s:
            return Timing(runs[0], runs[0], []), rows
    return Timing(runs[0], statistics.median(runs[1:]), runs[1:]), rows


def run_reads(
    session: Session,
    views: dict[str, str],
    filters: BrokerMonth,
    repeats: int,
    once_over_s: float,
) -> tuple[list[ReadFigures], tuple[int, Decimal] | None]:
    """Every read on the views and on the copies, and the ledger totals the first read
    returned from the views (rows, sum of billed_amount)."""
    figures: list[ReadFigures] = []
    totals: tuple[int, Decimal] | None = None
    for read in READS:
        view_sql = render(read, views, filters)
        try:
            view, rows = time_read(session, view_sql, repeats, once_over_s)
            table_sql = render(read, copy_relations(), filters)
            table, _ = time_read(session, table_sql, repeats, once_over_s)
        except Exception as exc:  # a mart missing from an older checkout, say
            figures.append(ReadFigures(read.key, read.label, view_sql, None, None, _one_line(exc)))
            continue
        if read.key == "ledger_total":
            totals = (int(rows[0][0]), Decimal(rows[0][1] or 0))
        figures.append(ReadFigures(read.key, read.label, view_sql, view, table))
    return figures, totals


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
