"""Where one engine's data lives during a benchmark, and plain connections to it.

Every name starts with `ledger_bench` (models `ledger_bench_<layer>`, raw data
`ledger_bench_<raw>`, copies `ledger_bench_copies`), so a real PostgreSQL is touched nowhere
else; they are dropped before each scale, which then starts as empty as a new DuckDB file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledger_job.duckdb_file import default_read_copy
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


class DuckDbEngine:
    name = "duckdb"
    dbt_target = "dev"

    def __init__(self, directory: Path) -> None:
        self.database = directory / "ledger.duckdb"
        self.read_copy = default_read_copy(self.database)  # published after a good build

    def reset(self) -> None:
        """Remove the file and its published copy, left by an earlier scale or run."""
        for path in self.database.parent.glob("ledger*.duckdb*"):
            path.unlink()

    def env(self) -> dict[str, str]:
        return {"LEDGER_DUCKDB_PATH": str(self.database)}

    def connect(self, *, read_only: bool, copy: bool = False) -> contextlib.closing[Session]:
        import duckdb

        path = self.read_copy if copy else self.database
        return contextlib.closing(Session(duckdb.connect(str(path), read_only=read_only)))

    def after_load(self, session: Session) -> None:
        return None

    def backend_watch(self) -> BackendWatch | None:
        return None


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


class PostgresEngine:
    name = "postgres"
    dbt_target = "postgres"

    def __init__(self, server: PostgresServer, directory: Path) -> None:
        self.server = server
        self.directory = directory

    def reset(self) -> None:
        """Drop every ledger_bench schema, left by an earlier scale or run."""
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

    def connect(self, *, read_only: bool) -> contextlib.closing[Session]:
        connection = _pg_connect(
            self.server.settings, read_only=read_only, options=self.server.options
        )
        return contextlib.closing(Session(connection))

    def after_load(self, session: Session) -> None:
        # Autovacuum would have analyzed landed data long before a nightly run; without
        # statistics the planner guesses, and the build times would measure the guesses.
        for schema, tables in RAW_TABLES.items():
            for table in tables:
                session.execute(f"analyze {RAW_SCHEMA_NAMES[schema]}.{table}")

    def backend_watch(self) -> BackendWatch | None:
        return self.server.backends


BenchEngine = DuckDbEngine | PostgresEngine
