"""Which store a bot opens: PostgreSQL for a `postgresql://` URL, SQLite for a file path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.store.database import Database
from bot.store.shards import EVERY_GUILD, Shards

if TYPE_CHECKING:
    from bot.store.postgres import PostgresDatabase

    AnyStore = Database | PostgresDatabase

SCHEMES = ("postgresql://", "postgres://")


def is_url(where: Path | str) -> bool:
    return isinstance(where, str) and where.startswith(SCHEMES)


async def open_store(
    where: Path | str,
    keys: Path | None = None,
    *,
    exclusive: bool = True,
    shards: Shards = EVERY_GUILD,
) -> AnyStore:
    """Open (and migrate) the store at `where`. On PostgreSQL, `keys` is the file of the keys
    that seal confession text, and `exclusive` takes the locks of the `shards` this process
    runs, which keep a second process off them; on SQLite, one process runs every shard, and
    the lock is the runner's file lock."""
    if is_url(where):
        from bot.store.postgres import PostgresDatabase  # asyncpg is loaded only when asked for

        if keys is None:
            raise ValueError("PostgreSQL needs the path of its confession key file")
        return await PostgresDatabase.open(str(where), keys, exclusive=exclusive, shards=shards)
    return await Database.open(Path(where))
