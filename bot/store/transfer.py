"""Moving a server's records from SQLite to PostgreSQL: `python -m bot migrate-store --to URL`.

With the bot stopped (the SQLite file's instance lock is taken, so a running bot refuses it),
the SQLite database is brought to the current schema, then every table is copied into an empty
PostgreSQL database in one transaction, parents before children. Before committing, each
table's row count is compared with the source's: any difference rolls it all back. Campaigns
and characters keep their order (SQLite's rowid), and owed posts keep their ids (they make
the nonces of posts), with PostgreSQL's counters moved past them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from bot.store.database import Database
from bot.store.errors import StoreError
from bot.store.lock import InstanceLock
from bot.store.postgres import PostgresDatabase

# Every table, parents first. A table missing here is refused, not skipped.
TABLES = (
    "campaigns",
    "players",
    "characters",
    "bonds",
    "sessions",
    "confessions",
    "chronicle",
    "rests",
    "moves",
    "outbox",
    "reminders",
    "boundaries",
    "prompts",
    "reveal_messages",
    "departures",
    "interactions",
    "lobby_messages",
)
# Columns PostgreSQL numbers itself, whose counters must move past the copied values.
COUNTERS = (("campaigns", "rowid"), ("characters", "rowid"), ("outbox", "id"))


async def migrate_store(source: Path, url: str, keys: Path) -> dict[str, int]:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `url`,
    sealing confession text with keys in the file `keys`. Returns the rows copied, by table."""
    if not await asyncio.to_thread(source.exists):
        raise StoreError(f"There is no SQLite database at {source} to move.")
    with InstanceLock(source):
        lite = await Database.open(source)  # brought to the current schema first
        await lite.close()
        target = await PostgresDatabase.open(url, keys)
        try:
            return await _copy(source, target)
        finally:
            await target.close()


async def _copy(source: Path, target: PostgresDatabase) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(source)) as lite:
        found = {
            row[0]
            for row in lite.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        unknown = found - set(TABLES)
        if unknown:
            raise StoreError(f"migrate-store does not know the tables {sorted(unknown)}.")
        counts: dict[str, int] = {}
        async with target.pool.acquire() as connection, connection.transaction():
            for table in TABLES:
                if await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
                    raise StoreError(
                        f"The PostgreSQL database is not empty (its {table} has rows). "
                        "migrate-store only fills a new, empty database."
                    )
            for table in TABLES:
                columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
                if (table, "rowid") in COUNTERS:
                    columns = ["rowid", *columns]
                listed = ", ".join(columns)
                rows = lite.execute(f"SELECT {listed} FROM {table}").fetchall()
                if table == "confessions":  # sealed, as PostgreSQL's confessions always are
                    text = columns.index("text")
                    rows = [
                        (*row[:text], target.keys.seal(row[text]), *row[text + 1 :]) for row in rows
                    ]
                if rows:
                    await connection.copy_records_to_table(table, records=rows, columns=columns)
                copied = await connection.fetchval(f"SELECT count(*) FROM {table}")
                if copied != len(rows):
                    raise StoreError(
                        f"{table}: {len(rows)} rows in SQLite but {copied} in PostgreSQL; "
                        "nothing was copied."
                    )
                counts[table] = copied
            for table, column in COUNTERS:
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                )
    return counts
