"""The bot connects to the fake, syncs its commands there, and answers /dream help."""

from __future__ import annotations

from tests.e2e.conftest import PLAYERS, Running


async def test_the_bot_syncs_its_commands_to_the_development_guild(running: Running) -> None:
    names = {c["name"] for scope in running.fake.commands.values() for c in scope}
    assert names == {"dream", "bedtime"}


async def test_dream_help_answers_privately(running: Running) -> None:
    sent = await running.fake.slash(PLAYERS[0], "dream", "help")
    assert sent.ephemeral
    assert "How to play" in sent.text
