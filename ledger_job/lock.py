"""Single-run lock of the nightly job, so two overlapping runs never both run dbt.

A slow build can still be running when cron starts the next one, and an operator may
start a run by hand. Two concurrent builds would race on the same views and on dbt's
target/ directory, and the second heartbeat would report on a half-built ledger.

`fcntl.flock` is taken non-blocking on `logs/update_lead_sales_ledger.lock`. The kernel
releases it when the holder exits, even on a crash or `kill -9`, so a stale lock file
never blocks the next night. The file is never deleted: deleting it would let a third
run lock a fresh inode while the second still holds the old one.

A run that finds the lock taken logs who holds it and exits with EXIT_LOCKED (75,
EX_TEMPFAIL in sysexits.h: "try again later"), a code dbt itself never returns.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

EXIT_LOCKED = 75


class LockHeldError(RuntimeError):
    """Another process holds the job lock."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another run holds the lock {path} ({holder or 'holder unknown'})")
        self.path = path
        self.holder = holder


class JobLock:
    """Context manager holding an exclusive, non-blocking flock on `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockHeldError at once; never waits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" so that opening never truncates what the current holder wrote.
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise LockHeldError(self.path, holder) from None
        except BaseException:
            handle.close()
            raise
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {started}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases the flock)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
