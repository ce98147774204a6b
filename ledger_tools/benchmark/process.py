"""One child process of the benchmark, with its wall time, exit status and memory.

Memory two ways, as neither alone says what the build needs: `max_process_rss_mb`, the exact
high-water mark of the tree's largest process (maxrss_wrapper), and `peak_tree_rss_mb`, the
whole tree's sum sampled from /proc (never below the former; may miss a short spike). A local
PostgreSQL's backends are outside the tree: `BackendWatch` names the postmaster to sample them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger_job.process import stop_process

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
_PROC = Path("/proc")
_WRAPPER = Path(__file__).with_name("maxrss_wrapper.py")


@dataclass(frozen=True)
class BackendWatch:
    """The backends of one local PostgreSQL server that serve `user`."""

    postmaster_pid: int
    user: str

    def is_query_backend(self, title: str) -> bool:
        # Backends retitle themselves "postgres: [<cluster_name>: ]<user> <db> <client>
        # <state>" (Debian names clusters "15/main"); parallel workers run part of a query,
        # so their memory is the query's too.
        rest = title.removeprefix("postgres: ")
        if rest == title:
            return False
        first, _, after = rest.partition(" ")
        if first.endswith(":"):
            rest = after
        return rest.startswith((f"{self.user} ", "parallel worker"))


@dataclass(frozen=True)
class Measured:
    """What one child process took."""

    exit_code: int
    seconds: float
    max_process_rss_mb: float
    peak_tree_rss_mb: float | None
    peak_backend_rss_mb: float | None = None
    peak_backend_private_mb: float | None = None


def parent_of(pid: int) -> int | None:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name in parentheses may hold spaces or parentheses itself.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1])


def _memory_mb(pid: int) -> tuple[float, float] | None:
    """(resident, resident minus shared) in MB, None when the process is gone."""
    try:
        pages = (_PROC / str(pid) / "statm").read_text().split()
    except OSError:
        return None
    resident, shared = int(pages[1]), int(pages[2])
    return resident * _PAGE_MB, (resident - shared) * _PAGE_MB


def process_title(pid: int) -> str:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


class _Sampler(threading.Thread):
    """Samples the memory of a process tree, and of a server's backends, until stopped."""

    def __init__(self, root: int, backends: BackendWatch | None, interval: float) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.backends = backends
        self.interval = interval
        self.peak_tree: float | None = None
        self.peak_backend: float | None = None
        self.peak_backend_private: float | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        for entry in _PROC.iterdir():
            if entry.name.isdigit():
                parent = parent_of(int(entry.name))
                if parent is not None:
                    children.setdefault(parent, []).append(int(entry.name))
        # The root is the wrapper, not part of what is measured.
        tree, pending = 0.0, list(children.get(self.root, []))
        while pending:
            pid = pending.pop()
            memory = _memory_mb(pid)
            tree += memory[0] if memory else 0.0
            pending.extend(children.get(pid, []))
        if tree:
            self.peak_tree = max(self.peak_tree or 0.0, tree)
        if self.backends is None:
            return
        for pid in children.get(self.backends.postmaster_pid, []):
            memory = _memory_mb(pid)
            if memory and self.backends.is_query_backend(process_title(pid)):
                self.peak_backend = max(self.peak_backend or 0.0, memory[0])
                self.peak_backend_private = max(self.peak_backend_private or 0.0, memory[1])


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    backends: BackendWatch | None = None,
    interval: float = 0.1,
) -> Measured:
    """Run `command` to its end, its output into `log_path`, and say what it took."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    maxrss_file = log_path.with_suffix(".maxrss")
    wrapped = [sys.executable, "-I", "-S", str(_WRAPPER), str(maxrss_file), *command]
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            wrapped, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        sampler = _Sampler(process.pid, backends, interval)
        sampler.start()
        try:
            exit_code = process.wait()
        except BaseException:
            # Interrupted: the job stops dbt on SIGTERM; nothing may outlive the benchmark.
            stop_process(process, grace=60.0)
            raise
        finally:
            sampler.stop()
        seconds = time.perf_counter() - started
    try:
        max_process = int(maxrss_file.read_text()) / 1024  # kilobytes on Linux
    except (OSError, ValueError):
        max_process = 0.0  # the wrapper itself failed; its output is in the log
    return Measured(
        exit_code=exit_code,
        seconds=seconds,
        max_process_rss_mb=max_process,
        peak_tree_rss_mb=max(sampler.peak_tree or 0.0, max_process) or None,
        peak_backend_rss_mb=sampler.peak_backend,
        peak_backend_private_mb=sampler.peak_backend_private,
    )


def log_tail(path: Path, lines: int = 15) -> str:
    """The end of a child's output, to say why a step failed."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
