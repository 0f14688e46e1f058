"""One write transaction at a time in this process, and how long the queue for it is."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.queued = 0  # transactions waiting for their turn: the writer's backlog
        self.hold = 0.005  # seconds a transaction holds its turn, a moving average

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        self.queued += 1
        try:
            await self.lock.acquire()
        finally:
            self.queued -= 1
        began = time.perf_counter()
        try:
            yield
        finally:
            self.lock.release()
            self.hold += (time.perf_counter() - began - self.hold) / 16

    @property
    def backlog(self) -> float:
        """Seconds a transaction asked for now would wait for the ones queued before it."""
        return self.queued * self.hold
