"""Concurrency and memory: N active sessions in one bot process, every dreamer acting at once.

The sessions are made through the services before the bot starts (setup, open, four joins,
start: the same moves the commands make), in channels of one server. Then the bot process
starts, and in each burst every dreamer of every session presses an action button of the
current round, at a random moment within one second. The fake times each interaction to its
first response. Each round ends when its fourth dreamer acts, so a burst also posts the round's
result and the next round, as play does. The bot's resident memory is read from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import BotProcess, Spread, percentile
from bot.content import load_content
from bot.services import Bedtime, system_clock
from bot.store import Database
from tests.fake_discord import FakeDiscord, Sent, User
from tests.fake_discord.server import DEADLINE, GUILD_ID

DREAMERS = 4
FIRST_CHANNEL = 920_000_000_000_000_001
FIRST_USER = 200_000_000_000_000_000


@dataclass
class Burst:
    sessions: int
    interactions: int  # per burst
    p50: Spread  # seconds
    p99: Spread
    worst: Spread
    throughput: Spread  # interactions per second, first send to last answer
    late: int  # answered after Discord's 3 s, over all bursts
    unanswered: int
    rss_before: int  # bytes, the bot idle with the sessions in its database
    rss_after: int  # after the bursts
    bot_busy: Spread  # share of one core the bot process used, burst start to settled
    fake_busy: Spread  # the same for the fake Discord


async def prepare(db: Path, sessions: int) -> list[tuple[int, str, list[User]]]:
    """Sessions in their first round: (channel, session id, dreamers) for each."""
    content = load_content()
    database = await Database.open(db)
    made = []
    try:
        service = Bedtime(database, content, system_clock, random.Random(7))
        for n in range(sessions):
            channel = FIRST_CHANNEL + n
            campaign = await service.setup(GUILD_ID, channel)
            # An admin's settings that keep every burst on a round: no chance glitch.
            campaign = await service.configure(campaign, "glitch_chance", "0")
            campaign = await service.configure(campaign, "rounds", "20")
            await service.open(campaign)
            users = [
                User(FIRST_USER + n * DREAMERS + seat, f"Dreamer {n}-{seat}")
                for seat in range(DREAMERS)
            ]
            archetypes = [a.key for a in content.archetypes]
            for seat, user in enumerate(users):
                await service.join(
                    campaign,
                    user.id,
                    display_name=user.name,
                    archetype=archetypes[seat % len(archetypes)],
                    name=f"Dreamer {seat}",
                )
            result = await service.start(campaign)
            assert result.session is not None
            made.append((channel, result.session.id, users))
    finally:
        await database.close()
    return made


async def measure(work: Path, sessions: int, bursts: int) -> Burst:
    work.mkdir(parents=True)
    db = work / "bedtime.db"
    table = await prepare(db, sessions)
    channels = tuple(channel for channel, _, _ in table)
    fake = FakeDiscord(channels=channels, check_schema=False)
    await fake.start()
    bot = await BotProcess.start(fake, db)
    busy: list[float] = []  # share of a core the bot used during each burst
    fake_busy: list[float] = []  # and the fake, which measures
    try:
        await asyncio.sleep(1.0)  # let the scheduler's first tick pass
        rss_before = bot.rss()
        runs = []
        for round_number in range(1, bursts + 1):
            bot_cpu, fake_cpu, wall = bot.cpu(), time.process_time(), time.perf_counter()
            runs.append(await _burst(fake, table, round_number))
            wall = time.perf_counter() - wall
            busy.append((bot.cpu() - bot_cpu) / wall)
            fake_busy.append((time.process_time() - fake_cpu) / wall)
        await fake.settle(quiet=0.5, within=60)
        rss_after = bot.rss()
    finally:
        await bot.stop()
        await fake.stop()
    every = [s for run in runs for s in run]
    latencies = [[s.latency for s in run if s.latency is not None] for run in runs]
    return Burst(
        sessions=sessions,
        interactions=len(runs[0]),
        p50=Spread([percentile(r, 0.50) for r in latencies]),
        p99=Spread([percentile(r, 0.99) for r in latencies]),
        worst=Spread([max(r) for r in latencies]),
        throughput=Spread([_throughput(run) for run in runs]),
        late=sum(1 for s in every if s.latency is not None and s.latency > DEADLINE),
        unanswered=sum(1 for s in every if s.latency is None),
        rss_before=rss_before,
        rss_after=rss_after,
        bot_busy=Spread(busy),
        fake_busy=Spread(fake_busy),
    )


async def _burst(
    fake: FakeDiscord, table: list[tuple[int, str, list[User]]], round_number: int
) -> list[Sent]:
    """Every dreamer presses Anchor on this round within one second."""
    rng = random.Random(round_number)
    presses = []
    for channel, session_id, users in table:
        # The round's message as the bot drew it, reduced to the button the dreamers press:
        # discord.py finds a dynamic button on the message it came from.
        custom_id = f"bt:act:{session_id}:{round_number}:anchor"
        button = {"type": 2, "style": 2, "label": "Anchor", "custom_id": custom_id}
        message = fake._store(channel, {"components": [{"type": 1, "components": [button]}]})
        presses += [(rng.random(), channel, int(message["id"]), user, custom_id) for user in users]
    presses.sort(key=lambda press: press[0])
    sent: list[Sent] = []
    began = time.perf_counter()
    for at, channel, message_id, user, custom_id in presses:
        delay = began + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        data = {"custom_id": custom_id, "component_type": 2}
        sent.append(await fake.send_component(user, message_id, data, channel_id=channel))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in sent)), 60)
    await fake.settle(quiet=0.3, within=60)  # the rounds' results and next rounds are out
    refused = [s for s in sent if s.responses and s.response["type"] == 4]
    if refused:
        raise RuntimeError(f"{len(refused)} presses refused, e.g. {refused[0].text!r}")
    return sent


def _throughput(run: list[Sent]) -> float:
    answered: list[float] = [s.answered_at for s in run if s.answered_at is not None]
    span: float = max(answered) - min(s.sent_at for s in run)
    return len(answered) / span


async def idle_rss(work: Path) -> int:
    """The bot's resident memory, connected and idle, with no sessions at all."""
    work.mkdir(parents=True)
    fake = FakeDiscord(check_schema=False)
    await fake.start()
    bot = await BotProcess.start(fake, work / "bedtime.db")
    try:
        await asyncio.sleep(1.0)
        return bot.rss()
    finally:
        await bot.stop()
        await fake.stop()
