"""The lobby message stays true however dreamers join or leave, and a busy lobby's redraws are
coalesced to stay within the channel's rate limit."""

from __future__ import annotations

import asyncio

from fakecord import User
from tests.e2e.conftest import ADMIN, PLAYERS, Running

ARCHETYPES = ["skeptic", "artist", "sleeper", "parent", "architect", "influencer"]


async def open_lobby(running: Running) -> int:
    lobbies = running.bot.get_cog("Session").lobbies  # type: ignore[union-attr]
    lobbies.interval = 0.3  # the channel's pace, quickened for the test
    await running.fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await running.fake.slash(ADMIN, "bedtime", "open")
    return running.fake.latest("Join")


def dreamers_shown(running: Running, lobby: int) -> str:
    fields = running.fake.messages[lobby]["embeds"][0]["fields"]
    return next(f["value"] for f in fields if f["name"].startswith("Dreamers"))


async def redrawn(running: Running) -> None:
    await asyncio.sleep(0.8)  # the coalesced redraw, then one more after the interval
    await running.fake.settle()


async def test_joining_and_leaving_by_slash_command_redraw_the_lobby(running: Running) -> None:
    fake = running.fake
    lobby = await open_lobby(running)
    for user, archetype in zip(PLAYERS[:3], ARCHETYPES, strict=False):
        joined = await fake.slash(user, "dream", "join", archetype=archetype, name=user.name)
        assert "Welcome" in joined.text
    await redrawn(running)
    assert all(user.name in dreamers_shown(running, lobby) for user in PLAYERS[:3])
    await fake.slash(PLAYERS[1], "dream", "leave")
    await redrawn(running)
    shown = dreamers_shown(running, lobby)
    assert "Bo" not in shown
    assert "Ada" in shown
    assert "Cy" in shown


async def test_a_rush_of_joins_is_drawn_in_few_edits_within_the_rate_limit(
    running: Running,
) -> None:
    fake = running.fake
    fake.channel_limit = (5, 5.0)  # Discord's per-channel limit, in practice
    lobby = await open_lobby(running)
    users = [*PLAYERS, User(100_000_000_000_000_070, "Fen")]
    rush = [
        await fake.send_slash(user, "dream", "join", archetype=archetype, name=user.name)
        for user, archetype in zip(users, ARCHETYPES, strict=True)
    ]
    await asyncio.gather(*(sent.done.wait() for sent in rush))
    await redrawn(running)
    edits = [r for r in fake.requests if r[0] == "PATCH" and r[1].endswith(f"/{lobby}")]
    assert 1 <= len(edits) <= 3  # not one per join
    assert fake.rate_limited == []
    assert all(user.name in dreamers_shown(running, lobby) for user in users)
