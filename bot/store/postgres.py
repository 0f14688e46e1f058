"""PostgreSQL through asyncpg: the same repositories and promises as SQLite, for a server that
one file cannot carry.

- **One process per shard.** Each process runs some of the bot's gateway shards (one bot
  unsharded: shard 0 of 1). It holds one session advisory lock per shard, and a shared lock
  on the shard count, on a connection of its own outside the pool, for as long as it runs. A
  second process for a shard is refused and told who runs it; so is a process that counts the
  shards differently from the processes running now. Its death releases its locks.
- **Other processes are told** (LISTEN/NOTIFY, on the same connection) when a change crosses
  into campaigns they may hold live, e.g. a player's rest; see live.py.
- **IDENTIFY pacing** across processes: one advisory lock per concurrency bucket, held for the
  interval after each IDENTIFY.
- **Migrations** run in one transaction under a transaction advisory lock, so two processes
  starting together cannot both migrate. The version is kept in `schema_version`; a database
  written by a newer Bedtime is refused.
- **Writes** take their turn in this process, as SQLite's do, each in one transaction on a
  pooled connection (a pool reconnects after the server restarts). Reads use the pool too.
- **Confession text** is sealed with keys in a file outside PostgreSQL (see seal.py); a scrub
  deletes the keys of every text PostgreSQL no longer holds.

PgBouncer in transaction mode breaks both the session advisory lock and asyncpg's prepared
statements: point Bedtime at PostgreSQL itself, or at a pooler in session mode.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from bot.store.batch import Batched, GroupCommit, Statement, replay
from bot.store.errors import StoreError
from bot.store.keys import KeyFile
from bot.store.migrations import SCHEMA_VERSION, migrations
from bot.store.repositories import CampaignCache
from bot.store.seal import IN_USE
from bot.store.shards import EVERY_GUILD, STALE_CHANNEL, Shards, Stale, read_notice, this_process
from bot.store.sql import PostgresSql
from bot.store.turns import Turns
from bot.store.unit import Unit

log = logging.getLogger(__name__)

# Advisory lock keys, in a range nothing else of ours uses: "bedtime" + a purpose. The last
# three take a second key: the shard count, the shard, the IDENTIFY bucket.
MIGRATION_KEY = 0x0BED_0002
STARTING_KEY = 0x0BED_0003  # one process at a time checks and takes its shards
COUNT_KEY = 0x0BED_0004  # shared, with the shard count: every live process agrees on it
SHARD_KEY = 0x0BED_0005
IDENTIFY_KEY = 0x0BED_0006
# A query waiting longer than this would miss Discord's 3-second window to answer.
COMMAND_TIMEOUT = 2.0
LOCK_TIMEOUT = 1.5
MIGRATION_TIMEOUT = 120.0
# In a cluster, how long a key another process made may wait for its text's commit.
OTHERS_SEALING = 60.0


def _name() -> str:
    """How this process appears in pg_stat_activity, and so to a second bot it refuses."""
    return f"bedtime pid {os.getpid()} on {socket.gethostname()}"[:63]


_VERSION = "SELECT coalesce(max(version), 0) FROM schema_version"


class PostgresDatabase(Batched):
    """The store on PostgreSQL. `open` it with a `postgresql://` URL."""

    def __init__(
        self,
        url: str,
        pool: Any,
        holder: Any | None,
        keys: KeyFile,
        shards: Shards = EVERY_GUILD,
    ) -> None:
        self.url = url  # for connections of their own (LISTEN, an IDENTIFY's turn)
        self.pool = pool  # asyncpg.Pool
        self.holder = holder  # the connection holding the shards' locks, if this bot took them
        self.shards = shards
        self.process = this_process()
        self.listener: Any | None = None  # the connection that LISTENs, once asked to
        self._stale: list[Callable[[Stale], None]] = []
        self.keys = keys
        self.sealer = keys
        self.group = GroupCommit(self._write)
        self.turns = Turns()
        self.write_lock = self.turns.lock
        self.campaign_cache = CampaignCache()
        self.unscrubbed = False  # whether keys of deleted texts may still be in the key file
        self._read = Unit(PostgresSql(pool), self.campaign_cache, keys)
        self._pacing: set[asyncio.Future[None]] = set()
        self.closing = False

    @classmethod
    async def open(
        cls, url: str, keys: Path, *, exclusive: bool = True, shards: Shards = EVERY_GUILD
    ) -> PostgresDatabase:
        """Connect, take the locks of the shards this process runs (unless `exclusive` is
        False: a tool that only reads, or a test), migrate, and check that `keys` is the key
        file of this database."""
        try:
            key_file = KeyFile(keys)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"Cannot open the confession key file {keys}: {error}") from error
        holder = await _hold_shards(url, shards) if exclusive else None
        try:
            pool = await _reach(
                asyncpg.create_pool(
                    url,
                    min_size=1,
                    max_size=8,
                    command_timeout=COMMAND_TIMEOUT,
                    server_settings={
                        "application_name": _name(),
                        # A row locked elsewhere fails the move in time to say "busy".
                        "lock_timeout": str(int(LOCK_TIMEOUT * 1000)),
                    },
                ),
                url,
            )
        except BaseException:
            key_file.close()
            if holder is not None:
                await holder.close()
            raise
        database = cls(url, pool, holder, key_file, shards)
        try:
            await database._migrate()
            await database._check_keys()
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        self.closing = True
        await self.flush()
        for pacing in list(self._pacing):
            pacing.cancel()
        await asyncio.gather(*self._pacing, return_exceptions=True)
        await self.pool.close()
        self.keys.close()
        for connection in {id(c): c for c in (self.holder, self.listener) if c}.values():
            await connection.close()
        self.holder = self.listener = None

    # --- other processes ---

    def on_lost(self, lost: Callable[[], None]) -> None:
        """Call `lost` if the connection holding the shards' locks ends: they are free then."""

        def ended(_connection: Any) -> None:
            if not self.closing:  # closed by this process, not lost
                lost()

        if self.holder is not None:
            self.holder.add_termination_listener(ended)

    async def on_stale(self, told: Callable[[Stale], None]) -> None:
        """Call `told` with every change another process makes to campaigns this one may
        hold (see Unit.announce)."""
        self._stale.append(told)
        if self.listener is None:
            self.listener = self.holder or await _reach(
                asyncpg.connect(self.url, server_settings={"application_name": _name()}), self.url
            )
            await self.listener.add_listener(STALE_CHANNEL, self._heard)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        notice = read_notice(payload)
        if notice is None:
            return
        for told in self._stale:
            told(notice)

    async def identify_turn(self, bucket: int, interval: float) -> None:
        """Wait for this concurrency bucket's turn to IDENTIFY, across every process: its lock
        is taken, and held for `interval` seconds from now, so that the IDENTIFY the caller
        sends next is the only one in the bucket for that long. The lock is held on a
        connection of its own, which waits for it as long as it takes; closing it lets go."""
        connection = await _reach(
            asyncpg.connect(self.url, server_settings={"application_name": _name()}), self.url
        )
        try:
            await connection.execute("SELECT pg_advisory_lock($1, $2)", IDENTIFY_KEY, bucket)
        except BaseException:
            await connection.close()
            raise

        async def hold() -> None:
            try:
                await asyncio.sleep(interval)
            finally:
                await connection.close()

        task = asyncio.ensure_future(hold())
        self._pacing.add(task)
        task.add_done_callback(self._pacing.discard)

    async def version(self) -> int:
        async with self.pool.acquire() as connection:
            exists = await connection.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
            if not exists:
                return 0
            return int(await connection.fetchval(_VERSION))

    async def _migrate(self) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_KEY)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = await connection.fetchval(_VERSION)
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"This PostgreSQL database was written by a newer Bedtime (schema {current}; "
                    f"this version knows up to {SCHEMA_VERSION}). Upgrade Bedtime, or use another "
                    "DATABASE_URL."
                )
            for version, name, sql in migrations("postgres"):
                if version <= current:
                    continue
                log.info("Migrating PostgreSQL to schema %d (%s)", version, name)
                await connection.execute(sql, timeout=MIGRATION_TIMEOUT)
                await connection.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)", version
                )

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Unit]:
        """A unit of work: the repositories over one transaction, committed on leaving the
        block, rolled back if it raises."""
        async with (
            self.turns.turn(),
            self.pool.acquire() as connection,
            connection.transaction(),
        ):
            unit = Unit(PostgresSql(connection), sealer=self.keys)
            yield unit
        self.campaign_cache.committed(unit.written)

    async def _write(self, statements: list[Statement]) -> None:
        """One batch of moves, in one transaction on one pooled connection."""
        async with self.work() as unit:
            await replay(unit.sql, statements)

    @property
    def read(self) -> Unit:
        return self._read

    @property
    def backlog(self) -> float:
        return self.turns.backlog + self.group.backlog

    async def watch(self) -> bool:
        # A server that went away is the pool's to reconnect to; each move meanwhile fails
        # with a clear "unreachable" and changes nothing.
        return True

    async def scrub(self) -> bool:
        """After deletions that must be real: delete the keys of every sealed text PostgreSQL
        no longer holds. True when the key file holds no key of a deleted text."""
        self.unscrubbed = True
        return await self.scrub_pending()

    async def scrub_pending(self) -> bool:
        if not self.unscrubbed:
            return True
        # A key is written when its text is sealed, before the text's transaction commits.
        # This process's: every move sealed before now is committed (or failed) once flushed,
        # and other changes seal in their turn; keys made after `began` are spared. Other
        # processes' (a cluster shares the key file): spared for a while, as they cannot be
        # seen; the scrub is owed until they are gone.
        began = time.time()
        await self.flush()
        spare = began if self.shards.count == 1 else began - OTHERS_SEALING
        async with self.turns.turn():
            done = self.keys.keep_only(await self._keys_in_use(), spare)
        if done:
            self.unscrubbed = False
        return done

    async def _keys_in_use(self) -> set[str]:
        """The keys of every sealed value PostgreSQL still holds."""
        return {row[0] for row in await self._read.sql.fetch(IN_USE)}

    async def _check_keys(self) -> None:
        missing = await self._keys_in_use() - self.keys.known()
        if missing:
            raise StoreError(
                f"{len(missing)} sealed confession(s) in this PostgreSQL database have no key in "
                f"{self.keys.path}. Set CONFESSION_KEYS_PATH to the key file that belongs with "
                "this database (restore it from the same backup)."
            )


async def _hold_shards(url: str, shards: Shards) -> Any:
    """A connection of its own holding the locks of these shards and of their count, or a
    StoreError naming the process that stands in the way."""
    holder = await _reach(asyncpg.connect(url, server_settings={"application_name": _name()}), url)
    try:
        async with holder.transaction():
            # Session locks taken in a transaction outlive it; this one does not.
            await holder.execute("SELECT pg_advisory_xact_lock($1)", STARTING_KEY)
            others = _HOLDERS + " AND pg_locks.objid <> $2"
            counts = await holder.fetch(others, COUNT_KEY, shards.count)
            if counts:
                raise StoreError(
                    f"This process counts {shards.count} shard(s) (SHARD_COUNT), but "
                    f"{_who(counts[0])} runs with {counts[0]['objid']}. Every process of one bot "
                    "must agree: to reshard, stop them all, change SHARD_COUNT, and start again."
                )
            await holder.execute("SELECT pg_advisory_lock_shared($1, $2)", COUNT_KEY, shards.count)
            for shard in shards.ids:
                if await holder.fetchval("SELECT pg_try_advisory_lock($1, $2)", SHARD_KEY, shard):
                    continue
                who = await holder.fetch(_HOLDERS + " AND pg_locks.objid = $2", SHARD_KEY, shard)
                named = _who(who[0]) if who else "another process"
                if shards.count == 1:
                    raise StoreError(
                        f"Another Bedtime is already running on this PostgreSQL database: "
                        f"{named}. Two bots on one token would answer every interaction twice; "
                        "stop the other one first, or use another DATABASE_URL."
                    )
                raise StoreError(
                    f"Shard {shard} of {shards.count} is already run by {named}. Two processes "
                    "on one shard would answer its interactions twice: give each process its "
                    "own SHARD_IDS."
                )
    except BaseException:
        await holder.close()
        raise
    return holder


# Who holds an advisory lock with this first key (and, as the caller adds, second key).
_HOLDERS = """
    SELECT activity.application_name, host(activity.client_addr) AS address,
           activity.backend_start, pg_locks.objid
    FROM pg_locks JOIN pg_stat_activity AS activity ON activity.pid = pg_locks.pid
    WHERE pg_locks.locktype = 'advisory' AND pg_locks.granted AND pg_locks.objsubid = 2
      AND pg_locks.pid <> pg_backend_pid()
      AND pg_locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND pg_locks.classid = $1
"""


def _who(row: Any) -> str:
    name, address, since = row["application_name"], row["address"], row["backend_start"]
    where = address or "local socket"
    return f"{name or 'another process'} ({where}, since {since:%Y-%m-%d %H:%M %Z})"


async def _reach(connecting: Awaitable[Any], url: str) -> Any:
    """A connection or pool, or a StoreError that says which server could not be reached and
    why (never with the password)."""
    try:
        return await connecting
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        shown = without_password(url)[0]
        raise StoreError(f"Cannot connect to PostgreSQL at {shown}: {error}") from error


def program(name: str) -> Path | None:
    """One of PostgreSQL's programs (pg_dump, pg_ctl…): on the PATH, or in Debian's folder for
    the newest installed version."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    newest = sorted(candidates, key=lambda path: int(Path(path).parts[-3]))
    return Path(newest[-1]) if newest else None


def without_password(url: str) -> tuple[str, str | None]:
    """The URL with its password taken out (so that it never shows in a process list), and
    the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    user = parts.username or ""
    netloc = f"{user}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


def dump(url: str, target: Path) -> int:
    """A consistent copy of a live database by `pg_dump` (its custom format, for pg_restore),
    written beside the target and renamed into place. Returns its size."""
    if target.exists():
        raise StoreError(f"{target} already exists; choose a new file for the backup.")
    pg_dump = program("pg_dump")
    if pg_dump is None:
        raise StoreError(
            "pg_dump was not found. Install PostgreSQL's client programs (Debian: "
            "apt-get install postgresql-client) at the server's version or newer."
        )
    address, password = without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        done = subprocess.run(
            [str(pg_dump), "--format=custom", "--no-owner", f"--file={partial}", address],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode != 0:
            raise StoreError(f"pg_dump failed: {done.stderr.strip() or done.returncode}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
