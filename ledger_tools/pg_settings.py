"""Where the PostgreSQL of the dbt `postgres` profile is, read from BILLING_DB_* as dbt reads it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class PostgresSettings:
    """Connection settings; the defaults are those of the dbt `postgres` profile."""

    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    dbname: str = "billing_db"
    password: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> PostgresSettings:
        env = os.environ
        return cls(
            host=env.get("BILLING_DB_HOST") or cls.host,
            port=int(env.get("BILLING_DB_PORT") or cls.port),
            user=env.get("BILLING_DB_USER") or cls.user,
            dbname=env.get("BILLING_DB_NAME") or cls.dbname,
            password=env.get("BILLING_DB_PASSWORD") or "",
        )

    def describe(self) -> str:
        return f"postgres {self.user}@{self.host}:{self.port}/{self.dbname}"

    def env(self) -> dict[str, str]:
        """The BILLING_DB_* that name this server to dbt, to the job and to `from_env`."""
        return {
            "BILLING_DB_HOST": self.host,
            "BILLING_DB_PORT": str(self.port),
            "BILLING_DB_USER": self.user,
            "BILLING_DB_PASSWORD": self.password,
            "BILLING_DB_NAME": self.dbname,
        }

    def is_loopback(self) -> bool:
        """Whether the server is reached over this machine's loopback interface."""
        return self.host in ("127.0.0.1", "localhost", "::1")

    def connect(self, *, autocommit: bool = True, **options: Any) -> psycopg.Connection[Any]:
        """A psycopg connection; `options` go to `psycopg.connect` (options=, application_name=)."""
        import psycopg

        # Keyword arguments rather than a conninfo string, so the password can never
        # be echoed back inside a connection error.
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=self.dbname,
            password=self.password or None,
            autocommit=autocommit,
            **options,
        )
