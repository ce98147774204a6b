"""Export and restore of the price snapshot, and its staleness warning, on real engines.

A warehouse gets a price change between two snapshot runs (two versions of one product),
its snapshot is exported through the command line, and a new warehouse holding only the
current raw data is restored from the file and built: its ledger must be the original's,
row for row. Refusals leave the target as it was; the staleness test warns on a faked
old run and stays quiet otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of
from shared_warehouse import private_prefix

from ledger_job.paths import PROJECT_ROOT

pytestmark = pytest.mark.dbt

SEED = 11
SCALE = 0.1
CHANGE_AT = "2025-09-01 00:00:00"
NEW_PRICE = "99.00"
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit", "retired")
RAW = ("billing", "boberdoo", "invoca", "finance")
SNAPSHOT = "snap_billing__product_prices"
STALENESS_TEST = "assert_price_snapshot_runs_recent"


@dataclass
class Original:
    """A built warehouse whose snapshot holds two versions of one product, and its export."""

    sandbox: DbtSandbox
    backup: Path
    product_id: int


def sandbox_for(engine: str, workdir: Path, prefix: str) -> DbtSandbox:
    workdir.mkdir(parents=True, exist_ok=True)
    if engine == "duckdb":
        return DbtSandbox(target="dev", workdir=workdir, duckdb_path=workdir / "ledger.duckdb")
    return DbtSandbox(target="postgres", workdir=workdir, schema_prefix=prefix)


def drop_everything(sandbox: DbtSandbox) -> None:
    if sandbox.target != "dev":
        sandbox.drop_schemas(*LAYERS, *RAW)


def change_price(sandbox: DbtSandbox) -> int:
    """Change the first product's price in place, later than any demo update; return it."""
    billing = sandbox.raw_schemas["billing"]
    with sandbox.warehouse() as warehouse:
        product_id = int(
            warehouse.query(f"select min(product_id) from {billing}.product_price")[0][0]
        )
        warehouse.execute(
            f"update {billing}.product_price set price = {NEW_PRICE}, "
            f"updated_at = '{CHANGE_AT}' where product_id = {product_id}"
        )
    return product_id


def backup_cli(sandbox: DbtSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = sandbox.env()
    env["LEDGER_TARGET"] = sandbox.target
    env["DBT_TARGET_PATH"] = str(sandbox.workdir / "cli-target")
    # The job passes no --vars: raw schemas come from the environment, as here.
    for raw, schema in sandbox.raw_schemas.items():
        env[f"LEDGER_{raw.upper()}_SCHEMA"] = schema
    return subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "snapshot_backup.py"),
            *args,
            "--log-dir",
            str(sandbox.workdir / "logs"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def rows_of(sandbox: DbtSandbox, sql: str) -> list[tuple[object, ...]]:
    with sandbox.warehouse() as warehouse:
        return warehouse.query(sql)


def ledger(sandbox: DbtSandbox) -> list[tuple[object, ...]]:
    return rows_of(
        sandbox, f"select * from {sandbox.relation('marts', 'lead_sales_ledger')} order by 1"
    )


def column_types(sandbox: DbtSandbox, table: str) -> list[tuple[object, ...]]:
    return rows_of(
        sandbox,
        "select column_name, data_type, numeric_precision, numeric_scale "
        "from information_schema.columns where table_catalog = current_database() "
        f"and table_schema = '{sandbox.schema_prefix}_snapshots' and table_name = '{table}' "
        "order by ordinal_position",
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def original(engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Original]:
    sandbox = sandbox_for(
        engine, tmp_path_factory.mktemp(f"original_{engine}"), private_prefix("ledger_pt_snap")
    )
    drop_everything(sandbox)
    # First the old prices, built; then the price changes in place and the snapshot runs.
    # Its relations are what the module needs; the data tests of the demo are the dbt stage's
    # (the restored warehouse below is built with every test).
    sandbox.load_demo_data(seed=SEED, scale=SCALE)
    result = sandbox.build("--exclude-resource-type", "test", "unit_test")
    assert result.returncode == 0, output_of(result)[-4000:]
    product_id = change_price(sandbox)
    result = sandbox.dbt("snapshot")
    assert result.returncode == 0, output_of(result)[-4000:]
    backup = sandbox.workdir / "backups" / "prices.csv"
    exported = backup_cli(sandbox, "export", "--file", str(backup))
    assert exported.returncode == 0, exported.stderr
    assert "exported" in exported.stdout and f"{product_id}: 2" in exported.stdout
    yield Original(sandbox, backup, product_id)
    drop_everything(sandbox)


def test_restore_into_a_new_warehouse_gives_the_same_ledger(
    original: Original, engine: str, tmp_path: Path
) -> None:
    versions = rows_of(
        original.sandbox,
        f"select price from {original.sandbox.relation('snapshots', SNAPSHOT)} "
        f"where product_id = {original.product_id} order by dbt_valid_from",
    )
    assert len(versions) == 2 and str(versions[1][0]) == NEW_PRICE

    restored = sandbox_for(engine, tmp_path / "restored", private_prefix("ledger_pt_snaprestore"))
    drop_everything(restored)
    try:
        # The raw data as it is now: current prices only, the old one gone.
        restored.load_demo_data(seed=SEED, scale=SCALE)
        assert change_price(restored) == original.product_id
        result = backup_cli(restored, "restore", "--file", str(original.backup))
        assert result.returncode == 0, result.stderr
        assert f"{original.product_id}: 2" in result.stdout
        assert "run(s) added" in result.stdout
        built = restored.build()
        assert built.returncode == 0, output_of(built)[-4000:]

        expected = ledger(original.sandbox)
        assert len(expected) > 50
        assert ledger(restored) == expected
        snapshot = "select * from {} order by product_id, dbt_valid_from"
        assert rows_of(restored, snapshot.format(restored.relation("snapshots", SNAPSHOT))) == (
            rows_of(
                original.sandbox, snapshot.format(original.sandbox.relation("snapshots", SNAPSHOT))
            )
        )
        for table in (SNAPSHOT, f"{SNAPSHOT}_runs"):
            assert column_types(restored, table) == column_types(original.sandbox, table)
        # The original's runs came along, and the build after the restore added its own.
        runs = "select invocation_id from {} order by run_at"
        original_runs = rows_of(
            original.sandbox,
            runs.format(original.sandbox.relation("snapshots", f"{SNAPSHOT}_runs")),
        )
        restored_runs = rows_of(
            restored, runs.format(restored.relation("snapshots", f"{SNAPSHOT}_runs"))
        )
        assert restored_runs[: len(original_runs)] == original_runs
        assert len(restored_runs) == len(original_runs) + 1
    finally:
        drop_everything(restored)


def test_restore_refuses_a_snapshot_that_holds_rows(original: Original) -> None:
    result = backup_cli(original.sandbox, "restore", "--file", str(original.backup))
    assert result.returncode == 1
    line = one_line(result)
    assert "refused" in line and "already holds" in line and "--replace" in line


def test_restore_refuses_a_malformed_file_naming_the_line(
    original: Original, tmp_path: Path
) -> None:
    table = original.sandbox.relation("snapshots", SNAPSHOT)
    before = rows_of(original.sandbox, f"select * from {table} order by dbt_scd_id")
    lines = original.backup.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index("price")] = "12.345"
    lines[2] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # --replace would delete the rows first: the refusal must leave them all.
    result = backup_cli(original.sandbox, "restore", "--replace", "--file", str(bad))
    assert result.returncode == 1
    line = one_line(result)
    assert f"{bad}, line 3: price '12.345'" in line and "more than 2 decimals" in line
    assert rows_of(original.sandbox, f"select * from {table} order by dbt_scd_id") == before

    bad.write_text("\n".join([*lines[:3], lines[3] + ",extra", *lines[4:]]) + "\n")
    result = backup_cli(original.sandbox, "restore", "--replace", "--file", str(bad))
    assert result.returncode == 1
    assert f"{bad}, line 4: {len(header) + 1} fields, the header has {len(header)}" in one_line(
        result
    )

    result = backup_cli(original.sandbox, "restore", "--file", str(tmp_path / "missing.csv"))
    assert result.returncode == 1
    assert "no backup file" in one_line(result)


def test_export_keeps_a_backup_holding_versions_the_snapshot_lost(
    original: Original, tmp_path: Path
) -> None:
    richer = tmp_path / "richer.csv"
    lines = original.backup.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("dbt_scd_id")] = "0" * 32
    richer.write_text("\n".join([*lines, ",".join(fields)]) + "\n", encoding="utf-8")
    kept = richer.read_text(encoding="utf-8")

    result = backup_cli(original.sandbox, "export", "--file", str(richer))
    assert result.returncode == 1
    assert "history was lost" in one_line(result)
    assert richer.read_text(encoding="utf-8") == kept

    result = backup_cli(original.sandbox, "export", "--replace", "--file", str(richer))
    assert result.returncode == 0, result.stderr
    assert richer.read_text(encoding="utf-8") == original.backup.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["runs_far_apart", "no_run_since", "recent"])
def test_staleness_warns_only_when_the_snapshot_went_too_long_without_a_run(
    original: Original, case: str
) -> None:
    sandbox = original.sandbox
    runs = sandbox.relation("snapshots", f"{SNAPSHOT}_runs")
    latest = rows_of(sandbox, f"select max(run_at) from {runs}")[0][0]
    at_latest = f"cast('{latest}' as timestamp)"
    faked = {
        "runs_far_apart": f"insert into {runs} values ('faked', {at_latest} + interval '50 hours')",
        "no_run_since": f"update {runs} set run_at = run_at - interval '40 hours'",
        "recent": f"insert into {runs} values ('faked', {at_latest} + interval '10 hours')",
    }
    with sandbox.warehouse() as warehouse:
        warehouse.execute(faked[case])
    try:
        result = sandbox.dbt("test", "--select", STALENESS_TEST)
    finally:
        with sandbox.warehouse() as warehouse:
            warehouse.execute(f"delete from {runs} where invocation_id = 'faked'")
            if case == "no_run_since":
                warehouse.execute(f"update {runs} set run_at = run_at + interval '40 hours'")
    out = output_of(result)
    # A warning, never a failure: the build goes on.
    assert result.returncode == 0, out[-3000:]
    if case == "recent":
        assert f"PASS {STALENESS_TEST}" in out
        assert "gap=" not in out
        return
    assert f"WARN {STALENESS_TEST}: 1 offending row(s)" in out
    if case == "runs_far_apart":
        assert "gap=between the last two snapshot runs, " in out
        assert f"gap_from={latest}, " in out
        assert "gap_hours=50.0, max_gap_hours=36.0" in out
    else:
        assert "gap=since the last snapshot run, " in out
        assert "max_gap_hours=36.0" in out
