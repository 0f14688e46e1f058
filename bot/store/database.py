"""SQLite: WAL, foreign keys, migrations, and one writer at a time.

Moves are written by group commit (batch.py) through a plain `sqlite3` connection with
`synchronous=FULL` on a thread of its own: one hop per batch. Other changes (rest, settings,
the outbox's bookkeeping) run as units of work on a long-lived aiosqlite connection. Both take
their turn (`turns`), so they never write at once."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.batch import Batched, GroupCommit, Statement, replay
from bot.store.errors import Changed, StoreError, StoreGone
from bot.store.migrations import SCHEMA_VERSION, migrations
from bot.store.repositories import CampaignCache
from bot.store.seal import PLAIN
from bot.store.shards import EVERY_GUILD, Stale, this_process
from bot.store.sql import CHANGED, SqliteSql
from bot.store.turns import Turns
from bot.store.unit import Unit

log = logging.getLogger(__name__)


BUSY_TIMEOUT_MS = 2000
# How long deleted text may wait in the WAL behind an outside reader before the admins are told.
SCRUB_PATIENCE = 60.0


class Database(Batched):
    """The store's connections. Every write transaction takes its turn (`turns`)."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.sealer = PLAIN  # SQLite's secure_delete makes deletion real; nothing is sealed
        self.group = GroupCommit(self._write)
        self.writer: sqlite3.Connection | None = None  # the moves' (None: in memory)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="bedtime-writer")
        # Reads outside a move go through their own connection and thread, so that a queue of
        # moves for the writer does not hold them up (WAL lets readers run beside the writer).
        self.reader = connection
        self.path = path
        self.turns = Turns()
        self.write_lock = self.turns.lock
        self.unscrubbed: float | None = None  # since when deleted text may linger in the WAL
        self._warned = False
        self.identity = _identity(path)  # the file this process opened: (device, inode)
        self.gone: str | None = None  # why nothing more is written, once the file is gone
        self.campaign_cache = CampaignCache()
        self._read: Unit | None = None
        self._read_on: aiosqlite.Connection | None = None
        # One process has the file (its instance lock): it owns every guild, and paces its
        # own IDENTIFYs.
        self.shards = EVERY_GUILD
        self.process = this_process()
        self._identified: dict[int, float] = {}
        self._identifying = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await database._configure()
            await database._migrate()
            if str(path) != ":memory:":
                database.reader = await _reader(path)
                database.writer = await asyncio.to_thread(_writer, path)
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        await self.flush()
        if self.writer is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self.writer.close)
            self.writer = None
        self._thread.shutdown(wait=False)
        if self.reader is not self.connection:
            await self.reader.close()
        await self.connection.close()

    def on_lost(self, lost: Callable[[], None]) -> None:
        """The file's lock is the runner's, held by this process until it exits."""

    async def on_stale(self, told: Callable[[Stale], None]) -> None:
        """Nobody else writes this file: no change comes from another process."""

    async def identify_turn(self, bucket: int, interval: float) -> None:
        """Wait until `interval` seconds have passed since this bucket's last IDENTIFY."""
        async with self._identifying:
            loop = asyncio.get_running_loop()
            wait = self._identified.get(bucket, -interval) + interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._identified[bucket] = loop.time()

    async def _write(self, statements: list[Statement]) -> None:
        """One batch of moves, in one transaction, in the writer's turn."""
        async with self.turns.turn():
            if not await self.watch():
                raise StoreGone(self.gone)
            if self.writer is None:
                async with self._begun() as connection:
                    await replay(SqliteSql(connection), statements)
                return
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._thread, _commit, self.writer, statements)

    async def _configure(self) -> None:
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA foreign_keys = ON",
            # Waiting longer than this would miss Discord's 3-second window to answer.
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA secure_delete = ON",
        ):
            await self.connection.execute(pragma)

    async def version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Bedtime (schema {current}; this version "
                f"knows up to {SCHEMA_VERSION}). Upgrade Bedtime, or use another DATABASE_PATH."
            )
        for version, name, sql in migrations("sqlite"):
            if version <= current:
                continue
            log.info("Migrating %s to schema %d (%s)", self.path, version, name)
            async with self.transaction():
                if name.endswith(".py"):
                    step = importlib.import_module(f"bot.store.migrations.sqlite.{name[:-3]}")
                    await step.upgrade(self.connection)
                else:
                    for statement in _statements(sql):
                        await self.connection.execute(statement)
                await self.connection.execute(f"PRAGMA user_version = {version:d}")

    async def watch(self) -> bool:
        """Whether the file this process opened is still the one at its path. If it was
        deleted or replaced, what was committed is saved aside, once, and writes stop."""
        if self.gone is not None:
            return False
        if self.identity is None or _identity(self.path) == self.identity:
            return True
        rescue = self.path.with_name(f"{self.path.name}.rescued-{int(time.time())}")
        try:
            # Still open here, the vanished file holds every committed move: copy it out.
            target = sqlite3.connect(rescue, check_same_thread=False)
            try:
                await self.connection.backup(target)
            finally:
                target.close()
            saved = f"Everything committed until then is saved in {rescue}."
        except (sqlite3.Error, OSError) as error:
            saved = f"Saving a copy to {rescue} failed too ({error})."
        self.gone = (
            f"The database file {self.path} was deleted or replaced while Bedtime ran, so "
            f"Bedtime stopped saving anything. {saved} Stop the bot, put the right file back, "
            "and start it again."
        )
        log.error("%s", self.gone)
        return False

    async def scrub(self) -> bool:
        """After deletions that must be real: secure_delete zeroed the freed pages; now empty
        the WAL of their old images. True when it is empty.

        It never waits and never holds the write lock, so it cannot stall a move. A reader
        holding an old snapshot (a backup, a database browser) makes it busy; then the
        scheduler's tick calls `scrub_pending` until it goes through."""
        if self.unscrubbed is None:
            self.unscrubbed = time.monotonic()
        return await self.scrub_pending()

    async def scrub_pending(self) -> bool:
        """Try again to empty the WAL after deletions, if it is still owed."""
        if self.unscrubbed is None:
            return True
        if not await self.watch():
            return False  # never checkpoint into a file that took the vanished one's place
        if str(self.path) != ":memory:" and not await asyncio.to_thread(_checkpoint, self.path):
            waited = time.monotonic() - self.unscrubbed
            if waited > SCRUB_PATIENCE and not self._warned:
                self._warned = True
                log.warning(
                    "Deleted confession text has waited %.0f s in %s-wal: another program "
                    "(a backup, a database browser) holds an old read snapshot. It is removed "
                    "as soon as that reader finishes.",
                    waited,
                    self.path,
                )
            return False
        self.unscrubbed = None
        self._warned = False
        return True

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Unit]:
        """A unit of work: the repositories over one write transaction, committed on leaving
        the block, rolled back if it raises."""
        async with self.transaction() as connection:
            unit = Unit(SqliteSql(connection))
            yield unit
        self.campaign_cache.committed(unit.written)

    @property
    def read(self) -> Unit:
        """The repositories over the reader, for reads outside any change."""
        if self._read is None or self._read_on is not self.reader:
            self._read = Unit(SqliteSql(self.reader), self.campaign_cache)
            self._read_on = self.reader
        return self._read

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction under the connection's lock: all of it, or nothing."""
        async with self.turns.turn():
            if not await self.watch():
                raise StoreGone(self.gone)
            async with self._begun() as connection:
                yield connection

    @asynccontextmanager
    async def _begun(self) -> AsyncIterator[aiosqlite.Connection]:
        await self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            if self.connection.in_transaction:  # SQLite may have rolled back already
                await self.connection.execute("ROLLBACK")
            raise
        else:
            await self.connection.execute("COMMIT")

    @property
    def backlog(self) -> float:
        """Seconds a transaction asked for now would wait for the ones queued before it."""
        return self.turns.backlog + self.group.backlog


async def _reader(path: Path) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(path, isolation_level=None)
    reader.row_factory = aiosqlite.Row
    await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await reader.execute("PRAGMA query_only = ON")
    return reader


def _writer(path: Path) -> sqlite3.Connection:
    """The moves' connection. `synchronous=FULL`: a batch is on disk when it commits, and
    one sync serves every move in it."""
    writer = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    for pragma in (
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA secure_delete = ON",
    ):
        writer.execute(pragma)
    return writer


def _commit(writer: sqlite3.Connection, statements: list[Statement]) -> None:
    """On the writer's thread: the whole batch, or nothing."""
    writer.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            if statement.many:
                writer.executemany(statement.sql, statement.parameters)
            else:
                changed = writer.execute(statement.sql, statement.parameters).rowcount
                if statement.required and changed != 1:
                    raise Changed(CHANGED)
        writer.execute("COMMIT")
    except BaseException:
        if writer.in_transaction:
            writer.execute("ROLLBACK")
        raise


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at `path` as the kernel knows it, whatever its name: (0, 0) if there is none,
    None for an in-memory database."""
    if str(path) == ":memory:":
        return None
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return (0, 0)  # no file: never the one that was opened
    return (found.st_dev, found.st_ino)


def _checkpoint(path: Path) -> bool:
    """A TRUNCATE checkpoint through a connection of its own that never waits: True if the
    WAL is now empty, False if a reader or the writer made it busy."""
    with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as own:
        try:
            busy, _, _ = own.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:  # locked this instant: the next tick tries again
            return False
    return int(busy) == 0


def backup(source: Path, target: Path) -> int:
    """A consistent copy of a live database through SQLite's backup API, written beside the
    target and renamed into place, so a half-written backup never exists. Returns its size.

    It reads through its own connection, so it runs beside a live bot (WAL readers do not
    block the writer)."""
    if not source.exists():
        raise StoreError(f"There is no database at {source}.")
    if target.exists():
        raise StoreError(f"{target} already exists; choose a new file for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as live,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; executescript would commit on its own."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements
