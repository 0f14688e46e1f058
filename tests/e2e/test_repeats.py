"""Discord sometimes delivers an interaction twice. A repeat changes nothing, is never answered
a second time (Discord's 40060), and logs nothing above INFO."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.core.models import Campaign, ResetMoment
from bot.discord.timing import TOKEN_LIFE
from fakecord import GUILD_ID, Sent
from tests.e2e.conftest import ADMIN, PLAYERS, Running
from tests.e2e.test_safety import gather
from tests.e2e.test_session import confess, join_new


async def campaign(running: Running) -> Campaign:
    return (await running.bot.service.campaigns_in(GUILD_ID))[0]


async def twice(running: Running, send: Callable[[], Awaitable[Sent]]) -> Sent:
    """Do something, then have Discord deliver the same interaction again."""
    sent = await send()
    await running.fake.repeat(sent)
    assert len(sent.responses) == 1, f"answered {len(sent.responses)} times"
    return sent


@pytest.fixture
def loud(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def above_info(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno > logging.INFO and not r.name.startswith(("discord.client", "aiohttp"))
    ]


async def test_admin_commands_delivered_twice_act_once(
    running: Running, loud: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await twice(
        running, lambda: fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    )
    assert len(await running.bot.service.campaigns_in(GUILD_ID)) == 1
    await twice(
        running, lambda: fake.slash(ADMIN, "bedtime", "config", setting="rounds", value="3")
    )
    await twice(
        running,
        lambda: fake.slash(
            ADMIN, "bedtime", "schedule", week="first", weekday="saturday", time="21:00"
        ),
    )
    first = (await campaign(running)).next_at
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "skip"))
    skipped = await campaign(running)
    assert skipped.schedule is not None
    assert skipped.schedule.skipped == [first]  # one month skipped, not two
    assert len(fake.events) == 1

    await twice(
        running,
        lambda: fake.slash(ADMIN, "bedtime", "prompts", "add", category="hope", text="A hope"),
    )
    pack = {"prompts": [{"category": "memory", "text": "A memory"}]}
    await twice(
        running,
        lambda: fake.slash(
            ADMIN,
            "bedtime",
            "prompts",
            "import",
            file=fake.attachment("pack.json", json.dumps(pack).encode()),
        ),
    )
    own = await running.bot.safety.prompts(await campaign(running))
    assert sorted(p.text for p in own) == ["A hope", "A memory"]
    await twice(
        running, lambda: fake.slash(ADMIN, "bedtime", "prompts", "remove", prompt=own[0].id)
    )
    assert len(await running.bot.safety.prompts(await campaign(running))) == 1
    assert above_info(loud) == []


async def test_session_commands_and_controls_delivered_twice_act_once(
    running: Running, loud: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "open"))
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await twice(running, lambda u=user, a=archetype: join_new(fake, u, a, u.name))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "start"))
    await twice(running, lambda: fake.click(PLAYERS[0], fake.latest("Anchor"), "Anchor"))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "kick", member=PLAYERS[2]))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "glitch"))
    await twice(running, lambda: confess(fake, PLAYERS[0], "said once", share=True))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "reset"))
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "end"))
    table = await running.bot.service.table(await campaign(running))
    assert table.session is None
    entry = await running.bot.service.chronicle(await campaign(running))
    assert entry is not None
    assert len(entry.glitches) == 1  # one glitch, though /bedtime glitch came twice
    assert sum(isinstance(m, ResetMoment) for m in entry.moments) == 1
    assert above_info(loud) == []


async def test_a_repeat_that_races_its_original_is_dropped(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    sent = await fake.send_slash(ADMIN, "bedtime", "open")
    await fake.repeat(sent)  # before the first has been answered
    await sent.done.wait()
    await fake.settle()
    assert len(sent.responses) == 1
    assert (await campaign(running)).session_count == 1


async def test_forget_and_teardown_delivered_twice_act_once(
    running: Running, loud: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await gather(running, 2)
    await fake.slash(ADMIN, "bedtime", "end")
    await twice(running, lambda: fake.slash(ADMIN, "bedtime", "forget", user=PLAYERS[1]))
    assert await running.bot.service.player(PLAYERS[1].id) is None
    asked = await fake.slash(PLAYERS[0], "dream", "forget-me")
    await twice(
        running, lambda: fake.click(PLAYERS[0], asked.message_id or 0, "Yes, delete all my data")
    )
    assert await running.bot.service.player(PLAYERS[0].id) is None
    confirm = await fake.slash(ADMIN, "bedtime", "teardown")
    gone = await twice(
        running, lambda: fake.click(ADMIN, confirm.message_id or 0, "Yes, delete everything")
    )
    assert "The campaign is gone" in gone.text
    assert await running.bot.service.campaigns_in(GUILD_ID) == []
    assert above_info(loud) == []


async def test_a_restarted_bot_still_knows_a_recent_interaction(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    sent = await fake.slash(ADMIN, "bedtime", "open")
    running.bot.taken.clear()  # as if this process had just started
    for key in await running.bot.service.recent_keys(TOKEN_LIFE):
        running.bot.taken[key] = None
    await fake.repeat(sent)
    assert len(sent.responses) == 1
    assert (await campaign(running)).session_count == 1
