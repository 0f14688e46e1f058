"""Unhappy paths: wrong phase, not a dreamer, no permission, bad values, and clicks that collide."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.content import Content
from bot.services import SimClock
from fakecord import ALL, FakeDiscord
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, start_bot, stop_bot
from tests.e2e.test_session import join_new


async def ready_session(running: Running, players: int = 3) -> FakeDiscord:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(
        PLAYERS[:players], ["skeptic", "artist", "sleeper", "parent"], strict=False
    ):
        await join_new(fake, user, archetype, user.name)
    return fake


async def test_players_cannot_use_admin_commands(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    refused = await fake.slash(PLAYERS[0], "bedtime", "open")
    assert refused.ephemeral
    assert "Only admins" in refused.text


async def test_setup_names_the_permission_the_bot_is_missing(
    tmp_path: Path, content: Content
) -> None:
    fake = FakeDiscord()
    embed_links = 1 << 14
    administrator = 1 << 3  # would grant everything
    fake.bot_permissions = ALL & ~embed_links & ~administrator
    fake.everyone_permissions &= ~embed_links
    await fake.start()
    running = await start_bot(fake, tmp_path / "bot.db", content, SimClock(NIGHT))
    try:
        refused = await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
        assert refused.ephemeral
        assert "Give me: Embed Links." in refused.text
        assert await running.bot.service.campaign(910_000_000_000_000_001, running.channel) is None
    finally:
        await stop_bot(running)
        await fake.stop()
    fake.assert_clean()


async def test_commands_outside_a_campaign_channel_say_what_to_do(running: Running) -> None:
    answer = await running.fake.slash(PLAYERS[0], "dream", "status")
    assert answer.ephemeral
    assert "/bedtime setup" in answer.text


async def test_acting_in_the_lobby_and_starting_alone_are_refused(running: Running) -> None:
    fake = await ready_session(running, players=1)
    started = await fake.slash(ADMIN, "bedtime", "start")
    assert started.ephemeral
    assert "At least 2 dreamers" in started.text
    glitch = await fake.slash(ADMIN, "bedtime", "glitch")
    assert glitch.ephemeral
    assert "only while dreaming" in glitch.text


async def test_someone_outside_the_session_gets_a_private_explanation(running: Running) -> None:
    fake = await ready_session(running)
    await fake.slash(ADMIN, "bedtime", "start")
    outsider = await fake.click(PLAYERS[4], fake.latest("Anchor"), "Anchor")
    assert outsider.ephemeral
    assert "Only this session's dreamers" in outsider.text


async def test_bad_option_values_get_clear_private_errors(running: Running) -> None:
    fake = running.fake
    zone = await fake.slash(
        ADMIN, "bedtime", "setup", channel=str(running.channel), timezone="Mars/Olympus"
    )
    assert zone.ephemeral
    assert "Unknown time zone" in zone.text
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    bad = await fake.slash(ADMIN, "bedtime", "config", setting="rounds", value="lots")
    assert bad.ephemeral
    assert "whole number from 1 to 20" in bad.text
    unknown = await fake.slash(ADMIN, "bedtime", "config", setting="gravity", value="on")
    assert "no setting called" in unknown.text
    clash = await fake.slash(ADMIN, "bedtime", "config", setting="min_players", value="7")
    good = await fake.slash(ADMIN, "bedtime", "config", setting="max_players", value="3")
    assert "min_players (7) can't be above" in good.text
    assert "changed" in clash.text
    await fake.slash(ADMIN, "bedtime", "open")
    name = await fake.slash(PLAYERS[0], "dream", "join", archetype="pirate", name="Jack")
    assert "no archetype called" in name.text
    choices = await fake.autocomplete(PLAYERS[0], "dream", "join", focused="archetype", value="sk")
    assert [c["value"] for c in choices] == ["skeptic"]


async def test_joining_twice_and_a_stale_lobby_button(running: Running) -> None:
    fake = await ready_session(running, players=2)
    twice = await fake.click(PLAYERS[0], fake.latest("Join"), "Join")
    assert twice.ephemeral
    assert "already in this session" in twice.text


async def test_two_dreamers_clicking_at_the_same_moment_both_count(running: Running) -> None:
    fake = await ready_session(running, players=3)
    await fake.slash(ADMIN, "bedtime", "start")
    round_message = fake.latest("Anchor")
    first, second = await asyncio.gather(
        fake.click(PLAYERS[0], round_message, "Anchor"),
        fake.click(PLAYERS[1], round_message, "Explore"),
    )
    assert not first.ephemeral
    assert not second.ephemeral
    campaign = await running.bot.service.campaign(910_000_000_000_000_001, running.channel)
    assert campaign is not None
    table = await running.bot.service.table(campaign)
    assert table.session is not None
    assert len(table.session.choices) == 2
    again = await fake.click(PLAYERS[0], round_message, "Dive")
    assert "already acted" in again.text
