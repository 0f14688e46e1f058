"""Start-up: from process start to the bot opening the gateway, with a full database.

"Ready to serve" is the moment the bot connects to the gateway: by then the store is open and
migrated, every cog and persistent control is loaded, and the commands are synced. What follows
is Discord's part (the gateway handshake and guilds arriving), which is not counted.

The full database holds 1,000 active sessions (made through the services, as the burst
benchmark makes them) and 10,000 archived ones. The archived sessions are copies of one session
played to dawn through the services, ten per campaign, each with its chronicle entry and its
moves' keys, so the tables are as large as ten months of play would make them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench.burst import prepare
from bench.engine import play_whole
from bench.harness import BotProcess
from bot.content import load_content
from bot.play.terminal import FIRST_NIGHT
from bot.services import Bedtime, SimClock
from bot.store import Database
from fakecord import FakeDiscord

MONTHS = 10  # archived sessions per campaign


@dataclass
class Startup:
    empty: list[float]  # seconds, empty database
    full: list[float]  # seconds, the full database
    active: int
    archived: int
    size: int  # bytes of the full database


async def measure(work: Path, runs: int, active: int) -> Startup:
    work.mkdir(parents=True)
    full = work / "full" / "bedtime.db"
    full.parent.mkdir()
    await prepare(full, active)
    archived = await asyncio.to_thread(_archive, full, await _one_dawn(work / "dawn.db"))
    empty_times, full_times = [], []
    for run in range(runs):
        empty = work / f"empty-{run}" / "bedtime.db"
        empty.parent.mkdir()
        empty_times.append(await _time_to_gateway(empty))
        full_times.append(await _time_to_gateway(full))
    return Startup(empty_times, full_times, active, archived, full.stat().st_size)


async def _time_to_gateway(db: Path) -> float:
    fake = FakeDiscord(check_schema=False)
    await fake.start()
    try:
        bot = await BotProcess.start(fake, db)
        await bot.stop()
        opened: float = fake.gateway_opened[-1]
        return opened - bot.spawned
    finally:
        await fake.stop()


async def _one_dawn(db: Path) -> tuple[str, str, list[str]]:
    """One session played to dawn: its state, its chronicle entry and its moves' keys."""
    content = load_content()
    database = await Database.open(db)
    try:
        clock = SimClock(FIRST_NIGHT)
        service = Bedtime(database, content, clock, random.Random(5))
        await play_whole(service, clock, await service.setup(1, 1), 5)
    finally:
        await database.close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        state, entry = connection.execute(
            "SELECT s.state, c.entry FROM sessions s JOIN chronicle c ON c.session_id = s.id"
        ).fetchone()
        keys = [row[0] for row in connection.execute("SELECT key FROM moves")]
    return state, entry, keys


def _archive(db: Path, dawn: tuple[str, str, list[str]]) -> int:
    """Give every campaign MONTHS archived sessions before its current one."""
    state, entry, keys = dawn
    moves_each = max(len(keys), 40)  # a played session records a key per interaction
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("UPDATE sessions SET number = number + ?", (MONTHS,))
        connection.execute("UPDATE sessions SET state = json_set(state, '$.number', number)")
        campaigns = [row[0] for row in connection.execute("SELECT id FROM campaigns")]
        made = 0
        for campaign in campaigns:
            for month in range(1, MONTHS + 1):
                session_id = f"{campaign}-{month:02d}"
                copy = json.loads(state) | {
                    "id": session_id,
                    "campaign_id": campaign,
                    "number": month,
                }
                connection.execute(
                    "INSERT INTO sessions (id, campaign_id, number, phase, deadline, state) "
                    "VALUES (?, ?, ?, 'archived', NULL, ?)",
                    (session_id, campaign, month, json.dumps(copy)),
                )
                page = json.loads(entry) | {"number": month}
                connection.execute(
                    "INSERT INTO chronicle (session_id, campaign_id, number, entry) "
                    "VALUES (?, ?, ?, ?)",
                    (session_id, campaign, month, json.dumps(page)),
                )
                connection.executemany(
                    "INSERT INTO moves (key, campaign_id, at) VALUES (?, ?, ?)",
                    [
                        (f"i:{session_id}:{n}", campaign, f"2026-{month:02d}-01T21:00:00+00:00")
                        for n in range(moves_each)
                    ],
                )
                made += 1
    return made
