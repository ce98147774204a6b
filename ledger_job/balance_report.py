"""The balance report (spec section 4, seed 002): the marts views' rows, fetched through `dbt show`.

The views do the analysis; money is cast to text in SQL so nothing on the way rounds it. The
check and the unbalanced transactions (the fingerprint) come first; the breakdown, a second
`dbt show` of a few seconds, only when a message is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ledger_job.money import plain, to_decimal

BALANCE_TESTS = ("assert_ledger_balances",)  # the tests whose failure means unbalanced books
MESSAGE_TRANSACTIONS = 20
TOP_ACCOUNTS = 5
MESSAGE_ACCOUNTS = 10
_MONEY = {"total_debits", "total_credits", "difference", "balance"}
_COUNTS = {"line_count", "unbalanced_transaction_count", "accounts_affected", "account_count"}
_COUNTS |= {"account_rank", "transaction_count"}


class QueryRunner(Protocol):
    def show(self, sql: str, *, limit: int = -1) -> list[dict[str, Any]]: ...


class Row(dict[str, Any]):
    """A view's row, its columns read as attributes (None when absent)."""

    __getattr__ = dict.get


def parse_rows(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows with lower-case column names, money as Decimal and counts as int."""
    parsed = []
    for raw in rows:
        row = Row((str(key).lower(), value) for key, value in raw.items())
        for key in row.keys() & _MONEY:
            row[key] = to_decimal(row[key])
        for key in row.keys() & _COUNTS:
            row[key] = None if row[key] is None else int(row[key])
        parsed.append(row)
    return parsed


def parse_check(rows: Iterable[Mapping[str, Any]]) -> Row:
    """The check row; raises ValueError when the view returned none."""
    parsed = parse_rows(rows)
    if not parsed:
        raise ValueError("ledger_balance_check returned no row")
    return parsed[0]


def parse_transactions(rows: Iterable[Mapping[str, Any]]) -> tuple[Row, ...]:
    """Unbalanced transactions, largest absolute difference first."""
    return tuple(
        sorted(parse_rows(rows), key=lambda t: (-abs(t.difference or 0), t.transaction_id))
    )


@dataclass(frozen=True)
class Imbalance:
    check: Row
    transactions: tuple[Row, ...]

    def fingerprint(self) -> str:
        """Same difference (100.50 = 100.5) and same unbalanced transactions: same imbalance."""
        difference = self.check.difference
        digest = hashlib.sha256(
            plain(difference.normalize()).encode() if difference else b"unknown"
        )
        for transaction_id in sorted(t.transaction_id for t in self.transactions):
            digest.update(b"\n" + transaction_id.encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Breakdown:
    by_account_type: tuple[Row, ...]
    top_accounts: tuple[Row, ...]
    accounts: tuple[Row, ...]


# One `dbt show` each (a few seconds of start-up apiece); each branch casts its columns so the
# union's types agree on every engine.
IMBALANCE_SQL = """
select cast('check' as varchar(16)) as part, cast(null as varchar) as transaction_id,
    cast(null as varchar) as source, cast(null as varchar) as event_at,
    cast(null as bigint) as line_count, cast(total_debits as varchar) as total_debits,
    cast(total_credits as varchar) as total_credits, cast(difference as varchar) as difference,
    cast(unbalanced_transaction_count as bigint) as unbalanced_transaction_count,
    cast(accounts_affected as bigint) as accounts_affected
from {{ ref('ledger_balance_check') }}
union all
select cast('transaction' as varchar(16)), cast(transaction_id as varchar),
    cast(source as varchar), cast(event_at as varchar), cast(line_count as bigint),
    cast(total_debits as varchar), cast(total_credits as varchar), cast(difference as varchar),
    cast(null as bigint), cast(null as bigint)
from {{ ref('ledger_unbalanced_transactions') }}
"""
BREAKDOWN_SQL = """
select cast('by_type' as varchar(16)) as part, cast(null as bigint) as account_rank,
    cast(null as varchar) as account_code, cast(null as varchar) as account_name,
    cast(account_type as varchar) as account_type, cast(account_count as bigint) as account_count,
    cast(null as bigint) as transaction_count, cast(total_debits as varchar) as total_debits,
    cast(total_credits as varchar) as total_credits, cast(balance as varchar) as balance
from {{ ref('ledger_imbalance_by_account_type') }}
union all
select cast('top' as varchar(16)), cast(account_rank as bigint), cast(account_code as varchar),
    cast(account_name as varchar), cast(account_type as varchar), cast(null as bigint),
    cast(null as bigint), cast(null as varchar), cast(null as varchar), cast(balance as varchar)
from {{ ref('ledger_top_accounts') }}
union all
select cast('accounts' as varchar(16)), cast(null as bigint), cast(account_code as varchar),
    cast(account_name as varchar), cast(account_type as varchar), cast(null as bigint),
    cast(transaction_count as bigint), cast(total_debits as varchar),
    cast(total_credits as varchar), cast(net_amount as varchar)
from {{ ref('ledger_imbalance_accounts') }}
"""


def _by_part(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Row]]:
    parts: dict[str, list[Row]] = {}
    for row in parse_rows(rows):
        parts.setdefault(str(row.part).strip(), []).append(row)
    return parts


def fetch_imbalance(runner: QueryRunner) -> Imbalance:
    parts = _by_part(runner.show(IMBALANCE_SQL, limit=-1))
    return Imbalance(
        parse_check(parts.get("check", [])), parse_transactions(parts.get("transaction", []))
    )


def fetch_breakdown(runner: QueryRunner) -> Breakdown:
    parts = _by_part(runner.show(BREAKDOWN_SQL, limit=-1))
    by_type = sorted(parts.get("by_type", []), key=lambda a: a.account_type)
    top = sorted(parts.get("top", []), key=lambda a: (a.account_rank or 999, -abs(a.balance or 0)))
    accounts = sorted(
        parts.get("accounts", []), key=lambda a: (-abs(a.balance or 0), a.account_code)
    )
    return Breakdown(tuple(by_type), tuple(top[:TOP_ACCOUNTS]), tuple(accounts))


def investigation_sql(relations: Mapping[str, str], imbalance: Imbalance | None) -> list[str]:
    """Ready-to-run queries, schema-qualified from the manifest (else bare view names)."""

    def rel(name: str) -> str:
        return relations.get(name, name)

    unbalanced = rel("ledger_unbalanced_transactions")
    queries = [
        f"select * from {rel('ledger_balance_check')};",
        f"select * from {unbalanced}\norder by abs(difference) desc, transaction_id;",
        f"select e.*\nfrom {rel('ledger_entries')} as e\njoin {unbalanced} as u\n"
        "  on u.transaction_id = e.transaction_id\norder by e.transaction_id, e.entry_id;",
        f"select * from {rel('ledger_imbalance_accounts')}\norder by abs(net_amount) desc;",
        f"select * from {rel('account_balances')}\norder by abs(balance) desc;",
    ]
    listed = imbalance.transactions[:MESSAGE_TRANSACTIONS] if imbalance else ()
    journals = [t.transaction_id[7:] for t in listed if t.transaction_id.startswith("manual:")]
    if journals:  # the journals of the transactions the message lists, in its order
        quoted = ", ".join("'" + journal.replace("'", "''") + "'" for journal in journals)
        queries.append(
            f"select * from {rel('finance.manual_journal_lines')}\n"
            f"where journal_id in ({quoted})\norder by journal_id, line_number;"
        )
    return queries
