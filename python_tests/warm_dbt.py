"""A warm dbt for the suite's dbt processes: dbt imported once, forked for every command.

The job, the data diff and the readers' deployments run dbt as a process, as production does,
and the suite runs them about a hundred times. Each `dbt` process spends 2 to 3 s of CPU
importing dbt and its adapters before it reads a file. Here one server process imports them
once; `dbt` is a small client (`LEDGER_DBT`, read by ledger_job.paths.dbt_executable) that
hands the server its arguments, working directory, environment and standard streams, and the
command runs in a child forked from the warm server.

From outside the client is the dbt process: its streams, exit code and death by a signal are
dbt's; a signal sent to it is passed on to the command; if it is killed outright, the command
is killed too (a SIGKILL cannot be passed on, so the process between them watches the client's
connection). The client starts in milliseconds: `python -I -S`, standard library only.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

OFF_ENV = "LEDGER_TEST_COLD_DBT"  # =1: every command a fresh dbt process, as in production
_PRELOADED = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.adapters.duckdb.impl",
    "dbt.adapters.postgres",
    "dbt.adapters.postgres.impl",
    "dbt.parser.manifest",
    "dbt.task.build",
    "dbt.task.run_operation",
    "dbt.task.show",
    "dbt.task.freshness",
)
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)
_HEADER = 8  # bytes of the request's length
JOURNAL = "commands.log"

# The client, written beside the socket with the socket's path filled in. Standard library
# only: it starts in milliseconds, where a dbt process takes seconds.
_CLIENT = r"""
import json, os, signal, socket, sys

def main():
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(SOCKET)
    streams = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            streams.append(fd)
        except OSError:
            streams.append(os.open(os.devnull, os.O_RDWR))
    request = json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)})
    payload = request.encode()
    socket.send_fds(server, [len(payload).to_bytes(HEADER, "big")], streams)
    server.sendall(payload)
    replies = server.makefile("rb")
    pid = json.loads(replies.readline())["pid"]

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED:
        signal.signal(signum, forward)
    line = replies.readline()
    if not line:
        sys.exit("dbt: the warm dbt server went away (python_tests/warm_dbt.py)")
    status = json.loads(line)["status"]
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
"""


def _receive(connection: socket.socket) -> tuple[dict[str, object], list[int]]:
    data, fds, _flags, _address = socket.recv_fds(connection, 65536, 3)
    size = int.from_bytes(data[:_HEADER], "big")
    payload = bytearray(data[_HEADER:])
    while len(payload) < size:
        chunk = connection.recv(size - len(payload))
        if not chunk:
            raise ConnectionError("the client left before its request was complete")
        payload += chunk
    return json.loads(payload), fds


def _run_command(request: dict[str, object], fds: list[int]) -> None:
    """In the forked child: become the client's dbt process, run the command, exit as dbt."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update(request["env"])  # type: ignore[arg-type]
    time.tzset()
    for signum in _FORWARDED:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    argv = [str(arg) for arg in request["argv"]]  # type: ignore[attr-defined]
    sys.argv = ["dbt", *argv[1:]]
    code: int = 1
    try:
        from dbt.cli.main import cli

        cli.main(args=argv[1:], prog_name="dbt")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except KeyboardInterrupt:
        # As a Python process ends on an unhandled Ctrl-C: killed by SIGINT.
        sys.stdout.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        traceback.print_exc()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _serve_one(connection: socket.socket, journal: Path) -> None:
    """In a child of the server: start the command, report its end, kill it if the client dies."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request, fds = _receive(connection)
    pid = os.fork()
    if pid == 0:
        connection.close()
        _run_command(request, fds)
    with journal.open("a") as commands:  # a line per command: its pid and arguments
        commands.write(f"{pid} {' '.join(map(str, request['argv'][1:]))}\n")  # type: ignore[index]
    for fd in fds:
        os.close(fd)
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    child = os.pidfd_open(pid)
    while True:
        ready, _, _ = select.select([connection, child], [], [])
        if child in ready:
            _, status = os.waitpid(pid, 0)
            with suppress(OSError):  # a client killed meanwhile needs no answer
                connection.sendall(json.dumps({"status": status}).encode() + b"\n")
            return
        if not connection.recv(1):  # the client is gone: so is the command
            os.kill(pid, signal.SIGKILL)


def serve(socket_path: Path) -> None:
    """Import dbt, then fork a command runner for each client until the parent goes away."""
    import importlib

    for module in _PRELOADED:
        importlib.import_module(module)
    gc.freeze()  # the imported objects stay shared with the children, not copied on write
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runners reap themselves
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(64)
    print("ready", flush=True)
    while os.getppid() == parent:
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        connection, _ = listener.accept()
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            listener.close()
            try:
                _serve_one(connection, socket_path.with_name(JOURNAL))
            finally:
                os._exit(0)
        connection.close()


@contextmanager
def warm_dbt(directory: Path, *, force: bool = False) -> Iterator[Path | None]:
    """A running server and the path of its `dbt` client, or None where it is turned off
    (unless `force`)."""
    if os.environ.get(OFF_ENV) == "1" and not force:
        yield None
        return
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / "dbt.sock"
    client = directory / "dbt"
    header = f"#!{sys.executable} -IS\nSOCKET = {str(socket_path)!r}\n"
    constants = f"HEADER = {_HEADER}\nFORWARDED = {tuple(int(s) for s in _FORWARDED)!r}\n"
    client.write_text(header + constants + _CLIENT)
    client.chmod(0o755)
    server = subprocess.Popen(
        [sys.executable, __file__, str(socket_path)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a Ctrl-C at the terminal stops the tests, not the server
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the warm dbt server did not start (exit {server.wait()})")
        yield client
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
