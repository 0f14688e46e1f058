"""The database: a real WAL file, with foreign keys, migrations and all-or-nothing writes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Character
from bot.store import SCHEMA_VERSION, Database, StoreError
from bot.store.database import _statements, migrations

# SQLite's own file, pragmas and migrations; PostgreSQL's are in test_postgres.py.
pytestmark = pytest.mark.sqlite_only


async def pragma(database: Database, name: str) -> object:
    async with database.connection.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def test_the_database_is_a_wal_file_with_foreign_keys(
    database: Database, db_path: Path
) -> None:
    assert database.path == db_path
    assert await pragma(database, "journal_mode") == "wal"
    assert await pragma(database, "foreign_keys") == 1
    assert await pragma(database, "secure_delete") == 1


async def test_migrations_bring_a_new_file_to_the_current_schema(database: Database) -> None:
    assert await database.version() == SCHEMA_VERSION
    async with database.connection.execute(
        "SELECT name FROM sqlite_master WHERE type='table'"
    ) as c:
        tables = {row[0] for row in await c.fetchall()}
    assert {"campaigns", "players", "characters", "sessions", "confessions", "moves"} <= tables


async def test_reopening_migrates_nothing_twice(db_path: Path) -> None:
    first = await Database.open(db_path)
    await first.close()
    second = await Database.open(db_path)
    assert await second.version() == SCHEMA_VERSION
    await second.close()


async def test_a_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer Bedtime"):
        await Database.open(db_path)


async def test_a_scrub_never_takes_the_write_lock_and_retries_until_the_reader_lets_go(
    tmp_path: Path,
) -> None:
    database = await Database.open(tmp_path / "scrub.db")
    try:
        async with database.transaction() as connection:
            await connection.execute("CREATE TABLE notes (text TEXT)")
            await connection.execute("INSERT INTO notes VALUES ('FORGET-ME-TEXT')")
        reader = sqlite3.connect(tmp_path / "scrub.db", isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM notes").fetchall()
        async with database.transaction() as connection:
            await connection.execute("DELETE FROM notes")
        async with database.write_lock:  # a move is being written: the scrub must not wait
            assert not await asyncio.wait_for(database.scrub(), 5)
        assert b"FORGET-ME-TEXT" in (tmp_path / "scrub.db-wal").read_bytes()
        reader.execute("COMMIT")
        reader.close()
        assert await database.scrub_pending()
        for name in ("scrub.db", "scrub.db-wal", "scrub.db-shm"):
            path = tmp_path / name
            assert not path.exists() or b"FORGET-ME-TEXT" not in path.read_bytes()
    finally:
        await database.close()


def _schema(path: Path, upto: int) -> sqlite3.Connection:
    """A database as an older Bedtime left it: migrated up to `upto` only."""
    raw = sqlite3.connect(path, isolation_level=None)
    for version, name, sql in migrations("sqlite")[:upto]:
        assert name.endswith(".sql")
        for statement in _statements(sql):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {version}")
    return raw


async def test_names_that_differ_only_by_width_or_form_are_made_unique_by_the_migration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    raw = _schema(path, 5)
    raw.execute("INSERT INTO campaigns (id, guild_id, channel_id, state) VALUES ('c', 1, 2, '{}')")
    raw.execute("INSERT INTO players (id, user_id) VALUES ('p1', 1), ('p2', 2), ('p3', 3)")
    made = datetime(2026, 1, 1, tzinfo=UTC)
    names = [("a", "p1", "Ada"), ("b", "p2", "ＡＤＡ"), ("c", "p3", "ｃｙ")]  # full-width forms
    for character_id, player_id, name in names:
        character = Character(
            id=character_id,
            campaign_id="c",
            player_id=player_id,
            name=name,
            archetype="skeptic",
            lucidity=5,
            created_at=made,
        )
        raw.execute(
            "INSERT INTO characters (id, campaign_id, player_id, name_key, state) "
            "VALUES (?, 'c', ?, ?, ?)",
            (character_id, player_id, name.casefold(), character.model_dump_json()),
        )
    raw.close()

    database = await Database.open(path)
    try:
        rows = await database.connection.execute_fetchall(
            "SELECT id, name_key, state FROM characters ORDER BY rowid"
        )
    finally:
        await database.close()
    shown = {row[0]: Character.model_validate_json(row[2]).name for row in rows}
    assert shown == {"a": "Ada", "b": "ＡＤＡ 2", "c": "ｃｙ"}  # the older one keeps the name
    assert [row[1] for row in rows] == ["ada", "ada 2", "cy"]


async def test_a_circle_and_a_player_s_characters_are_found_by_index(tmp_path: Path) -> None:
    """Loading a circle (every move) and a player's characters (rest, forget-me) never scans
    the whole characters table."""
    database = await Database.open(tmp_path / "plans.db")
    try:
        for sql in (
            "SELECT state FROM characters WHERE campaign_id = ?",
            "SELECT state FROM characters WHERE player_id = ? ORDER BY rowid",
        ):
            async with database.connection.execute(f"EXPLAIN QUERY PLAN {sql}", ("x",)) as cursor:
                plan = " ".join(str(row[-1]) for row in await cursor.fetchall())
            assert "USING INDEX" in plan, plan
            assert "SCAN characters" not in plan, plan
    finally:
        await database.close()
