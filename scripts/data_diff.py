"""What a pull request changes in the marts: a markdown report comparing two builds.

Exit code 0 whatever the diff says (reviewers judge), 1 when it cannot be made.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ledger_tools import data_diff
from ledger_tools.warehouse import validate_identifier


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("duckdb", "postgres", "redshift"), default="duckdb")
    parser.add_argument("--base-duckdb", type=Path, help="DuckDB file of the base build")
    parser.add_argument("--head-duckdb", type=Path, help="DuckDB file of the head build")
    parser.add_argument("--base-schema", default="ledger", help="LEDGER_SCHEMA of the base")
    parser.add_argument("--head-schema", default=None, help="LEDGER_SCHEMA of the head")
    parser.add_argument("--base-label", help="how the report names the base (e.g. main@abc123)")
    parser.add_argument("--head-label", help="how the report names the head")
    parser.add_argument("--top", type=int, default=10, help="broker-months listed (default 10)")
    parser.add_argument("--examples", type=int, default=5, help="example rows of each kind")
    parser.add_argument("--title", default="Data diff", help="the report's heading")
    parser.add_argument("--output", type=Path, help="write the report here (default: stdout)")
    args = parser.parse_args(argv)
    if args.target == "duckdb":
        if args.base_duckdb is None or args.head_duckdb is None:
            parser.error("--target duckdb needs --base-duckdb and --head-duckdb")
        if args.head_schema is None:
            args.head_schema = args.base_schema
    else:
        if args.base_duckdb is not None or args.head_duckdb is not None:
            parser.error("--base-duckdb/--head-duckdb are for --target duckdb")
        if args.head_schema is None:
            parser.error(f"--target {args.target} needs --head-schema (e.g. ledger_pr)")
    for name in (args.base_schema, args.head_schema):
        try:
            validate_identifier(name)
        except ValueError as exc:
            parser.error(str(exc))
    return args


def make_report(args: argparse.Namespace) -> tuple[data_diff.DataDiff, str]:
    """Every mart and the ledger compared by the dbt macro data_diff; the report names the
    builds by their labels, file names or schema prefixes, never by a path of this machine."""
    options = {"with_marts": True, "top": args.top, "examples": args.examples}
    if args.target == "duckdb":
        with data_diff.duckdb_pair(args.base_duckdb, args.head_duckdb) as (engine, b, h):
            base = data_diff.Side(args.base_label or args.base_duckdb.name, args.base_schema, b)
            head = data_diff.Side(args.head_label or args.head_duckdb.name, args.head_schema, h)
            diff = data_diff.compare(engine, base, head, **options)
    else:  # two schema prefixes of one database, that of the target in profiles.yml
        base = data_diff.Side(args.base_label or args.base_schema, args.base_schema)
        head = data_diff.Side(args.head_label or args.head_schema, args.head_schema)
        diff = data_diff.compare(data_diff.Engine(args.target), base, head, **options)
    return diff, data_diff.render_markdown(diff, title=args.title)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # No engine driver runs here, dbt runs the macro: what fails is a missing DuckDB file
    # (OSError), an argument or a side the macro refused by name (ValueError), or dbt itself
    # (RuntimeError with its last lines); any of them, or anything unforeseen, is one line.
    try:
        diff, report = make_report(args)
    except Exception as exc:
        print(f"error: data diff failed: {exc}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(report)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
        print(f"data diff written to {args.output}", file=sys.stderr)
    print(f"verdict: {diff.verdict()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
