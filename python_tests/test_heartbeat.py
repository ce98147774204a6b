"""Heartbeat and its retry policy, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import job_fixtures
import pytest
from http_server import RecordingServer, Reply, unused_port

from ledger_job import heartbeat
from ledger_job.heartbeat import (
    backoff_base_from_env,
    post_json,
    send_heartbeat,
)
from ledger_job.logsetup import close_logging, configure_logging

server = job_fixtures.server  # the local server the job posts to (a fixture)

KEY = "hb-key-7f3a9c1e5d2b4a68"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(heartbeat.BACKOFF_ENV_VAR, "0")


PAYLOAD = {"job": "update_lead_sales_ledger", "status": "success", "run_id": "abc"}


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("INTERNAL_API_KEY", KEY)
    path = configure_logging(tmp_path / "logs")
    yield path
    close_logging()


def env_for(server: RecordingServer, suffix: str = "") -> dict[str, str]:
    return {"INTERNAL_API_URL": server.url + suffix, "INTERNAL_API_KEY": KEY}


@pytest.mark.parametrize(
    ("base", "path"), [("", "/heartbeat"), ("/", "/heartbeat"), ("/v1//", "/v1/heartbeat")]
)
def test_heartbeat_url_joins_without_doubling_slashes(
    server: RecordingServer, base: str, path: str
) -> None:
    send_heartbeat(PAYLOAD, env=env_for(server, base))
    assert [request.path for request in server.requests] == [path]


def test_posts_json_with_bearer_header(server: RecordingServer) -> None:
    result = send_heartbeat(PAYLOAD, env=env_for(server, "/api/"))

    assert result is not None and result.delivered and result.attempts == 1
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/api/heartbeat"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == PAYLOAD


def test_retried_on_503_then_delivered(server: RecordingServer) -> None:
    server.script(503, 503, 200)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and result.delivered
    assert result.attempts == 3
    assert len(server.requests) == 3
    assert all(r.json() == PAYLOAD for r in server.requests)


def test_retried_on_429(server: RecordingServer) -> None:
    server.script(429, 200)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and result.delivered and result.attempts == 2
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_not_retried(server: RecordingServer, status: int) -> None:
    server.script(status, 200)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and not result.delivered
    assert result.status == status
    assert len(server.requests) == 1


def test_gives_up_after_four_attempts(server: RecordingServer) -> None:
    server.script(500, 502, 503, 504, 200)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and not result.delivered
    assert result.attempts == 4 and result.status == 504
    assert len(server.requests) == 4


def test_timeout_is_retried(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script(Reply(200, delay=1.0), 200)
    monkeypatch.setattr(heartbeat, "TIMEOUT_SECONDS", 0.2)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and result.delivered and result.attempts == 2
    assert len(server.requests) == 2


def test_connection_closed_without_answer_is_retried(server: RecordingServer) -> None:
    server.script(Reply(hang_up=True), 200)

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and result.delivered and result.attempts == 2


def test_connection_refused_is_retried_with_exponential_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delays: list[float] = []
    monkeypatch.setenv(heartbeat.BACKOFF_ENV_VAR, "0.5")
    monkeypatch.setattr(time, "sleep", delays.append)

    result = post_json(
        f"http://127.0.0.1:{unused_port()}/heartbeat",
        PAYLOAD,
        what="heartbeat",
    )

    assert not result.delivered and result.attempts == 4
    assert result.error is not None and "connection failed" in result.error
    assert delays == [0.5, 1.0, 2.0]


def test_backoff_base_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(heartbeat.BACKOFF_ENV_VAR, "0.05")
    assert backoff_base_from_env() == 0.05
    monkeypatch.setenv(heartbeat.BACKOFF_ENV_VAR, "soon")
    assert backoff_base_from_env() == heartbeat.DEFAULT_BACKOFF_SECONDS
    monkeypatch.delenv(heartbeat.BACKOFF_ENV_VAR)
    assert backoff_base_from_env() == heartbeat.DEFAULT_BACKOFF_SECONDS


def test_redirect_is_not_followed(server: RecordingServer) -> None:
    # Following it would replay the bearer key to whatever host the redirect names.
    server.script(Reply(302, body=b""))

    result = send_heartbeat(PAYLOAD, env=env_for(server))

    assert result is not None and not result.delivered and result.status == 302
    assert len(server.requests) == 1


def test_non_http_url_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "heartbeat"
    result = send_heartbeat(PAYLOAD, env={"INTERNAL_API_URL": f"file://{tmp_path}"})
    assert result is not None and not result.delivered and result.attempts == 0
    assert not target.exists()


def test_unset_url_logs_one_line_and_sends_nothing(server: RecordingServer, log_file: Path) -> None:
    result = send_heartbeat(PAYLOAD, env={"INTERNAL_API_KEY": KEY})

    assert result is None
    assert server.requests == []
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1
    assert "INTERNAL_API_URL is not set; heartbeat not sent" in lines[0]


def test_key_never_reaches_the_log_even_on_errors(
    server: RecordingServer, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Error bodies that echo the credentials back, as misconfigured gateways do.
    echo = f'{{"error": "invalid token {KEY}", "header": "Authorization: Bearer {KEY}"}}'
    server.script(Reply(503, echo.encode()), Reply(401, echo.encode()))
    send_heartbeat(PAYLOAD, env=env_for(server))
    send_heartbeat(
        PAYLOAD,
        env={"INTERNAL_API_URL": f"http://127.0.0.1:{unused_port()}", "INTERNAL_API_KEY": KEY},
    )
    try:
        raise RuntimeError(f"request with Authorization: Bearer {KEY} failed")
    except RuntimeError:
        logging.getLogger("ledger_job.test").exception("heartbeat crashed with key %s", KEY)
    logging.getLogger("other.library").warning("token=Bearer abc.def-ghi")

    text = log_file.read_text()
    assert "HTTP 503" in text and "HTTP 401" in text and "connection failed" in text
    assert "Traceback" in text and "[REDACTED]" in text
    assert KEY not in text
    assert "abc.def-ghi" not in text
    assert KEY not in capsys.readouterr().err
