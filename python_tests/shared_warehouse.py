"""One demo warehouse per engine per run: built once, read by many tests, copied by the rest.

`make test` builds both in its own stages (test-duckdb, test-postgres) and names them to
pytest: LEDGER_TEST_DUCKDB (the DuckDB file, its build's target/ beside it) and
LEDGER_TEST_PG_SCHEMA (the schema prefix on the PostgreSQL of BILLING_DB_*, its build's
target/ in LEDGER_TEST_PG_TARGET). Without them the first pytest worker that needs one builds
it, once for the whole run, under a file lock.

Nobody writes to a shared warehouse during the run. A test that changes data or models works
on a copy: of the DuckDB file, or on PostgreSQL a schema prefix of its own that reads the
shared raw schemas and defers its unchanged models to the shared build.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from dbt_harness import DbtSandbox, output_of

# The demo data every shared warehouse holds; `make test` loads the same (DEMO_SEED/SCALE,
# DEMO_AS_OF: the fixed demo_data.FIXED_AS_OF, which dbt_harness loads by default).
SEED = 7
SCALE = 0.3
DUCKDB_ENV = "LEDGER_TEST_DUCKDB"
PG_SCHEMA_ENV = "LEDGER_TEST_PG_SCHEMA"
PG_TARGET_ENV = "LEDGER_TEST_PG_TARGET"
# What make test's other stages made, named the same way: check-redshift's compile and the
# catalog lint-metadata generated from the shared DuckDB build.
REDSHIFT_TARGET_ENV = "LEDGER_TEST_REDSHIFT_TARGET"
CATALOG_ENV = "LEDGER_TEST_CATALOG"
LAYERS = ("snapshots", "staging", "intermediate", "marts", "audit", "retired")


def named_by_make_test(name: str) -> str | None:
    """What make test passed in the environment variable `name`, or None outside it."""
    return os.environ.get(name, "").strip() or None


def worker_id() -> str:
    """This pytest process: gw0, gw1, ... under xdist, else main."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def private_prefix(name: str) -> str:
    """A PostgreSQL schema prefix no other worker creates, reads or drops."""
    return f"{name}_{worker_id()}"


@dataclass(frozen=True)
class SharedDuckDB:
    path: Path
    target: Path  # the build's target directory: manifest.json, run_results.json

    def copy(self, workdir: Path, name: str = "ledger.duckdb") -> DbtSandbox:
        """A sandbox on a copy of the built file, in `workdir`."""
        workdir.mkdir(parents=True, exist_ok=True)
        database = workdir / name
        shutil.copyfile(self.path, database)
        return DbtSandbox(target="dev", workdir=workdir, duckdb_path=database)


@dataclass(frozen=True)
class SharedPostgres:
    sandbox: DbtSandbox  # for reading only: never build, test or load through it
    target: Path

    def variant(self, workdir: Path, name: str, **fields: object) -> DbtSandbox:
        """A sandbox with models of its own (prefix `name`, per worker) on the shared raw data.

        Its builds select what they change and pass `defer_args()`: every other model is
        read from the shared build.
        """
        return DbtSandbox(
            target="postgres",
            workdir=workdir,
            schema_prefix=private_prefix(name),
            raw_prefix=self.sandbox.schema_prefix,
            **fields,  # type: ignore[arg-type]
        )

    def defer_args(self) -> tuple[str, ...]:
        return ("--defer", "--state", str(self.target))


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory all workers of this run share (each has its own basetemp under it)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id() == "main" else base.parent


def _built_once(root: Path, name: str, build: Callable[[Path], None]) -> Path:
    directory = root / name
    with (root / f"{name}.lock").open("w") as lock:
        # The other workers wait here for the first one's build instead of making their own.
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = directory / ".built"
        if not marker.exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            build(directory)
            marker.touch()
    return directory


def _must_pass(sandbox: DbtSandbox, *args: str) -> None:
    result = sandbox.build_with_unit_tests(*args)  # as make test's own stages build it
    if result.returncode != 0:
        pytest.fail(f"the shared demo build failed:\n{output_of(result)[-4000:]}", pytrace=False)


def _build_duckdb(directory: Path) -> None:
    sandbox = DbtSandbox(target="dev", workdir=directory, duckdb_path=directory / "ledger.duckdb")
    sandbox.load_demo_data(seed=SEED, scale=SCALE)
    _must_pass(sandbox)


def shared_duckdb(tmp_path_factory: pytest.TempPathFactory) -> SharedDuckDB:
    given = named_by_make_test(DUCKDB_ENV)
    if given:
        path = Path(given)
        return SharedDuckDB(path, path.parent / "target")
    directory = _built_once(_run_root(tmp_path_factory), "shared_duckdb", _build_duckdb)
    return SharedDuckDB(directory / "ledger.duckdb", directory / "target")


def _postgres(prefix: str, workdir: Path) -> DbtSandbox:
    return DbtSandbox(target="postgres", workdir=workdir, schema_prefix=prefix)


def _build_postgres(directory: Path) -> None:
    sandbox = _postgres("ledger_pytest_shared", directory)
    sandbox.load_demo_data(seed=SEED, scale=SCALE)
    _must_pass(sandbox)


def shared_postgres(tmp_path_factory: pytest.TempPathFactory) -> SharedPostgres:
    given = named_by_make_test(PG_SCHEMA_ENV)
    workdir = tmp_path_factory.mktemp("shared_postgres_reader")
    if given:
        target = Path(named_by_make_test(PG_TARGET_ENV) or workdir / "target")
        return SharedPostgres(_postgres(given, workdir), target)
    directory = _built_once(_run_root(tmp_path_factory), "shared_postgres", _build_postgres)
    return SharedPostgres(_postgres("ledger_pytest_shared", workdir), directory / "target")
