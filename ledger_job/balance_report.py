"""The ledger balance report (spec section 4, seed 002), read from the marts views.

The views hold the analysis (which transactions do not balance, which accounts they
touch); this module only fetches their rows through `dbt show` and turns them into exact
values. Money columns are cast to text in SQL so no engine or JSON layer can round them.

Fetching is split in two because each `dbt show` costs a few seconds: the check row and
the unbalanced transactions decide whether an alert is due at all (they make the
fingerprint); the breakdowns are only fetched when a message will be sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from ledger_job.money import plain, to_decimal

# The singular dbt test whose failure means the ledger does not balance (a tuple, so a
# second balance check could join it without touching its readers).
BALANCE_TESTS = ("assert_ledger_balances",)
MESSAGE_TRANSACTIONS = 20
TOP_ACCOUNTS = 5
MESSAGE_ACCOUNTS = 10


class QueryRunner(Protocol):
    """What the report needs from dbt: rows of a Jinja SQL query."""

    def show(self, sql: str, *, limit: int = -1) -> list[dict[str, Any]]: ...


# Each dataclass below is one view's row; its fields are the view's column names.
@dataclass(frozen=True)
class BalanceCheck:
    total_debits: Decimal | None = None
    total_credits: Decimal | None = None
    difference: Decimal | None = None
    unbalanced_transaction_count: int | None = None
    accounts_affected: int | None = None
    is_balanced: bool | None = None
    checked_at: str | None = None


@dataclass(frozen=True)
class UnbalancedTransaction:
    transaction_id: str
    source: str | None = None
    event_at: str | None = None
    line_count: int | None = None
    total_debits: Decimal | None = None
    total_credits: Decimal | None = None
    difference: Decimal | None = None


@dataclass(frozen=True)
class AccountTypeBalance:
    account_type: str
    account_count: int | None = None
    total_debits: Decimal | None = None
    total_credits: Decimal | None = None
    balance: Decimal | None = None


@dataclass(frozen=True)
class AccountBalance:
    """`ledger_top_accounts` (with a rank) or `ledger_imbalance_accounts` (balance is its
    net_amount, with a transaction count)."""

    account_code: str
    account_name: str | None = None
    account_type: str | None = None
    balance: Decimal | None = None
    account_rank: int | None = None
    transaction_count: int | None = None


@dataclass(frozen=True)
class Imbalance:
    """What identifies an imbalance: the check row and every unbalanced transaction."""

    check: BalanceCheck
    transactions: tuple[UnbalancedTransaction, ...]

    @property
    def transaction_ids(self) -> list[str]:
        return sorted(t.transaction_id for t in self.transactions)

    def fingerprint(self) -> str:
        """Same difference and same unbalanced transactions -> same fingerprint.

        Decimals are normalised, so "100.50" and "100.5" are one imbalance.
        """
        difference = self.check.difference
        key = plain(difference.normalize()) if difference is not None else "unknown"
        digest = hashlib.sha256(key.encode())
        for transaction_id in self.transaction_ids:
            digest.update(b"\n" + transaction_id.encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Breakdown:
    """The accounts side of the report, fetched only when a message is sent."""

    by_account_type: tuple[AccountTypeBalance, ...]
    top_accounts: tuple[AccountBalance, ...]
    accounts: tuple[AccountBalance, ...]


def _int(value: Any) -> int | None:
    return None if value is None else int(to_decimal(value) or 0)


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "t", "1", "yes")


# How a column is read, by the type its field declares.
_READ = {
    "Decimal | None": to_decimal,
    "int | None": _int,
    "bool | None": _bool,
    "str | None": lambda value: None if value is None else str(value),
    "str": str,
}
Row = TypeVar("Row")


def _parse(kind: type[Row], rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows as `kind`, each field read from the column of its name (any case)."""
    parsed = []
    for raw in rows:
        row = {str(k).lower(): v for k, v in raw.items()}
        parsed.append(kind(**{f.name: _READ[str(f.type)](row.get(f.name)) for f in fields(kind)}))
    return parsed


def parse_check(rows: Iterable[Mapping[str, Any]]) -> BalanceCheck:
    """The check row; raises ValueError when the view returned none."""
    parsed = _parse(BalanceCheck, rows)
    if not parsed:
        raise ValueError("ledger_balance_check returned no row")
    return parsed[0]


def parse_transactions(rows: Iterable[Mapping[str, Any]]) -> tuple[UnbalancedTransaction, ...]:
    """Unbalanced transactions, largest absolute difference first."""
    parsed = _parse(UnbalancedTransaction, rows)
    return tuple(sorted(parsed, key=lambda t: (-abs(t.difference or 0), t.transaction_id)))


# The check row and every unbalanced transaction in one query, told apart by `part`: each
# `dbt show` costs a few seconds of dbt start-up. Every branch casts its columns so the
# union's types agree on every engine.
IMBALANCE_SQL = """
select cast('check' as varchar(16)) as part,
       cast(null as varchar) as transaction_id, cast(null as varchar) as source,
       cast(null as varchar) as event_at, cast(null as bigint) as line_count,
       cast(total_debits as varchar) as total_debits,
       cast(total_credits as varchar) as total_credits,
       cast(difference as varchar) as difference,
       cast(unbalanced_transaction_count as bigint) as unbalanced_transaction_count,
       cast(accounts_affected as bigint) as accounts_affected,
       cast(is_balanced as boolean) as is_balanced,
       cast(checked_at as varchar) as checked_at
from {{ ref('ledger_balance_check') }}
union all
select cast('transaction' as varchar(16)),
       cast(transaction_id as varchar), cast(source as varchar),
       cast(event_at as varchar), cast(line_count as bigint),
       cast(total_debits as varchar), cast(total_credits as varchar),
       cast(difference as varchar),
       cast(null as bigint), cast(null as bigint), cast(null as boolean), cast(null as varchar)
from {{ ref('ledger_unbalanced_transactions') }}
"""

# The three account-level parts of the report in one query: each `dbt show` costs a few
# seconds of dbt start-up, and they share most columns anyway. Every branch casts its
# columns so the union types agree on every engine.
BREAKDOWN_SQL = """
select cast('by_type' as varchar(16)) as part, cast(null as bigint) as account_rank,
       cast(null as varchar) as account_code, cast(null as varchar) as account_name,
       cast(account_type as varchar) as account_type,
       cast(account_count as bigint) as account_count,
       cast(null as bigint) as transaction_count,
       cast(total_debits as varchar) as total_debits,
       cast(total_credits as varchar) as total_credits, cast(balance as varchar) as balance
from {{ ref('ledger_imbalance_by_account_type') }}
union all
select cast('top' as varchar(16)), cast(account_rank as bigint),
       cast(account_code as varchar), cast(account_name as varchar),
       cast(account_type as varchar), cast(null as bigint), cast(null as bigint),
       cast(null as varchar), cast(null as varchar), cast(balance as varchar)
from {{ ref('ledger_top_accounts') }}
union all
select cast('accounts' as varchar(16)), cast(null as bigint),
       cast(account_code as varchar), cast(account_name as varchar),
       cast(account_type as varchar), cast(null as bigint), cast(transaction_count as bigint),
       cast(total_debits as varchar), cast(total_credits as varchar),
       cast(net_amount as varchar)
from {{ ref('ledger_imbalance_accounts') }}
"""


def fetch_imbalance(runner: QueryRunner) -> Imbalance:
    """The check row and all unbalanced transactions (every id goes into the fingerprint)."""
    parts = _by_part(runner.show(IMBALANCE_SQL, limit=-1))
    return Imbalance(
        parse_check(parts.get("check", [])), parse_transactions(parts.get("transaction", []))
    )


def _by_part(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """A union's rows grouped by its `part` column."""
    parts: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        part = str({str(k).lower(): v for k, v in row.items()}.get("part", "")).strip()
        parts.setdefault(part, []).append(row)
    return parts


def fetch_breakdown(runner: QueryRunner) -> Breakdown:
    """Breakdown by account type, top accounts, accounts of the unbalanced transactions."""
    parts = _by_part(runner.show(BREAKDOWN_SQL, limit=-1))
    by_type = sorted(
        _parse(AccountTypeBalance, parts.get("by_type", [])), key=lambda a: a.account_type
    )
    top = _parse(AccountBalance, parts.get("top", []))
    top.sort(
        key=lambda a: (999 if a.account_rank is None else a.account_rank, -abs(a.balance or 0))
    )
    accounts = _parse(AccountBalance, parts.get("accounts", []))
    accounts.sort(key=lambda a: (-abs(a.balance or 0), a.account_code))
    return Breakdown(tuple(by_type), tuple(top[:TOP_ACCOUNTS]), tuple(accounts))


def investigation_sql(relations: Mapping[str, str], imbalance: Imbalance | None) -> list[str]:
    """Ready-to-run queries against the marts views, schema-qualified from the manifest.

    Falls back to bare view names when the manifest is unavailable, so the analyst only
    has to set a search path.
    """

    def rel(name: str) -> str:
        return relations.get(name, name)

    queries = [
        f"select * from {rel('ledger_balance_check')};",
        f"select * from {rel('ledger_unbalanced_transactions')}\n"
        "order by abs(difference) desc, transaction_id;",
        f"select e.*\nfrom {rel('ledger_entries')} as e\n"
        f"join {rel('ledger_unbalanced_transactions')} as u\n"
        "  on u.transaction_id = e.transaction_id\n"
        "order by e.transaction_id, e.entry_id;",
        f"select * from {rel('ledger_imbalance_accounts')}\norder by abs(net_amount) desc;",
        f"select * from {rel('account_balances')}\norder by abs(balance) desc;",
    ]
    # The journals of the transactions the message lists, in the same order.
    manual_ids = [
        t.transaction_id.removeprefix("manual:")
        for t in (imbalance.transactions[:MESSAGE_TRANSACTIONS] if imbalance else ())
        if t.transaction_id.startswith("manual:")
    ]
    if manual_ids:
        quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in manual_ids)
        queries.append(
            f"select * from {rel('finance.manual_journal_lines')}\n"
            f"where journal_id in ({quoted})\norder by journal_id, line_number;"
        )
    return queries
