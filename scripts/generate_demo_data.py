"""Create the raw schemas and load deterministic demo data into DuckDB or PostgreSQL.

Demo rows are never mixed with real ones: without --replace nothing is written when a
raw schema already exists, and --if-absent refuses outright when only some exist.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from ledger_tools import demo_data
from ledger_tools.warehouse import ENGINES, Warehouse, open_target


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target", choices=ENGINES, default="duckdb", help="engine to load (default duckdb)"
    )
    parser.add_argument(
        "--scale",
        type=demo_data.parse_scale,
        default=1.0,
        help="1.0 is about 2,000 deliveries (default)",
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="same seed and scale, same rows (default 42)"
    )
    parser.add_argument(
        "--as-of",
        type=demo_data.parse_as_of,
        default=None,
        metavar="YYYY-MM-DD",
        help="the last day of the data (default: today, UTC, so sources are fresh; "
        f"{demo_data.FIXED_AS_OF} is the fixed demo the tests use)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--if-absent",
        action="store_true",
        help="load only when no raw schema exists; leave them alone when all exist",
    )
    mode.add_argument(
        "--replace",
        action="store_true",
        help="drop the raw schemas (and, on PostgreSQL, views built on them) and reload",
    )
    parser.add_argument(
        "--schema",
        action="append",
        default=[],
        metavar="RAW=ACTUAL",
        help="name of a raw schema in this environment, as the dbt var *_schema says",
    )
    args = parser.parse_args(argv)
    try:  # RAW one of the raw schemas, ACTUAL a plain lower-case identifier
        args.names = demo_data.resolve_schema_names(
            dict(s.partition("=")[::2] for s in args.schema)
        )
    except ValueError as exc:
        parser.error(f"--schema: {exc}")
    return args


def _check_absent(warehouse: Warehouse, schemas: list[str], if_absent: bool) -> int | None:
    """An exit code when loading must not go ahead, None when it may."""
    present = [s for s in schemas if warehouse.schema_exists(s)]
    if not present:
        return None
    missing = [s for s in schemas if s not in present]
    where = warehouse.describe()
    if if_absent and not missing:
        print(f"raw schemas {', '.join(present)} already present in {where}; left untouched")
        return 0
    if if_absent:
        print(
            f"error: only some raw schemas exist in {where}: present {', '.join(present)}; "
            f"missing {', '.join(missing)}. Refusing to mix demo data with real data: "
            "load the missing schemas, or drop the present ones.",
            file=sys.stderr,
        )
    else:
        print(
            f"error: raw schemas {', '.join(present)} already exist in {where}; "
            "pass --if-absent to keep them or --replace to reload the demo data",
            file=sys.stderr,
        )
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.names
    schemas = list(dict.fromkeys(names.values()))
    with open_target(args.target) as warehouse:
        if not args.replace:
            refused = _check_absent(warehouse, schemas, args.if_absent)
            if refused is not None:
                return refused
        started = time.perf_counter()
        as_of = args.as_of or datetime.now(UTC).date()
        data = demo_data.generate_tables(args.seed, args.scale, as_of)
        generated = time.perf_counter()
        counts = demo_data.load_tables(warehouse, data, names, replace=args.replace)
        loaded = time.perf_counter()
        where = warehouse.describe()
    width = max(len(f"{names[s]}.{t}") for s, t in counts)
    for (schema, table), count in counts.items():
        print(f"{f'{names[schema]}.{table}':<{width}}  {count:>8,}")
    print(
        f"loaded {sum(counts.values()):,} rows into {where} "
        f"(seed {args.seed}, scale {args.scale:g}, as of {as_of}): "
        f"generated in {generated - started:.2f} s, loaded in {loaded - generated:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
