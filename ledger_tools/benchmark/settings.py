"""The benchmark's command line: scales, engines, repeats and the checkout to build."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger_job import paths
from ledger_tools import demo_data
from ledger_tools.benchmark.build import BUILDERS, Checkout
from ledger_tools.benchmark.engines import ENGINE_NAMES


@dataclass(frozen=True)
class Settings:
    scales: list[float]
    engines: list[str]
    repeats: int
    seed: int
    once_over_s: float
    checkout: Checkout
    workdir: Path | None = None
    keep: bool = False
    json_path: Path | None = None
    markdown_path: Path | None = None
    pg_options: str = ""


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more: {text!r}")
    return int(text)


def _words(values: list[str]) -> list[str]:
    # `--engines "duckdb postgres"` (one word from make) and `--engines duckdb postgres`.
    return [word for value in values for word in value.replace(",", " ").split()]


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="benchmark_build.py",
        description="Time the nightly job and analysts' reads at growing data sizes, on "
        "DuckDB and PostgreSQL side by side. Prints figures, asserts nothing.",
    )
    parser.add_argument("--scales", nargs="+", default=["1", "10"], help="default: 1 10")
    parser.add_argument(
        "--engines", nargs="+", default=list(ENGINE_NAMES), help="default: duckdb postgres"
    )
    parser.add_argument(
        "--repeats", type=_positive, default=5, help="timed runs per read, after one warm-up"
    )
    parser.add_argument(
        "--once-over",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a read whose warm-up takes longer runs only that once (default 60)",
    )
    parser.add_argument("--seed", type=int, default=42, help="demo data seed (default 42)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep DuckDB files, dbt targets and logs here (default: a temp dir, removed)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temp dir and the ledger_bench_* PostgreSQL schemas of the last scale",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=paths.PROJECT_ROOT,
        help="the checkout whose models (and job) are benchmarked (default: this one)",
    )
    parser.add_argument(
        "--build",
        choices=BUILDERS,
        default="job",
        help="job: the checkout's nightly job (default); dbt: `dbt build` with this venv",
    )
    parser.add_argument(
        "--pg-options",
        default="",
        metavar="OPTIONS",
        help="settings of every PostgreSQL session, build and reads, e.g. '-c jit=off'",
    )
    parser.add_argument("--json", type=Path, dest="json_path", help="write every figure here")
    parser.add_argument("--markdown", type=Path, dest="markdown_path", help="markdown tables")
    args = parser.parse_args(argv)
    engines = _words(args.engines)
    unknown = sorted(set(engines) - set(ENGINE_NAMES))
    if unknown or not engines:
        parser.error(f"--engines: choose from {', '.join(ENGINE_NAMES)}, got {engines}")
    try:
        scales = [demo_data.parse_scale(word) for word in _words(args.scales)]
    except argparse.ArgumentTypeError as exc:
        parser.error(f"--scales: {exc}")
    return Settings(
        scales=scales,
        engines=list(dict.fromkeys(engines)),
        repeats=args.repeats,
        seed=args.seed,
        once_over_s=args.once_over,
        pg_options=args.pg_options,
        checkout=Checkout(args.project_dir.resolve(), args.build),
        workdir=args.workdir.resolve() if args.workdir else None,
        keep=args.keep,
        json_path=args.json_path,
        markdown_path=args.markdown_path,
    )
