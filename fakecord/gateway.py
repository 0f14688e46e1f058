"""Discord's gateway on loopback: IDENTIFY and RESUME, dispatches with their sequence, and
the faults a test can cause (a dropped connection, an invalidated session)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from fakecord.users import (
    APPLICATION_ID,
    BOT,
    BOT_MEMBER,
    GUILD_ID,
)


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
        return socket

    async def _on_gateway(self, socket: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        if op == 1:
            await socket.send_json({"op": 11})
        elif op == 2:  # a new session: nothing of an old one is replayed into it
            self._ready.clear()
            self._sent = []
            self.identify = payload["d"]
            self.identifies.append(payload["d"])
            await self._dispatch(
                socket,
                "READY",
                {
                    "v": 10,
                    "user": BOT.payload() | {"bot": True},
                    "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                    "session_id": "fake-session",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(APPLICATION_ID), "flags": 0},
                    "shard": [0, 1],
                },
            )
            guild = self._guild() | {
                "unavailable": False,
                "member_count": 1,
                "large": False,
                "joined_at": "2026-01-01T00:00:00+00:00",
                "channels": [self._channel(c) for c in self.channels],
                "threads": [],
                "members": [BOT_MEMBER.member()],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
            await self._dispatch(socket, "GUILD_CREATE", guild)
            self._live = True
            self._ready.set()
        elif op == 6:  # replay what the bot missed, as Discord does, then say so
            self.resumes.append(payload["d"])
            missed = [p for p in self._sent if p["s"] > (payload["d"].get("seq") or 0)]
            for dispatched in missed:
                await socket.send_json(dispatched)
            self._live = True
            await self._dispatch(socket, "RESUMED", {})

    async def drop_gateway(
        self,
        code: int = 4000,
        within: float = 15,
        meanwhile: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        """Close the bot's gateway connection as Discord does on trouble; wait for the RESUME.
        What `meanwhile` dispatches while the bot is away is replayed when it resumes."""
        resumed = len(self.resumes)
        self._live = False
        await self._sockets[-1].close(code=code)
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
        await self._dispatch(self._sockets[-1], "GUILD_DELETE", {"id": str(GUILD_ID)})
        await self.settle()

    async def _dispatch(
        self, socket: web.WebSocketResponse | None, event: str, data: dict[str, Any]
    ) -> None:
        self._sequence += 1
        payload = {"op": 0, "t": event, "s": self._sequence, "d": data}
        self._sent.append(payload)
        if socket is not None and (self._live or event in ("READY", "GUILD_CREATE", "RESUMED")):
            # If the bot has just gone away, a RESUME would replay this.
            with contextlib.suppress(ConnectionResetError):
                await socket.send_json(payload)
