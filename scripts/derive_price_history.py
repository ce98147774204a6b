"""Derive billing.product_price_history from the legacy ledger table, for the cutover.

Prints the derived versions and every assumption made (stray prices, the first price's
start, the change to the snapshot's first version); with --write loads them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ledger_tools import price_history
from ledger_tools.raw_schema import raw_schema_names
from ledger_tools.warehouse import ENGINES, open_target, validate_identifier


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=ENGINES, default="duckdb")
    parser.add_argument(
        "--write",
        action="store_true",
        help="load the versions into product_price_history (refused when it holds rows)",
    )
    parser.add_argument("--replace", action="store_true", help="with --write: replace its rows")
    parser.add_argument(
        "--min-run-rows",
        type=int,
        default=price_history.MIN_RUN_ROWS,
        help="a price on fewer rows between two runs of one other price is not a version",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    billing = raw_schema_names(os.environ)["billing"]
    snapshots = validate_identifier(f"{os.environ.get('LEDGER_SCHEMA', 'ledger')}_snapshots")
    with open_target(args.target) as warehouse:
        try:
            runs = price_history.read_runs(warehouse, billing)
        except Exception as exc:
            print(f"error: cannot read {billing}.legacy_lead_sales_ledger: {exc}", file=sys.stderr)
            return 1
        starts = price_history.snapshot_starts(
            warehouse, f"{snapshots}.snap_billing__product_prices"
        )
        first = price_history.earliest_delivery(warehouse, billing)
        floor = min(first, price_history.LEGACY_FLOOR) if first else price_history.LEGACY_FLOOR
        derivation = price_history.derive(runs, starts, floor=floor, min_run_rows=args.min_run_rows)
        print("product_id,price,valid_from,valid_to")
        for v in derivation.versions:
            print(f"{v.product_id},{v.price},{v.valid_from},{v.valid_to or ''}")
        for note in derivation.notes:
            print(f"note: {note}", file=sys.stderr)
        if args.write:
            try:
                price_history.write_history(
                    warehouse, derivation.versions, billing, replace=args.replace
                )
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(
                f"wrote {len(derivation.versions)} versions to {billing}.product_price_history",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
