"""The data diff as GitHub markdown, ready to post as a pull request comment.

Reads the dataclasses of ledger_tools.data_diff (what the macro data_diff found) and writes
the report's sections in order; nothing here reads an engine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger_job.money import format_usd, plural

if TYPE_CHECKING:
    from ledger_tools.data_diff import (
        BalanceCheck,
        DataDiff,
        ExampleRow,
        LedgerRowDiff,
        MartDiff,
        Totals,
    )


def signed_usd(value: Decimal) -> str:
    """`+$1,234.50`, `-$0.01`, `+$0.00`: a change of a total."""
    return ("-" if value < 0 else "+") + format_usd(abs(value))


def render_markdown(diff: DataDiff, *, title: str = "Data diff") -> str:
    """The report as GitHub markdown, ready to post as a pull request comment."""
    lines = [
        f"## {title}: `{diff.base.label}` → `{diff.head.label}`",
        "",
        f"**Verdict: {diff.verdict()}.**",
        *_marts_section(diff.marts),
        *_deal_types_section(diff),
        *_broker_months_section(diff),
        *_ledger_rows_section(diff.ledger),
        *_balance_section(diff.balance),
        "",
    ]
    return "\n".join(lines)


def _marts_section(marts: tuple[MartDiff, ...]) -> list[str]:
    lines = [
        "",
        "### Marts by grain key",
        "",
        "Each mart's rows of both builds joined on its grain key (copies of a key numbered):"
        " **values moved** marks every mart whose rows, values or columns differ.",
        "",
        "| mart | base | head | added | removed | changed | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    if not marts:
        lines.append("| (not compared) | | | | | | |")
    for mart in marts:
        flag = "**values moved**" if mart.moved else ""
        if mart.key is None:
            flag = (flag + " (no grain key: counted only)").strip()
        lines.append(
            f"| `{mart.name}` | {_count(mart.base_rows)} | {_count(mart.head_rows)}"
            f" | {mart.added:,} | {mart.removed:,} | {mart.changed:,} | {flag} |"
        )
    moved_columns = [f"- `{m.name}`: {', '.join(notes)}" for m in marts if (notes := _notes(m))]
    if moved_columns:
        lines += ["", "Columns whose values moved (rows changed in each):", "", *moved_columns]
    return lines


def _notes(mart: MartDiff) -> list[str]:
    notes = [f"`{name}` {rows:,}" for name, rows in mart.changed_columns.items()]
    notes += [f"`{name}` only in base" for name in mart.base_only_columns]
    notes += [f"`{name}` only in head" for name in mart.head_only_columns]
    notes += [f"`{text}`" for text in mart.retyped_columns]
    if mart.base_extra_copies or mart.head_extra_copies:
        notes.append(
            f"extra copies of a key: base {mart.base_extra_copies:,},"
            f" head {mart.head_extra_copies:,}"
        )
    return notes


def _deal_types_section(diff: DataDiff) -> list[str]:
    ledger = diff.ledger
    lines = [
        "",
        "### Billed amount by deal type (`lead_sales_ledger`)",
        "",
        "| deal type | rows base | rows head | billed base | billed head | change |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for totals in diff.deal_types:
        lines.append(f"| {_cell(totals.key[0])} | {_totals_cells(totals)} |")
    lines.append(
        f"| **total** | {ledger.base_rows:,} | {ledger.head_rows:,}"
        f" | {format_usd(ledger.base_billed)} | {format_usd(ledger.head_billed)}"
        f" | {signed_usd(ledger.billed_delta)} |"
    )
    return lines


def _totals_cells(totals: Totals) -> str:
    return (
        f"{totals.base_rows:,} | {totals.head_rows:,} | {format_usd(totals.base_billed)}"
        f" | {format_usd(totals.head_billed)} | {signed_usd(totals.billed_delta)}"
    )


def _broker_months_section(diff: DataDiff) -> list[str]:
    lines = ["", "### Broker and month totals that moved", ""]
    moved = diff.broker_months_moved
    if moved == 0:
        return [*lines, "No broker's monthly rows or billed amount moved."]
    shown = len(diff.broker_months)
    which = (
        f"the top {shown} by absolute change:"
        if shown < moved
        else "all of them, by absolute change:"
    )
    lines += [
        f"{moved:,} broker-month{'s' if moved != 1 else ''} moved; {which}",
        "",
        "| broker | month | rows base | rows head | billed base | billed head | change |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for totals in diff.broker_months:
        broker, month = totals.key
        lines.append(f"| {_cell(broker)} | {str(month)[:7]} | {_totals_cells(totals)} |")
    return lines


def _ledger_rows_section(ledger: LedgerRowDiff) -> list[str]:
    lines = [
        "",
        "### Ledger rows by `ledger_id`",
        "",
        "| | rows |",
        "|---|---:|",
        f"| unchanged | {ledger.unchanged:,} |",
        f"| changed | {ledger.changed:,} |",
        f"| added: new ledger_id | {ledger.added_ids:,} |",
        f"| added: extra copy of a ledger_id | {ledger.added_copies:,} |",
        f"| removed: ledger_id gone | {ledger.removed_ids:,} |",
        f"| removed: copy of a ledger_id | {ledger.removed_copies:,} |",
        "",
        f"Duplicated ledger_ids: base {ledger.base_duplicated_ids:,}"
        f" ({plural(ledger.base_extra_copies, 'extra row')}),"
        f" head {ledger.head_duplicated_ids:,} ({plural(ledger.head_extra_copies, 'extra row')}).",
    ]
    if ledger.columns:
        lines += ["", "Columns that changed:", "", "| column | rows | note |", "|---|---:|---|"]
        lines += [f"| `{c.column}` | {c.rows:,} | {c.note} |" for c in ledger.columns]
    if ledger.changed_examples:
        lines += [
            "",
            "<details><summary>Changed rows (examples)</summary>",
            "",
            "| ledger_id | copy | column | base | head |",
            "|---|---:|---|---|---|",
        ]
        lines += [
            f"| `{_escape(row.ledger_id)}` | {row.copy_number} | `{column}`"
            f" | {_cell(before)} | {_cell(after)} |"
            for row in ledger.changed_examples
            for column, before, after in row.changes
        ]
        lines += ["", "</details>"]
    lines += _examples("Added rows (examples, head values)", ledger.added_examples)
    lines += _examples("Removed rows (examples, base values)", ledger.removed_examples)
    return lines


def _examples(heading: str, rows: tuple[ExampleRow, ...]) -> list[str]:
    if not rows:
        return []
    names = [name for name, _ in rows[0].values]
    lines = [
        "",
        f"<details><summary>{heading}</summary>",
        "",
        "| ledger_id | copy | " + " | ".join(names) + " |",
        "|---|---:|" + "---|" * len(names),
    ]
    for row in rows:
        cells = " | ".join(_cell(value) for _, value in row.values)
        lines.append(f"| `{_escape(row.ledger_id)}` | {row.copy_number} | {cells} |")
    return [*lines, "", "</details>"]


def _balance_section(balance: BalanceCheck) -> list[str]:
    lines = ["", "### `ledger_balance_check`", ""]
    if balance.base is None and balance.head is None:
        return [*lines, "Not built on either side."]
    lines += ["| | base | head |", "|---|---:|---:|"]
    for index, column in enumerate(balance.columns):
        before = _cell(balance.base[index]) if balance.base is not None else "(missing)"
        after = _cell(balance.head[index]) if balance.head is not None else "(missing)"
        marker = " **≠**" if before != after else ""
        lines.append(f"| `{column}`{marker} | {before} | {after} |")
    return lines


def _count(value: int | None) -> str:
    return "(missing)" if value is None else f"{value:,}"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell(value: Any) -> str:
    """A value as a table cell; dates and times arrive as the engine's ISO text."""
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return _escape(str(value))
