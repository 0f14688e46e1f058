"""Moving a server from SQLite to PostgreSQL: all of it, counted, or nothing; never into a
database that holds anything, and never from under a running bot."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.store import StoreError
from bot.store.lock import InstanceLock
from bot.store.transfer import TABLES, migrate_store
from pgtemp import Server, keys_for

FIXTURE = Path(__file__).parent.parent / "fixtures" / "legacy-9fa144d.sqlite3"


@pytest.fixture
async def empty(postgres_server: Server) -> str:
    url = await postgres_server.fresh()
    yield url  # type: ignore[misc]
    await postgres_server.drop(url)


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as raw:
        return {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


async def test_every_table_is_copied_with_its_counts_order_and_counters(
    tmp_path: Path, empty: str
) -> None:
    source = tmp_path / "bot.db"
    shutil.copyfile(FIXTURE, source)
    copied = await migrate_store(source, empty, keys_for(empty))
    assert copied == counts(source)
    assert copied["outbox"] == 4
    assert copied["confessions"] > 0
    raw = await asyncpg.connect(empty)
    try:
        with sqlite3.connect(source) as lite:
            owed = [r[0] for r in lite.execute("SELECT id FROM outbox ORDER BY id")]
            made = [r[0] for r in lite.execute("SELECT rowid FROM characters ORDER BY rowid")]
        assert [r[0] for r in await raw.fetch("SELECT id FROM outbox ORDER BY id")] == owed
        assert [
            r[0] for r in await raw.fetch("SELECT rowid FROM characters ORDER BY rowid")
        ] == made
        campaign = await raw.fetchval("SELECT id FROM campaigns")
        new = await raw.fetchval(
            "INSERT INTO outbox (campaign_id, events, created_at) VALUES ($1, '[]', 'now') "
            "RETURNING id",
            campaign,
        )
        assert new > max(owed)  # a post owed later never reuses an old nonce
    finally:
        await raw.close()


async def test_a_database_that_holds_anything_is_refused_and_left_as_it_was(
    tmp_path: Path, empty: str
) -> None:
    source = tmp_path / "bot.db"
    shutil.copyfile(FIXTURE, source)
    await migrate_store(source, empty, keys_for(empty))
    with pytest.raises(StoreError, match="not empty"):
        await migrate_store(source, empty, keys_for(empty))
    raw = await asyncpg.connect(empty)
    try:
        assert await raw.fetchval("SELECT count(*) FROM outbox") == 4  # nothing doubled
    finally:
        await raw.close()


async def test_a_running_bot_s_database_is_not_moved(tmp_path: Path, empty: str) -> None:
    source = tmp_path / "bot.db"
    shutil.copyfile(FIXTURE, source)
    with InstanceLock(source), pytest.raises(StoreError, match="already running"):
        await migrate_store(source, empty, keys_for(empty))
    raw = await asyncpg.connect(empty)
    try:
        assert await raw.fetchval("SELECT count(*) FROM campaigns") == 0
    finally:
        await raw.close()
