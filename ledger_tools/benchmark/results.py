"""Every figure of a benchmark run, as plain dataclasses (JSON through dataclasses.asdict)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger_tools.benchmark.build import BuildFigures
from ledger_tools.benchmark.process import Measured
from ledger_tools.benchmark.reads import BrokerMonth, ReadFigures


@dataclass
class EngineFigures:
    engine: str
    raw_rows: int | None = None
    load: Measured | None = None  # the demo data generator, as a child process
    analyze_s: float = 0.0  # PostgreSQL: ANALYZE of the raw tables, part of load_s
    parse: Measured | None = None  # the untimed `dbt parse` that warms the parse cache
    job: Measured | None = None  # the nightly job (or `dbt build`)
    build: BuildFigures | None = None
    copies_s: float | None = None
    ledger_rows: int | None = None
    ledger_billed: str | None = None  # exact decimal text
    reads: list[ReadFigures] = field(default_factory=list)
    error: str | None = None
    indexes: Measured | None = None  # PostgreSQL: `dbt run-operation create_raw_indexes`
    indexes_error: str | None = None  # why the indexed reads are missing (the run goes on)

    @property
    def load_s(self) -> float | None:
        return None if self.load is None else self.load.seconds + self.analyze_s


@dataclass
class ScaleFigures:
    scale: float
    engines: list[EngineFigures] = field(default_factory=list)
    filters: BrokerMonth | None = None
    # 1, 5 and 15 minute load averages once the scale is done: other work on the machine
    # during the scale shows here, the benchmark's own adding about 1 to 2 on its own.
    load_average: str | None = None
