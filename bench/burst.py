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
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.harness import BotProcess, Spread, percentile
from bot.content import load_content
from bot.services import Bedtime, system_clock
from bot.store import Database
from fakecord import DEADLINE, GUILD_ID, FakeDiscord, Sent, User

DREAMERS = 4
FIRST_CHANNEL = 920_000_000_000_000_001
FIRST_USER = 200_000_000_000_000_000


@dataclass
class Load:
    """How one bot took a burst, over several runs."""

    p50: Spread  # seconds to the first response, which acknowledges the press
    p99: Spread
    worst: Spread
    done_p99: Spread  # seconds until the press's message shows its move (see `shown_in`)
    deferred: int  # presses acknowledged before their move was done, over all runs
    throughput: Spread  # answers per second, from the first press to the last answer
    late: int  # answered after Discord's 3 s, over all runs
    unanswered: int
    bot_busy: Spread  # share of one core the bot process used, burst start to settled
    fake_busy: Spread  # the same for the fake Discord, which measures


@dataclass
class Burst:
    sessions: int
    interactions: int  # per run
    game: Load
    floor: Load  # the floor bot answering /ping, as often and as soon as the dreamers press
    rss_peak: int  # the bot's RSS after its bursts: the high-water mark of a burst


async def prepare(db: Path, sessions: int) -> list[tuple[int, str, list[User]]]:
    """Sessions in their first round: (channel, session id, dreamers) for each. They are made
    fifty at a time, so that their moves share group commits."""
    content = load_content()
    database = await Database.open(db)
    try:
        service = Bedtime(database, content, system_clock, random.Random(7))
        made = []
        for first in range(0, sessions, 50):
            made += await asyncio.gather(
                *(_session(service, n) for n in range(first, min(first + 50, sessions)))
            )
    finally:
        await database.close()
    return made


async def _session(service: Bedtime, n: int) -> tuple[int, str, list[User]]:
    channel = FIRST_CHANNEL + n
    campaign = await service.setup(GUILD_ID, channel)
    # An admin's settings that keep every burst on a round: no chance glitch.
    campaign = await service.configure(campaign, "glitch_chance", "0")
    campaign = await service.configure(campaign, "rounds", "20")
    await service.open(campaign)
    users = [
        User(FIRST_USER + n * DREAMERS + seat, f"Dreamer {n}-{seat}") for seat in range(DREAMERS)
    ]
    archetypes = [a.key for a in service.content.archetypes]
    for seat, user in enumerate(users):
        await service.join(
            campaign,
            user.id,
            display_name=user.name,
            archetype=archetypes[seat % len(archetypes)],
            name=user.name,
        )
    result = await service.start(campaign)
    assert result.session is not None
    return channel, result.session.id, users


async def measure(work: Path, sessions: int, runs: int) -> Burst:
    work.mkdir(parents=True)
    db = work / "bedtime.db"
    table = await prepare(db, sessions)
    fake = FakeDiscord(channels=tuple(channel for channel, _, _ in table), check_schema=False)
    await fake.start()
    try:
        bot = await BotProcess.start(fake, db)
        try:
            game = await _load(fake, bot, [_presses(fake, table, n) for n in range(1, runs + 1)])
            rss_peak = bot.rss()
        finally:
            await bot.stop()
        floor_bot = await BotProcess.start(fake, work / "floor.db", "bench.floor")
        try:
            floor = await _load(fake, floor_bot, [_pings(fake, table, n) for n in range(runs)])
        finally:
            await floor_bot.stop()
    finally:
        await fake.stop()
    return Burst(sessions, DREAMERS * sessions, game, floor, rss_peak)


Press = tuple[float, Callable[[], Awaitable[Sent]]]  # when, within the second; what


async def _load(fake: FakeDiscord, bot: BotProcess, bursts: list[list[Press]]) -> Load:
    await asyncio.sleep(1.0)  # let the bot's first scheduler tick pass
    runs, busy, fake_busy = [], [], []
    for presses in bursts:
        bot_cpu, fake_cpu, wall = bot.cpu(), time.process_time(), time.perf_counter()
        runs.append(await _burst(fake, presses))
        wall = time.perf_counter() - wall
        busy.append((bot.cpu() - bot_cpu) / wall)
        fake_busy.append((time.process_time() - fake_cpu) / wall)
    every = [s for run in runs for s in run]
    latencies = [[s.latency for s in run if s.latency is not None] for run in runs]
    return Load(
        p50=Spread([percentile(r, 0.50) for r in latencies]),
        p99=Spread([percentile(r, 0.99) for r in latencies]),
        worst=Spread([max(r) for r in latencies]),
        done_p99=Spread([percentile([shown_in(fake, s) for s in run], 0.99) for run in runs]),
        deferred=sum(1 for s in every if s.responses and s.response == {"type": 6}),
        throughput=Spread([_throughput(run) for run in runs]),
        late=sum(1 for s in every if s.latency is not None and s.latency > DEADLINE),
        unanswered=sum(1 for s in every if s.latency is None),
        bot_busy=Spread(busy),
        fake_busy=Spread(fake_busy),
    )


def _presses(
    fake: FakeDiscord, table: list[tuple[int, str, list[User]]], round_number: int
) -> list[Press]:
    """Every dreamer presses Anchor on this round, at a random moment of one second."""
    rng = random.Random(round_number)
    presses: list[Press] = []
    for channel, session_id, users in table:
        # The round's message as the bot drew it, reduced to the button the dreamers press:
        # discord.py finds a dynamic button on the message it came from.
        custom_id = f"bt:act:{session_id}:{round_number}:anchor"
        button = {"type": 2, "style": 2, "label": "Anchor", "custom_id": custom_id}
        message = int(
            fake._store(channel, {"components": [{"type": 1, "components": [button]}]})["id"]
        )
        data = {"custom_id": custom_id, "component_type": 2}
        presses += [
            (rng.random(), partial(fake.send_component, user, message, data, channel))
            for user in users
        ]
    return presses


def _pings(fake: FakeDiscord, table: list[tuple[int, str, list[User]]], run: int) -> list[Press]:
    """As many /ping commands as there are dreamers, on the same schedule."""
    rng = random.Random(run + 1)
    return [
        (rng.random(), partial(fake.send_slash, user, "ping", channel_id=channel))
        for channel, _, users in table
        for user in users
    ]


async def _burst(fake: FakeDiscord, presses: list[Press]) -> list[Sent]:
    """Send each press at its moment, then wait for every answer and what follows them."""
    presses = sorted(presses, key=lambda press: press[0])
    sent: list[Sent] = []
    began = time.perf_counter()
    for at, press in presses:
        delay = began + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(await press())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in sent)), 60)
    # A press acknowledged first is done before its move: wait until every move shows.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(answered_in_full(fake, sent), 60)
    await fake.settle(quiet=0.3, within=60)  # the rounds' results and next rounds are out
    refused = [s for s in sent if s.responses and s.ephemeral]
    if refused:
        raise RuntimeError(f"{len(refused)} presses refused, e.g. {refused[0].text!r}")
    return sent


async def answered_in_full(fake: FakeDiscord, sent: list[Sent]) -> None:
    """Until every press's move shows on its message."""
    waiting = list(sent)
    for _ in range(1200):  # a minute
        waiting = [s for s in waiting if shown_at(fake, s) is None]
        if not waiting:
            return
        await asyncio.sleep(0.05)


def shown_in(fake: FakeDiscord, sent: Sent) -> float:
    """Seconds from a press to its answer in full: it is acknowledged, and its round message
    shows its move. That is the press's own answer, or a newer drawing of the round that
    answered for it (the bot skips a drawing that a newer one makes old). Never: infinity."""
    shown, answered, began = shown_at(fake, sent), sent.answered_at, sent.sent_at
    if shown is None or answered is None:
        return math.inf
    return float(max(shown, answered) - began)


def shown_at(fake: FakeDiscord, sent: Sent) -> float | None:
    """When the press's message first showed its move: its dreamer (named as the user) marked
    as having acted, or the round told, once all four have. An answer that is a message of
    its own (the floor's /ping) is in full as it lands."""
    if sent.responses and sent.response.get("type") == 4:
        answered: float | None = sent.answered_at
        return answered
    acted = f"✅ {sent.user.name}"
    edits: list[tuple[float, list[dict[str, Any]]]] = fake.edited.get(sent.message_id or 0, [])
    for at, shown in edits:
        if at < sent.sent_at:
            continue
        for embed in shown:
            if "what happened" in (embed.get("title") or ""):
                return at
            if any(acted in (field.get("value") or "") for field in embed.get("fields") or ()):
                return at
    return None


def _throughput(run: list[Sent]) -> float:
    answered: list[float] = [s.answered_at for s in run if s.answered_at is not None]
    span: float = max(answered) - min(s.sent_at for s in run)
    return len(answered) / span


async def memory(work: Path, steps: tuple[int, ...]) -> dict[int, int]:
    """The bot's RSS as more sessions come into play, one press at a time (no burst, so no
    high-water mark of requests in flight): RSS by the number of sessions played one round."""
    work.mkdir(parents=True)
    db = work / "bedtime.db"
    table = await prepare(db, max(steps))
    fake = FakeDiscord(channels=tuple(channel for channel, _, _ in table), check_schema=False)
    await fake.start()
    try:
        bot = await BotProcess.start(fake, db)
        try:
            await asyncio.sleep(1.0)
            rss = {}
            played = 0
            for step in steps:
                for press in _presses(fake, table[played:step], 1):
                    sent = await press[1]()
                    await asyncio.wait_for(sent.done.wait(), 10)
                played = step
                await fake.settle(quiet=0.3)
                rss[step] = bot.rss()
            return rss
        finally:
            await bot.stop()
    finally:
        await fake.stop()
