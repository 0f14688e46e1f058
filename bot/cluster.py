"""`python -m bot cluster`: the bot as several processes, each running a range of the gateway
shards, on one PostgreSQL database.

The plan comes from SHARD_COUNT (or Discord's recommended count) and PROCESSES (or one per
CPU, at most one per shard). Each process is `python -m bot run` with its own SHARD_IDS. A
process that dies is started again after a pause that doubles with each quick death (1 s up to
5 minutes), so that one that cannot start does not spin. SIGTERM or SIGINT stops them all: each
gets SIGTERM, shuts down as `python -m bot` does, and is killed if it takes longer than
STOP_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.settings import Settings, SettingsError

log = logging.getLogger("bot.cluster")

FIRST_PAUSE = 1.0
# A process that keeps dying then IDENTIFYs its shards once every 5 minutes: 288 a day each,
# within Discord's 1,000 a day for the whole bot only for a few shards. Fix what kills it.
LONGEST_PAUSE = 300.0
HEALTHY_AFTER = 60.0  # a process that ran this long starts again at once if it dies
STOP_SECONDS = 30.0


def plan(shard_count: int, processes: int) -> list[tuple[int, ...]]:
    """Shards 0..count-1 split into `processes` contiguous ranges, as even as they go."""
    if processes < 1:
        raise SettingsError("PROCESSES must be at least 1.")
    processes = min(processes, shard_count)
    size, extra = divmod(shard_count, processes)
    ranges, start = [], 0
    for n in range(processes):
        end = start + size + (n < extra)
        ranges.append(tuple(range(start, end)))
        start = end
    return ranges


def shard_list(shards: Sequence[int]) -> str:
    """As SHARD_IDS reads it: `4-7` for a range, else `1,3`."""
    if len(shards) > 1 and list(shards) == list(range(shards[0], shards[-1] + 1)):
        return f"{shards[0]}-{shards[-1]}"
    return ",".join(str(s) for s in shards)


@dataclass
class Member:
    """One process of the cluster, started again whenever it dies."""

    shards: tuple[int, ...]
    environment: Mapping[str, str]
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    pause: float = FIRST_PAUSE

    @property
    def name(self) -> str:
        return f"shards {shard_list(self.shards)}"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=dict(self.environment)
        )
        self.started = time.monotonic()
        log.info("Started the process for %s (pid %d)", self.name, self.process.pid)

    async def keep(self, stopping: asyncio.Event) -> None:
        """Run the process, and again each time it dies, until the cluster stops."""
        while not stopping.is_set():
            await self.start()
            assert self.process is not None
            code = await self.process.wait()
            if stopping.is_set():
                return
            ran = time.monotonic() - self.started
            self.pause = FIRST_PAUSE if ran >= HEALTHY_AFTER else self.pause
            log.warning(
                "The process for %s exited with %d after %.0f s; starting it again in %.0f s",
                self.name,
                code,
                ran,
                self.pause,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.pause)
            self.pause = min(self.pause * 2, LONGEST_PAUSE)

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            log.warning("The process for %s did not stop in time; killing it", self.name)
            process.kill()
            await process.wait()


async def recommended_shards(settings: Settings) -> int:
    """Discord's recommended shard count for the bot (GET /gateway/bot)."""
    import discord

    from bot.discord.client import point_at

    assert settings.discord_token is not None
    point_at(settings)
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(settings.discord_token.get_secret_value())
        shards, _, _ = await client.http.get_bot_gateway()
    return int(shards)


async def run_cluster(settings: Settings) -> int:
    if settings.database_url is None:
        raise SettingsError(
            "A cluster's processes share one PostgreSQL database: set DATABASE_URL (see the "
            "README, 'Beyond one process'). One process on SQLite is `python -m bot`."
        )
    count = settings.shard_count or await recommended_shards(settings)
    processes = settings.processes or min(count, os.cpu_count() or 1)
    ranges = plan(count, processes)
    log.info("Running %d shard(s) in %d process(es)", count, len(ranges))
    base = {k: v for k, v in os.environ.items() if k not in ("SHARD_IDS", "PROCESSES")}
    members = [
        Member(shards, base | {"SHARD_COUNT": str(count), "SHARD_IDS": shard_list(shards)})
        for shards in ranges
    ]
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(name, stopping.set)
    kept = [asyncio.create_task(member.keep(stopping)) for member in members]
    await stopping.wait()
    log.info("Stopping the cluster")
    await asyncio.gather(*(member.stop() for member in members))
    await asyncio.gather(*kept, return_exceptions=True)
    return 0
