"""One bot per database: two processes on one token would answer every interaction twice.

The lock is an advisory `flock` on a file beside the database's real path, whatever path or
symlink names it. The kernel releases it when the process ends, however it ends, so a crash
never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from bot.store.errors import StoreError


class InstanceLock:
    def __init__(self, database: Path) -> None:
        real = database.resolve()  # another spelling or a symlink still meets the same lock
        self.path = real.with_name(real.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StoreError(
                f"Another Bedtime is already running on {self.path.with_suffix('')} "
                f"(pid {holder}). Two bots on one token would answer every interaction twice; "
                "stop the other one first, or use another DATABASE_PATH."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
