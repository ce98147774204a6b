"""The balance alerts' text, for the log and a Slack-compatible webhook.

Laid out like seed 002's monitor (summary, breakdown by account type, top 5 accounts, actions,
investigation SQL), plus the unbalanced transactions themselves: every transaction is checked,
so the alert names the rows to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger_job.balance_report import MESSAGE_ACCOUNTS, MESSAGE_TRANSACTIONS, investigation_sql
from ledger_job.money import format_usd, plural, to_decimal, usd

if TYPE_CHECKING:
    from ledger_job.alert import AlertState
    from ledger_job.balance_report import Breakdown, Imbalance, Row

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


@dataclass
class Section:
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
            for chunk in _chunks(section.lines, SLACK_SECTION_LIMIT):
                body = "\n".join(_slack_escape(line) for line in chunk)
                body = f"```{body}```" if section.code else body
                if section.heading:
                    body = f"*{_slack_escape(section.heading)}*\n{body}"
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        if len(blocks) > SLACK_MAX_BLOCKS:
            blocks = [*blocks[: SLACK_MAX_BLOCKS - 1], _TRUNCATED]
        return {"text": _slack_escape(self.text()), "blocks": blocks}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(lines: Sequence[str], limit: int) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for line in (line[:limit] for line in lines):
        if chunks[-1] and size + len(line) + 1 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return chunks


def _account(a: Row) -> str:
    return f"{a.account_code} {a.account_name or ''} ({a.account_type or '?'})"


def _breakdown_sections(breakdown: Breakdown) -> list[Section]:
    by_type = [
        f"{t.account_type}: {plural(t.account_count, 'account')}, total: {usd(t.balance)} "
        f"(debits {format_usd(t.total_debits)}, credits {format_usd(t.total_credits)})"
        for t in breakdown.by_account_type
    ]
    top = [
        f"{a.account_rank or i}. {_account(a)}: {usd(a.balance)}"
        for i, a in enumerate(breakdown.top_accounts, start=1)
    ]
    shown = breakdown.accounts[:MESSAGE_ACCOUNTS]
    accounts = [
        f"{_account(a)}: {plural(a.transaction_count, 'transaction')}, net {usd(a.balance)}"
        for a in shown
    ]
    heading = f"Accounts in unbalanced transactions ({len(shown)} of {len(breakdown.accounts)})"
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
    return Section(
        f"Unbalanced transactions (first {len(shown)} of {len(imbalance.transactions)}, "
        "largest difference first)",
        lines or ["(none listed)"],
    )


def imbalance_message(
    imbalance: Imbalance | None,
    breakdown: Breakdown | None,
    *,
    detected_at: str,
    run_id: str | None,
    failing_tests: Sequence[str],
    relations: Mapping[str, str],
    detail_error: str | None = None,
) -> Message:
    """The CRITICAL message; parts whose data could not be fetched are left out."""
    check = imbalance.check if imbalance else None
    summary = (
        [
            f"Total difference (debits - credits): {usd(check.difference)}",
            f"Total debits: {usd(check.total_debits)}",
            f"Total credits: {usd(check.total_credits)}",
            f"Unbalanced transactions: {check.unbalanced_transaction_count}",
            f"Total accounts affected: {check.accounts_affected}",
        ]
        if check is not None
        else []
    )
    summary += [
        f"Timestamp: {detected_at}",
        f"dbt invocation: {run_id or 'unknown'}",
        f"Failing tests: {', '.join(failing_tests) or 'none reported'}",
    ]
    sections = [Section(None, summary)]
    sections += [Section("Details unavailable", [detail_error])] if detail_error else []
    sections += _breakdown_sections(breakdown) if breakdown else []
    sections += [_transactions_section(imbalance)] if imbalance else []
    sql = investigation_sql(relations, imbalance)
    sections += [
        Section("Action required", list(_ACTIONS)),
        Section("Investigation SQL (marts views)", sql, code=True),
    ]
    return Message("🚨 CRITICAL: Ledger imbalance detected", sections)


def resolved_message(
    previous: AlertState, *, resolved_at: str, run_id: str | None, totals: Mapping[str, Any] | None
) -> Message:
    """The one message that closes an imbalance alert."""
    lines = [
        f"Previous difference: {usd(_decimal_or_none(previous.difference))}",
        f"Imbalance first detected: {previous.first_detected_at or 'unknown'}",
        f"Last alerted: {previous.alerted_at or 'unknown'}",
        f"Resolved at: {resolved_at}",
        f"dbt invocation: {run_id or 'unknown'}",
    ]
    if totals:
        debits, credits = (
            _decimal_or_none(totals.get(k)) for k in ("total_debits", "total_credits")
        )
        lines.append(f"Ledger entries now: debits {usd(debits)}, credits {usd(credits)}")
    return Message("✅ RESOLVED: Ledger balanced again", [Section(None, lines)])


def _decimal_or_none(value: Any) -> Any:
    try:
        return to_decimal(value)
    except ValueError:
        return None
