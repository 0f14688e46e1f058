"""Shared fixtures: a store (a real SQLite file in WAL mode in a temporary folder, or a fresh
database on a real PostgreSQL server), and the services on it.

Tests that take `database` (or `service`, or the end-to-end `running`) run once on each store;
their ids say `sqlite` or `postgres`. A test about one engine's files or pragmas is marked
`sqlite_only`. Without PostgreSQL on the machine its half is skipped with one line saying why,
unless `BEDTIME_REQUIRE_POSTGRES=1` (as in CI) makes that a failure."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.content import Content, load_content
from bot.services import Bedtime, SimClock
from bot.store import Database, open_store
from bot.store.postgres import PostgresDatabase
from pgtemp import Cluster, Server, binaries, keys_for
from tests.disk import Needle, postgres_remains, sqlite_remains

NIGHT = datetime(2026, 2, 7, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bedtime.db"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about SQLite's own files or pragmas")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A `sqlite_only` test runs on SQLite alone: its PostgreSQL twin is not collected."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = params.get("store") == "postgres"
        (drop if on_postgres and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL server for the whole run: TEST_DATABASE_URL's, or a throwaway cluster."""
    given = os.environ.get("TEST_DATABASE_URL")
    cluster = None
    if given:
        server = Server(given)
    else:
        found = binaries()
        if found is None:
            why = "PostgreSQL is not installed here (no pg_ctl) and TEST_DATABASE_URL is not set"
            if os.environ.get("BEDTIME_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"BEDTIME_REQUIRE_POSTGRES=1, but {why}")
            pytest.skip(why)
        cluster = Cluster.create(found)
        cluster.start()
        server = Server(cluster.url, cluster.data)
    try:
        # Asked for from inside a test's running loop: prepare it on a thread of its own.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, server.prepare()).result()
        yield server
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on."""
    return str(request.param)


@pytest.fixture
async def target(
    store: str, request: pytest.FixtureRequest, db_path: Path
) -> AsyncIterator[Path | str]:
    """Where the test's store is: a file, or a fresh PostgreSQL database's URL."""
    if store == "sqlite":
        yield db_path
        return
    server: Server = request.getfixturevalue("postgres_server")
    url = await server.fresh()
    yield url
    await server.drop(url)


@pytest.fixture
async def postgres_url(postgres_server: Server) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests about PostgreSQL alone (several processes)."""
    url = await postgres_server.fresh()
    yield url
    await postgres_server.drop(url)


@pytest.fixture
async def database(target: Path | str) -> AsyncIterator[Database | PostgresDatabase]:
    keys = keys_for(target) if isinstance(target, str) else None
    database = await open_store(target, keys)
    yield database
    await database.close()


@pytest.fixture
def remains(target: Path | str, request: pytest.FixtureRequest) -> Callable[..., list[Needle]]:
    """`remains(*needles)`: those someone holding the disk could still read (tests/disk.py)."""
    if isinstance(target, Path):
        return lambda *needles: sqlite_remains(target, *needles)
    server: Server = request.getfixturevalue("postgres_server")
    if server.data is None:
        pytest.skip("TEST_DATABASE_URL names a server whose files these tests cannot read")
    data = server.data

    def scan(*needles: Needle) -> list[Needle]:
        # A value split across two WAL pages is not found there as it is; a checkpoint writes
        # its heap copy, as the server would in time. It can only add places to find it.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _checkpoint(target)).result()
        return postgres_remains(data, keys_for(target), *needles)

    return scan


async def _checkpoint(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


@pytest.fixture
async def sqlite_database(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> SimClock:
    return SimClock(NIGHT)


@pytest.fixture
def service(database: Database | PostgresDatabase, content: Content, clock: SimClock) -> Bedtime:
    return Bedtime(database, content, clock, random.Random(7))
