"""Content added in data/ alone reaches Discord: a fifth action aimed at a dreamer is a menu on
the round message, and a new house rule is listed and changed by /bedtime config."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.content import DATA_DIR, load_content
from bot.services import SimClock
from fakecord import FakeDiscord
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, start_bot, stop_bot
from tests.e2e.test_session import join_new
from tests.test_more_content import FIFTH, RULE, add, narrate


async def test_added_content_reaches_the_round_message_and_the_config(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.db*"))
    add(data, "actions.toml", FIFTH)
    narrate(data, "hold")
    add(data, "house_rules.toml", RULE)
    running = await start_bot(fake, tmp_path / "bot.db", load_content(data), SimClock(NIGHT))
    try:
        await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
        config = await fake.slash(ADMIN, "bedtime", "config")
        assert "quiet_hour" in config.text
        changed = await fake.slash(ADMIN, "bedtime", "config", setting="quiet_hour", value="5")
        assert "quiet_hour** ✏: 5" in changed.text

        await fake.slash(ADMIN, "bedtime", "open")
        await join_new(fake, PLAYERS[0], "skeptic", "Ada")
        await join_new(fake, PLAYERS[1], "artist", "Bo")
        await fake.slash(ADMIN, "bedtime", "start")
        round_message = fake.latest("Anchor")
        menu = fake.find(round_message, "🫂 Hold with…")
        bo = next(o["value"] for o in menu["options"] if o["label"] == "Bo")
        await fake.choose(PLAYERS[0], round_message, "🫂 Hold with…", [bo])
        resolved = await fake.click(PLAYERS[1], round_message, "Anchor")
        assert "Ada and Bo hold while the dream hums." in resolved.text
    finally:
        await stop_bot(running)
    fake.assert_clean()
