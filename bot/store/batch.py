"""Group commit: the moves that are ready together are written in one transaction.

A move on a session owned in memory knows everything it will write without reading anything.
Its repositories write into a `Recorder` (a `Sql` that only writes), and `GroupCommit.submit`
takes the statements and returns a future at once. Every move submitted while the writer is
busy, or in the same turn of the event loop, goes into the next transaction; each move's
future resolves only once that transaction has committed, so a move is acknowledged only once
it is on disk.

A failed commit fails its batch and every move submitted after it (their state was built on
the failed moves'). Each failed move's `failed` callback runs at once, before any other task,
so that its owner can drop the state the failed moves left in memory.

The engine's part is its `write`: one transaction of many statements, in the store's turn.
SQLite's runs in plain `sqlite3` on a thread of its own (one hop a batch, not one a
statement); PostgreSQL's on one pooled connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NamedTuple

from bot.store.repositories import CampaignCache
from bot.store.seal import Sealer
from bot.store.sql import Sql
from bot.store.unit import Unit


class Statement(NamedTuple):
    sql: str
    parameters: Sequence[Any]  # one row's, or every row's when `many`
    many: bool = False
    required: bool = False  # it must change exactly one row, or the batch fails (Changed)


class Recorder:
    """A `Sql` that writes into a list: the statements of a move that reads nothing."""

    locks_rows = False

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    async def fetch(self, sql: str, parameters: Iterable[Any] = ()) -> list[Sequence[Any]]:
        raise RuntimeError(f"a move written by group commit reads nothing: {sql[:60]}")

    async def first(self, sql: str, parameters: Iterable[Any] = ()) -> Sequence[Any] | None:
        raise RuntimeError(f"a move written by group commit reads nothing: {sql[:60]}")

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        self.statements.append(Statement(sql, tuple(parameters)))
        return 0  # not known until it runs; nothing on the move path asks

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            self.statements.append(Statement(sql, batch, many=True))

    async def require(self, sql: str, parameters: Iterable[Any] = ()) -> None:
        self.statements.append(Statement(sql, tuple(parameters), required=True))

    async def notify(self, channel: str, payload: str) -> None:
        raise RuntimeError("a move announces nothing to other processes")


class _Entry(NamedTuple):
    statements: list[Statement]
    done: asyncio.Future[None]
    failed: Callable[[], None]
    committed: Callable[[], None]


class GroupCommit:
    def __init__(self, write: Callable[[list[Statement]], Awaitable[None]]) -> None:
        self.write = write  # one transaction, in the store's turn
        self.queue: list[_Entry] = []
        self.writing = False
        self.batches = 0  # committed, for the benchmark
        self.moves = 0
        self.statements = 0
        self.seconds = 0.005  # a batch's time to commit, a moving average

    def submit(
        self,
        statements: list[Statement],
        failed: Callable[[], None],
        committed: Callable[[], None] = lambda: None,
    ) -> asyncio.Future[None]:
        """Queue one move's statements; the future resolves once they are committed.
        `committed` runs when they are; `failed` at once if they (or a batch before) fail."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append(_Entry(statements, done, failed, committed))
        if not self.writing:
            self.writing = True
            asyncio.get_running_loop().create_task(self._drain())
        return done

    async def flush(self) -> None:
        """Wait until everything submitted so far has been committed (or has failed)."""
        if self.queue or self.writing:
            marker = self.submit([], lambda: None)
            with contextlib.suppress(Exception):  # if its batch failed, nothing is pending
                await asyncio.shield(marker)

    @property
    def backlog(self) -> float:
        """Seconds a move submitted now would wait for its commit: the batch being written,
        if any, then its own."""
        return self.seconds * 2 if self.writing else 0.0

    async def _drain(self) -> None:
        try:
            while self.queue:
                batch, self.queue = self.queue, []
                statements = [s for entry in batch for s in entry.statements]
                began = time.perf_counter()
                try:
                    if statements:
                        await self.write(statements)
                except BaseException as error:
                    # Everything queued since was built on the failed moves' state.
                    failed, self.queue = batch + self.queue, []
                    for entry in failed:
                        entry.failed()
                    for entry in failed:
                        if not entry.done.done():
                            entry.done.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                self.seconds += (time.perf_counter() - began - self.seconds) / 8
                self.batches += 1
                self.moves += len(batch)
                self.statements += len(statements)
                for entry in batch:
                    entry.committed()
                    if not entry.done.done():
                        entry.done.set_result(None)
        finally:
            self.writing = False


async def replay(sql: Sql, statements: list[Statement]) -> None:
    """Run recorded statements over a connection already in a transaction."""
    for statement in statements:
        if statement.many:
            await sql.executemany(statement.sql, statement.parameters)
        elif statement.required:
            await sql.require(statement.sql, statement.parameters)
        else:
            await sql.execute(statement.sql, statement.parameters)


class Batched:
    """What a store with group commit offers the services (mixed into each store)."""

    group: GroupCommit
    campaign_cache: CampaignCache
    sealer: Sealer

    def recording(self) -> Unit:
        """Repositories that record one move's writes, for `submit`."""
        return Unit(Recorder(), sealer=self.sealer)

    def submit(self, unit: Unit, failed: Callable[[], None]) -> asyncio.Future[None]:
        """Commit what `unit` recorded with the moves ready beside it; see GroupCommit."""
        assert isinstance(unit.sql, Recorder)
        written = unit.written
        return self.group.submit(
            unit.sql.statements, failed, lambda: self.campaign_cache.committed(written)
        )

    async def flush(self) -> None:
        """Wait until every move submitted so far is committed (or has failed)."""
        await self.group.flush()
