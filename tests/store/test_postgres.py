"""PostgreSQL's own side of the store: the same schema as SQLite's, migrations under a lock
with the version in a table, and one bot per database."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.content import Content
from bot.services import Bedtime, SimClock
from bot.store import SCHEMA_VERSION, Database, StoreError
from bot.store.keys import KeyFile
from bot.store.postgres import PostgresDatabase
from bot.store.seal import PREFIX
from pgtemp import Server, keys_for

# SQLite keeps a hidden rowid that campaigns and characters are listed by; PostgreSQL has it
# as a column of its own (see migrations/postgres/0001_initial.sql).
ROWID = {("campaigns", "rowid"), ("characters", "rowid")}

Schema = dict[str, dict[str, Any]]
NOW = datetime(2026, 12, 4, tzinfo=UTC)


def described(
    columns: dict[str, tuple[str, bool]],
    primary: tuple[str, ...],
    keys: set[tuple[str, str, str, str]],
    uniques: set[tuple[str, ...]],
    indexes: dict[str, tuple[tuple[str, ...], bool, bool]],
) -> dict[str, Any]:
    """One table as both engines are compared: the same shape from either's catalogue."""
    return {
        "columns": columns,
        "primary": primary,
        "foreign": keys,
        "unique": uniques,
        "indexes": indexes,
    }


def _kind(declared: str) -> str:
    declared = declared.lower()
    return "integer" if "int" in declared else declared


def sqlite_schema(path: Path) -> Schema:
    raw = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in raw.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        schema: Schema = {}
        for table in tables:
            info = raw.execute(f"PRAGMA table_info({table})").fetchall()
            primary = tuple(row[1] for row in sorted(info, key=lambda r: r[5]) if row[5])
            columns = {row[1]: (_kind(row[2]), bool(row[3]) or row[1] in primary) for row in info}
            keys = {
                (row[3], row[2], row[4], row[6].upper())
                for row in raw.execute(f"PRAGMA foreign_key_list({table})")
            }
            uniques, indexes = set(), {}
            for _, name, unique, origin, partial in raw.execute(f"PRAGMA index_list({table})"):
                cols = tuple(row[2] for row in raw.execute(f"PRAGMA index_info({name})"))
                if origin == "u":
                    uniques.add(cols)
                elif origin == "c":
                    indexes[name] = (cols, bool(unique), bool(partial))
            schema[table] = described(columns, primary, keys, uniques, indexes)
        return schema
    finally:
        raw.close()


async def postgres_schema(url: str) -> Schema:
    raw = await asyncpg.connect(url)
    try:
        schema: Schema = {}
        tables = await raw.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name <> 'schema_version'"
        )
        for (table,) in tables:
            rows = await raw.fetch(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = $1",
                table,
            )
            columns = {
                name: (_kind(kind), nullable == "NO")
                for name, kind, nullable in rows
                if (table, name) not in ROWID
            }
            constraints = await raw.fetch(
                """
                SELECT con.contype::text, con.confdeltype::text,
                       ARRAY(SELECT att.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(n, i)
                             JOIN pg_attribute att ON att.attrelid = con.conrelid
                              AND att.attnum = k.n ORDER BY k.i),
                       ref.relname,
                       ARRAY(SELECT att.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(n, i)
                             JOIN pg_attribute att ON att.attrelid = con.confrelid
                              AND att.attnum = k.n ORDER BY k.i)
                FROM pg_constraint con LEFT JOIN pg_class ref ON ref.oid = con.confrelid
                WHERE con.conrelid = $1::regclass
                """,
                table,
            )
            actions = {"c": "CASCADE", "a": "NO ACTION", "r": "RESTRICT", "n": "SET NULL"}
            primary: tuple[str, ...] = ()
            keys, uniques = set(), set()
            backing = set()
            for kind, on_delete, cols, ref, ref_cols in constraints:
                if kind == "p":
                    primary = tuple(cols)
                elif kind == "u":
                    uniques.add(tuple(cols))
                elif kind == "f":
                    for col, ref_col in zip(cols, ref_cols, strict=True):
                        keys.add((col, ref, ref_col, actions[on_delete]))
            backing = {
                row[0]
                for row in await raw.fetch(
                    "SELECT conindid::regclass::text FROM pg_constraint "
                    "WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
                    table,
                )
            }
            indexes = {}
            for name, unique, partial, cols in await raw.fetch(
                """
                SELECT cls.relname, ix.indisunique, ix.indpred IS NOT NULL,
                       ARRAY(SELECT att.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(n, i)
                             JOIN pg_attribute att ON att.attrelid = ix.indrelid
                              AND att.attnum = k.n ORDER BY k.i)
                FROM pg_index ix JOIN pg_class cls ON cls.oid = ix.indexrelid
                WHERE ix.indrelid = $1::regclass
                """,
                table,
            ):
                if name not in backing:
                    indexes[name] = (tuple(cols), unique, partial)
            schema[table] = described(columns, primary, keys, uniques, indexes)
        return schema
    finally:
        await raw.close()


async def test_both_engines_reach_the_same_schema(tmp_path: Path, postgres_server: Server) -> None:
    lite = await Database.open(tmp_path / "schema.db")
    await lite.close()
    url = await postgres_server.fresh()
    try:
        expected = sqlite_schema(tmp_path / "schema.db")
        found = await postgres_schema(url)
    finally:
        await postgres_server.drop(url)
    assert sorted(found) == sorted(expected)
    for table in expected:
        assert found[table] == expected[table], table
    # The comparison can see a difference: a column SQLite has and PostgreSQL lacks.
    assert found["players"]["columns"] != {**expected["players"]["columns"], "extra": ("text", 0)}


async def test_a_fresh_database_is_migrated_once_and_keeps_its_version_in_a_table(
    postgres_server: Server,
) -> None:
    url = await postgres_server.fresh(migrated=False)
    try:
        first, second = await asyncio.gather(
            PostgresDatabase.open(url, keys_for(url), exclusive=False),
            PostgresDatabase.open(url, keys_for(url), exclusive=False),
        )  # two processes starting together: the migration lock lets one migrate
        await first.close()
        await second.close()
        again = await PostgresDatabase.open(url, keys_for(url), exclusive=False)
        assert await again.version() == SCHEMA_VERSION
        rows = await again.read.sql.fetch("SELECT version FROM schema_version ORDER BY version")
        assert [row[0] for row in rows] == list(range(1, SCHEMA_VERSION + 1))
        await again.close()
    finally:
        await postgres_server.drop(url)


async def test_a_database_from_a_newer_bedtime_is_refused(postgres_server: Server) -> None:
    url = await postgres_server.fresh()
    try:
        raw = await asyncpg.connect(url)
        await raw.execute("INSERT INTO schema_version (version) VALUES ($1)", SCHEMA_VERSION + 1)
        await raw.close()
        with pytest.raises(StoreError, match="newer Bedtime"):
            await PostgresDatabase.open(url, keys_for(url))
    finally:
        await postgres_server.drop(url)


async def test_a_second_bot_on_the_same_database_is_refused_and_told_who_holds_it(
    postgres_server: Server,
) -> None:
    url = await postgres_server.fresh()
    try:
        running = await PostgresDatabase.open(url, keys_for(url))
        try:
            with pytest.raises(StoreError, match="already running") as refused:
                await PostgresDatabase.open(url, keys_for(url))
            said = str(refused.value)
            assert f"bedtime pid {os.getpid()} on {socket.gethostname()}"[:40] in said
            assert "127.0.0.1" in said
        finally:
            await running.close()
        after = await PostgresDatabase.open(
            url, keys_for(url)
        )  # the lock went with the bot that held it
        await after.close()
    finally:
        await postgres_server.drop(url)


async def test_sealed_text_opens_with_its_key_file_and_a_wrong_key_file_is_refused(
    postgres_server: Server, tmp_path: Path
) -> None:
    url = await postgres_server.fresh()
    try:
        database = await PostgresDatabase.open(url, keys_for(url))
        async with database.work() as unit:
            await unit.sql.execute(
                "INSERT INTO campaigns (id, guild_id, channel_id, state) VALUES ('c', 1, 2, '{}')"
            )
            await unit.outbox.add("c", 1, None, '["a secret card"]', NOW, secret=True)
        stored = await database.read.sql.first("SELECT events FROM outbox")
        assert stored is not None
        assert "a secret card" not in stored[0]  # PostgreSQL holds only the sealed form
        assert [row[3] for row in await database.read.outbox.pending()] == ['["a secret card"]']
        await database.close()
        with pytest.raises(StoreError, match="CONFESSION_KEYS_PATH"):
            await PostgresDatabase.open(url, tmp_path / "another-keys.db")
        again = await PostgresDatabase.open(url, keys_for(url))
        assert [row[3] for row in await again.read.outbox.pending()] == ['["a secret card"]']
        await again.close()
    finally:
        await postgres_server.drop(url)


async def test_a_change_across_campaigns_waits_for_a_move_holding_one_of_them(
    postgres_server: Server, content: Content
) -> None:
    """Two processes on one database (as shards will be): a player's rest, which touches
    every campaign they play in, locks those campaigns' rows in id order, so it waits for a
    move under way in one of them instead of writing over it."""
    url = await postgres_server.fresh()
    first = await PostgresDatabase.open(url, keys_for(url), exclusive=False)
    second = await PostgresDatabase.open(url, keys_for(url), exclusive=False)
    try:
        one = Bedtime(first, content, SimClock(NOW), random.Random(1))
        other = Bedtime(second, content, SimClock(NOW), random.Random(2))
        campaign = await one.setup(1, 10)
        await one.open(campaign)
        await one.join(campaign, 1001, archetype="artist", name="Wren")
        order: list[str] = []
        holding = asyncio.Event()

        async def a_move_in_progress() -> None:
            async with first.work() as unit:
                await unit.fresh(campaign)  # every change to a campaign begins here
                holding.set()
                await asyncio.sleep(0.5)
                order.append("move committed")

        async def rest() -> None:
            await holding.wait()
            await other.rest(1001)
            order.append("rest done")

        await asyncio.gather(a_move_in_progress(), rest())
        assert order == ["move committed", "rest done"]
    finally:
        await first.close()
        await second.close()
        await postgres_server.drop(url)


def test_a_scrub_spares_keys_made_since_it_began_and_stays_owed_until_they_go(
    tmp_path: Path,
) -> None:
    """A key is written before its text's transaction commits: a scrub that began before it
    (or, in a cluster, another process's scrub) must not delete it while it may be in flight."""
    keys = KeyFile(tmp_path / "keys.db")
    try:
        keys.seal("deleted before the scrub")
        began = time.time()
        fresh = keys.seal("sealed while the scrub ran, its transaction not yet committed")
        fresh_id = fresh.removeprefix(PREFIX).partition(":")[0]
        assert not keys.keep_only(set(), spare_since=began)  # the scrub is still owed
        assert keys.known() == {fresh_id}
        assert keys.open(fresh).startswith("sealed while")
        assert keys.keep_only({fresh_id}, spare_since=time.time())  # it committed: kept
        assert keys.keep_only(set())  # and once deleted, it goes too
        assert keys.known() == set()
    finally:
        keys.close()


def test_processes_opening_an_old_key_file_together_each_bring_it_up_to_date(
    tmp_path: Path,
) -> None:
    """The processes of a cluster start at once on one key file. One is adding the column an
    older file lacks when another opens it: the other waits its turn and finds the column
    there, where it used to add it too and fail."""
    path = tmp_path / "keys.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("CREATE TABLE keys (id TEXT PRIMARY KEY, key BLOB NOT NULL)")  # an old file
    other.execute("BEGIN IMMEDIATE")  # another process, bringing it up to date
    opened: list[KeyFile | BaseException] = []

    def open_keys() -> None:
        try:
            opened.append(KeyFile(path))
        except BaseException as error:
            opened.append(error)

    opening = threading.Thread(target=open_keys)
    opening.start()
    time.sleep(0.3)  # this process looks at the file while the other holds it
    other.execute("ALTER TABLE keys ADD COLUMN made REAL")
    other.execute("COMMIT")
    opening.join(5)
    other.close()

    [keys] = opened
    assert isinstance(keys, KeyFile), keys
    try:
        assert keys.open(keys.seal("a truth")) == "a truth"
    finally:
        keys.close()


async def test_losing_the_connection_that_holds_the_shards_is_told_and_closing_is_not(
    postgres_server: Server,
) -> None:
    url = await postgres_server.fresh()
    try:
        database = await PostgresDatabase.open(url, keys_for(url))
        lost: list[str] = []
        database.on_lost(lambda: lost.append("lost"))
        holder_pid = database.holder.get_server_pid()
        async with database.pool.acquire() as connection:
            await connection.execute("SELECT pg_terminate_backend($1)", holder_pid)
        for _ in range(100):
            if lost:
                break
            await asyncio.sleep(0.02)
        assert lost == ["lost"]
        # The lock went with it: another bot could start now, so this one must stop.
        again = await PostgresDatabase.open(url, keys_for(url))
        told: list[str] = []
        again.on_lost(lambda: told.append("lost"))
        await again.close()
        await database.close()
        assert told == []
    finally:
        await postgres_server.drop(url)
