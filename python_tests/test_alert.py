"""Ledger balance alert: message content, Slack payload and the state machine across runs.

The report's SQL runs on a real DuckDB holding the marts views' rows (marts_duckdb) and
the webhook is a real local HTTP server; only the dbt build itself is left to test_job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import job_fixtures
import pytest
from http_server import RecordingServer, Reply
from marts_duckdb import MartsDuckDB, manual

from ledger_job.alert import Action, AlertState, BalanceMonitor, decide, load_state, save_state
from ledger_job.balance_report import (
    SLACK_SECTION_LIMIT,
    Imbalance,
    Message,
    fetch_breakdown,
    fetch_imbalance,
    imbalance_message,
    parse_rows,
)
from ledger_job.money import format_usd, to_decimal

server = job_fixtures.server  # the local server the job posts to (a fixture)

FAILING = ["assert_ledger_balances"]
RELATIONS = {
    "ledger_balance_check": '"ledger"."ledger_marts"."ledger_balance_check"',
    "ledger_unbalanced_transactions": '"ledger"."ledger_marts"."ledger_unbalanced_transactions"',
    "ledger_entries": '"ledger"."ledger_marts"."ledger_entries"',
    "ledger_imbalance_accounts": '"ledger"."ledger_marts"."ledger_imbalance_accounts"',
    "account_balances": '"ledger"."ledger_marts"."account_balances"',
    "finance.manual_journal_lines": '"ledger"."finance"."manual_journal_lines"',
}

# A hand-keyed journal whose credit was typed $100.00 short.
SHORT_CREDIT = manual(
    "JE-2025-0142", "2025-06-01 09:14:00", ("1100", "1250.00", "0"), ("4000", "0", "1150.00")
)
# A second one, debit only.
ORPHAN_DEBIT = manual("JE-2025-0150", "2025-06-03 16:02:00", ("1100", "20.00", "0"))


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_HTTP_BACKOFF_SECONDS", "0")  # the webhook's retries, unwaited


@pytest.fixture
def marts() -> Iterator[MartsDuckDB]:
    views = MartsDuckDB()
    yield views
    views.close()


def monitor(marts: MartsDuckDB, state: Path, webhook: str | None) -> BalanceMonitor:
    env = {"ALERT_WEBHOOK_URL": webhook} if webhook else {}
    return BalanceMonitor(runner=marts, state_path=state, relations=RELATIONS, env=env)


def run(monitor: BalanceMonitor, balanced: bool | None, night: int) -> Action:
    return monitor.check(
        balanced,
        now=f"2025-06-{night:02d}T00:05:41Z",
        run_id=f"run-{night}",
        failing_tests=[] if balanced else FAILING,
        ledger_totals={"total_debits": "1250000.00", "total_credits": "1250000.00"},
    )


def texts(server: RecordingServer) -> list[str]:
    return [r.json()["text"] for r in server.requests]


# --- state machine ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "balanced", "fingerprint", "expected"),
    [
        (None, False, "a", Action.ALERT),
        (AlertState("balanced"), False, "a", Action.ALERT),
        (AlertState("imbalanced", fingerprint="a"), False, "a", Action.SUPPRESS),
        (AlertState("imbalanced", fingerprint="a"), False, "b", Action.ALERT),
        (AlertState("imbalanced", fingerprint="a"), True, None, Action.RESOLVE),
        (AlertState("balanced"), True, None, Action.NONE),
        (None, True, None, Action.NONE),
        (AlertState("imbalanced", fingerprint="a"), None, None, Action.NONE),
    ],
)
def test_decide(
    previous: AlertState | None, balanced: bool | None, fingerprint: str | None, expected: Action
) -> None:
    assert decide(previous, balanced, fingerprint) is expected


def test_alerts_once_realerts_on_change_and_resolves_once(
    marts: MartsDuckDB, server: RecordingServer, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "ledger_balance_alert.json"
    job = monitor(marts, state, server.url + "/hooks/T000/B000/XXXX")

    marts.set_imbalance([SHORT_CREDIT])
    assert run(job, False, 2) is Action.ALERT
    assert len(server.requests) == 1
    assert server.requests[0].path == "/hooks/T000/B000/XXXX"
    assert "Total difference (debits - credits): $100.00 USD" in texts(server)[0]
    saved = load_state(state)
    assert saved is not None and saved.status == "imbalanced" and saved.difference == "100.00"

    # The same imbalance the next night: no repeat.
    assert run(job, False, 3) is Action.SUPPRESS
    assert len(server.requests) == 1

    # A second bad journal changes the imbalance: alert again.
    marts.set_imbalance([SHORT_CREDIT, ORPHAN_DEBIT])
    assert run(job, False, 4) is Action.ALERT
    assert len(server.requests) == 2
    assert "Total difference (debits - credits): $120.00 USD" in texts(server)[1]
    changed = load_state(state)
    assert changed is not None and changed.first_detected_at == "2025-06-02T00:05:41Z"

    # Corrected: one resolved message, then nothing.
    marts.set_balanced()
    assert run(job, True, 5) is Action.RESOLVE
    assert len(server.requests) == 3
    assert "RESOLVED" in texts(server)[2]
    assert "Previous difference: $120.00 USD" in texts(server)[2]
    assert run(job, True, 6) is Action.NONE
    assert run(job, True, 7) is Action.NONE
    assert len(server.requests) == 3


def test_same_difference_other_transactions_is_a_new_imbalance(
    marts: MartsDuckDB, tmp_path: Path
) -> None:
    job = monitor(marts, tmp_path / "state.json", None)
    marts.set_imbalance([ORPHAN_DEBIT])
    assert run(job, False, 2) is Action.ALERT
    marts.set_imbalance([manual("JE-2025-0151", "2025-06-03 10:00:00", ("1100", "20.00", "0"))])
    assert run(job, False, 3) is Action.ALERT


def test_undelivered_alert_is_sent_again_next_run(
    marts: MartsDuckDB, server: RecordingServer, tmp_path: Path
) -> None:
    job = monitor(marts, tmp_path / "state.json", server.url)
    marts.set_imbalance([SHORT_CREDIT])
    server.script(503, 503, 503, 503)

    assert run(job, False, 2) is Action.ALERT
    assert len(server.requests) == 4
    assert load_state(tmp_path / "state.json") is None

    assert run(job, False, 3) is Action.ALERT
    assert len(server.requests) == 5
    assert run(job, False, 4) is Action.SUPPRESS


def test_without_webhook_the_alert_is_logged_critical(
    marts: MartsDuckDB, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = monitor(marts, tmp_path / "state.json", None)
    marts.set_imbalance([SHORT_CREDIT])

    with caplog.at_level(logging.INFO):
        assert run(job, False, 2) is Action.ALERT
        assert run(job, False, 3) is Action.SUPPRESS
        marts.set_balanced()
        assert run(job, True, 4) is Action.RESOLVE

    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1
    assert "Ledger imbalance detected" in critical[0].getMessage()
    assert any("not alerting again" in r.getMessage() for r in caplog.records)
    assert any("ALERT_WEBHOOK_URL is not set" in r.getMessage() for r in caplog.records)
    assert sum("RESOLVED" in r.getMessage() for r in caplog.records) == 1


def test_balance_tests_not_run_leave_the_state_alone(marts: MartsDuckDB, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    save_state(state, AlertState("imbalanced", fingerprint="abc", difference="5.00"))
    before = state.read_text()

    assert run(monitor(marts, state, None), None, 2) is Action.NONE
    assert state.read_text() == before
    assert marts.queries == []


def test_missing_views_still_alert_with_the_failing_tests(
    server: RecordingServer, tmp_path: Path
) -> None:
    empty = MartsDuckDB(with_views=False)
    try:
        job = monitor(empty, tmp_path / "state.json", server.url)
        assert run(job, False, 2) is Action.ALERT
        assert run(job, False, 3) is Action.SUPPRESS
    finally:
        empty.close()
    [request] = server.requests
    text = request.json()["text"]
    assert "Details unavailable" in text
    assert "assert_ledger_balances" in text


def test_unreadable_state_file_counts_as_no_state(marts: MartsDuckDB, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    marts.set_imbalance([SHORT_CREDIT])
    assert run(monitor(marts, state, None), False, 2) is Action.ALERT
    assert json.loads(state.read_text())["status"] == "imbalanced"


# --- message ---------------------------------------------------------------------------


def realistic_imbalance(marts: MartsDuckDB) -> None:
    """25 unbalanced manual journals of different sizes, on two accounts."""
    journals = [
        manual(
            f"JE-2025-{300 + i:04d}",
            f"2025-05-{1 + i:02d} 10:00:00",
            ("1100", f"{100 + i * 37}.{i:02d}", "0"),
            ("4000", "0", f"{100 + i * 37}.00"),
        )
        for i in range(24)
    ]
    journals.append(manual("JE-2025-0999", "2025-05-30 18:45:00", ("4900", "1234.50", "0")))
    marts.set_imbalance(journals)


def realistic_message(marts: MartsDuckDB, **context: Any) -> Message:
    """The message of realistic_imbalance, read through the report's real SQL."""
    realistic_imbalance(marts)
    at = {"detected_at": "2025-06-02T00:05:41Z"}
    return imbalance_message(fetch_imbalance(marts), fetch_breakdown(marts), **at, **context)


def test_message_has_every_part_of_the_report(marts: MartsDuckDB) -> None:
    run_id = "8ee7b817-e536-4e8b-8de1-ce72443ec874"
    message = realistic_message(marts, run_id=run_id, failing_tests=FAILING, relations=RELATIONS)
    text = message.text()

    # Exact decimal: 1234.50 + sum(0.00 .. 0.23) = 1234.50 + 2.76.
    assert "Total difference (debits - credits): $1,237.26 USD" in text
    assert "Unbalanced transactions: 25" in text
    assert "Total accounts affected: 3" in text
    assert "Timestamp: 2025-06-02T00:05:41Z" in text
    assert "dbt invocation: 8ee7b817-e536-4e8b-8de1-ce72443ec874" in text
    # 24 journals of 100 + 37 i dollars and i cents on 1100, i = 0..23.
    assert "asset: 1 account, total: $12,614.76 USD (debits $12,614.76, credits $0.00)" in text
    assert "contra_revenue: 1 account, total: $1,234.50 USD" in text
    assert "revenue: 1 account, total: -$12,612.00 USD" in text
    assert "1100 accounts_receivable (asset): 24 transactions, net $12,614.76 USD" in text
    top = [line.strip() for line in text.splitlines() if line.strip()[:2] in {"1.", "2.", "5."}]
    assert "1. 1100 accounts_receivable (asset): $48,210.50 USD" in top
    assert "2. 4000 lead_delivery_revenue (revenue): -$41,300.00 USD" in top
    assert "5. 4900 refunds (contra_revenue): $1,940.00 USD" in top
    assert "Unbalanced transactions (first 20 of 25, largest difference first)" in text
    # Largest difference first: the refund journal, then .23, .22 ...
    listed = [line.strip() for line in text.splitlines() if line.strip().startswith("manual:")]
    assert len(listed) == 20
    assert listed[0].startswith("manual:JE-2025-0999 [manual] at 2025-05-30 18:45:00, 1 line")
    assert listed[0].endswith("difference $1,234.50")
    assert listed[1].startswith("manual:JE-2025-0323 ")
    assert "debits $951.23, credits $951.00, difference $0.23" in listed[1]
    # Ready-to-run SQL, schema-qualified from the manifest.
    assert 'select * from "ledger"."ledger_marts"."ledger_balance_check";' in text
    assert 'from "ledger"."ledger_marts"."ledger_entries" as e' in text
    assert 'select * from "ledger"."finance"."manual_journal_lines"' in text
    assert "where journal_id in ('JE-2025-0999', 'JE-2025-0323', 'JE-2025-0322'" in text
    assert "'JE-2025-0305'" in text and "'JE-2025-0304'" not in text  # only the 20 listed


def test_slack_payload_is_valid_and_escaped(marts: MartsDuckDB) -> None:
    message = realistic_message(marts, run_id=None, failing_tests=["a<b&c"], relations={})

    payload = message.slack_payload()

    assert set(payload) == {"text", "blocks"}
    assert payload["blocks"][0]["type"] == "header"
    assert "Ledger imbalance detected" in payload["blocks"][0]["text"]["text"]
    assert 1 < len(payload["blocks"]) <= 50
    for block in payload["blocks"][1:]:
        assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"
        assert len(block["text"]["text"]) <= SLACK_SECTION_LIMIT + 100
    assert "a&lt;b&amp;c" in payload["text"] and "a<b" not in payload["text"]
    sql = [b for b in payload["blocks"] if "```" in b["text"]["text"]]
    assert sql and "select * from ledger_balance_check;" in sql[0]["text"]["text"]
    json.dumps(payload)  # serialisable as is


def test_undeliverable_details_are_not_fatal_to_the_message() -> None:
    message = imbalance_message(
        None,
        None,
        detected_at="2025-06-02T00:05:41Z",
        run_id="r1",
        failing_tests=FAILING,
        relations={},
        detail_error="dbt show failed: Catalog Error",
    )
    assert "Details unavailable:\n  dbt show failed: Catalog Error" in message.text()
    assert "select * from ledger_balance_check;" in message.text()


def test_fingerprint_ignores_decimal_spelling_and_order() -> None:
    def imbalance(difference: str, ids: list[str]) -> Imbalance:
        rows = [{"transaction_id": i, "difference": "1"} for i in ids]
        return Imbalance(parse_rows([{"difference": difference}])[0], tuple(parse_rows(rows)))

    assert (
        imbalance("100.50", ["a", "b"]).fingerprint()
        == imbalance("100.5", ["b", "a"]).fingerprint()
    )
    assert imbalance("100.50", ["a"]).fingerprint() != imbalance("100.50", ["b"]).fingerprint()
    assert imbalance("100.50", ["a"]).fingerprint() != imbalance("100.51", ["a"]).fingerprint()


def test_numbers_from_json_stay_exact() -> None:
    assert to_decimal(0.1) + to_decimal(0.2) == Decimal("0.3")  # type: ignore[operator]
    assert to_decimal("1234.50") == Decimal("1234.50")
    assert to_decimal(12) == Decimal(12)
    assert to_decimal(None) is None
    for bad in (True, "abc", "NaN"):
        with pytest.raises(ValueError):
            to_decimal(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.5", "$1,234.50"),
        ("-800", "-$800.00"),
        ("0", "$0.00"),
        ("-0.01", "-$0.01"),
        ("1234567.891", "$1,234,567.891"),
    ],
)
def test_format_usd(value: str, expected: str) -> None:
    assert format_usd(Decimal(value)) == expected


def test_webhook_gets_same_retry_policy(
    marts: MartsDuckDB, server: RecordingServer, tmp_path: Path
) -> None:
    marts.set_imbalance([SHORT_CREDIT])
    server.script(Reply(429), Reply(500), 200)
    assert run(monitor(marts, tmp_path / "s.json", server.url), False, 2) is Action.ALERT
    assert len(server.requests) == 3
    assert load_state(tmp_path / "s.json") is not None
