"""The engine alone: whole sessions through the services, no Discord, against raw commits.

A whole session is the terminal game's auto-play (open, four joins, rounds, glitches,
confessions, resonance, dawn), each move one transaction in the real store. In the same run
the store's own settings (WAL, synchronous=NORMAL, secure_delete) commit one-row transactions
as fast as they can, through the same aiosqlite connection: the ceiling for any move.

Where PostgreSQL is installed, the same sessions and commits run on it in the same loop: a
fresh database each run, through the same units of work.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bench.postgres import Postgres
from bot.content import load_content
from bot.core.models import Campaign
from bot.play.screen import Screen
from bot.play.terminal import FIRST_NIGHT, Terminal
from bot.services import Bedtime, SimClock
from bot.store import Database
from bot.store.postgres import PostgresDatabase


@dataclass
class Engine:
    sessions_per_second: list[float]
    moves_per_session: float  # write transactions per whole session
    statements_per_move: float  # SQL statements SQLite ran per move, reads included
    commits_per_second: list[float]  # raw one-row commits
    sessions: int  # per run
    postgres_sessions_per_second: list[float] = field(default_factory=list)
    postgres_commits_per_second: list[float] = field(default_factory=list)


async def measure(
    work: Path, runs: int, sessions: int, commits: int, postgres: Postgres | None = None
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
    return Engine(rates, moves, statements, raw, sessions, pg_rates, pg_raw)


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
        began = time.perf_counter()
        for n, campaign in enumerate(campaigns):
            await play_whole(service, clock, campaign, n)
        elapsed = time.perf_counter() - began
    finally:
        await database.close()
    return sessions / elapsed, transactions / sessions, statements / transactions


async def _raw_commits(db: Path, commits: int) -> float:
    database = await Database.open(db)
    try:
        connection = database.connection
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
