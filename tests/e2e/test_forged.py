"""Controls forged into another channel: every kind of control, naming a campaign or session
in a channel the presser cannot see, is refused privately and reaches nothing there. The
private controls of sheets, boundaries and the chronicle still work for a member who can see
the campaign."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content
from bot.core.models import Campaign
from bot.services import SimClock
from fakecord import GUILD_ID, HOST_ROLE, VIEW_CHANNEL, FakeDiscord, Sent, User
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, start_bot, stop_bot
from tests.e2e.test_session import confess, join_new

A, B = 920_000_000_000_000_001, 920_000_000_000_000_002
OUTSIDER = PLAYERS[4]  # cannot see channel B
INSIDER = User(100_000_000_000_000_060, "Ines", roles=(HOST_ROLE,))  # can see channel B
SECRET_B = "a secret kept in campaign B"
OTHER_ID = "0123456789abcdef"


@dataclass
class World:
    running: Running
    b: Campaign
    b_session: str
    a_message: int  # a message in channel A to forge controls on


@pytest.fixture
async def world(tmp_path: Path, content: Content) -> AsyncIterator[World]:
    fake = FakeDiscord(channels=(A, B))
    fake.overwrites[B] = [
        {"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
        {"id": str(HOST_ROLE), "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"},
    ]
    await fake.start()
    running = await start_bot(fake, tmp_path / "bot.db", content, SimClock(NIGHT))
    try:
        for channel in (A, B):
            await fake.slash(ADMIN, "bedtime", "setup", channel=str(channel), channel_id=channel)
        await fake.slash(
            ADMIN, "bedtime", "config", setting="keep_confessions", value="on", channel_id=B
        )
        await fake.slash(ADMIN, "bedtime", "open", channel_id=B)
        await join_new(fake, INSIDER, "skeptic", "Ines")
        await join_new(fake, PLAYERS[1], "artist", "Bo")
        await fake.slash(ADMIN, "bedtime", "start", channel_id=B)
        await fake.slash(ADMIN, "bedtime", "glitch", channel_id=B)
        await confess(fake, INSIDER, SECRET_B, share=True)
        await confess(fake, PLAYERS[1], None)
        await fake.slash(ADMIN, "bedtime", "end", channel_id=B)
        await fake.slash(ADMIN, "bedtime", "open", channel_id=B)
        await fake.slash(ADMIN, "bedtime", "open", channel_id=A)
        await join_new(fake, OUTSIDER, "sleeper", "Ez")
        campaigns = {c.channel_id: c for c in await running.bot.service.campaigns_in(GUILD_ID)}
        table = await running.bot.service.table(campaigns[B])
        assert table.session is not None
        yield World(running, campaigns[B], table.session.id, fake.latest("Join"))
    finally:
        await stop_bot(running)
        await fake.stop()
    fake.assert_clean()


async def forge(world: World, user: User, custom_id: str, values: list[str] | None = None) -> Sent:
    """Press a control with a hand-made custom_id on a message in channel A."""
    fake = world.running.fake
    return await fake.forge(user, world.a_message, custom_id, values, channel_id=A)


async def forge_modal(world: World, user: User, custom_id: str, values: dict[str, Any]) -> Sent:
    fake = world.running.fake
    rows = [
        {"type": 18, "component": {"type": 4, "custom_id": k, "value": v}}
        for k, v in values.items()
    ]
    sent = await fake._send(5, user, {"custom_id": custom_id, "components": rows}, channel_id=A)
    await asyncio.wait_for(sent.done.wait(), 5)
    await fake.settle()
    return sent


def controls(world: World) -> list[tuple[str, list[str] | None]]:
    c, s = world.b.id, world.b_session
    return [
        (f"bt:page:{c}:1", None),
        (f"bt:rename:{c}", None),
        (f"bt:retire:{c}", None),
        (f"bt:retire:{c}:yes", None),
        (f"bt:bounds:lines:{c}", ["death"]),
        (f"bt:bounds:veils:{c}", ["family"]),
        (f"bt:teardown:{c}", None),
        (f"bt:prompts:{c}:1", None),
        (f"bt:join:{s}", None),
        (f"bt:arch:{s}:0", ["skeptic"]),
        (f"bt:act:{s}:1:anchor", None),
        (f"bt:share:{s}:1", [OTHER_ID]),
        (f"bt:sig:{s}:1:0", [OTHER_ID]),
        (f"bt:face:{s}:1", None),
        (f"bt:answer:{s}:{OTHER_ID}", None),
        (f"bt:pass:{s}:{OTHER_ID}", None),
        (f"bt:x:{s}:1", None),
        (f"bt:hear:{s}:{OTHER_ID}", None),
        (f"bt:ready:{s}:1", None),
        (f"bt:hide:{s}:1", None),
        (f"bt:hidepick:{s}:1", [OTHER_ID]),
    ]


async def test_every_control_forged_into_another_channel_reaches_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    fake = world.running.fake
    before = await world.running.bot.service.table(world.b)
    for custom_id, values in controls(world):
        sent = await forge(world, OUTSIDER, custom_id, values)
        said = fake.everything_said(sent)
        if sent.response["type"] == 9:  # a modal opened: nothing of B's is in it
            assert SECRET_B not in str(sent.response)
            continue
        assert sent.ephemeral, f"{custom_id}: {said}"
        assert SECRET_B not in said, custom_id
        assert "Ines" not in said, custom_id
    for custom_id, values in (
        (f"bt:m:rename:{world.b.id}", {"name": "Stolen"}),
        (f"bt:m:name:{world.b_session}:skeptic:0", {"name": "Intruder"}),
        (f"bt:m:confess:{world.b_session}:{OTHER_ID}", {"text": "forged words"}),
    ):
        sent = await forge_modal(world, OUTSIDER, custom_id, values)
        assert sent.ephemeral, custom_id
    after = await world.running.bot.service.table(world.b)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert after.circle == before.circle
    assert after.session == before.session
    assert await world.running.bot.service.campaign_by_id(world.b.id) is not None


async def test_a_member_who_can_see_the_campaign_uses_its_controls_anywhere(
    world: World,
) -> None:
    fake = world.running.fake
    page = await forge(world, INSIDER, f"bt:page:{world.b.id}:1")
    assert not page.ephemeral or page.response["type"] == 7
    assert SECRET_B in fake.everything_said(page) + str(page.responses)
    bounds = await forge(world, INSIDER, f"bt:bounds:lines:{world.b.id}", ["death"])
    assert "Saved" in fake.everything_said(bounds) + str(bounds.responses)
    mine = await world.running.bot.safety.boundaries(world.b, INSIDER.id)
    assert mine.lines == {"death"}
    renamed = await forge_modal(world, INSIDER, f"bt:m:rename:{world.b.id}", {"name": "Ines B"})
    assert "Ines B" in renamed.text
