"""The few calls the repositories make, over either engine.

Every query is written once, with `?` placeholders and SQL that SQLite and PostgreSQL both
read (`ON CONFLICT … DO NOTHING` rather than `INSERT OR IGNORE`, say). PostgreSQL's side
rewrites the placeholders to `$1, $2, …` the first time it sees a query.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import aiosqlite

from bot.store.errors import Changed

CHANGED = "the campaign changed under its live session; it is loaded again"


class Sql(Protocol):
    # Whether a transaction must lock the rows it will change (`SELECT … FOR UPDATE`): on
    # PostgreSQL, where writers run side by side; not on SQLite, whose write transaction
    # (BEGIN IMMEDIATE) already holds the whole database.
    locks_rows: bool

    async def fetch(self, sql: str, parameters: Iterable[Any] = ()) -> list[Sequence[Any]]:
        """Every row of a query."""

    async def first(self, sql: str, parameters: Iterable[Any] = ()) -> Sequence[Any] | None:
        """The query's first row, or None."""

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""

    async def require(self, sql: str, parameters: Iterable[Any] = ()) -> None:
        """Run a statement that must change one row, or raise Changed (and so roll back)."""

    async def notify(self, channel: str, payload: str) -> None:
        """Tell every process on the database, once this transaction commits (PostgreSQL's
        NOTIFY). SQLite has one process: there is nobody to tell."""


class SqliteSql:
    locks_rows = False

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def fetch(self, sql: str, parameters: Iterable[Any] = ()) -> list[Sequence[Any]]:
        # One trip to SQLite's thread; a cursor takes three.
        return list(await self.connection.execute_fetchall(sql, tuple(parameters)))

    async def first(self, sql: str, parameters: Iterable[Any] = ()) -> Sequence[Any] | None:
        rows = await self.fetch(sql, parameters)
        return rows[0] if rows else None

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        cursor = await self.connection.execute(sql, tuple(parameters))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.connection.executemany(sql, list(rows))

    async def require(self, sql: str, parameters: Iterable[Any] = ()) -> None:
        if await self.execute(sql, parameters) != 1:
            raise Changed(CHANGED)

    async def notify(self, channel: str, payload: str) -> None:
        return None


class PostgresSql:
    """Over one asyncpg connection (inside a transaction) or a pool (for reads)."""

    locks_rows = True

    def __init__(self, connection: Any) -> None:
        self.connection = connection  # asyncpg.Connection or asyncpg.Pool: the same calls

    async def fetch(self, sql: str, parameters: Iterable[Any] = ()) -> list[Sequence[Any]]:
        return list(await self.connection.fetch(numbered(sql), *parameters))

    async def first(self, sql: str, parameters: Iterable[Any] = ()) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self.connection.fetchrow(numbered(sql), *parameters)
        return row

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        status: str = await self.connection.execute(numbered(sql), *parameters)
        # "UPDATE 3", "DELETE 0", "INSERT 0 1": the count is the last word.
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if batch:
            await self.connection.executemany(numbered(sql), batch)

    async def require(self, sql: str, parameters: Iterable[Any] = ()) -> None:
        if await self.execute(sql, parameters) != 1:
            raise Changed(CHANGED)

    async def notify(self, channel: str, payload: str) -> None:
        await self.connection.execute("SELECT pg_notify($1, $2)", channel, payload)


_PLACEHOLDER = re.compile(r"\?")


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, …`. Bedtime's queries hold no `?` in a
    string literal, so every one is a placeholder."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)
