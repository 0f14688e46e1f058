"""`python -m bot` as a real process against the fake: sync, run, and a clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.store import Database, Outbox, SqliteSql
from fakecord import GUILD_ID, FakeDiscord

# The command surface of DESIGN.md that exists so far: (option, type, required).
STRING, INTEGER, USER, CHANNEL, ATTACHMENT = 3, 4, 6, 7, 11
CONTRACT: dict[str, dict[str, list[tuple[str, int, bool]]]] = {
    "dream": {
        "help": [],
        "join": [("archetype", STRING, False), ("name", STRING, False)],
        "leave": [],
        "status": [],
        "sheet": [("player", USER, False)],
        "rest": [],
        "chronicle": [("session", INTEGER, False)],
        "boundaries": [],
        "mydata": [],
        "forget-me": [],
    },
    "bedtime": {
        "setup": [("channel", CHANNEL, True), ("timezone", STRING, False)],
        "schedule": [
            ("week", STRING, True),
            ("weekday", STRING, True),
            ("time", STRING, True),
            ("timezone", STRING, False),
        ],
        "skip": [],
        "open": [],
        "start": [],
        "glitch": [],
        "reset": [],
        "end": [],
        "kick": [("member", USER, True)],
        "config": [("setting", STRING, False), ("value", STRING, False)],
        "prompts add": [
            ("category", STRING, True),
            ("text", STRING, True),
            ("rating", STRING, False),
            ("topics", STRING, False),
        ],
        "prompts remove": [("prompt", STRING, True)],
        "prompts list": [],
        "prompts import": [("file", ATTACHMENT, True)],
        "forget": [("user", USER, True)],
        "teardown": [],
    },
}


async def run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def shape(commands: list[dict[str, Any]]) -> dict[str, dict[str, list[tuple[str, int, bool]]]]:
    """Each command's subcommands ("prompts add" inside a group) and their options."""
    return {group["name"]: dict(_leaves(group["options"], "")) for group in commands}


def _leaves(
    options: list[dict[str, Any]], prefix: str
) -> list[tuple[str, list[tuple[str, int, bool]]]]:
    return [
        (path, [(o["name"], o["type"], bool(o.get("required"))) for o in leaf])
        for path, leaf in _walk(options, prefix)
    ]


def _walk(options: list[dict[str, Any]], prefix: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(subcommand path, its options), looking inside subcommand groups (type 2)."""
    out = []
    for sub in options:
        name = f"{prefix}{sub['name']}"
        if sub["type"] == 2:
            out += _walk(sub["options"], f"{name} ")
        else:
            out.append((name, sub.get("options") or []))
    return out


async def test_sync_registers_exactly_the_designed_commands(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    code, out, err = await run("sync", env=fake.environment(tmp_path / "db.db"), cwd=tmp_path)
    assert code == 0, err
    assert "Synced 2 commands to the development guild" in out
    commands = fake.commands[str(GUILD_ID)]
    assert shape(commands) == CONTRACT
    bedtime = next(c for c in commands if c["name"] == "bedtime")
    assert int(bedtime["default_member_permissions"]) == 1 << 5  # Manage Server
    assert all(c.get("contexts") == [0] for c in commands)  # guild-only
    schedule = next(o for o in bedtime["options"] if o["name"] == "schedule")
    choices = {o["name"]: [c["value"] for c in o.get("choices") or []] for o in schedule["options"]}
    assert choices["week"] == ["first", "second", "third", "fourth", "last"]
    assert choices["weekday"] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    autocompleted = {
        f"{c['name']} {path} {o['name']}"
        for c in commands
        for path, options in _walk(c["options"], "")
        for o in options
        if o.get("autocomplete")
    }
    assert autocompleted == {
        "dream join archetype",
        "bedtime setup timezone",
        "bedtime schedule timezone",
        "bedtime config setting",
        "bedtime prompts add topics",
        "bedtime prompts remove prompt",
    }
    assert not fake.violations


async def test_the_bot_runs_and_stops_cleanly_on_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    db = tmp_path / "db.db"
    env = fake.environment(db, LOG_LEVEL="DEBUG")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await fake.wait_ready(within=30)
    await asyncio.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    logs = err.decode()
    assert process.returncode == 0, logs
    assert "Shutting down" in logs
    assert "fake-token" not in logs
    assert "DEBUG    discord" not in logs  # discord.py never logs bodies
    wal_left = await asyncio.to_thread(os.path.exists, f"{db}-wal")
    assert not wal_left  # the database was closed, not abandoned


async def test_a_second_bot_on_the_same_database_refuses_to_run(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "db.db"
    env = fake.environment(db)
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_ready(within=30)
        identified = len(fake.identifies)
        code, _, err = await run("run", env=env, cwd=tmp_path)
        assert code == 2
        assert "Another Bedtime is already running" in err
        assert f"pid {first.pid}" in err
        # The same file by another name: a symlink, or another spelling of its path.
        (tmp_path / "sub").mkdir()
        (tmp_path / "alias.db").symlink_to(db)
        for other in (tmp_path / "alias.db", tmp_path / "sub" / ".." / "db.db"):
            code, _, err = await run("run", env=fake.environment(other), cwd=tmp_path)
            assert code == 2, err
            assert "Another Bedtime is already running" in err
        assert len(fake.identifies) == identified  # none of them connected to the gateway
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.communicate(), 30)
    assert first.returncode == 0
    code, _, err = await run("sync", env=env, cwd=tmp_path)  # sync needs no lock
    assert code == 0, err


async def test_sync_leaves_a_running_bots_owed_posts_alone(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "db.db"
    database = await Database.open(db)
    try:
        async with database.transaction() as connection:
            campaign = "c" * 16
            await connection.execute(
                "INSERT INTO campaigns (id, guild_id, channel_id, state) VALUES (?, 1, 2, '{}')",
                (campaign,),
            )
            owed = Outbox(SqliteSql(connection))
            now = datetime.now(UTC)
            await owed.add(campaign, 1, None, "[]", now, ("i:123", "another", now))
    finally:
        await database.close()
    code, _, err = await run("sync", env=fake.environment(db), cwd=tmp_path)
    assert code == 0, err
    with sqlite3.connect(db) as after:
        held = after.execute("SELECT held_by FROM outbox").fetchall()
    assert held == [("i:123",)]  # still the running bot's to send


async def test_with_no_session_starts_left_the_bot_waits_instead_of_identifying(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """One IDENTIFY over Discord's daily allowance resets the bot's token."""
    fake.session_starts_left = 0
    log = tmp_path / "bot.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=fake.environment(tmp_path / "db.db"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    try:
        await fake._until(lambda: "no more gateway sessions" in log.read_text(), 30)
        await asyncio.sleep(1.0)
        assert fake.identifies == []
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0  # it stops cleanly while waiting
    assert fake.violations == []
