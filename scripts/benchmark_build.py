"""Print how long the nightly build and the analysts' reads take at growing data sizes.

A benchmark, not a test: it asserts nothing and prints figures. Each scale gets a fresh
DuckDB file with demo data (scale 1.0 is about 2,000 deliveries and 7,500 raw rows).

Usage: .venv/bin/python scripts/benchmark_build.py [--scales 1 5 20] [--seed 42]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ledger_ops.benchmark import benchmark_scale, format_header, format_row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0, 20.0])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    # The demo data's expected warnings (calls of unknown campaigns) would break up the table.
    logging.getLogger("dbt").setLevel(logging.ERROR)
    print(format_header())
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as workdir:
        for scale in args.scales:
            result = benchmark_scale(Path(workdir) / f"scale-{scale}", scale, args.seed)
            print(format_row(result), flush=True)
            if not result.build_succeeded:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
