"""What every store promises, on each engine: a unit of work is all or nothing, and the
schema's keys hold."""

from __future__ import annotations

import pytest

from bot.store import Database
from bot.store.postgres import PostgresDatabase

AnyStore = Database | PostgresDatabase


async def players(database: AnyStore) -> int:
    row = await database.read.sql.first("SELECT count(*) FROM players")
    assert row is not None
    return int(row[0])


ADD = "INSERT INTO players (id, user_id, display_name) VALUES ('p', 1, 'x')"


async def test_a_failed_unit_of_work_writes_nothing(database: AnyStore) -> None:
    async def half_a_move() -> None:
        async with database.work() as unit:
            await unit.sql.execute(ADD)
            raise RuntimeError("the move failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        await half_a_move()
    assert await players(database) == 0
    async with database.work() as unit:
        await unit.sql.execute(ADD)
    assert await players(database) == 1  # the check sees a committed row


async def test_foreign_keys_are_enforced(database: AnyStore) -> None:
    async def orphan() -> None:
        async with database.work() as unit:
            await unit.sql.execute(
                "INSERT INTO sessions (id, campaign_id, number, phase, state) "
                "VALUES ('s', 'no-such-campaign', 1, 'lobby', '{}')"
            )

    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await orphan()
    row = await database.read.sql.first("SELECT count(*) FROM sessions")
    assert row is not None
    assert row[0] == 0
