"""The single-run lock: a second holder is refused at once, a dead holder frees it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger_job.lock import EXIT_LOCKED, JobLock, LockHeldError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys
from pathlib import Path
from ledger_job.lock import JobLock

with JobLock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()  # hold the lock until the test closes our stdin
"""


def test_second_descriptor_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "job.lock"
    with JobLock(path):
        with pytest.raises(LockHeldError) as refused:
            JobLock(path).acquire()
        assert f"pid {os.getpid()}" in refused.value.holder
        assert "another run holds the lock" in str(refused.value)
    # Released on exit: the next run gets it, and the file stays for the next flock.
    with JobLock(path):
        assert path.exists()


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "job.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError) as refused:
            JobLock(path).acquire()
        assert f"pid {holder.pid}" in refused.value.holder
    finally:
        holder.kill()  # no clean release: the kernel must drop the lock with the process
        holder.communicate(timeout=10)
    with JobLock(path):
        pass


def test_exit_code_is_distinct_from_dbt_codes() -> None:
    assert EXIT_LOCKED not in (0, 1, 2)
