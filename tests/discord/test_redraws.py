"""A shared message's redraws take turns, newest wins, and nothing is kept once they are done."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import discord

from bot.discord.posting import Redraws


async def test_a_message_s_redraws_land_in_order_and_an_older_one_waiting_is_skipped() -> None:
    redraws = Redraws()
    landed: list[int] = []
    first_on_its_way = asyncio.Event()
    let_it_land = asyncio.Event()

    async def draw(moves: int) -> bool:
        async with redraws.turn(7, moves) as newest:
            if newest:
                if moves == 1:
                    first_on_its_way.set()
                    await let_it_land.wait()
                landed.append(moves)
        return newest

    first = asyncio.create_task(draw(1))
    await first_on_its_way.wait()
    waiting = [asyncio.create_task(draw(moves)) for moves in (2, 3)]
    await asyncio.sleep(0)  # both wait their turn behind the first
    let_it_land.set()
    sent = [await first, *[await task for task in waiting]]

    assert landed == [1, 3]
    assert sent == [True, False, True]  # 2 waited, then found 3 would answer for it
    assert not await draw(2)  # an old drawing that comes late is skipped too
    assert landed == [1, 3]
    assert redraws._turns == {}  # no lock kept for a message nobody is drawing


async def test_a_drawing_whose_move_is_made_answers_for_an_older_one_not_yet_begun() -> None:
    redraws = Redraws()
    redraws.coming(7, 4)  # the fourth move is made; its answer waits for a slot
    redraws.coming(7, 2)  # a late note of an older one changes nothing
    async with redraws.turn(7, 3) as newest:
        assert not newest
    async with redraws.turn(7, 4) as newest:
        assert newest


async def test_the_newest_drawings_are_remembered_for_only_so_many_messages() -> None:
    redraws = Redraws(remembered=2)
    for message in (1, 2, 3):
        async with redraws.turn(message, 5) as newest:
            assert newest
    assert list(redraws.newest) == [2, 3]
    assert not redraws.superseded(1, 0)  # forgotten: a late drawing of it would land
    assert redraws.superseded(3, 4)


def test_what_a_message_shows_above_its_round_is_kept_for_only_so_many_messages() -> None:
    redraws = Redraws(kept=2)
    story, round_ = discord.Embed(title="Round 1: what happened"), discord.Embed(title="round 2")
    for message_id in (1, 2, 3):
        message = SimpleNamespace(id=message_id, embeds=[story, round_])
        redraws.keep_above(message)  # type: ignore[arg-type]
    assert redraws.above(1) == []  # forgotten: its redraw shows the round alone
    assert [e.title for e in redraws.above(3)] == ["Round 1: what happened"]
