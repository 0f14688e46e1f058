"""Discord's gateway on loopback: one session per connection (IDENTIFY and RESUME, each with its
own sequence and replay), shards and the routing of guilds to them, Discord's limits on
starting sessions, and the faults a test can cause (a dropped connection, an invalidated
session).

A guild's events go to the session of shard `(guild_id >> 22) % count`; events with no guild
go to shard 0. A session whose connection is gone keeps what is dispatched to it, for a
RESUME; a fresh IDENTIFY for its shard takes its place, and what it kept is lost, as on
Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from fakecord.users import APPLICATION_ID, BOT, BOT_MEMBER, GUILD_ID, Sent

# Close codes Discord uses for a bad IDENTIFY.
AUTHENTICATION_FAILED = 4004
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011

_session_ids = itertools.count(1)


def guild_on_shard(shard: int, count: int, n: int = 0) -> int:
    """The `n`th guild id of the fake's making that Discord routes to `shard` of `count`."""
    base = 910_000_000_000_000_001 >> 22
    first = base + (shard - base) % count
    return (first + n * count) << 22 | 1


@dataclass(eq=False)
class GatewaySession:
    """One gateway session: a shard's, from its IDENTIFY until another replaces it."""

    id: str
    shard: int
    count: int
    socket: web.WebSocketResponse | None
    sent: list[dict[str, Any]] = field(default_factory=list)  # every dispatch, for a RESUME
    sequence: int = 0
    live: bool = False  # whether its connection takes dispatches now
    ready: bool = False  # READY and every GUILD_CREATE sent
    buffered: list[Sent] = field(default_factory=list)  # interactions kept while away

    def routes(self, guild_id: int | None) -> bool:
        shard = 0 if guild_id is None else (guild_id >> 22) % self.count
        return shard == self.shard


class Gateway:
    """The gateway half of the fake."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        self.gateway_opened.append(time.perf_counter())
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(frame.data)
                await self._on_gateway(socket, payload)
        finally:
            self._sockets.remove(socket)
            session = self._by_socket.pop(socket, None)
            if session is not None:
                session.live, session.socket = False, None
        return socket

    async def _on_gateway(self, socket: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        if op == 1:
            await socket.send_json({"op": 11})
        elif op == 2:
            await self._identify(socket, payload["d"])
        elif op == 6:
            await self._resume(socket, payload["d"])

    async def _identify(self, socket: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """A new session: nothing of an old one of its shard is replayed into it."""
        shard, count = d.get("shard") or (0, 1)
        self.identifies.append(d)
        self.identify = d
        if not 0 <= shard < count:
            await socket.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        if count < self.shard_count:
            await socket.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
            return
        if self.session_starts_left <= 0:
            self.violations.append("IDENTIFY with no session starts left: the token is reset")
            await socket.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        self.session_starts_left -= 1
        now = time.perf_counter()
        bucket = shard % self.max_concurrency
        last = self._bucket_identified.get(bucket)
        if self.identify_interval and last is not None and now - last < self.identify_interval:
            self.violations.append(
                f"shard {shard} IDENTIFYed {now - last:.2f}s after another in bucket {bucket}"
            )
        self._bucket_identified[bucket] = now
        self.identified_at.append((shard, now))
        self._ready.clear()
        old = self._current.get(shard)
        if old is not None:
            for lost in old.buffered:
                lost.lost = True
        session = GatewaySession(f"fake-session-{next(_session_ids)}", shard, count, socket)
        self.sessions[session.id] = session
        self._current[shard] = session
        self._by_socket[socket] = session
        guilds = [g for g in self.guild_ids if session.routes(g)]
        await self._dispatch(
            session,
            "READY",
            {
                "v": 10,
                "user": BOT.payload() | {"bot": True},
                "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(APPLICATION_ID), "flags": 0},
                "shard": [shard, count],
            },
        )
        for guild_id in guilds:
            await self._dispatch(session, "GUILD_CREATE", self._guild_create(guild_id))
        session.live = session.ready = True
        self._ready.set()

    def _guild_create(self, guild_id: int) -> dict[str, Any]:
        return self._guild(guild_id) | {
            "unavailable": False,
            "member_count": 1,
            "large": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "channels": [self._channel(c) for c in self.guild_channels[guild_id]],
            "threads": [],
            "members": [BOT_MEMBER.member()],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    async def _resume(self, socket: web.WebSocketResponse, d: dict[str, Any]) -> None:
        """Replay what the session missed, as Discord does, then say so."""
        self.resumes.append(d)
        session = self.sessions.get(d.get("session_id", ""))
        if session is None or self._current.get(session.shard) is not session:
            await socket.send_json({"op": 9, "d": False})  # nothing to resume: IDENTIFY
            return
        session.socket = socket
        self._by_socket[socket] = session
        for dispatched in [p for p in session.sent if p["s"] > (d.get("seq") or 0)]:
            await socket.send_json(dispatched)
        session.live = True
        session.buffered = []
        await self._dispatch(session, "RESUMED", {})

    def ready_shards(self) -> set[int]:
        """Shards whose current session is connected and has sent its guilds."""
        return {s.shard for s in self._current.values() if s.live and s.ready}

    def session_of(self, guild_id: int | None) -> GatewaySession | None:
        return next((s for s in self._current.values() if s.routes(guild_id)), None)

    @property
    def _live(self) -> bool:
        """Whether the main guild's shard takes dispatches now."""
        session = self.session_of(GUILD_ID)
        return session is not None and session.live

    async def drop_gateway(
        self,
        code: int = 4000,
        within: float = 15,
        meanwhile: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        """Close the bot's gateway connection as Discord does on trouble; wait for the RESUME.
        What `meanwhile` dispatches while the bot is away is replayed when it resumes."""
        resumed = len(self.resumes)
        socket = self._sockets[-1]
        session = self._by_socket.get(socket)
        if session is not None:
            session.live = False
        await socket.close(code=code)
        if meanwhile is not None:
            await meanwhile()
        await self._until(lambda: len(self.resumes) > resumed and bool(self._sockets), within)

    async def invalidate_session(self, within: float = 15) -> None:
        """Op 9 with d=false: the bot must IDENTIFY afresh; wait until it is ready again."""
        identified = len(self.identifies)
        await self._sockets[-1].send_json({"op": 9, "d": False})
        await self._until(
            lambda: len(self.identifies) > identified and self._ready.is_set(), within
        )

    async def _until(self, done: Callable[[], bool], within: float) -> None:
        deadline = time.perf_counter() + within
        while not done():
            if time.perf_counter() > deadline:
                raise TimeoutError("the bot did not reconnect in time")
            await asyncio.sleep(0.02)

    async def remove_bot(self) -> None:
        """The server removes the bot (GUILD_DELETE without `unavailable`)."""
        await self._deliver(GUILD_ID, "GUILD_DELETE", {"id": str(GUILD_ID)})
        await self.settle()

    async def _deliver(
        self, guild_id: int | None, event: str, data: dict[str, Any], sent: Sent | None = None
    ) -> bool:
        """Dispatch an event to the session of the guild's shard. False if no session was
        there to take it, even for a RESUME: what the bot never received is lost."""
        session = self.session_of(guild_id)
        if session is None:
            return False
        if sent is not None and not session.live:
            session.buffered.append(sent)
        await self._dispatch(session, event, data)
        return True

    async def _dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.sequence += 1
        payload = {"op": 0, "t": event, "s": session.sequence, "d": data}
        session.sent.append(payload)
        socket = session.socket
        if socket is not None and (session.live or event in ("READY", "GUILD_CREATE", "RESUMED")):
            # If the bot has just gone away, a RESUME would replay this.
            with contextlib.suppress(ConnectionResetError):
                await socket.send_json(payload)
