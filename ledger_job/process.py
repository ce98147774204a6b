"""Child processes and signals, each handled one way (the job's and the tooling's)."""

from __future__ import annotations

import signal
import subprocess
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """A signal arrived: a KeyboardInterrupt, so no `except Exception` swallows it and what
    cleans up after Ctrl-C (stopping children, releasing locks) cleans up after SIGTERM too."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


def raise_on_signals(*signums: int) -> None:
    for signum in signums:
        signal.signal(signum, _raise_terminated)


def stop_process(process: subprocess.Popen[Any], grace: float) -> None:
    """SIGTERM, up to `grace` seconds, then SIGKILL; returns once the process ended."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
