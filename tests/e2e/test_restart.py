"""Controls outlive the process: buttons and a half-typed confession survive a restart."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from bot.content import Content
from bot.services import SimClock
from bot.store.postgres import program
from fakecord import GUILD_ID, FakeDiscord, Fault
from pgtemp import Server, keys_for
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, environment, start_bot, stop_bot
from tests.e2e.test_faults import begin
from tests.e2e.test_session import join_new

ROOT = Path(__file__).resolve().parents[2]


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


async def test_a_backup_taken_mid_session_finishes_that_session(
    fake: FakeDiscord,
    tmp_path: Path,
    content: Content,
    target: Path | str,
    request: pytest.FixtureRequest,
) -> None:
    """`python -m bot backup` beside the running bot: a copy of the SQLite file, or pg_dump's
    archive that pg_restore loads into an empty PostgreSQL database."""
    db, copy = target, tmp_path / "saved" / "backup.db"
    clock = SimClock(NIGHT)
    first = await start_bot(fake, db, content, clock)
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(first.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    round_message = fake.latest("Anchor")
    await fake.click(PLAYERS[0], round_message, "Anchor")

    env = {k: v for k, v in environment(fake, db).items() if k != "DISCORD_TOKEN"}
    backup = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(copy),
        env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(backup.communicate(), 60)
    assert backup.returncode == 0, err.decode()
    assert "Backed up" in out.decode()
    again = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(copy),
        env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(again.communicate(), 60)
    assert again.returncode == 2
    assert "already exists" in err.decode()

    await fake.click(PLAYERS[1], round_message, "Dive")  # after the backup: lost with the disk
    await stop_bot(first)
    put_back = await restore(copy, target, request)
    restored = await start_bot(fake, put_back, content, clock)
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert "Round: 1 of 6" in status.text
    assert "Ada ✅, Bo, Cy" in status.text  # Ada's move is in the backup; Bo's came after it
    for user in PLAYERS[1:3]:
        acted = await fake.click(user, round_message, "Explore")
        assert not acted.ephemeral or "Done" in acted.text
    ended = await fake.slash(ADMIN, "bedtime", "end")
    assert "Dawn" in fake.everything_said(ended)
    await stop_bot(restored)
    if isinstance(put_back, str):
        await request.getfixturevalue("postgres_server").drop(put_back)
    fake.assert_clean()


async def restore(copy: Path, target: Path | str, request: pytest.FixtureRequest) -> Path | str:
    """Where the backup is put back: the copied file itself, or an empty PostgreSQL database
    that pg_restore fills (as the README tells an admin to)."""
    if isinstance(target, Path):
        return copy
    server: Server = request.getfixturevalue("postgres_server")
    url = await server.fresh(migrated=False)
    pg_restore = program("pg_restore")
    assert pg_restore is not None
    done = await asyncio.create_subprocess_exec(
        str(pg_restore), "--no-owner", f"--dbname={url}", str(copy),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(done.communicate(), 60)
    assert done.returncode == 0, err.decode()
    shutil.copyfile(copy.with_name(copy.name + ".keys"), keys_for(url))  # its key file too
    return url


async def test_what_a_move_owed_the_circle_is_posted_after_a_crash_before_its_answer(
    fake: FakeDiscord, tmp_path: Path, content: Content
) -> None:
    """The process commits the round's last move, then dies before answering the press: at
    the next start the round's result and the next round reach the channel all the same."""
    db = tmp_path / "bot.db"
    clock = SimClock(NIGHT)
    first = await start_bot(fake, db, content, clock)
    round_message = await _one_press_from_the_round_s_end(first)
    service = first.bot.service
    campaign = await service.campaign(GUILD_ID, first.channel)
    assert campaign is not None
    # The press's move, as its handler makes it; the process stops before any answer.
    await service.act(campaign, PLAYERS[1].id, "anchor", None, "i:123", round_number=1)
    await stop_bot(first)
    assert not _channel_posts(fake)

    second = await start_bot(fake, db, content, clock)
    await second.tick()
    posted = _channel_posts(fake)
    assert "Round 1: what happened" in posted
    assert "round 2 of" in posted
    await second.tick()
    assert _channel_posts(fake) == posted  # once
    fresh = fake.latest("Anchor")
    assert fresh != round_message
    acted = await fake.click(PLAYERS[0], fresh, "Dive")  # the new round's buttons work
    assert not acted.ephemeral
    await stop_bot(second)
    fake.assert_clean()


async def test_a_failed_answer_leaves_the_circle_s_posts_to_the_scheduler(
    fake: FakeDiscord, tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "bot.db"
    running = await start_bot(fake, db, content, SimClock(NIGHT))
    round_message = await _one_press_from_the_round_s_end(running)
    fake.faults.append(Fault("POST", "/callback", 404, times=2))  # the answer, and the apology
    last = await fake.send_component(
        PLAYERS[1],
        round_message,
        {"custom_id": fake.find(round_message, "Anchor")["custom_id"], "component_type": 2},
    )
    await fake.settle(quiet=0.3)
    assert not last.responses  # Discord never took the answer
    fake.faults.clear()
    await running.tick()
    assert "Round 1: what happened" in _channel_posts(fake)
    await running.tick()
    assert _channel_posts(fake).count("Round 1: what happened") == 1
    await stop_bot(running)


async def _one_press_from_the_round_s_end(running: Running) -> int:
    """Two dreamers in round 1, one of whom has acted: the next press resolves the round."""
    round_message = await begin(running)
    await running.fake.click(PLAYERS[0], round_message, "Anchor")
    return round_message


def _channel_posts(fake: FakeDiscord) -> str:
    """What the bot posted to channels itself (not as answers to interactions)."""
    return "\n".join(
        str(body)
        for method, path, body in fake.requests
        if method == "POST" and path.startswith("/channels/")
    )
