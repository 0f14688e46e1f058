"""The fake Discord: its REST API and gateway on 127.0.0.1, its state, and users who click
things, put together."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from fakecord.gateway import Gateway, GatewaySession
from fakecord.rest import Fault, Rest
from fakecord.schema import OpenApi
from fakecord.state import State
from fakecord.users import (
    ALL,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    Sent,
    Users,
)

ROOT = Path(__file__).resolve().parents[1]  # the project, for running the bot as a process


class FakeDiscord(Rest, Gateway, Users, State):
    """`await fake.start()`, then point discord.py at `fake.api_url` and `fake.gateway_url`."""

    def __init__(
        self,
        *,
        channels: tuple[int, ...] = (920_000_000_000_000_001,),
        check_schema: bool = True,
        guilds: Mapping[int, Sequence[int]] | None = None,
        shards: int = 1,
        max_concurrency: int = 1,
        identify_interval: float | None = None,
    ) -> None:
        """`channels` are the main guild's (GUILD_ID); `guilds` adds more, each with its
        channels. `shards` is the fewest shards Discord lets the bot run (fewer is 4011);
        `identify_interval`, if set, is the least time between two IDENTIFYs in one of the
        `max_concurrency` buckets (less is a violation)."""
        self.channels = list(channels)
        self.guild_channels: dict[int, list[int]] = {GUILD_ID: self.channels}
        for guild_id, its_channels in (guilds or {}).items():
            self.guild_channels[guild_id] = list(its_channels)
        self._guild_of = {c: g for g, cs in self.guild_channels.items() for c in cs}
        self.shard_count = shards
        self.max_concurrency = max_concurrency
        self.identify_interval = identify_interval
        self.session_starts_left = 1000
        self.identified_at: list[tuple[int, float]] = []  # (shard, perf_counter()) of each
        self.sessions: dict[str, GatewaySession] = {}
        self._current: dict[int, GatewaySession] = {}  # each shard's session now
        self._by_socket: dict[web.WebSocketResponse, GatewaySession] = {}
        self._bucket_identified: dict[int, float] = {}
        # Checking every body against the OpenAPI schema costs the fake far more CPU than the
        # bot spends; benchmarks turn it off so that the fake does not slow what it measures.
        self.check_schema = check_schema
        self.gateway_opened: list[float] = []  # perf_counter() of each gateway connection
        self.requests: list[tuple[str, str, Any]] = []
        self.violations: list[str] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[int, Sent] = {}
        # Each message's edits as they landed: when, and the embeds it showed from then on.
        self.edited: dict[int, list[tuple[float, list[dict[str, Any]]]]] = {}
        self.bot_permissions = ALL
        self.events: dict[int, dict[str, Any]] = {}
        self.events_forbidden = False
        self.pings: list[dict[str, Any]] = []
        self.uploads: list[tuple[str, bytes]] = []  # (filename, data), in the order received
        self.attached: dict[int, tuple[str, bytes]] = {}  # files users attach to commands
        self.identifies: list[dict[str, Any]] = []  # every IDENTIFY, for reconnect tests
        self.resumes: list[dict[str, Any]] = []  # every RESUME
        self.faults: list[Fault] = []  # injected errors, used up as they are served
        self.served_faults: list[tuple[str, str, int]] = []
        self.nonce_posts: Counter[str] = Counter()  # channel posts by nonce, as served
        self._closing = asyncio.Event()  # set as the fake stops: hanging requests end
        # Messages a channel takes per window, as Discord's per-channel limit; None is no limit.
        self.channel_limit: tuple[int, float] | None = None
        self.rate_limited: list[str] = []  # 429s the bot earned by its own pacing
        self._channel_posts: dict[str, list[float]] = {}
        self._nonces: dict[str, int] = {}
        self.everyone_permissions = EVERYONE_PERMISSIONS
        # Permission overwrites by channel, e.g. a channel only some roles can view; set them
        # before the bot connects, as its cache comes with the guild.
        self.overwrites: dict[int, list[dict[str, Any]]] = {}
        self.openapi = OpenApi()
        self._sockets: list[web.WebSocketResponse] = []
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{filename}", self._cdn)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing.set()
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def guild_ids(self) -> list[int]:
        return list(self.guild_channels)

    def guild_of(self, channel_id: int) -> int:
        """The guild a channel is in (the main guild for a channel the fake does not know)."""
        return self._guild_of.get(channel_id, GUILD_ID)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def environment(self, db: Path | str, **extra: str) -> dict[str, str]:
        """The environment for `python -m bot` as its own process, pointed at this fake and at
        a store: a SQLite file, or a PostgreSQL database's URL."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DISCORD_")
            and k not in ("DATABASE_PATH", "DATABASE_URL", "CONFESSION_KEYS_PATH")
        }
        where = {"DATABASE_URL": db} if isinstance(db, str) else {"DATABASE_PATH": str(db)}
        env.update(
            DISCORD_TOKEN="fake-token",
            **where,
            DEV_GUILD_ID=str(GUILD_ID),
            DISCORD_API_BASE_URL=self.api_url,
            DISCORD_GATEWAY_URL=self.gateway_url,
            PYTHONPATH=str(ROOT),
            **extra,
        )
        return env

    async def wait_ready(self, within: float = 10) -> None:
        await asyncio.wait_for(self._ready.wait(), within)

    def assert_clean(self) -> None:
        """No violations, and every interaction answered once, in time."""
        problems = list(self.violations)
        for sent in self.interactions.values():
            if sent.lost:  # never reached the bot (its session was replaced)
                continue
            if not sent.responses:
                problems.append(f"interaction {sent.id} (type {sent.kind}) was never answered")
            elif sent.forgotten:
                problems.append(f"interaction {sent.id} answered after {sent.latency:.2f}s")
        assert not problems, "\n".join(problems)
