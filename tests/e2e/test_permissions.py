"""Closed doors: a host role is power over its own campaign only, never @everyone or a bot's
role, and erasing across the server or creating campaigns needs Manage Server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content import Content
from bot.core.models import Campaign
from bot.services import SimClock
from fakecord import BOT_ROLE, GUILD_ID, HOST_ROLE, FakeDiscord, User
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, start_bot, stop_bot
from tests.e2e.test_session import join_new

CHANNELS = (920_000_000_000_000_001, 920_000_000_000_000_002, 920_000_000_000_000_003)
A, B, C = CHANNELS
HOST = User(100_000_000_000_000_050, "Hana", roles=(HOST_ROLE,))  # hosts campaign A only
MEMBER = PLAYERS[4]
ADA = PLAYERS[0]


@pytest.fixture
async def server(tmp_path: Path, content: Content) -> AsyncIterator[Running]:
    fake = FakeDiscord(channels=CHANNELS)
    await fake.start()
    running = await start_bot(fake, tmp_path / "bot.db", content, SimClock(NIGHT))
    try:
        yield running
    finally:
        await stop_bot(running)
        await fake.stop()
    fake.assert_clean()


async def campaigns(running: Running) -> dict[int, Campaign]:
    return {c.channel_id: c for c in await running.bot.service.campaigns_in(GUILD_ID)}


async def two_campaigns(running: Running) -> None:
    """Campaign A (hosted by HOST_ROLE) and campaign B, each with Ada in its circle."""
    fake = running.fake
    for channel in (A, B):
        await fake.slash(ADMIN, "bedtime", "setup", channel=str(channel), channel_id=channel)
    done = await fake.slash(
        ADMIN, "bedtime", "config", setting="host_role", value=str(HOST_ROLE), channel_id=A
    )
    assert "host_role" in done.text
    for channel in (A, B):
        await fake.slash(ADMIN, "bedtime", "open", channel_id=channel)
        await join_new(fake, ADA, "skeptic", "Ada")
        await join_new(fake, PLAYERS[1], "artist", "Bo")
        await fake.slash(ADMIN, "bedtime", "start", channel_id=channel)
        ended = await fake.slash(ADMIN, "bedtime", "end", channel_id=channel)
        assert "Dawn" in ended.text


async def has_character(running: Running, channel: int, user: User) -> bool:
    campaign = (await campaigns(running))[channel]
    player = await running.bot.service.player(user.id)
    circle = (await running.bot.service.table(campaign)).circle
    return player is not None and circle.character_of(player.id) is not None


async def test_only_manage_server_creates_campaigns(server: Running) -> None:
    fake = server.fake
    await two_campaigns(server)
    plain = await fake.slash(MEMBER, "bedtime", "setup", channel=str(C), channel_id=A)
    assert plain.ephemeral
    assert "Only admins" in plain.text
    hosted = await fake.slash(HOST, "bedtime", "setup", channel=str(C), channel_id=A)
    assert hosted.ephemeral
    assert "Manage Server" in hosted.text
    assert C not in await campaigns(server)
    made = await fake.slash(ADMIN, "bedtime", "setup", channel=str(C), channel_id=A)
    assert "Bedtime lives in" in made.text
    assert C in await campaigns(server)


async def test_a_host_runs_their_own_campaign_and_no_other(server: Running) -> None:
    fake = server.fake
    await two_campaigns(server)
    own = await fake.slash(HOST, "bedtime", "open", channel_id=A)
    assert not own.ephemeral, own.text
    other = await fake.slash(HOST, "bedtime", "open", channel_id=B)
    assert other.ephemeral
    assert "Only admins" in other.text
    plain = await fake.slash(MEMBER, "bedtime", "end", channel_id=A)
    assert "Only admins" in plain.text


async def test_forget_reaches_only_as_far_as_the_one_who_asks(server: Running) -> None:
    fake = server.fake
    await two_campaigns(server)
    plain = await fake.slash(MEMBER, "bedtime", "forget", user=ADA, channel_id=A)
    assert "Only admins" in plain.text
    assert await has_character(server, A, ADA)

    hosted = await fake.slash(HOST, "bedtime", "forget", user=ADA, channel_id=A)
    assert "the campaigns you host" in hosted.text
    assert not await has_character(server, A, ADA)
    assert await has_character(server, B, ADA)  # campaign B is not the host's to erase
    elsewhere = await fake.slash(HOST, "bedtime", "forget", user=PLAYERS[1], channel_id=B)
    assert "Only admins" in elsewhere.text
    assert await has_character(server, B, PLAYERS[1])

    admin = await fake.slash(ADMIN, "bedtime", "forget", user=ADA, channel_id=B)
    assert "this server" in admin.text
    assert not await has_character(server, B, ADA)
    assert await server.bot.service.player(ADA.id) is None


@pytest.mark.parametrize(
    ("role", "why"),
    [(GUILD_ID, "@everyone can't be the host role"), (BOT_ROLE, "managed by a bot")],
)
async def test_the_host_role_is_never_everyone_or_a_bots_role(
    server: Running, role: int, why: str
) -> None:
    fake = server.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(A), channel_id=A)
    for value in (str(role), f"<@&{role}>"):
        refused = await fake.slash(
            ADMIN, "bedtime", "config", setting="host_role", value=value, channel_id=A
        )
        assert refused.ephemeral
        assert why in refused.text
    assert (await campaigns(server))[A].settings.host_role is None
    # and so a plain member is still no admin
    denied = await fake.slash(MEMBER, "bedtime", "open", channel_id=A)
    assert "Only admins" in denied.text
