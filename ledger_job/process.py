"""Stopping a child process the one way: ask it to end, give it time, then kill it."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_process(process: subprocess.Popen[Any], grace: float) -> None:
    """SIGTERM `process`, wait up to `grace` seconds, then SIGKILL it; return once it ended."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
