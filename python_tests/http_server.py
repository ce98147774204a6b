"""A real HTTP server on 127.0.0.1 for the job's HTTP calls: records, answers as scripted.

The retry policy is about how urllib and the network behave (a refused connection, a
read timeout, a 503 body), so the tests talk to a real socket instead of mocking urllib.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status, a body, a delay before answering, or a hang-up."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    delay: float = 0.0
    hang_up: bool = False  # close the connection without any response


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _State:
    replies: list[Reply] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with state.lock:
            state.requests.append(
                RecordedRequest("POST", self.path, {k: v for k, v in self.headers.items()}, body)
            )
            reply = state.replies.pop(0) if state.replies else Reply()
        time.sleep(reply.delay)
        if reply.hang_up:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, which is what a timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not wait for handlers still sleeping through a timeout test on shutdown.
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()


class RecordingServer:
    """Context manager: `url`, `script(...)` the replies, read `requests` afterwards."""

    def __init__(self) -> None:
        self._server = _Server()
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def script(self, *replies: Reply | int) -> None:
        """Answer the next requests in this order; afterwards 200."""
        with self._server.state.lock:
            self._server.state.replies = [r if isinstance(r, Reply) else Reply(r) for r in replies]

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def unused_port() -> int:
    """A port nothing listens on (bound once, then released), for connection-refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def paths_of(requests: Iterable[RecordedRequest]) -> list[str]:
    return [r.path for r in requests]
