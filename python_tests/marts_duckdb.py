"""The balance-report marts views as tables in a real DuckDB, queried like `dbt show`.

Running the whole dbt build for every step of the alert state machine would take minutes;
this keeps a real engine under the report's SQL (the casts, the column names of the
view contract) while each state is just a few INSERTs. The report's macro
(macros/ledger_balance_report.sql) is rendered by Jinja, `ref('x')` to table `x`, and rows
come back through JSON with Decimal for numbers, as `dbt show` hands them over.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import jinja2

from ledger_job.dbt_runner import DbtError
from ledger_job.paths import PROJECT_ROOT

_REPORT_MACRO = PROJECT_ROOT / "macros" / "ledger_balance_report.sql"


def render_report(sql: str) -> str:
    """`sql` rendered by Jinja as dbt would, with the report's macro and `ref('x')` as `x`."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    template = environment.from_string(_REPORT_MACRO.read_text() + sql)
    return template.render(ref=lambda name: name)


DDL = {
    "ledger_balance_check": """
        total_debits numeric(38,2), total_credits numeric(38,2), difference numeric(38,2),
        unbalanced_transaction_count bigint, accounts_affected bigint, is_balanced boolean,
        checked_at timestamp""",
    "ledger_unbalanced_transactions": """
        transaction_id text, source text, event_at timestamp, line_count bigint,
        total_debits numeric(38,2), total_credits numeric(38,2), difference numeric(38,2)""",
    "ledger_imbalance_accounts": """
        account_code text, account_name text, account_type text, transaction_count bigint,
        total_debits numeric(38,2), total_credits numeric(38,2), net_amount numeric(38,2)""",
    "ledger_imbalance_by_account_type": """
        account_type text, account_count bigint, total_debits numeric(38,2),
        total_credits numeric(38,2), balance numeric(38,2)""",
    "ledger_top_accounts": """
        account_rank bigint, account_code text, account_name text, account_type text,
        balance numeric(38,2), absolute_balance numeric(38,2)""",
}

CHART = {
    "1100": ("accounts_receivable", "asset"),
    "4000": ("lead_delivery_revenue", "revenue"),
    "4100": ("lead_sale_revenue", "revenue"),
    "4200": ("conversion_revenue", "revenue"),
    "4300": ("call_revenue", "revenue"),
    "4800": ("sales_discounts", "contra_revenue"),
    "4900": ("refunds", "contra_revenue"),
}

# Account balances (debit - credit) of a ledger that is off by $100.00 overall.
TOP_ACCOUNTS = [
    ("1100", Decimal("48210.50")),
    ("4000", Decimal("-41300.00")),
    ("4100", Decimal("-5120.00")),
    ("4200", Decimal("-4011.00")),
    ("4900", Decimal("1940.00")),
]


@dataclass(frozen=True)
class Line:
    account_code: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    event_at: str
    lines: tuple[Line, ...]

    @property
    def debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0"))

    @property
    def credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0"))


def manual(journal_id: str, event_at: str, *lines: tuple[str, str, str]) -> Transaction:
    """A manual journal; lines are (account_code, debit, credit)."""
    return Transaction(
        f"manual:{journal_id}",
        event_at,
        tuple(Line(code, Decimal(d), Decimal(c)) for code, d, c in lines),
    )


class MartsDuckDB:
    """An in-memory DuckDB holding the marts views' rows; a `QueryRunner` for the report."""

    def __init__(self, *, with_views: bool = True) -> None:
        self.connection = duckdb.connect(":memory:")
        self.queries: list[str] = []
        if with_views:
            for name, columns in DDL.items():
                self.connection.execute(f"create table {name} ({columns})")

    def close(self) -> None:
        self.connection.close()

    def show(self, sql: str, *, limit: int = -1) -> list[dict[str, Any]]:
        rendered = render_report(sql)
        self.queries.append(rendered)
        if limit >= 0:
            rendered = f"select * from ({rendered}) as limited limit {limit}"
        try:
            cursor = self.connection.execute(rendered)
        except duckdb.Error as exc:
            raise DbtError(f"dbt show failed: {exc}") from exc  # how DbtRunner reports it
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        # Through JSON, as dbt show's output is: numbers arrive as JSON numbers.
        text = json.dumps(rows, default=_json_default)
        return list(json.loads(text, parse_float=Decimal))

    def set_balanced(self) -> None:
        self.set_imbalance([])

    def set_imbalance(self, transactions: Iterable[Transaction]) -> None:
        """Replace every table with the rows the views would show for these transactions."""
        transactions = list(transactions)
        con = self.connection
        for name in DDL:
            con.execute(f"delete from {name}")
        debits = Decimal("1250000.00") + sum((t.debits for t in transactions), Decimal("0"))
        credits = Decimal("1250000.00") + sum((t.credits for t in transactions), Decimal("0"))
        accounts: dict[str, list[Decimal]] = {}
        for t in transactions:
            for code in {line.account_code for line in t.lines}:
                accounts.setdefault(code, [Decimal("0"), Decimal("0"), Decimal("0")])[2] += 1
            for line in t.lines:
                accounts[line.account_code][0] += line.debit
                accounts[line.account_code][1] += line.credit
        con.execute(
            "insert into ledger_balance_check"
            " values (?, ?, ?, ?, ?, ?, timestamp '2025-06-02 00:05:41')",
            [debits, credits, debits - credits, len(transactions), len(accounts), not transactions],
        )
        for t in transactions:
            con.execute(
                "insert into ledger_unbalanced_transactions values (?, 'manual', ?, ?, ?, ?, ?)",
                [
                    t.transaction_id,
                    t.event_at,
                    len(t.lines),
                    t.debits,
                    t.credits,
                    t.debits - t.credits,
                ],
            )
        for code, (dr, cr, count) in accounts.items():
            name, kind = CHART[code]
            con.execute(
                "insert into ledger_imbalance_accounts values (?, ?, ?, ?, ?, ?, ?)",
                [code, name, kind, int(count), dr, cr, dr - cr],
            )
        con.execute(
            """
            insert into ledger_imbalance_by_account_type
            select account_type, count(*), sum(total_debits), sum(total_credits), sum(net_amount)
            from ledger_imbalance_accounts group by account_type
            """
        )
        for rank, (code, balance) in enumerate(TOP_ACCOUNTS, start=1):
            name, kind = CHART[code]
            con.execute(
                "insert into ledger_top_accounts values (?, ?, ?, ?, ?, ?)",
                [rank, code, name, kind, balance, abs(balance)],
            )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # what dbt show does with a numeric column
    return str(value)
