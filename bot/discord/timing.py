"""Discord's clock: a token lives 15 minutes, an interaction must be answered within 3 seconds,
and Discord may deliver one twice. The front door drops repeats; `in_time` acknowledges a move
that waits too long, so that its answer can follow."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import discord

from bot.discord.lookup import bot_of, campaign_here, key

log = logging.getLogger(__name__)

TOKEN_LIFE = timedelta(minutes=15)  # how long Discord lets an interaction be answered
# Discord forgets an interaction that is not answered within 3 seconds; leave room for the trip.
ANSWER_WITHIN = 2.5
# Seconds of moves queued for the writer beyond which a press is acknowledged before its move.
BACKLOG = 0.1
# Seconds late the event loop runs beyond which a press is acknowledged before its move: in a
# burst, every step of every press waits about this long for its turn.
LAG = 0.05
# Interactions a process remembers having taken up, so that a repeat is dropped unanswered;
# a restart reloads the keys of changes made within a token's life.
REMEMBERED = 20_000

Result = TypeVar("Result")


class LoopLag:
    """How late the event loop runs what is due: the median of its last few samples, taken
    every few milliseconds. A burst keeps every sample late; one long step (start-up, a big
    drawing) is a single late sample and does not count."""

    PERIOD = 0.02
    SAMPLES = 5

    def __init__(self) -> None:
        self.samples: deque[float] = deque([0.0] * self.SAMPLES, maxlen=self.SAMPLES)
        self._task: asyncio.Task[None] | None = None

    @property
    def lag(self) -> float:
        return statistics.median(self.samples)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.PERIOD
            await asyncio.sleep(self.PERIOD)
            self.samples.append(loop.time() - due)


def arrived(interaction: discord.Interaction) -> None:
    """Note when the bot took up the interaction, to keep within Discord's window."""
    interaction.extras.setdefault("arrived", asyncio.get_running_loop().time())


def first_time(interaction: discord.Interaction) -> bool:
    """Whether the bot is taking this interaction up for the first time. Discord may deliver
    one twice; its first answer is the only one, so a repeat is dropped, changing nothing."""
    taken = bot_of(interaction).taken
    if interaction.id in taken or key(interaction) in taken:
        log.info("Dropped a repeat of interaction %s", interaction.id)
        return False
    taken[interaction.id] = None
    while len(taken) > REMEMBERED:
        taken.popitem(last=False)
    return True


async def dreamer_move(
    interaction: discord.Interaction,
    move: Callable[..., Awaitable[Result]],
    session_id: str,
) -> Result:
    """The pressing dreamer's move (a service method taking the campaign, the user, the key
    and the session) on the channel's campaign, acknowledged in time."""
    campaign = await campaign_here(interaction)
    user = interaction.user.id
    return await in_time(interaction, move(campaign, user, key(interaction), session_id=session_id))


async def in_time(interaction: discord.Interaction, move: Awaitable[Result]) -> Result:
    """Await a player's move. If it is still waiting for the store as Discord's 3 seconds run
    out, or joins a backlog of moves queued for the one writer (a burst), acknowledge
    it as an update of its message first; the answer then edits the message or follows up.
    The move is never cancelled: once asked for, it is applied or refused on its own."""
    task = asyncio.ensure_future(move)
    loop = asyncio.get_running_loop()
    # Discord's clock starts when it made the interaction (its id says when); ours when we took
    # it up. Under load the two differ by the time it queued here, so count from the earlier.
    waited = max(
        loop.time() - interaction.extras.get("arrived", loop.time()),
        time.time() - interaction.created_at.timestamp(),
    )
    # Behind a backlog, or with the event loop running late (a burst), the press is
    # acknowledged at once: its move and its answer would wait their turn at every step.
    bot = bot_of(interaction)
    behind = bot.lag.lag > LAG or bot.service.store.backlog > BACKLOG
    await asyncio.wait({task}, timeout=0.0 if behind else max(ANSWER_WITHIN - waited, 0.0))
    if not task.done() and not interaction.response.is_done():
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.defer()
    return await asyncio.shield(task)
