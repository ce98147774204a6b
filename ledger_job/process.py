"""Child processes and signals, each handled one way.

`stop_process`: ask a child to end, give it time, then kill it. `raise_on_signals`: a
SIGTERM (or SIGINT) becomes `Terminated`, which unwinds the stack like Ctrl-C, so every
`finally` and context manager on the way stops children and releases what they hold.
"""

from __future__ import annotations

import signal
import subprocess
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """A signal arrived (`signum`). A KeyboardInterrupt, so no `except Exception` swallows
    it and code that cleans up after Ctrl-C cleans up after SIGTERM too."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


def raise_on_signals(*signums: int) -> None:
    """From now on each of `signums` raises `Terminated` in the main thread."""
    for signum in signums:
        signal.signal(signum, _raise_terminated)


def stop_process(process: subprocess.Popen[Any], grace: float) -> None:
    """SIGTERM `process`, wait up to `grace` seconds, then SIGKILL it; return once it ended."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
