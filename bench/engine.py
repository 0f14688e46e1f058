"""The engine alone: whole sessions through the services, no Discord, against raw commits.

A whole session is the terminal game's auto-play (open, four joins, rounds, glitches,
confessions, resonance, dawn), each move one transaction in the real store. In the same run
the store's own settings (WAL, synchronous=NORMAL, secure_delete) commit one-row transactions
as fast as they can, through the same aiosqlite connection: the ceiling for any move.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.content import load_content
from bot.core.models import Campaign
from bot.play.screen import Screen
from bot.play.terminal import FIRST_NIGHT, Terminal
from bot.services import Bedtime, SimClock
from bot.store import Database


@dataclass
class Engine:
    sessions_per_second: list[float]
    moves_per_session: float  # write transactions per whole session
    statements_per_move: float  # SQL statements SQLite ran per move, reads included
    commits_per_second: list[float]  # raw one-row commits
    sessions: int  # per run


async def measure(work: Path, runs: int, sessions: int, commits: int) -> Engine:
    work.mkdir(parents=True)
    rates, raw = [], []
    moves = statements = 0.0
    for run in range(runs):
        raw.append(await _raw_commits(work / f"raw-{run}.db", commits))
        rate, moves, statements = await _sessions(work / f"engine-{run}.db", sessions)
        rates.append(rate)
    return Engine(rates, moves, statements, raw, sessions)


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
