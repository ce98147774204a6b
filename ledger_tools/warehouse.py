"""A small connection layer over the raw data, the same API on DuckDB and PostgreSQL.

Values cross it in one shape whatever the engine (Decimal, naive UTC datetime, None for
null), so demo loads, tests' bad input and comparisons alike; floats are refused, as money
must never pass through binary floating point.
"""

from __future__ import annotations

import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ledger_job import paths
from ledger_tools.pg_settings import PostgresSettings as PostgresSettings

if TYPE_CHECKING:
    from psycopg.sql import Composed

Engine = Literal["duckdb", "postgres"]
ENGINES: tuple[Engine, ...] = ("duckdb", "postgres")
Row = tuple[Any, ...]

# Lower case only: dbt quotes schema names on PostgreSQL, so a mixed-case name created
# unquoted here would not be the schema the models read.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# Bytes of a CSV file sent to PostgreSQL's COPY per write.
_COPY_BLOCK = 1 << 20


def validate_identifier(name: str) -> str:
    """Return `name` when it is a plain lower-case SQL identifier, else raise ValueError."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"invalid identifier {name!r}: use lower-case letters, digits and underscores"
        )
    return name


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _check_value(value: object) -> None:
    if isinstance(value, float):
        raise TypeError(f"float {value!r} refused: pass money and numerics as Decimal")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"non-finite Decimal {value!r} cannot be stored")


def _normalise(value: Any) -> Any:
    """Aware timestamps become naive UTC, the convention of every raw table."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _normalise_rows(rows: Iterable[Sequence[Any]]) -> list[Row]:
    return [tuple(_normalise(v) for v in row) for row in rows]


def _target_columns(
    schema: str, table: str, existing: Sequence[str], columns: Sequence[str] | None
) -> list[str]:
    """The columns an insert writes, checked against the table's, in the caller's order."""
    if not existing:
        raise ValueError(f"table {schema}.{table} does not exist")
    if columns is None:
        return list(existing)
    unknown = [c for c in columns if c not in existing]
    if unknown:
        raise ValueError(f"{schema}.{table} has no column(s) {', '.join(unknown)}")
    return list(columns)


class Warehouse(ABC):
    """One open connection to a DuckDB file or a PostgreSQL database."""

    engine: Engine

    @abstractmethod
    def execute(self, sql: str) -> None:
        """Run statements that return nothing (DDL, DML)."""

    @abstractmethod
    def query(self, sql: str) -> list[Row]:
        """Run one query and return every row as a tuple."""

    def insert_rows(
        self,
        schema: str,
        table: str,
        rows: Iterable[Sequence[Any]],
        columns: Sequence[str] | None = None,
    ) -> int:
        """Append rows (by position without `columns`) all or nothing; how many were written.

        Through the bulk path as CSV, several times faster than executemany or a VALUES list;
        text is always quoted and a quoted empty field is no null, so '' and NULL stay apart."""
        targets = _target_columns(schema, table, self._column_names(schema, table), columns)
        written = 0
        with tempfile.TemporaryDirectory(prefix="warehouse-") as tmp:
            path = Path(tmp) / "rows.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                for written, row in enumerate(rows, start=1):
                    if len(row) != len(targets):
                        raise ValueError(
                            f"{schema}.{table}: row {written} has {len(row)} values, "
                            f"expected {len(targets)}"
                        )
                    out.write(",".join(_csv_field(_normalise(v)) for v in row) + "\n")
            if written:
                self._copy(schema, table, path, targets)
        return written

    def copy_csv(self, schema: str, table: str, path: Path, columns: Sequence[str]) -> None:
        """Append a CSV file (UTF-8, no header, RFC 4180 quoting; an unquoted empty field
        NULL, a quoted one '') through the engine's bulk path, all or nothing, unchecked:
        the engine refuses what it cannot read."""
        targets = _target_columns(schema, table, self._column_names(schema, table), columns)
        self._copy(schema, table, path, targets)

    @abstractmethod
    def _column_names(self, schema: str, table: str) -> list[str]: ...

    @abstractmethod
    def _copy(self, schema: str, table: str, path: Path, targets: list[str]) -> None: ...

    @abstractmethod
    def schema_exists(self, name: str) -> bool:
        """Whether a schema of exactly this name exists in the connected database."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit everything inside the block together, or nothing if it raises."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def describe(self) -> str:
        """Where this connection points, safe to print (never includes a password)."""

    def drop_schema(self, name: str) -> None:
        """Drop a schema and everything in it; a missing schema is not an error."""
        self.execute(f"drop schema if exists {quote_identifier(validate_identifier(name))} cascade")

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def value_text(value: Any) -> str | None:
    """A value as text both engines read back exactly (fixed-point decimals); None for null."""
    _check_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # str() may switch to exponent notation
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _csv_field(value: Any) -> str:
    """One field of `insert_rows`' CSV: text always quoted, null an empty field; a float is
    refused (value_text), the same on every engine."""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return value_text(value) or ""


class DuckDBWarehouse(Warehouse):
    """A DuckDB database file (created with its parent directory when missing)."""

    engine: Engine = "duckdb"

    def __init__(self, path: Path | str) -> None:
        import duckdb

        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = duckdb.connect(str(self.path))
        self._in_transaction = False

    def execute(self, sql: str) -> None:
        self._conn.execute(sql)

    def query(self, sql: str) -> list[Row]:
        return _normalise_rows(self._conn.execute(sql).fetchall())

    def _copy(self, schema: str, table: str, path: Path, targets: list[str]) -> None:
        # read_csv with the table's own column types, parsed in parallel.
        types = self._column_types(schema, table)
        names = ", ".join(quote_identifier(c) for c in targets)
        csv_columns = ", ".join(f"'c{i}': '{types[c]}'" for i, c in enumerate(targets))
        source = str(path).replace("'", "''")
        self._conn.execute(
            f"insert into {quote_identifier(schema)}.{quote_identifier(table)} ({names}) "
            f"select * from read_csv('{source}', header = false, auto_detect = false, "
            "delim = ',', quote = '\"', escape = '\"', nullstr = '', "
            f"allow_quoted_nulls = false, columns = {{{csv_columns}}})"
        )

    def _column_types(self, schema: str, table: str) -> dict[str, str]:
        found = self._conn.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_catalog = current_database() and table_schema = ? and table_name = ?"
            " order by ordinal_position",
            [schema, table],
        ).fetchall()
        return {str(name): str(kind) for name, kind in found}

    def _column_names(self, schema: str, table: str) -> list[str]:
        return list(self._column_types(schema, table))

    def schema_exists(self, name: str) -> bool:
        rows = self._conn.execute(
            "select count(*) from information_schema.schemata"
            " where catalog_name = current_database() and schema_name = ?",
            [name],
        ).fetchall()
        return bool(rows[0][0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:
            raise RuntimeError("DuckDB has no nested transactions")
        self._conn.begin()
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._conn.rollback()
            raise
        else:
            self._conn.commit()
        finally:
            self._in_transaction = False

    def close(self) -> None:
        self._conn.close()

    def describe(self) -> str:
        return f"duckdb {self.path}"


class PostgresWarehouse(Warehouse):
    """A PostgreSQL database through psycopg 3, in autocommit outside `transaction()`."""

    engine: Engine = "postgres"

    def __init__(self, settings: PostgresSettings | None = None) -> None:
        self.settings = settings or PostgresSettings.from_env()
        self._conn = self.settings.connect(options="-c TimeZone=UTC")

    def execute(self, sql: str) -> None:
        with self._conn.cursor() as cur:
            cur.execute(sql)

    def query(self, sql: str) -> list[Row]:
        with self._conn.cursor() as cur:
            cur.execute(sql)
            return _normalise_rows(cur.fetchall())

    def _copy(self, schema: str, table: str, path: Path, targets: list[str]) -> None:
        statement = _copy_from_stdin(schema, table, targets)
        with (
            self._conn.transaction(),
            self._conn.cursor() as cur,
            cur.copy(statement) as copy,
            path.open("rb") as source,
        ):
            while block := source.read(_COPY_BLOCK):
                copy.write(block)

    def _column_names(self, schema: str, table: str) -> list[str]:
        with self._conn.cursor() as cur:
            cur.execute(
                "select a.attname from pg_catalog.pg_attribute a"
                " join pg_catalog.pg_class c on c.oid = a.attrelid"
                " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relname = %s and a.attnum > 0"
                " and not a.attisdropped order by a.attnum",
                [schema, table],
            )
            return [str(name) for (name,) in cur.fetchall()]

    def schema_exists(self, name: str) -> bool:
        with self._conn.cursor() as cur:
            # pg_namespace rather than information_schema, which hides schemas the
            # user holds no privilege on: those still exist and must not be recreated.
            cur.execute("select count(*) from pg_catalog.pg_namespace where nspname = %s", [name])
            row = cur.fetchone()
        return bool(row and row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._conn.transaction():
            yield

    def close(self) -> None:
        self._conn.close()

    def describe(self) -> str:
        return self.settings.describe()


def connect(
    target: Engine = "duckdb",
    *,
    duckdb_path: Path | str | None = None,
    postgres: PostgresSettings | None = None,
) -> Warehouse:
    """Open the raw-data warehouse of a target.

    DuckDB defaults to the project's file ($LEDGER_DUCKDB_PATH), PostgreSQL to the
    BILLING_DB_* environment, the same places dbt reads from.
    """
    if target == "duckdb":
        return DuckDBWarehouse(duckdb_path if duckdb_path is not None else paths.duckdb_path())
    if target == "postgres":
        return PostgresWarehouse(postgres)
    raise ValueError(f"unknown target {target!r}; expected one of {', '.join(ENGINES)}")


def open_target(target: Engine) -> Warehouse:
    """`connect` for a command line: a driver's error (each engine's own) exits 1 in one line."""
    try:
        return connect(target)
    except Exception as exc:
        message = " ".join(str(exc).split())
        raise SystemExit(f"error: cannot open the {target} target: {message}") from None


def _copy_from_stdin(schema: str, table: str, columns: Sequence[str]) -> Composed:
    """`copy schema.table (columns) from stdin (format csv)`, every name quoted by psycopg."""
    from psycopg import sql

    return sql.SQL("copy {}.{} ({}) from stdin (format csv)").format(
        sql.Identifier(schema),
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
    )
