"""Analysts' reads (reads.sql), timed on the views and on table copies of the same marts.

The copies stand for the legacy consolidation job's table: view/table is what reading through
views costs, and a selective read is also set against the whole-ledger total of its run. Each
read runs once as a warm-up, then `repeats` times (the figure: their median), unless the
warm-up took over `once_over_s`, when caches no longer matter and that one run is the figure.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger_tools.benchmark.engines import COPY_SCHEMA, Session

COPIED = ("lead_sales_ledger", "ledger_entries", "ledger_balance_check", "account_balances")
TOTAL_READ = "ledger_total"


@dataclass(frozen=True)
class Read:
    key: str
    label: str
    sql: str  # on one line, with the placeholders of reads.sql


def _reads(path: Path) -> tuple[Read, ...]:
    """The reads of reads.sql, each opened by a `-- key: label` line, in file order."""
    found = re.findall(r"^-- (\w+): (.+)\n((?:[^-\n].*\n?)+)", path.read_text(), re.MULTILINE)
    return tuple(Read(key, label, " ".join(sql.split())) for key, label, sql in found)


READS = _reads(Path(__file__).with_name("reads.sql"))


@dataclass(frozen=True)
class BrokerMonth:
    """The busiest broker, its busiest month and that month's busiest day (ties: smallest)."""

    broker_id: int
    month: date
    day: date | None = None

    @property
    def busy_day(self) -> date:
        return self.day or self.month.replace(day=15)

    @property
    def month_end(self) -> date:
        year, month = divmod(self.month.year * 12 + self.month.month, 12)
        return date(year, month + 1, 1)

    def label(self) -> str:
        return f"broker {self.broker_id}, {self.month:%Y-%m}"

    def day_label(self) -> str:
        return f"{self.busy_day:%Y-%m-%d}"


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
    indexed: Timing | None = None  # the views again, the raw tables indexed (PostgreSQL)
    published: Timing | None = None  # the copy the job published (DuckDB)

    @property
    def ratio(self) -> float | None:
        return _ratio(self.view, self.table)


def _ratio(numerator: Timing | None, denominator: Timing | None) -> float | None:
    if numerator is None or denominator is None or denominator.median_s <= 0:
        return None
    return numerator.median_s / denominator.median_s


def ratio_to_total(figures: list[ReadFigures], key: str, kind: str = "view") -> float | None:
    """A read's median over the ledger_total read's, both of `kind` (view, indexed, ...)."""
    found = {f.key: getattr(f, kind) for f in figures}
    return _ratio(found.get(key), found.get(TOTAL_READ))


def copy_relations() -> dict[str, str]:
    return {name: f"{COPY_SCHEMA}.{name}" for name in COPIED}


def render(read: Read, relations: dict[str, str], filters: BrokerMonth) -> str:
    return read.sql.format(
        **relations,
        broker_id=filters.broker_id,
        month_start=f"{filters.month:%Y-%m-%d}",
        month_end=f"{filters.month_end:%Y-%m-%d}",
        day=f"{filters.busy_day:%Y-%m-%d}",
        day_end=f"{filters.busy_day + timedelta(days=1):%Y-%m-%d}",
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
    filters = BrokerMonth(int(broker), month)
    day: Any = session.query(
        f"select cast(event_at as date) from {ledger}"
        f" where event_at >= timestamp '{filters.month:%Y-%m-%d}'"
        f" and event_at < timestamp '{filters.month_end:%Y-%m-%d}'"
        " group by cast(event_at as date) order by count(*) desc, 1 limit 1"
    )[0][0]
    return BrokerMonth(filters.broker_id, month, day.date() if isinstance(day, datetime) else day)


def time_read(
    session: Session, sql: str, repeats: int, once_over_s: float
) -> tuple[Timing, list[tuple[Any, ...]]]:
    """Warm-up, median of `repeats` runs and the last rows; fetching them all is timed too."""
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


def time_again(
    session: Session,
    figures: list[ReadFigures],
    relations: dict[str, str],
    filters: BrokerMonth | None,
    settings: Any,
    kind: str,
) -> list[ReadFigures]:
    """The reads once more on `relations` (the views once indexed, or the published copy),
    their timings kept as `kind`; a read that fails there keeps none. `settings` gives
    repeats and once_over_s."""
    assert filters is not None
    again: list[ReadFigures] = []
    for read, found in zip(READS, figures, strict=True):
        sql = render(read, relations, filters)
        try:
            timing, _ = time_read(session, sql, settings.repeats, settings.once_over_s)
        except Exception:  # an older checkout's copy may lack a mart; shown as a dash
            timing = None
        again.append(dataclasses.replace(found, **{kind: timing}))
    return again


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
