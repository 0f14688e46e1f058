"""Database trouble: a locked database and a full disk give a clear private error, the bot keeps
running, and the database is consistent afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.content import Content
from bot.services import SimClock
from fakecord import DEADLINE, FakeDiscord, Fault, Sent, describe
from pgtemp import Server
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, checks, query, start_bot, stop_bot
from tests.e2e.test_ritual import FRIDAY_NOON, texts
from tests.e2e.test_session import confess, join_new


async def begin(running: Running) -> int:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:2], ["skeptic", "artist"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    return fake.latest("Anchor")


async def consistent(running: Running) -> None:
    """The engine's own checks pass, seen from outside the bot."""
    assert await checks(running.bot.settings.store) == ("ok", [])


@contextlib.asynccontextmanager
async def another_writer(running: Running) -> AsyncIterator[None]:
    """Another program holds the database's write lock (SQLite) or locks the tables every move
    reads (PostgreSQL) until the block ends."""
    url = running.bot.settings.database_url
    if url is None:
        path = running.bot.settings.database_path
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
        try:
            yield
        finally:
            await asyncio.to_thread(other.close)
        return
    holder = await asyncpg.connect(url.get_secret_value())
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE campaigns, sessions IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await holder.close()


async def test_a_locked_database_gets_a_clear_answer_in_time_and_loses_nothing(
    running: Running,
) -> None:
    fake = running.fake
    round_message = await begin(running)
    async with another_writer(running):
        busy = await fake.click(PLAYERS[0], round_message, "Anchor")
    assert busy.ephemeral
    assert "busy right now, so nothing was changed" in busy.text
    assert busy.latency is not None
    assert busy.latency < DEADLINE
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert "Ada ✅" not in status.text  # the refused move really was not applied
    retried = await fake.click(PLAYERS[0], round_message, "Anchor")
    assert "busy" not in retried.text
    assert "Ada ✅" in (await fake.slash(PLAYERS[0], "dream", "status")).text
    await consistent(running)


async def test_a_move_queued_behind_the_writer_is_acknowledged_in_time_then_answered(
    running: Running,
) -> None:
    """Under a burst, moves wait their turn for the one writer. One still waiting as Discord's
    3 seconds run out is acknowledged first, then its answer edits the round message."""
    fake = running.fake
    round_message = await begin(running)
    lock = running.bot.service.store.write_lock
    await lock.acquire()  # a long queue of moves ahead of this one
    try:
        pressed = await fake.send_component(
            PLAYERS[0],
            round_message,
            {"custom_id": fake.find(round_message, "Anchor")["custom_id"], "component_type": 2},
        )
        await asyncio.wait_for(pressed.done.wait(), DEADLINE)
        assert pressed.response == {"type": 6}  # "updating this message", within the window
        await asyncio.sleep(1.0)
    finally:
        lock.release()
    # The answer comes after the queue moves: a commit (an fsync) later, which a loaded machine
    # can stretch past settle()'s quiet spell.
    await fake._until(lambda: pressed.followed_at is not None, 5)
    await fake.settle()
    assert pressed.latency is not None
    assert pressed.latency < DEADLINE
    assert "✅ Ada" in describe(fake.messages[round_message])
    assert len(pressed.responses) == 1
    quick = await fake.click(PLAYERS[1], round_message, "Anchor")
    assert quick.response["type"] == 7  # with no queue, the answer is the response itself
    await consistent(running)


async def test_a_press_while_the_event_loop_runs_late_is_acknowledged_first(
    running: Running,
) -> None:
    """A burst shows first as an event loop running late, before any queue for the writer:
    a press then is acknowledged at once, and answered when its move is done."""
    fake = running.fake
    round_message = await begin(running)

    async def burst() -> None:  # other work hogging the loop, as a thousand presses would
        while True:
            time.sleep(0.1)  # noqa: ASYNC251 (blocking the loop is the point)
            await asyncio.sleep(0.005)

    hog = asyncio.create_task(burst())
    try:
        await asyncio.sleep(0.6)  # long enough to be a burst, not one slow step
        custom_id = fake.find(round_message, "Anchor")["custom_id"]
        pressed = await fake.send_component(
            PLAYERS[0], round_message, {"custom_id": custom_id, "component_type": 2}
        )
        await asyncio.wait_for(pressed.done.wait(), DEADLINE)
    finally:
        hog.cancel()
    assert pressed.response == {"type": 6}
    # Its move and answer follow once the loop keeps time again.
    await fake._until(lambda: pressed.followed_at is not None, 10)
    await fake.settle()
    assert "✅ Ada" in describe(fake.messages[round_message])
    await consistent(running)


@pytest.mark.sqlite_only  # SQLite's page limit stands in for a full disk
async def test_a_full_disk_gets_a_clear_answer_and_the_game_goes_on(running: Running) -> None:
    fake = running.fake
    round_message = await begin(running)
    connection = running.bot.service.store.connection
    async with connection.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await connection.execute(f"PRAGMA max_page_count = {row[0]}")  # not one page more
    pack = {"prompts": [{"category": "hope", "text": f"Hope {n} " + "x" * 250} for n in range(200)]}
    full = await fake.slash(
        ADMIN,
        "bedtime",
        "prompts",
        "import",
        file=fake.attachment("pack.json", json.dumps(pack).encode()),
    )
    said = fake.everything_said(full)
    assert "its disk is full. Nothing was changed" in said
    await connection.execute("PRAGMA max_page_count = 1073741823")
    listed = await fake.slash(ADMIN, "bedtime", "prompts", "list")
    assert "(0 of 500)" in listed.text  # all or nothing, even when the disk fills mid-way
    acted = await fake.click(PLAYERS[0], round_message, "Anchor")
    assert "disk" not in acted.text
    await consistent(running)


async def test_rate_limits_and_server_errors_are_waited_out_and_nothing_happens_twice(
    running: Running,
) -> None:
    """A self-running session while Discord enforces per-channel limits (with the headers that
    let a client pace itself) and answers some requests 429 or 500 before doing anything."""
    fake, clock = running.fake, running.clock
    clock.now = FRIDAY_NOON
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(
        ADMIN,
        "bedtime",
        "schedule",
        week="first",
        weekday="saturday",
        time="21:00",
        timezone="Europe/Berlin",
    )
    fake.channel_limit = (2, 1.0)
    fake.faults = [
        Fault("POST", f"/channels/{running.channel}/messages", 500),
        Fault("POST", "/callback", 429, retry_after=0.3),
        Fault("POST", "/callback", 500, skip=3),  # not the same interaction: 3 s would pass
        Fault("PATCH", f"/channels/{running.channel}/messages/", 500),
    ]
    clock.now = datetime(2026, 3, 7, 20, 0, 1, tzinfo=UTC)
    await running.tick()
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)
    confessed = False
    for _ in range(60):
        if "See you next Bedtime" in texts(running):
            break
        if not confessed and "The Mesh has fractured" in texts(running):
            await confess(fake, PLAYERS[0], "A truth told through a stormy line", share=True)
            confessed = True
        clock.advance(minutes=16)
        await running.tick()
    await running.tick()  # the reveal is edited after dawn

    assert [f.times for f in fake.faults] == [0, 0, 0, 0]  # every fault was met, and survived
    assert fake.rate_limited == []  # the bot paced itself from the headers
    everything = texts(running)
    assert everything.count("See you next Bedtime") == 1
    assert everything.count("Bedtime is here") == 1
    for number in range(1, 7):
        assert everything.count(f"Round {number}: what happened") <= 1
    assert "A truth told through a stormy line" not in everything  # edited away at dawn


async def test_the_gateway_drops_and_resumes_then_re_identifies_and_nothing_is_doubled(
    running: Running,
) -> None:
    fake = running.fake
    round_message = await begin(running)
    first = await fake.click(PLAYERS[0], round_message, "Anchor")
    assert first.response["type"] == 7  # acknowledged: the round message was redrawn

    pressed: list[Sent] = []

    async def press_while_away() -> None:
        data = {"custom_id": fake.find(round_message, "Dive")["custom_id"], "component_type": 2}
        pressed.append(await fake.send_component(PLAYERS[1], round_message, data))

    await fake.drop_gateway(meanwhile=press_while_away)
    assert len(fake.resumes) == 1
    assert fake.resumes[0]["session_id"] == fake._current[0].id  # the session READY named
    resolved = pressed[0]
    await asyncio.wait_for(resolved.done.wait(), DEADLINE)  # replayed on RESUME, answered
    await fake.settle()
    assert "Round 1: what happened" in fake.everything_said(resolved)

    await fake.invalidate_session()
    assert len(fake.identifies) == 2
    second_round = fake.latest("Anchor")
    again = await fake.click(PLAYERS[0], second_round, "Explore")
    assert again.response["type"] == 7
    stale = await fake.click(PLAYERS[0], round_message, "Anchor")
    assert stale.ephemeral  # the first round's button cannot act twice
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert "Round: 2 of 6" in status.text
    assert "Ada ✅, Bo" in status.text
    await consistent(running)


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def rescued(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.rescued-*"))


@pytest.mark.sqlite_only  # a file deleted or replaced; a server has no such file
async def test_a_database_deleted_under_the_bot_stops_moves_and_loses_nothing(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    round_message = await begin(running)
    await fake.click(PLAYERS[0], round_message, "Anchor")  # committed before the file goes
    database = running.bot.settings.database_path
    await asyncio.to_thread(remove_database, database)

    refused = await fake.click(PLAYERS[1], round_message, "Dive")
    assert refused.ephemeral
    assert "database file has gone missing" in refused.text
    again = await fake.slash(ADMIN, "bedtime", "end")
    assert "database file has gone missing" in again.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # said once, plainly, with where the rescue went
    assert "was deleted or replaced" in errors[0].getMessage()

    copies = await asyncio.to_thread(rescued, database)
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as saved:
        session = json.loads(saved.execute("SELECT state FROM sessions").fetchone()[0])
    assert len(session["choices"]) == 1  # the anchor committed before the deletion is kept
    assert not await asyncio.to_thread(database.exists)  # nothing wrote a new file there


@pytest.mark.sqlite_only  # a file deleted or replaced; a server has no such file
async def test_a_database_replaced_under_the_bot_is_noticed_at_the_next_tick(
    running: Running, tmp_path: Path
) -> None:
    await begin(running)
    database = running.bot.settings.database_path
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as fresh:
        fresh.execute("CREATE TABLE unrelated (x)")
    await asyncio.to_thread(remove_database, database)  # a restore copies in a lone file
    await asyncio.to_thread(other.replace, database)
    await running.tick()
    assert not await running.bot.service.healthy()
    refused = await running.fake.slash(ADMIN, "bedtime", "glitch")
    assert "database file has gone missing" in refused.text
    with sqlite3.connect(database) as replaced:  # the file put there is left as it was
        tables = [r[0] for r in replaced.execute("SELECT name FROM sqlite_master")]
    assert tables == ["unrelated"]


async def test_a_postgresql_server_that_stops_answering_gets_a_clear_answer_in_time(
    fake: FakeDiscord, postgres_server: Server, content: Content
) -> None:
    """The bot's server processes freeze (as a stalled host or a full network would leave
    them): a move gives up in time with a private answer, and once the server answers again
    the same press is made once."""
    url = await postgres_server.fresh()
    running = await start_bot(fake, url, content, SimClock(NIGHT))
    frozen: list[int] = []
    try:
        round_message = await begin(running)
        rows = await query(
            url,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name LIKE ?",
            f"bedtime pid {os.getpid()} %",
        )
        frozen = [row[0] for row in rows]
        assert frozen  # the bot's own connections, found by the name it gives them
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        stalled = await fake.click(PLAYERS[0], round_message, "Anchor")
        # Acknowledged in time; the answer follows when the query gives up.
        refusal = "can't reach its database right now, so nothing was changed"
        await fake._until(lambda: refusal in fake.everything_said(stalled), 10)
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        frozen = []
        assert fake.everything_said(stalled).count(refusal) == 1
        assert stalled.latency is not None
        assert stalled.latency < DEADLINE
        status = await fake.slash(PLAYERS[0], "dream", "status")
        assert "Ada ✅" not in status.text
        retried = await fake.click(PLAYERS[0], round_message, "Anchor")
        assert "database" not in fake.everything_said(retried)
        assert "Ada ✅" in (await fake.slash(PLAYERS[0], "dream", "status")).text
        await consistent(running)
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        await stop_bot(running)
        await postgres_server.drop(url)
