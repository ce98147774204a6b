"""Where one engine's data lives during a benchmark, and plain connections to it.

Every name the benchmark creates starts with `ledger_bench`: models go to
`ledger_bench_<layer>` (LEDGER_SCHEMA), raw data to `ledger_bench_<raw>`, table copies to
`ledger_bench_copies`. On a real PostgreSQL named by BILLING_DB_* nothing else is touched;
those schemas are dropped before each scale, so every scale starts as empty as a fresh
DuckDB file does.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledger_tools.benchmark.process import BackendWatch, parent_of, process_title
from ledger_tools.pg_settings import PostgresSettings
from ledger_tools.raw_schema import RAW_SCHEMAS, RAW_TABLES

MODEL_SCHEMA = "ledger_bench"
RAW_SCHEMA_NAMES: dict[str, str] = {raw: f"{MODEL_SCHEMA}_{raw}" for raw in RAW_SCHEMAS}
COPY_SCHEMA = f"{MODEL_SCHEMA}_copies"
ENGINE_NAMES = ("duckdb", "postgres")


class _Connection(Protocol):
    def execute(self, query: str) -> Any: ...

    def close(self) -> None: ...


class Session:
    """One connection of DuckDB or psycopg: both take SQL text through `execute`."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    def execute(self, sql: str) -> None:
        self._connection.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._connection.execute(sql).fetchall()]

    def close(self) -> None:
        self._connection.close()


def count_raw_rows(session: Session) -> int:
    parts = [
        f"select count(*) as n from {RAW_SCHEMA_NAMES[schema]}.{table}"
        for schema, tables in RAW_TABLES.items()
        for table in tables
    ]
    rows = session.query(f"select sum(n) from ({' union all '.join(parts)}) as counts")
    return int(rows[0][0])


class BenchEngine(ABC):
    """One engine at one scale: a DuckDB file, or the bench schemas of a PostgreSQL."""

    name: str
    dbt_target: str

    @abstractmethod
    def reset(self) -> None:
        """Remove whatever an earlier scale or run left."""

    @abstractmethod
    def env(self) -> dict[str, str]:
        """Variables the generator, dbt and the job need to reach this engine."""

    @abstractmethod
    def _open(self, read_only: bool) -> _Connection: ...

    @contextlib.contextmanager
    def connect(self, *, read_only: bool) -> Iterator[Session]:
        session = Session(self._open(read_only))
        try:
            yield session
        finally:
            session.close()

    def after_load(self, session: Session) -> None:
        """Whatever a live database would have done to freshly landed data."""
        return None

    def backend_watch(self) -> BackendWatch | None:
        return None

    @abstractmethod
    def drop(self) -> None:
        """Remove what the benchmark created (at the end of the run, unless --keep)."""


class DuckDbEngine(BenchEngine):
    name = "duckdb"
    dbt_target = "dev"

    def __init__(self, directory: Path) -> None:
        self.database = directory / "ledger.duckdb"

    def reset(self) -> None:
        # The job publishes <stem>_read.duckdb beside the file.
        for path in self.database.parent.glob("ledger*.duckdb*"):
            path.unlink()

    def env(self) -> dict[str, str]:
        return {"LEDGER_DUCKDB_PATH": str(self.database)}

    @property
    def read_copy(self) -> Path:
        """The copy the job publishes after a good build (ledger_job.duckdb_file)."""
        return self.database.with_name(f"{self.database.stem}_read{self.database.suffix}")

    @contextlib.contextmanager
    def connect_copy(self) -> Iterator[Session]:
        import duckdb

        session = Session(duckdb.connect(str(self.read_copy), read_only=True))
        try:
            yield session
        finally:
            session.close()

    def _open(self, read_only: bool) -> _Connection:
        import duckdb

        return duckdb.connect(str(self.database), read_only=read_only)

    def drop(self) -> None:
        self.reset()


@dataclass(frozen=True)
class PostgresServer:
    """The PostgreSQL every scale runs on, and what the header says about it."""

    settings: PostgresSettings
    origin: str  # "throwaway server" or "server from BILLING_DB_*"
    version: str
    parameters: dict[str, str]
    backends: BackendWatch | None
    options: str = ""  # session settings of every connection, PGOPTIONS style

    @classmethod
    def inspect(cls, settings: PostgresSettings, origin: str, options: str = "") -> PostgresServer:
        connection = _pg_connect(settings, read_only=True, options=options)
        with contextlib.closing(connection):
            version = str(connection.execute("show server_version").fetchone()[0])
            # jit: compiling a plan as large as a mart's can take longer than running it.
            names = (
                "shared_buffers",
                "work_mem",
                "max_parallel_workers_per_gather",
                "jit",
                "fsync",
            )
            parameters = {
                str(name): str(value)
                for name, value in connection.execute(
                    "select name, current_setting(name) from pg_settings"
                    " where name = any(%s) order by name",
                    [list(names)],
                ).fetchall()
            }
            backends = find_backends(connection, settings)
        return cls(settings, origin, version.split()[0], parameters, backends, options)


def find_backends(connection: Any, settings: PostgresSettings) -> BackendWatch | None:
    """The postmaster's pid when the server runs on this machine and lets us see it."""
    if not settings.is_loopback():
        return None
    # Our own backend is a child of the postmaster; a role without the privilege to read
    # data_directory can still see its pid. A server in a container shows another pid space.
    backend = int(connection.execute("select pg_backend_pid()").fetchone()[0])
    postmaster = parent_of(backend)
    if postmaster is None or not process_title(backend).startswith("postgres: "):
        return None
    return BackendWatch(postmaster, settings.user)


def _pg_connect(settings: PostgresSettings, *, read_only: bool, options: str = "") -> _Connection:
    options = f"-c TimeZone=UTC {options}".strip()
    if read_only:
        options += " -c default_transaction_read_only=on"
    return settings.connect(options=options, application_name="ledger_benchmark")


class PostgresEngine(BenchEngine):
    name = "postgres"
    dbt_target = "postgres"

    def __init__(self, server: PostgresServer, directory: Path) -> None:
        self.server = server
        self.directory = directory

    def reset(self) -> None:
        with self.connect(read_only=False) as session:
            schemas = session.query(
                "select nspname from pg_catalog.pg_namespace"
                f" where nspname = '{MODEL_SCHEMA}' or nspname like '{MODEL_SCHEMA}\\_%'"
                " order by nspname"
            )
            for (schema,) in schemas:
                session.execute(f'drop schema if exists "{schema}" cascade')

    def env(self) -> dict[str, str]:
        return {
            **self.server.settings.env(),
            # libpq reads it, so dbt's sessions get the same settings as the reads.
            "PGOPTIONS": self.server.options,
            # Never opened on this target; set so no default can point at a real file.
            "LEDGER_DUCKDB_PATH": str(self.directory / "unused.duckdb"),
        }

    def _open(self, read_only: bool) -> _Connection:
        return _pg_connect(self.server.settings, read_only=read_only, options=self.server.options)

    def after_load(self, session: Session) -> None:
        # Autovacuum would have analyzed landed data long before a nightly run; without
        # statistics the planner guesses, and the build times would measure the guesses.
        for schema, tables in RAW_TABLES.items():
            for table in tables:
                session.execute(f"analyze {RAW_SCHEMA_NAMES[schema]}.{table}")

    def backend_watch(self) -> BackendWatch | None:
        return self.server.backends

    def drop(self) -> None:
        self.reset()
