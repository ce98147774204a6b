"""The job's lock, so two overlapping runs never both build.

A non-blocking `flock`: the kernel drops it when the holder exits, even on `kill -9`; the file
is never deleted (a third run would lock a new inode). A run finding it taken exits 75.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

EXIT_LOCKED = 75  # EX_TEMPFAIL, "try again later": a code dbt never returns


class LockHeldError(RuntimeError):
    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another run holds the lock {path} ({holder or 'holder unknown'})")
        self.path, self.holder = path, holder


class JobLock:
    """An exclusive, non-blocking flock on `path`, as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockHeldError at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (a+: the holder's text stays)
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
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
