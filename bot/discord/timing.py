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
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import discord

from bot.discord.lookup import bot_of, campaign_here, key
from bot.discord.posting import UNKNOWN_INTERACTION, forget

log = logging.getLogger(__name__)

TOKEN_LIFE = timedelta(minutes=15)  # how long Discord lets an interaction be answered
# Discord forgets an interaction that is not answered within 3 seconds; leave room for the trip.
ANSWER_WITHIN = 2.5
# Seconds of moves queued for the writer beyond which a press is acknowledged before its move.
BACKLOG = 0.1
# Seconds late the event loop runs beyond which a press is acknowledged before its move: in a
# burst, every step of every press waits about this long for its turn.
LAG = 0.05
# Interactions taken up and not yet answered beyond which a press is acknowledged before its
# move: a burst shows here at once, before the loop's lag does.
IN_FLIGHT = 32
# Moves, and answers, behind an acknowledgement at once: under load, the rest of the loop is
# left to acknowledging the presses that keep arriving.
MOVE_SLOTS = 16
ANSWER_SLOTS = 16
# Seconds at most an acknowledged move and its answer wait for the loop to keep time, and an
# answer for the moves waiting.
ANSWER_PATIENCE = 10.0
# Interactions a process remembers having taken up, so that a repeat is dropped unanswered;
# a restart reloads the keys of changes made within a token's life.
REMEMBERED = 20_000

Result = TypeVar("Result")


class Deferred:
    """The work behind acknowledgements: a few moves at a time, and a few answers at a time,
    and answers only once no move is waiting. In a burst every move is made first (each is
    cheap), and then each message's newest drawing answers for the older ones (see `Redraws`):
    a round's four presses cost one redraw, not four. Answers wait for the moves a while at
    most, so that a load that never ends does not keep them back for ever."""

    def __init__(self) -> None:
        self.moves = asyncio.Semaphore(MOVE_SLOTS)
        self.answers = asyncio.Semaphore(ANSWER_SLOTS)
        self.moving = 0  # moves waiting for a slot, or made in one
        self.no_moves = asyncio.Event()
        self.no_moves.set()

    @contextlib.asynccontextmanager
    async def move(self, lag: LoopLag) -> AsyncIterator[None]:
        """A slot for a move, once the loop keeps time."""
        self.moving += 1
        self.no_moves.clear()
        try:
            async with self.moves:
                await _on_time(lag)
                yield
        finally:
            self.moving -= 1
            if not self.moving:
                self.no_moves.set()

    async def answer(self, lag: LoopLag) -> None:
        """Take a slot for an answer (given back by `answered`), once the moves waiting are
        made and the loop keeps time."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.no_moves.wait(), ANSWER_PATIENCE)
        await self.answers.acquire()
        await _on_time(lag)


class LoopLag:
    """How late the event loop runs what is due: the median of its last few samples, taken
    every few milliseconds. A burst keeps every sample late; one long step (start-up, a big
    drawing) is a single late sample and does not count."""

    PERIOD = 0.02
    SAMPLES = 5

    def __init__(self) -> None:
        self.samples: deque[float] = deque([0.0] * self.SAMPLES, maxlen=self.SAMPLES)
        self.on_time = asyncio.Event()  # set while the loop keeps time (lag at most LAG)
        self.on_time.set()
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
            if self.lag <= LAG:
                self.on_time.set()
            else:
                self.on_time.clear()


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
    """Await a player's move. With the event loop running late or moves queued for the
    writer (a burst), acknowledge the press first, before its move even starts; otherwise, if
    the move is still waiting as Discord's 3 seconds run out, acknowledge it then. What an
    acknowledged press still has to do (its move, if not done, and then its answer, by editing
    its message or following up) waits for one of a few slots, then for the loop to keep time:
    the presses still arriving are acknowledged first, and a burst's moves go through a few at
    a time, not all at once. Moves and answers have slots of their own, so that moves run
    ahead of the answers (which cost more): by the time an answer's turn comes, a newer move
    on its message may have been made, and that one's drawing answers for both (see
    `Redraws`). A move's commit, once asked for, is never cancelled: it is applied or refused
    on its own."""
    loop = asyncio.get_running_loop()
    # Discord's clock starts when it made the interaction (its id says when); ours when we took
    # it up. Under load the two differ by the time it queued here, so count from the earlier.
    waited = max(
        loop.time() - interaction.extras.get("arrived", loop.time()),
        time.time() - interaction.created_at.timestamp(),
    )
    bot = bot_of(interaction)
    if bot.in_flight > IN_FLIGHT or bot.lag.lag > LAG or bot.service.store.backlog > BACKLOG:
        await _acknowledge(interaction)
        async with bot.deferred.move(bot.lag):
            result = await move
        await _slot(interaction)
        return result
    # The move runs in this task; a timer acknowledges it if it is still waiting when
    # Discord's time runs short.
    timer = loop.call_later(max(ANSWER_WITHIN - waited, 0.0), _acknowledge_soon, interaction)
    try:
        result = await move
    finally:
        timer.cancel()
        acknowledging = interaction.extras.pop("acknowledging", None)
        if acknowledging is not None:
            await acknowledging  # the answer must not race the acknowledgement
    if acknowledging is not None:
        await _slot(interaction)
    return result


async def _slot(interaction: discord.Interaction) -> None:
    """Wait for a slot for the answer behind an acknowledgement (freed by `answered`)."""
    bot = bot_of(interaction)
    await bot.deferred.answer(bot.lag)
    interaction.extras["slot"] = True


def _acknowledge_soon(interaction: discord.Interaction) -> None:
    task = asyncio.get_running_loop().create_task(_acknowledge(interaction))
    interaction.extras["acknowledging"] = task  # awaited, and so kept, by in_time


async def _on_time(lag: LoopLag) -> None:
    """Wait (a while at most) until the event loop keeps time again."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(lag.on_time.wait(), ANSWER_PATIENCE)


async def _acknowledge(interaction: discord.Interaction) -> None:
    """Acknowledge the press; its move goes on even if that fails. If Discord refused it as
    too late, nothing more is sent through the interaction (see `Post.update`)."""
    if interaction.response.is_done():
        return
    try:
        await interaction.response.defer()
    except discord.NotFound as error:
        if error.code == UNKNOWN_INTERACTION:
            forget(interaction)
    except discord.HTTPException:
        pass


def answered(interaction: discord.Interaction) -> None:
    """The interaction's answer is sent (or given up): free its slot, if it held one."""
    if interaction.extras.pop("slot", False):
        bot_of(interaction).deferred.answers.release()
