"""The balance report (spec 4, seed 002): the marts views' rows, and the alerts' text.

The views do the analysis and macros/ledger_balance_report.sql orders it (money as text, so
nothing rounds it); the breakdown, a second `dbt show`, is read only when a message is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ledger_job.money import format_usd, plain, plural, to_decimal, usd

if TYPE_CHECKING:
    from ledger_job.alert import AlertState

BALANCE_TESTS = ("assert_ledger_balances",)  # the tests whose failure means unbalanced books
MESSAGE_TRANSACTIONS = 20
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
            row[key] = None if row[key] is None else int(to_decimal(row[key]) or 0)
        parsed.append(row)
    return parsed


@dataclass(frozen=True)
class Imbalance:
    check: Row
    transactions: tuple[Row, ...]

    def fingerprint(self) -> str:
        """Same difference (100.50 = 100.5) and same unbalanced transactions: same imbalance."""
        difference = self.check.difference
        key = "unknown" if difference is None else plain(difference.normalize()) or ""
        digest = hashlib.sha256(key.encode())
        for transaction_id in sorted(t.transaction_id for t in self.transactions):
            digest.update(b"\n" + transaction_id.encode())
        return digest.hexdigest()[:16]


def _report(runner: QueryRunner, report: str) -> dict[str, list[Row]]:
    """One query of macros/ledger_balance_report.sql: the views' rows by `part`, in order."""
    parts: dict[str, list[Row]] = {}
    for row in parse_rows(runner.show(f"{{{{ ledger_balance_report('{report}') }}}}", limit=-1)):
        parts.setdefault(str(row.part).strip(), []).append(row)
    return parts


def fetch_imbalance(runner: QueryRunner) -> Imbalance:
    """The check row and the unbalanced transactions, largest absolute difference first."""
    parts = _report(runner, "imbalance")
    if not parts.get("check"):
        raise ValueError("ledger_balance_check returned no row")
    return Imbalance(parts["check"][0], tuple(parts.get("transaction", [])))


def fetch_breakdown(runner: QueryRunner) -> dict[str, list[Row]]:
    """The accounts side: `by_type`, `top` (ledger_top_accounts) and `accounts`."""
    parts = _report(runner, "breakdown")
    return {part: parts.get(part, []) for part in ("by_type", "top", "accounts")}


def investigation_sql(relations: Mapping[str, str], imbalance: Imbalance | None) -> list[str]:
    """Ready-to-run queries, schema-qualified from the manifest (else bare view names)."""
    rel = lambda name: relations.get(name, name)  # noqa: E731
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


SLACK_SECTION_LIMIT = 2900  # Slack refuses a section over 3000 characters
SLACK_MAX_BLOCKS = 50
_TRUNCATED = {"type": "section", "text": {"type": "mrkdwn", "text": "_(truncated, see the log)_"}}
_ACTIONS = [
    "1. Review the unbalanced transactions above; manual journals "
    "(finance.manual_journal_lines) are where an imbalance can enter.",
    "2. Correct the entry at its source, with finance's approval; the views recompute "
    "on the next read, there is nothing to reprocess.",
    "3. The next run re-checks the balance and posts a resolved message.",
]


class Section(NamedTuple):
    heading: str | None
    lines: list[str]
    code: bool = False  # SQL, shown verbatim


@dataclass
class Message:
    title: str
    sections: list[Section] = field(default_factory=list)

    def text(self) -> str:
        parts = [self.title]
        for section in self.sections:
            body = [f"{section.heading}:"] if section.heading else []
            indent = "  " if section.heading else ""
            for line in section.lines:
                body += [indent + part for part in line.splitlines()] + [""] * section.code
            parts.append("\n".join(body).rstrip())
        return "\n\n".join(parts)

    def slack_payload(self) -> dict[str, Any]:
        """`{"text", "blocks"}`; `text` is the notification fallback and the full message."""
        header = {"type": "plain_text", "text": self.title[:150]}
        blocks: list[dict[str, Any]] = [{"type": "header", "text": header}]
        for section in self.sections:
            chunks: list[list[str]] = [[]]  # lines of at most SLACK_SECTION_LIMIT characters
            for line in (_slack_escape(line)[:SLACK_SECTION_LIMIT] for line in section.lines):
                if chunks[-1] and len("\n".join([*chunks[-1], line])) > SLACK_SECTION_LIMIT:
                    chunks.append([])
                chunks[-1].append(line)
            for chunk in chunks:
                body = "\n".join(chunk)
                body = f"```{body}```" if section.code else body
                if section.heading:
                    body = f"*{_slack_escape(section.heading)}*\n{body}"
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        if len(blocks) > SLACK_MAX_BLOCKS:
            blocks = [*blocks[: SLACK_MAX_BLOCKS - 1], _TRUNCATED]
        return {"text": _slack_escape(self.text()), "blocks": blocks}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _breakdown_sections(breakdown: dict[str, list[Row]]) -> list[Section]:
    account = lambda a: f"{a.account_code} {a.account_name or ''} ({a.account_type or '?'})"  # noqa: E731
    by_type = [
        f"{t.account_type}: {plural(t.account_count, 'account')}, total: {usd(t.balance)} "
        f"(debits {format_usd(t.total_debits)}, credits {format_usd(t.total_credits)})"
        for t in breakdown["by_type"]
    ]
    top = [f"{a.account_rank}. {account(a)}: {usd(a.balance)}" for a in breakdown["top"]]
    shown = breakdown["accounts"][:MESSAGE_ACCOUNTS]
    accounts = [
        f"{account(a)}: {plural(a.transaction_count, 'transaction')}, net {usd(a.balance)}"
        for a in shown
    ]
    heading = f"Accounts in unbalanced transactions ({len(shown)} of {len(breakdown['accounts'])})"
    return [
        Section("Breakdown by account type", by_type or ["(none)"]),
        Section("Top 5 accounts by absolute balance", top or ["(none)"]),
        Section(heading, accounts or ["(none)"]),
    ]


def _transactions_section(imbalance: Imbalance) -> Section:
    shown = imbalance.transactions[:MESSAGE_TRANSACTIONS]
    lines = [
        f"{t.transaction_id} [{t.source or '?'}] at {t.event_at or '?'}, "
        f"{plural(t.line_count, 'line')}: debits {format_usd(t.total_debits)}, "
        f"credits {format_usd(t.total_credits)}, difference {format_usd(t.difference)}"
        for t in shown
    ]
    total = len(imbalance.transactions)
    heading = f"Unbalanced transactions (first {len(shown)} of {total}, largest difference first)"
    return Section(heading, lines or ["(none listed)"])


def imbalance_message(
    imbalance: Imbalance | None,
    breakdown: dict[str, list[Row]] | None,
    *,
    detected_at: str,
    run_id: str | None,
    failing_tests: Sequence[str],
    relations: Mapping[str, str],
    detail_error: str | None = None,
) -> Message:
    """The CRITICAL message; parts whose data could not be fetched are left out."""
    summary = []
    if (check := imbalance.check if imbalance else None) is not None:
        summary = [
            f"Total difference (debits - credits): {usd(check.difference)}",
            f"Total debits: {usd(check.total_debits)}",
            f"Total credits: {usd(check.total_credits)}",
            f"Unbalanced transactions: {check.unbalanced_transaction_count}",
            f"Total accounts affected: {check.accounts_affected}",
        ]
    summary += [
        f"Timestamp: {detected_at}",
        f"dbt invocation: {run_id or 'unknown'}",
        f"Failing tests: {', '.join(failing_tests) or 'none reported'}",
    ]
    sections = [Section(None, summary)]
    sections += [Section("Details unavailable", [detail_error])] if detail_error else []
    sections += _breakdown_sections(breakdown) if breakdown else []
    sections += [_transactions_section(imbalance)] if imbalance else []
    queries = investigation_sql(relations, imbalance)
    sql = Section("Investigation SQL (marts views)", queries, code=True)
    sections += [Section("Action required", list(_ACTIONS)), sql]
    return Message("🚨 CRITICAL: Ledger imbalance detected", sections)


def resolved_message(
    previous: AlertState, resolved_at: str, run_id: str | None, totals: Mapping[str, Any] | None
) -> Message:
    """The one message that closes an imbalance alert (a garbled saved amount shows as n/a)."""
    lines = [
        f"Previous difference: {usd(previous.difference)}",
        f"Imbalance first detected: {previous.first_detected_at or 'unknown'}",
        f"Last alerted: {previous.alerted_at or 'unknown'}",
        f"Resolved at: {resolved_at}",
        f"dbt invocation: {run_id or 'unknown'}",
    ]
    if totals:
        debits, credits = (usd(totals.get(k)) for k in ("total_debits", "total_credits"))
        lines.append(f"Ledger entries now: debits {debits}, credits {credits}")
    return Message("✅ RESOLVED: Ledger balanced again", [Section(None, lines)])
