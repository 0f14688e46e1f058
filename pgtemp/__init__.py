"""A throwaway PostgreSQL cluster for the tests and the benchmark: started from the machine's
own binaries (`initdb` as the `postgres` user when we are root, then `pg_ctl`), listening on
127.0.0.1 only, and removed at the end. Or, for the tests, the server `TEST_DATABASE_URL` names.

Each test gets a fresh database, copied from a migrated template with
`CREATE DATABASE … TEMPLATE`, which takes milliseconds where migrating would take longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.postgres import PostgresDatabase, program

TEMPLATE = "bedtime_template"


def binaries() -> Path | None:
    """The folder of PostgreSQL's server programs, if this machine has them."""
    found = program("pg_ctl")
    return found.parent if found else None


KEYS = Path(tempfile.gettempdir()) / "bedtime-test-keys"


def keys_for(url: str) -> Path:
    """The confession key file that goes with a test database (one per database name)."""
    return KEYS / f"{urlsplit(url).path.lstrip('/')}.db"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class Server:
    """A PostgreSQL server the tests may create and drop databases on."""

    url: str  # to its maintenance database
    data: Path | None = None  # the cluster's data folder, when the tests started it
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    async def prepare(self) -> None:
        admin = await asyncpg.connect(self.url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await admin.close()
        template = with_database(self.url, TEMPLATE)
        database = await PostgresDatabase.open(template, keys_for(template), exclusive=False)
        await database.close()

    async def fresh(self, migrated: bool = True) -> str:
        """The URL of a new, empty database: migrated (from the template) or bare."""
        name = f"bedtime_test_{os.getpid()}_{next(self._numbers)}"
        admin = await asyncpg.connect(self.url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name}")
            template = f" TEMPLATE {TEMPLATE}" if migrated else ""
            await admin.execute(f"CREATE DATABASE {name}{template}")
        finally:
            await admin.close()
        return with_database(self.url, name)

    async def drop(self, url: str) -> None:
        admin = await asyncpg.connect(self.url)
        try:
            name = urlsplit(url).path.lstrip("/")
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()
        await asyncio.to_thread(_forget_keys, url)


def _forget_keys(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{keys_for(url)}{suffix}").unlink(missing_ok=True)


@dataclass
class Cluster:
    """A cluster of our own in a temporary folder."""

    bin: Path
    root: Path
    port: int
    owner: str | None  # run the server programs as this user (we are root)

    @classmethod
    def create(cls, bin: Path) -> Cluster:
        root = Path(tempfile.mkdtemp(prefix="bedtime-pg-"))
        owner = "postgres" if os.geteuid() == 0 else None
        if owner is not None:
            user = pwd.getpwnam(owner)
            os.chown(root, user.pw_uid, user.pw_gid)
        return cls(bin, root, _free_port(), owner)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        user = self.owner or pwd.getpwuid(os.geteuid()).pw_name
        return f"postgresql://{user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, cwd=self.root, timeout=120
        )

    def start(self, *, durable: bool = False) -> None:
        """Start it. The tests skip fsync, which no test needs; a benchmark asks for
        `durable`, PostgreSQL's defaults, so that its commits cost what they cost."""
        self._run(
            str(self.bin / "initdb"),
            "-D", str(self.data),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
        options += "-c max_connections=200"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.root / "server.log"),
            "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
