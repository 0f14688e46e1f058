"""The engine alone: the services with no Discord, against raw commits.

- **Whole sessions**, one after another: the terminal game's auto-play (open, four joins,
  rounds, glitches, confessions, resonance, dawn) in the real store, against one-row
  transactions committed as fast as the store's aiosqlite connection can.
- **Sessions moving at once**: N sessions in a round, every one of them pressing at the same
  time (three presses that leave the round waiting, then the fourth, which resolves it), against
  one-row commits through aiosqlite with the writer's own `synchronous=FULL`. Moves are
  committed by group commit; the figures say how many statements, reads and aiosqlite calls
  a press cost.

Where PostgreSQL is installed, the whole sessions and one-row commits run on it in the same
loop: a fresh database each run.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bench.burst import prepare
from bench.postgres import Postgres
from bot.content import load_content
from bot.core.models import Campaign
from bot.play.screen import Screen
from bot.play.terminal import FIRST_NIGHT, Terminal
from bot.services import Bedtime, SimClock, system_clock
from bot.store import Database
from bot.store.postgres import PostgresDatabase
from fakecord import GUILD_ID, User


@dataclass
class Engine:
    sessions_per_second: list[float]
    moves_per_session: float  # moves and other changes per whole session
    statements_per_move: float  # SQL statements written per move, over whole sessions
    commits_per_second: list[float]  # raw one-row commits (synchronous=NORMAL)
    sessions: int  # per run
    postgres_sessions_per_second: list[float] = field(default_factory=list)
    postgres_commits_per_second: list[float] = field(default_factory=list)
    at_once: AtOnce | None = None


@dataclass
class AtOnce:
    """Sessions moving at once, against raw commits with the same synchronous setting."""

    sessions: int
    moves_per_second: list[float]
    full_commits_per_second: list[float]  # raw one-row aiosqlite commits, synchronous=FULL
    press_statements: float  # per press that leaves the round waiting
    press_reads: int  # queries those presses ran, on either connection
    press_aiosqlite_calls: int  # calls to aiosqlite's thread those presses made
    moves_per_batch: float
    first_round_moves_per_second: float = 0.0  # the round before the runs, which loads them


async def measure(
    work: Path,
    runs: int,
    sessions: int,
    commits: int,
    postgres: Postgres | None = None,
    at_once: int = 0,
) -> Engine:
    work.mkdir(parents=True)
    rates: list[float] = []
    raw: list[float] = []
    pg_rates: list[float] = []
    pg_raw: list[float] = []
    moves = statements = 0.0
    for run in range(runs):
        raw.append(await _raw_commits(work / f"raw-{run}.db", commits))
        rate, moves, statements = await _sessions(work / f"engine-{run}.db", sessions)
        rates.append(rate)
        if postgres is not None:
            pg_raw.append(await _on_postgres(postgres, lambda store: _pg_commits(store, commits)))
            pg_rates.append(
                await _on_postgres(postgres, lambda store: _pg_sessions(store, sessions))
            )
    together = await _at_once(work / "at-once", at_once, runs, commits) if at_once else None
    return Engine(rates, moves, statements, raw, sessions, pg_rates, pg_raw, together)


async def _at_once(work: Path, sessions: int, runs: int, commits: int) -> AtOnce:
    """Every session presses at once, round after round; a run is one round of all of them,
    beside a run of raw FULL commits. A first round, timed on its own, brings every session
    into memory (read from the database on its first move), as a bot's first burst does: the
    runs are of sessions held."""
    work.mkdir(parents=True)
    db = work / "bedtime.db"
    table = await prepare(db, sessions)
    database = await Database.open(db)
    # What this process made before (the other benchmarks' leftovers) is out of the
    # collector's sight, as the bot's start-up is once it has loaded (see BedtimeBot).
    gc.collect()
    gc.freeze()
    try:
        service = Bedtime(database, load_content(), system_clock, random.Random(9))
        campaigns = [await service.campaign(GUILD_ID, channel) for channel, _, _ in table]

        async def press_all(run: int, seats: slice) -> None:
            """Each session's dreamers in these seats press, every session at once."""
            await asyncio.gather(
                *(
                    _press(service, campaign, users[seats], run)
                    for campaign, (_, _, users) in zip(campaigns, table, strict=True)
                )
            )

        waiting, resolving = slice(0, 3), slice(3, 4)  # three leave the round waiting
        began = time.perf_counter()
        await press_all(0, waiting)
        await press_all(0, resolving)
        first_round = 4 * sessions / (time.perf_counter() - began)
        reads = calls = 0

        def read(_: str) -> None:
            nonlocal reads
            reads += 1

        def call(_: str) -> None:
            nonlocal calls
            calls += 1

        await database.reader.set_trace_callback(read)
        await database.connection.set_trace_callback(call)
        rates, full, statements, presses, batches, moves = [], [], 0, 0, 0, 0
        for run in range(1, runs + 1):
            full.append(await _raw_commits(work / f"raw-{run}.db", commits, "FULL"))
            group = database.group
            began = time.perf_counter()
            before = (group.statements, group.moves, group.batches, reads, calls)
            # Three presses of each round leave it waiting: two statements each, no reads.
            await press_all(run, waiting)
            statements += group.statements - before[0]
            presses += group.moves - before[1]
            waiting_reads, waiting_calls = reads - before[3], calls - before[4]
            await press_all(run, resolving)
            rates.append(4 * sessions / (time.perf_counter() - began))
            batches += group.batches - before[2]
            moves += group.moves - before[1]
        return AtOnce(
            sessions,
            rates,
            full,
            statements / presses,
            waiting_reads,
            waiting_calls,
            moves / batches,
            first_round,
        )
    finally:
        gc.unfreeze()
        await database.close()


async def _press(service: Bedtime, campaign: Campaign | None, users: list[User], run: int) -> None:
    assert campaign is not None
    for user in users:
        await service.act(campaign, user.id, "anchor", key=f"{run}:{user.id}")


async def _on_postgres(
    postgres: Postgres, measure: Callable[[PostgresDatabase], Awaitable[float]]
) -> float:
    """A measurement on a fresh PostgreSQL database, dropped afterwards."""
    url = await postgres.fresh()
    try:
        store = await PostgresDatabase.open(url, postgres.keys(url))
        try:
            return await measure(store)
        finally:
            await store.close()
    finally:
        await postgres.drop(url)


async def _pg_commits(store: PostgresDatabase, commits: int) -> float:
    async with store.work() as unit:
        await unit.sql.execute("CREATE TABLE bench (n INTEGER)")
    began = time.perf_counter()
    for n in range(commits):
        async with store.work() as unit:
            await unit.sql.execute("INSERT INTO bench (n) VALUES (?)", (n,))
    return commits / (time.perf_counter() - began)


async def _pg_sessions(store: PostgresDatabase, sessions: int) -> float:
    clock = SimClock(FIRST_NIGHT)
    service = Bedtime(store, load_content(), clock, random.Random(3))
    campaigns = [await service.setup(1, channel) for channel in range(1, sessions + 1)]
    began = time.perf_counter()
    for n, campaign in enumerate(campaigns):
        await play_whole(service, clock, campaign, n)
    return sessions / (time.perf_counter() - began)


async def _sessions(db: Path, sessions: int) -> tuple[float, float, float]:
    content = load_content()
    database = await Database.open(db)
    transactions = 0
    opened = database.transaction

    @asynccontextmanager
    async def counted() -> AsyncIterator[aiosqlite.Connection]:
        nonlocal transactions
        transactions += 1
        async with opened() as connection:
            yield connection

    database.transaction = counted  # type: ignore[method-assign]
    try:
        clock = SimClock(FIRST_NIGHT)
        service = Bedtime(database, content, clock, random.Random(3))
        campaigns = [await service.setup(1, channel) for channel in range(1, sessions + 1)]
        transactions = statements = 0

        def traced(sql: str) -> None:
            nonlocal statements
            statements += 1

        await database.connection.set_trace_callback(traced)
        group = database.group
        grouped, moves = group.statements, group.moves
        began = time.perf_counter()
        for n, campaign in enumerate(campaigns):
            await play_whole(service, clock, campaign, n)
        elapsed = time.perf_counter() - began
        # Moves by group commit, and the other changes each in a transaction of its own.
        changes = transactions + group.moves - moves
        written = statements + group.statements - grouped
    finally:
        await database.close()
    return sessions / elapsed, changes / sessions, written / changes


async def _raw_commits(db: Path, commits: int, synchronous: str = "NORMAL") -> float:
    """One-row transactions through the store's aiosqlite connection, one after another."""
    database = await Database.open(db)
    try:
        connection = database.connection
        await connection.execute(f"PRAGMA synchronous = {synchronous}")
        await connection.execute("CREATE TABLE bench (n INTEGER)")
        began = time.perf_counter()
        for n in range(commits):
            async with database.transaction():
                await connection.execute("INSERT INTO bench (n) VALUES (?)", (n,))
        return commits / (time.perf_counter() - began)
    finally:
        await database.close()


async def play_whole(service: Bedtime, clock: SimClock, campaign: Campaign, seed: int) -> None:
    """One whole session by four players, as the terminal game's auto-play makes it."""
    script = random.Random(seed)
    players = [1, 2, 3, 4]
    screen = Screen.plain(_quiet, input)
    await Terminal(service, service.content, clock, campaign, players, script, True, screen).run()


def _quiet(line: str) -> None:
    """The terminal game's output, unread."""
