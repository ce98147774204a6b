"""Text of the ledger balance alerts, for the log and for a Slack-compatible webhook.

Laid out like the balance monitor of seed 002 (summary, breakdown by account type, top 5
accounts, action list, investigation queries), plus the unbalanced transactions
themselves: in this ledger every transaction is checked, so the alert can name the
exact rows to fix instead of leaving the reader to search for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger_job.balance_report import MESSAGE_ACCOUNTS, MESSAGE_TRANSACTIONS, investigation_sql
from ledger_job.money import format_usd, plural, to_decimal, usd

if TYPE_CHECKING:
    from ledger_job.alert import AlertState
    from ledger_job.balance_report import Breakdown, Imbalance

# Slack rejects a section text over 3000 characters and a message over 50 blocks.
SLACK_SECTION_LIMIT = 2900
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
    """A titled group of lines; `code` sections are SQL shown verbatim."""

    heading: str | None
    lines: list[str]
    code: bool = False


@dataclass
class Message:
    """An alert, renderable as plain text (log) and as a Slack payload."""

    title: str
    sections: list[Section] = field(default_factory=list)

    def text(self) -> str:
        parts = [self.title]
        for section in self.sections:
            body = [f"{section.heading}:"] if section.heading else []
            indent = "  " if section.heading else ""
            for line in section.lines:
                # Multi-line entries (SQL) stay indented on every line.
                body += [indent + part for part in line.splitlines()]
                if section.code:
                    body.append("")
            parts.append("\n".join(body).rstrip())
        return "\n\n".join(parts)

    def slack_payload(self) -> dict[str, Any]:
        """`{"text", "blocks"}`; `text` is the notification fallback and the full message."""
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}}
        ]
        for section in self.sections:
            for chunk in _chunks(section.lines, SLACK_SECTION_LIMIT):
                if section.code:
                    body = "```" + _slack_escape("\n".join(chunk)) + "```"
                else:
                    body = "\n".join(_slack_escape(line) for line in chunk)
                if section.heading:
                    body = f"*{_slack_escape(section.heading)}*\n{body}"
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        if len(blocks) > SLACK_MAX_BLOCKS:
            blocks = [*blocks[: SLACK_MAX_BLOCKS - 1], _TRUNCATED]
        return {"text": _slack_escape(self.text()), "blocks": blocks}


def _slack_escape(text: str) -> str:
    # The three characters Slack's mrkdwn treats as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(lines: Sequence[str], limit: int) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        clipped = line[:limit]
        if chunks[-1] and size + len(clipped) + 1 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(clipped)
        size += len(clipped) + 1
    return chunks


def _account(a: Any) -> str:
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
    return [
        Section("Breakdown by account type", by_type or ["(none)"]),
        Section("Top 5 accounts by absolute balance", top or ["(none)"]),
        Section(
            f"Accounts in unbalanced transactions ({len(shown)} of {len(breakdown.accounts)})",
            accounts or ["(none)"],
        ),
    ]


def _imbalance_sections(imbalance: Imbalance) -> tuple[list[str], Section]:
    """The summary's lines on the imbalance, and the unbalanced transactions."""
    check, shown = imbalance.check, imbalance.transactions[:MESSAGE_TRANSACTIONS]
    summary = [
        f"Total difference (debits - credits): {usd(check.difference)}",
        f"Total debits: {usd(check.total_debits)}",
        f"Total credits: {usd(check.total_credits)}",
        f"Unbalanced transactions: {check.unbalanced_transaction_count}",
        f"Total accounts affected: {check.accounts_affected}",
    ]
    lines = [
        f"{t.transaction_id} [{t.source or '?'}] at {t.event_at or '?'}, "
        f"{plural(t.line_count, 'line')}: debits {format_usd(t.total_debits)}, "
        f"credits {format_usd(t.total_credits)}, difference {format_usd(t.difference)}"
        for t in shown
    ]
    heading = (
        f"Unbalanced transactions (first {len(shown)} of {len(imbalance.transactions)}, "
        "largest difference first)"
    )
    return summary, Section(heading, lines or ["(none listed)"])


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
    summary, transactions = _imbalance_sections(imbalance) if imbalance else ([], None)
    summary += [
        f"Timestamp: {detected_at}",
        f"dbt invocation: {run_id or 'unknown'}",
        f"Failing tests: {', '.join(failing_tests) or 'none reported'}",
    ]
    sections = [Section(None, summary)]
    if detail_error:
        sections.append(Section("Details unavailable", [detail_error]))
    sections += _breakdown_sections(breakdown) if breakdown else []
    sections += [transactions] if transactions else []
    sections.append(Section("Action required", list(_ACTIONS)))
    sql = investigation_sql(relations, imbalance)
    sections.append(Section("Investigation SQL (marts views)", sql, code=True))
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
        debits = _decimal_or_none(totals.get("total_debits"))
        credits = _decimal_or_none(totals.get("total_credits"))
        lines.append(f"Ledger entries now: debits {usd(debits)}, credits {usd(credits)}")
    return Message("✅ RESOLVED: Ledger balanced again", [Section(None, lines)])


def _decimal_or_none(value: Any) -> Any:
    try:
        return to_decimal(value)
    except ValueError:
        return None
