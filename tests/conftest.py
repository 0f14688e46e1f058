"""Shared fixtures: a real SQLite file in WAL mode in a temporary folder, and the services on it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.services import Bedtime, SimClock
from bot.store import Database

NIGHT = datetime(2026, 2, 7, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bedtime.db"


@pytest.fixture
async def database(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> SimClock:
    return SimClock(NIGHT)


@pytest.fixture
def service(database: Database, content: Content, clock: SimClock) -> Bedtime:
    return Bedtime(database, content, clock, random.Random(7))
