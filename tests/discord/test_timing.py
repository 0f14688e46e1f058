"""Under load a press is acknowledged first; what it still has to do goes through a few slots."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from bot.discord.timing import (
    ANSWER_SLOTS,
    IN_FLIGHT,
    MOVE_SLOTS,
    Deferred,
    LoopLag,
    answered,
    in_time,
)


class Response:
    def __init__(self) -> None:
        self.deferred = False

    def is_done(self) -> bool:
        return self.deferred

    async def defer(self) -> None:
        self.deferred = True


def a_burst_bot() -> Any:
    """A bot with more interactions in flight than it takes up one at a time."""
    return SimpleNamespace(
        in_flight=IN_FLIGHT + 1,
        lag=LoopLag(),  # not started: the loop keeps time
        service=SimpleNamespace(store=SimpleNamespace(backlog=0.0)),
        deferred=Deferred(),
    )


def an_interaction(bot: Any) -> Any:
    return SimpleNamespace(
        client=bot, extras={}, created_at=datetime.now(UTC), response=Response(), id=1
    )


async def test_a_bursts_deferred_moves_go_through_a_few_at_a_time_then_the_answers() -> None:
    bot = a_burst_bot()
    running = peak = 0
    moved_last = answered_first = 0.0

    async def move() -> str:
        nonlocal running, peak, moved_last
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.005)
        running -= 1
        moved_last = asyncio.get_running_loop().time()
        return "moved"

    answering = answering_peak = 0

    async def press(interaction: Any) -> str:
        nonlocal answering, answering_peak, answered_first
        result = await in_time(interaction, move())
        answered_first = answered_first or asyncio.get_running_loop().time()
        answering += 1
        answering_peak = max(answering_peak, answering)
        await asyncio.sleep(0.005)  # its answer on its way
        answering -= 1
        answered(interaction)  # its answer is sent: the slot is free
        return result

    interactions = [an_interaction(bot) for _ in range(MOVE_SLOTS * 3)]
    results = await asyncio.gather(*(press(i) for i in interactions))

    assert results == ["moved"] * len(interactions)
    assert all(i.response.deferred for i in interactions)  # each acknowledged before its move
    assert peak == MOVE_SLOTS  # never all at once
    assert answering_peak == ANSWER_SLOTS
    assert answered_first >= moved_last  # every move made first, then the answers
    assert bot.deferred.answers._value == ANSWER_SLOTS  # every slot given back
    assert bot.deferred.moves._value == MOVE_SLOTS
    assert bot.deferred.no_moves.is_set()


async def test_a_move_that_fails_behind_an_acknowledgement_gives_its_slot_back() -> None:
    bot = a_burst_bot()
    interaction = an_interaction(bot)

    async def move() -> str:
        raise RuntimeError("the store is gone")

    try:
        await in_time(interaction, move())
    except RuntimeError:
        pass
    else:
        raise AssertionError("the move's error was swallowed")
    assert interaction.response.deferred
    answered(interaction)  # the error path's `finished` does this
    assert bot.deferred.answers._value == ANSWER_SLOTS
    assert bot.deferred.moving == 0
