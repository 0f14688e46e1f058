"""Data already stored still opens: a database written by the code before typed events (commit
9fa144d, made by tests/fixtures/make_legacy.py) holds owed posts, moments and house rules in the
JSON shapes of that day. Today's bot opens it, posts what was owed, finishes the night, and pages
its chronicle.

On PostgreSQL the same file is first moved there by `python -m bot migrate-store`, as an admin
moving an existing server would: the night then finishes on PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.content import Content
from bot.services import SimClock
from fakecord import FakeDiscord
from tests.e2e.conftest import ADMIN, PLAYERS, environment, start_bot, stop_bot
from tests.e2e.test_session import confess

FIXTURE = Path(__file__).parent.parent / "fixtures" / "legacy-9fa144d.sqlite3"


async def migrate_store(fake: FakeDiscord, source: Path, url: str) -> str:
    env = {k: v for k, v in environment(fake, url).items() if k != "DISCORD_TOKEN"}
    env["DATABASE_PATH"] = str(source)
    moved = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate-store", "--to", url,
        env=env, cwd=source.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(moved.communicate(), 120)
    assert moved.returncode == 0, err.decode()
    return out.decode()


async def test_a_database_from_before_typed_events_opens_and_finishes_its_night(
    fake: FakeDiscord, tmp_path: Path, content: Content, target: Path | str
) -> None:
    db: Path | str = tmp_path / "bot.db"
    shutil.copyfile(FIXTURE, db)
    if isinstance(target, str):
        said = await migrate_store(fake, db, target)
        assert "outbox: 4" in said
        assert "every table's count checked" in said
        assert "password" not in said
        db = target
    clock = SimClock(datetime(2026, 11, 7, 22, 5, tzinfo=UTC))  # mid-confession
    running = await start_bot(fake, db, content, clock)
    try:
        await (
            running.tick()
        )  # owed posts: held by interactions that never settled, and one never sent
        # (the lobbies are not posted again: their sessions have moved on)
        said = str(list(fake.messages.values()))
        assert "The dream begins" in said
        assert "Round 1: what happened" in said
        assert "Dreamer 0" in said  # names resolve from the stored circle
        fake.latest("Face your prompt")

        config = await fake.slash(ADMIN, "bedtime", "config")
        assert "Europe/Berlin" in config.text  # the stored house rules still read
        assert "2h" in config.text or "120" in config.text

        await confess(fake, PLAYERS[0], "The moon owes me a letter.", share=True)
        await confess(fake, PLAYERS[1], None)
        await confess(fake, PLAYERS[2], "I count the stairs.", share=True)
        reveal = fake.messages[fake.latest("Return to the dream")]
        assert "I count the stairs." in str(reveal["embeds"])
        for user in PLAYERS[:3]:
            await fake.click(user, fake.latest("Return to the dream"), "Return to the dream")

        ended = await fake.slash(ADMIN, "bedtime", "end")
        assert "Dawn" in ended.text
        assert "Dreamer 0 used" in ended.text  # the stored signature moment, in the recap

        latest = await fake.slash(PLAYERS[1], "dream", "chronicle")
        assert "session 2" in latest.text
        first = await fake.slash(PLAYERS[1], "dream", "chronicle", session=1)
        assert "session 1" in first.text
        assert "Dreamer 0 used" in first.text
        assert "on their arc" in first.text  # the arc moment written at the first dawn
    finally:
        await stop_bot(running)
    fake.assert_clean()
