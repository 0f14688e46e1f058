"""End to end: the real discord.py client, in this process, against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.content import Content
from bot.core.move import seeded_ids
from bot.discord.client import BedtimeBot, point_at, sync_commands
from bot.services import SimClock
from bot.settings import Settings
from bot.store.sql import numbered
from fakecord import GUILD_ID, MANAGE_GUILD, FakeDiscord, User
from pgtemp import keys_for
from tests.conftest import NIGHT

ADMIN = User(100_000_000_000_000_001, "Admin", permissions=MANAGE_GUILD | 0x64C40)
PLAYERS = [
    User(100_000_000_000_000_010 + n, name)
    for n, name in enumerate(["Ada", "Bo", "Cy", "Di", "Ez"])
]


@dataclass
class Running:
    fake: FakeDiscord
    bot: BedtimeBot
    clock: SimClock
    task: asyncio.Task[None]

    @property
    def channel(self) -> int:
        return self.fake.channels[0]

    async def tick(self) -> None:
        """One turn of the scheduler loop, then wait for its posts."""
        scheduler = self.bot.get_cog("Scheduler")
        assert scheduler is not None
        await scheduler.tick()  # type: ignore[attr-defined]
        await self.fake.settle()


async def start_bot(
    fake: FakeDiscord, db: Path | str, content: Content, clock: SimClock
) -> Running:
    """The bot on a store: a SQLite file, or a PostgreSQL database's URL."""
    where: dict[str, object] = {"database_path": db}
    if isinstance(db, str):
        where = {"database_url": db, "confession_keys_path": keys_for(db)}
    settings = Settings(
        discord_token="fake-token",  # type: ignore[arg-type]
        **where,  # type: ignore[arg-type]
        dev_guild_id=GUILD_ID,
        discord_api_base_url=fake.api_url,  # type: ignore[arg-type]
        discord_gateway_url=fake.gateway_url,  # type: ignore[arg-type]
    )
    point_at(settings)
    rng = random.Random(11)
    bot = BedtimeBot(
        settings, content, clock=clock, rng=rng, ids=seeded_ids(rng), guild_ready_timeout=0.01
    )
    task = asyncio.create_task(bot.start("fake-token"))
    await fake.wait_ready()
    await asyncio.wait_for(bot.wait_until_ready(), 10)
    return Running(fake, bot, clock, task)


async def stop_bot(running: Running) -> None:
    await running.bot.close()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(running.task, 10)


def environment(fake: FakeDiscord, db: Path | str) -> dict[str, str]:
    """`python -m bot` as its own process on this fake and store; on PostgreSQL, with the
    database's confession key file."""
    extra = {"CONFESSION_KEYS_PATH": str(keys_for(db))} if isinstance(db, str) else {}
    return fake.environment(db, **extra)


# On PostgreSQL, which enforces its keys itself: rows that point at nothing (there are none).
ORPHANS = (
    "SELECT id FROM characters WHERE campaign_id NOT IN (SELECT id FROM campaigns) "
    "UNION ALL SELECT id FROM sessions WHERE campaign_id NOT IN (SELECT id FROM campaigns) "
    "UNION ALL SELECT id FROM confessions WHERE session_id NOT IN (SELECT id FROM sessions)"
)


async def stopped(process: asyncio.subprocess.Process | None, log: Path) -> str:
    """Stop a `python -m bot` as its service manager would (SIGTERM), and read its log."""
    assert process is not None
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    return await asyncio.to_thread(log.read_text)


async def query(db: Path | str, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    """Read a store from outside the bot, as another program would: a SQLite file, or a
    PostgreSQL database's URL (`?` placeholders either way)."""
    if isinstance(db, str):
        connection = await asyncpg.connect(db)
        try:
            return [tuple(row) for row in await connection.fetch(numbered(sql), *parameters)]
        finally:
            await connection.close()

    def read() -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(db)) as connection, connection:
            return [tuple(row) for row in connection.execute(sql, parameters)]

    return await asyncio.to_thread(read)


async def checks(db: Path | str) -> tuple[str, list[Any]]:
    """The engine's own checks: SQLite's integrity and foreign keys, PostgreSQL's orphans."""
    if isinstance(db, str):
        return "ok", await query(db, ORPHANS)
    integrity = (await query(db, "PRAGMA integrity_check"))[0][0]
    return integrity, await query(db, "PRAGMA foreign_key_check")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(
    fake: FakeDiscord, target: Path | str, content: Content
) -> AsyncIterator[Running]:
    clock = SimClock(NIGHT)
    running = await start_bot(fake, target, content, clock)
    yield running
    await stop_bot(running)
    fake.assert_clean()


__all__ = ["ADMIN", "PLAYERS", "sync_commands"]
