"""Timings of the dbt build and of reads of the marts views on DuckDB, at a given data size.

Views recompute on every read, so the read timings matter as much as the build: they are
what an analyst waits for.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ledger_ops import demo_data
from ledger_ops.dbt_runner import DbtRunner
from ledger_ops.warehouse import connect

READS: dict[str, str] = {
    "ledger": "select count(*), sum(billed_amount) from ledger_marts.lead_sales_ledger",
    "entries": "select count(*), sum(debit) - sum(credit) from ledger_marts.ledger_entries",
    "balance": "select * from ledger_marts.ledger_balance_check",
}


@dataclass(frozen=True)
class BenchmarkResult:
    scale: float
    raw_rows: int
    load_seconds: float
    build_seconds: float
    build_succeeded: bool
    ledger_rows: int
    read_seconds: dict[str, float]


def benchmark_scale(workdir: Path, scale: float, seed: int) -> BenchmarkResult:
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "ledger.duckdb"

    started = time.perf_counter()
    data = demo_data.generate(seed, scale)
    with connect("duckdb", duckdb_path=database) as warehouse:
        demo_data.load(warehouse, data)
    load_seconds = time.perf_counter() - started

    runner = DbtRunner(
        target="dev",
        target_path=workdir / "target",
        env=dict(os.environ, LEDGER_DUCKDB_PATH=str(database)),
    )
    started = time.perf_counter()
    build = runner.build()
    build_seconds = time.perf_counter() - started

    read_seconds: dict[str, float] = {}
    ledger_rows = 0
    if build.returncode == 0:
        with connect("duckdb", duckdb_path=database) as warehouse:
            for name, sql in READS.items():
                started = time.perf_counter()
                rows = warehouse.query(sql)
                read_seconds[name] = time.perf_counter() - started
                if name == "ledger":
                    ledger_rows = int(rows[0][0])

    return BenchmarkResult(
        scale=scale,
        raw_rows=sum(len(rows) for rows in data.values()),
        load_seconds=load_seconds,
        build_seconds=build_seconds,
        build_succeeded=build.returncode == 0,
        ledger_rows=ledger_rows,
        read_seconds=read_seconds,
    )


def format_header() -> str:
    reads = "".join(f"{'read ' + name + ' s':>16}" for name in READS)
    return f"{'scale':>7}{'raw rows':>10}{'load s':>8}{'build s':>9}{'ledger rows':>13}{reads}"


def format_row(result: BenchmarkResult) -> str:
    if not result.build_succeeded:
        return f"{result.scale:>7g}{result.raw_rows:>10}  dbt build failed"
    reads = "".join(f"{result.read_seconds[name]:>16.3f}" for name in READS)
    return (
        f"{result.scale:>7g}{result.raw_rows:>10}{result.load_seconds:>8.2f}"
        f"{result.build_seconds:>9.1f}{result.ledger_rows:>13}{reads}"
    )
