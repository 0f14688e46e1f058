"""Controls outlive the process: buttons and a half-typed confession survive a restart."""

from __future__ import annotations

from pathlib import Path

from bot.content import Content
from bot.services import SimClock
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, start_bot, stop_bot
from tests.e2e.test_session import join_new
from tests.fake_discord import FakeDiscord


async def test_buttons_and_modals_from_before_a_restart_still_work(
    fake: FakeDiscord, tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "bot.db"
    clock = SimClock(NIGHT)
    first = await start_bot(fake, db, content, clock)
    channel = str(first.channel)
    await fake.slash(ADMIN, "bedtime", "setup", channel=channel)
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    round_message = fake.latest("Anchor")
    await fake.click(PLAYERS[0], round_message, "Anchor")
    await fake.slash(ADMIN, "bedtime", "glitch")
    faced = await fake.click(PLAYERS[1], fake.latest("Face your prompt"), "Face your prompt")
    opened = await fake.click(PLAYERS[1], faced.message_id or 0, "Answer")
    modal = opened.response["data"]
    await stop_bot(first)

    second = await start_bot(fake, db, content, clock)
    submitted = await fake.submit(
        PLAYERS[1],
        modal,
        {"text": "Typed before the restart, sent after it.", "share": ["share"]},
        message_id=faced.message_id,
    )
    assert "Shared with the circle" in submitted.text
    passed = await fake.click(PLAYERS[0], fake.latest("Face your prompt"), "Face your prompt")
    await fake.click(PLAYERS[0], passed.message_id or 0, "Pass")
    faced_last = await fake.click(PLAYERS[2], fake.latest("Face your prompt"), "Face your prompt")
    await fake.click(PLAYERS[2], faced_last.message_id or 0, "Pass")
    reveal = fake.messages[fake.latest("Return to the dream")]
    assert "Typed before the restart" in str(reveal["embeds"])

    stale = await fake.click(PLAYERS[2], round_message, "Dive")
    assert stale.ephemeral
    assert "dream" in stale.text.lower()
    await stop_bot(second)
    fake.assert_clean()
