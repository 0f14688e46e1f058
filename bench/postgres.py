"""PostgreSQL for the benchmark: a throwaway cluster of its own with PostgreSQL's durable
defaults (fsync on, synchronous_commit on), a fresh database for each run, measured side by
side with SQLite in the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pgtemp import Cluster, Server, binaries, keys_for


@dataclass
class Postgres:
    """A server the benchmark makes databases on."""

    server: Server
    version: str

    async def fresh(self) -> str:
        return str(await self.server.fresh())

    def keys(self, url: str) -> Path:
        return Path(keys_for(url))

    async def drop(self, url: str) -> None:
        await self.server.drop(url)


@contextlib.asynccontextmanager
async def cluster() -> AsyncIterator[Postgres | None]:
    """A running cluster, or None where PostgreSQL is not installed."""
    found = binaries()
    if found is None:
        yield None
        return
    own = Cluster.create(found)
    await asyncio.to_thread(own.start, durable=True)
    try:
        server = Server(own.url, own.data)
        await server.prepare()
        asked = [str(found / "postgres"), "--version"]
        said = await asyncio.to_thread(
            subprocess.run, asked, capture_output=True, text=True, check=False
        )
        words = said.stdout.split()  # "postgres (PostgreSQL) 15.18 (Debian …)"
        version = f"PostgreSQL {words[2]}" if len(words) > 2 else "PostgreSQL"
        yield Postgres(server, version)
    finally:
        await asyncio.to_thread(own.stop)
