"""The fake's server: Discord's REST API and gateway on 127.0.0.1, and users who click things."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_discord import limits
from tests.fake_discord.schema import OpenApi

ROOT = Path(__file__).resolve().parents[2]  # the project, for running the bot as a process
APPLICATION_ID = 900_000_000_000_000_001
BOT_ID = APPLICATION_ID
GUILD_ID = 910_000_000_000_000_001
EVERYONE_PERMISSIONS = 0x0000_0000_0006_4C40  # view, send, embed, attach, read history, ...
ALL = (1 << 50) - 1
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
# Discord's real 429s come through its proxy; discord.py treats a 429 without Via as a ban.
VIA = "1.1 google"
DEADLINE = 3.0  # seconds Discord waits for an interaction's first response

DISCORD_EPOCH_MS = 1_420_070_400_000
_last_id = [0]


def snowflake() -> int:
    """A new id that, like Discord's, carries the millisecond it was made in its top bits."""
    made = (time.time_ns() // 1_000_000 - DISCORD_EPOCH_MS) << 22
    _last_id[0] = max(made, _last_id[0] + 1)
    return _last_id[0]


@dataclass(frozen=True)
class User:
    id: int
    name: str
    permissions: int = EVERYONE_PERMISSIONS
    roles: tuple[int, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.payload(),
            "roles": [str(r) for r in self.roles],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(self.permissions),
        }


BOT_ROLE = 930_000_000_000_000_001
HOST_ROLE = 940_000_000_000_000_001  # a plain role an admin can name as the campaign's host role
BOT = User(BOT_ID, "Bedtime", ALL)
BOT_MEMBER = User(BOT_ID, "Bedtime", ALL, roles=(BOT_ROLE,))


@dataclass
class Sent:
    """One interaction the fake sent, and what the bot answered."""

    id: int
    kind: int
    user: User
    sent_at: float
    responses: list[dict[str, Any]] = field(default_factory=list)
    answered_at: float | None = None
    followed_at: float | None = None  # the last edit or follow-up through its token
    message_id: int | None = None
    channel: int = 0  # where it was used: its answers appear there
    payload: dict[str, Any] = field(default_factory=dict)  # the INTERACTION_CREATE, to repeat
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at

    @property
    def response(self) -> dict[str, Any]:
        assert self.responses, "the bot never answered"
        return self.responses[0]

    @property
    def ephemeral(self) -> bool:
        flags = (self.response.get("data") or {}).get("flags") or 0
        return bool(flags & 64)

    @property
    def text(self) -> str:
        """Everything a person would read in the first response."""
        return describe(self.response.get("data") or {})


def describe(data: dict[str, Any]) -> str:
    parts = [data.get("content") or "", data.get("title") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    for row in data.get("components") or []:
        for child in row.get("components") or [row.get("component") or {}]:
            parts.append(
                child.get("label") or child.get("content") or child.get("placeholder") or ""
            )
        parts.append(row.get("content") or "")
    return "\n".join(p for p in parts if p)


@dataclass
class Fault:
    """Answer the next `times` requests that match with an error, before doing anything."""

    method: str
    contains: str
    status: int
    times: int = 1
    retry_after: float = 0.25
    skip: int = 0  # let this many matching requests through first

    def response(self) -> web.Response:
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            headers = {
                "Retry-After": str(self.retry_after),
                "X-RateLimit-Scope": "user",
                "Via": VIA,
            }
            return _json(body | {"global": False}, 429, headers)
        return _json({"message": "500: Internal Server Error", "code": 0}, self.status)


class FakeDiscord:
    """`await fake.start()`, then point discord.py at `fake.api_url` and `fake.gateway_url`."""

    def __init__(
        self, *, channels: tuple[int, ...] = (920_000_000_000_000_001,), check_schema: bool = True
    ) -> None:
        self.channels = list(channels)
        # Checking every body against the OpenAPI schema costs the fake far more CPU than the
        # bot spends; benchmarks turn it off so that the fake does not slow what it measures.
        self.check_schema = check_schema
        self.gateway_opened: list[float] = []  # perf_counter() of each gateway connection
        self.requests: list[tuple[str, str, Any]] = []
        self.violations: list[str] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[int, Sent] = {}
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
        self._sequence = 0
        self._sent: list[dict[str, Any]] = []  # every dispatch this session, for a RESUME
        self._live = False  # whether a connection is taking dispatches now
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---

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
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def environment(self, db: Path, **extra: str) -> dict[str, str]:
        """The environment for `python -m bot` as its own process, pointed at this fake."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        env.update(
            DISCORD_TOKEN="fake-token",
            DATABASE_PATH=str(db),
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
            if not sent.responses:
                problems.append(f"interaction {sent.id} (type {sent.kind}) was never answered")
            elif sent.latency is not None and sent.latency > DEADLINE:
                problems.append(f"interaction {sent.id} answered after {sent.latency:.2f}s")
        assert not problems, "\n".join(problems)

    # --- REST ---

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        return await handler(request)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                body = await self._multipart(request)
            else:
                raw = await request.read()
                body = json.loads(raw) if raw else None
        self.requests.append((request.method, path, body))
        problems = (
            self.openapi.problems(request.method, request.path, body)
            if body is not None and self.check_schema
            else []
        )
        problems += self._limits(request.method, path, body)
        if problems:
            self.violations += problems
            errors = {"_errors": [{"code": "BASE_TYPE_INVALID", "message": p} for p in problems]}
            return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.contains in path:
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                self.served_faults.append((request.method, path, fault.status))
                return fault.response()
        limited = self._pace(request.method, path)
        if limited is not None:
            return limited
        response = await self._route(request.method, path, body, request)
        if self.channel_limit is not None and _channel_post(request.method, path):
            response.headers.update(self._bucket(path))
        return response

    def _pace(self, method: str, path: str) -> web.Response | None:
        """Discord's per-channel message limit: a 429 for a post beyond it."""
        if self.channel_limit is None or not _channel_post(method, path):
            return None
        limit, window = self.channel_limit
        now = time.monotonic()
        recent = [t for t in self._channel_posts.get(path, []) if now - t < window]
        if len(recent) >= limit:
            self.rate_limited.append(path)
            retry = round(window - (now - recent[0]), 3)
            body = {"message": "You are being rate limited.", "retry_after": retry}
            headers = {"Retry-After": str(retry), "X-RateLimit-Scope": "shared", "Via": VIA}
            return _json(body | {"global": False}, 429, headers)
        recent.append(now)
        self._channel_posts[path] = recent
        return None

    def _bucket(self, path: str) -> dict[str, str]:
        """The headers that let a client pace itself without ever earning a 429."""
        assert self.channel_limit is not None
        limit, window = self.channel_limit
        now = time.monotonic()
        recent = [t for t in self._channel_posts.get(path, []) if now - t < window]
        reset_after = window - (now - recent[0]) if recent else window
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - len(recent), 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"channel-{path.split('/')[2]}",
        }

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        """Files users attached to slash commands, served as Discord's CDN would."""
        found = self.attached.get(int(request.match_info["id"]))
        if found is None or found[0] != request.match_info["filename"]:
            return web.Response(status=404)
        return web.Response(body=found[1], content_type="application/octet-stream")

    def attachment(self, filename: str, data: bytes) -> dict[str, Any]:
        """A file a user attaches to a command: pass it as the option's value."""
        attachment_id = snowflake()
        self.attached[attachment_id] = (filename, data)
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
        }

    async def _multipart(self, request: web.Request) -> Any:
        reader = await request.multipart()
        body: Any = None
        files = []
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                data = bytes(await part.read())  # type: ignore[union-attr]
                files.append((part.filename or "", data))  # type: ignore[union-attr]
        if len(files) > limits.MAX_FILES:
            self.violations.append(f"{len(files)} files in one message (max {limits.MAX_FILES})")
        for filename, data in files:
            if len(data) > limits.MAX_FILE_BYTES:
                self.violations.append(f"{filename} is {len(data)} bytes (max 10 MiB)")
        self.uploads += files
        return body

    def _attachments(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Attachments as Discord describes them, for the files this request uploaded."""
        out = []
        for attachment in body.get("attachments") or []:
            name = attachment.get("filename", "")
            size = next((len(d) for f, d in reversed(self.uploads) if f == name), 0)
            attachment_id = snowflake()
            out.append(
                {
                    "id": str(attachment_id),
                    "filename": name,
                    "size": size,
                    "url": f"http://127.0.0.1/attachments/{attachment_id}/{name}",
                    "proxy_url": f"http://127.0.0.1/attachments/{attachment_id}/{name}",
                    "content_type": "image/png" if name.endswith(".png") else None,
                }
            )
        return out

    def _limits(self, method: str, path: str, body: Any) -> list[str]:
        if body is None:
            return []
        if path.endswith("/commands") and method == "PUT":
            return limits.commands(body)
        if path.endswith("/callback"):
            data = body.get("data") or {}
            if body.get("type") == 9:
                return limits.modal(data)
            if body.get("type") == 8:
                return limits.autocomplete(body)
            return self._message(data, creating=body.get("type") == 4)
        if "/messages" in path or path.startswith("/webhooks/"):
            return self._message(body, creating=method == "POST")
        return []

    def _message(self, body: dict[str, Any], *, creating: bool) -> list[str]:
        problems = limits.message(body)
        if creating:  # an embed's attachment:// image must be one of this message's files
            attached = {a.get("filename") for a in body.get("attachments") or []}
            for embed in body.get("embeds") or []:
                url = (embed.get("image") or {}).get("url", "")
                if (
                    url.startswith("attachment://")
                    and url.removeprefix("attachment://") not in attached
                ):
                    problems.append(f"embed image {url} is not attached")
        # Only new messages with content notify anyone; edits and embeds never ping.
        if creating and body.get("content"):
            mentions = body.get("allowed_mentions")
            if mentions is None or mentions.get("parse") or mentions.get("users"):
                problems.append(f"a message may ping: allowed_mentions is {mentions!r}")
            elif mentions.get("roles"):  # recorded: only reminders may ping a named role
                self.pings.append({"content": body["content"], "roles": mentions["roles"]})
        return problems

    async def _route(
        self, method: str, path: str, body: Any, request: web.Request
    ) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return _json(BOT.payload() | {"bot": True})
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if path == "/gateway/bot":
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {}})
        if parts[0] == "applications" and parts[-1] == "commands":
            scope = parts[3] if len(parts) == 5 else "global"
            if method == "PUT":
                self.commands[scope] = [
                    c
                    | {
                        "id": str(snowflake()),
                        "application_id": str(APPLICATION_ID),
                        "version": "1",
                    }
                    for c in body
                ]
            return _json(self.commands.get(scope, []))
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(int(parts[1]), body, request.query.get("with_response") == "1")
        if parts[0] == "webhooks":
            return self._webhook(method, parts, body)
        if parts[0] == "guilds" and len(parts) >= 3 and parts[2] == "scheduled-events":
            return self._event(method, parts, body)
        if parts[0] == "channels" and len(parts) >= 3 and parts[2] == "messages":
            channel = int(parts[1])
            if method == "POST":
                nonce = body.get("nonce") if body.get("enforce_nonce") else None
                if nonce is not None and str(nonce) in self._nonces:
                    return _json(self.messages[self._nonces[str(nonce)]])  # Discord's dedupe
                message = self._store(channel, body)
                if nonce is not None:
                    self._nonces[str(nonce)] = int(message["id"])
                return _json(message)
            message_id = int(parts[3])
            if method == "PATCH":
                return _json(self._edit(message_id, body))
            if method == "GET":
                return _json(self.messages[message_id])
            if method == "DELETE":
                self.messages.pop(message_id, None)
                return web.Response(status=204)
        if parts[0] == "channels" and len(parts) == 2:
            return _json(self._channel(int(parts[1])))
        if parts[0] == "guilds" and len(parts) == 2:
            return _json(self._guild())
        return _json({"code": 0, "message": f"the fake has no route for {method} {path}"}, 404)

    def _callback(
        self, interaction_id: int, body: dict[str, Any], with_response: bool
    ) -> web.Response:
        sent = self.interactions.get(interaction_id)
        if sent is None:
            return _json({"code": 10062, "message": "Unknown interaction"}, 404)
        sent.responses.append(body)
        if len(sent.responses) > 1:
            self.violations.append(f"interaction {interaction_id} answered twice")
            return _json(
                {"code": 40060, "message": "Interaction has already been acknowledged."}, 400
            )
        sent.answered_at = time.perf_counter()
        if sent.latency is not None and sent.latency > DEADLINE:
            sent.done.set()
            return _json({"code": 10062, "message": "Unknown interaction"}, 404)
        kind = body["type"]
        data = body.get("data") or {}
        message = None
        if kind in (4, 5):  # a new message (or a deferred one)
            message = self._store(sent.channel, data, interaction=sent)
            sent.message_id = int(message["id"])
        elif kind in (6, 7) and sent.message_id is not None:  # update the clicked message
            message = (
                self._edit(sent.message_id, data) if kind == 7 else self.messages[sent.message_id]
            )
        sent.done.set()
        result: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": sent.kind,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            }
        }
        if message is not None:
            result["resource"] = {"type": kind, "message": message}
        return _json(result if with_response else {}, 200)

    def _event(self, method: str, parts: list[str], body: Any) -> web.Response:
        if self.events_forbidden and method in ("POST", "PATCH"):
            return _json({"code": 50013, "message": "Missing Permissions"}, 403)
        if len(parts) == 3:
            if method == "POST":
                event_id = snowflake()
                self.events[event_id] = {
                    "id": str(event_id),
                    "guild_id": str(GUILD_ID),
                    "channel_id": None,
                    "creator_id": str(BOT_ID),
                    "creator": BOT.payload(),
                    "name": body["name"],
                    "description": body.get("description"),
                    "scheduled_start_time": body["scheduled_start_time"],
                    "scheduled_end_time": body.get("scheduled_end_time"),
                    "privacy_level": body["privacy_level"],
                    "status": 1,
                    "entity_type": body["entity_type"],
                    "entity_id": None,
                    "entity_metadata": body.get("entity_metadata"),
                    "user_count": 0,
                    "image": None,
                    "recurrence_rule": None,
                }
                return _json(self.events[event_id])
            return _json(list(self.events.values()))
        event = self.events.get(int(parts[3]))
        if event is None:
            return _json({"code": 10070, "message": "Unknown Guild Scheduled Event"}, 404)
        if method == "PATCH":
            event.update({k: v for k, v in body.items() if k in event})
        elif method == "DELETE":
            del self.events[int(parts[3])]
            return web.Response(status=204)
        return _json(event)

    def _webhook(self, method: str, parts: list[str], body: Any) -> web.Response:
        token = parts[2]
        sent = next((s for s in self.interactions.values() if f"token-{s.id}" == token), None)
        if sent is None:
            return _json({"code": 50027, "message": "Invalid Webhook Token"}, 401)
        if method in ("POST", "PATCH"):
            sent.followed_at = time.perf_counter()
        if len(parts) == 3 and method == "POST":
            return _json(self._store(sent.channel, body, interaction=sent, followup=True))
        target = sent.message_id if parts[-1] == "@original" else int(parts[-1])
        if target is None or target not in self.messages:
            return _json({"code": 10008, "message": "Unknown Message"}, 404)
        if method == "PATCH":
            return _json(self._edit(target, body))
        if method == "GET":
            return _json(self.messages[target])
        self.messages.pop(target, None)
        return web.Response(status=204)

    def _store(
        self,
        channel: int,
        body: dict[str, Any],
        *,
        interaction: Sent | None = None,
        followup: bool = False,
    ) -> dict[str, Any]:
        message_id = snowflake()
        message = {
            "id": str(message_id),
            "channel_id": str(channel),
            "guild_id": str(GUILD_ID),
            "author": BOT.payload() | {"bot": True},
            "content": body.get("content") or "",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(body),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 20 if interaction and not followup else 0,
            "flags": body.get("flags") or 0,
        }
        if interaction is not None:
            message["webhook_id"] = str(APPLICATION_ID)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.kind,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": {"0": str(GUILD_ID)},
            }
        self.messages[message_id] = message
        return message

    def _edit(self, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "attachments" in body:
            message["attachments"] = self._attachments(body)
        message["edited_timestamp"] = "2026-01-01T00:00:01+00:00"
        return message

    def _channel(self, channel_id: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": f"bedtime-{channel_id % 1000}",
            "position": self.channels.index(channel_id) if channel_id in self.channels else 0,
            "permission_overwrites": self.overwrites.get(channel_id, []),
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _guild(self) -> dict[str, Any]:
        return {
            "id": str(GUILD_ID),
            "name": "Dream Circle",
            "icon": None,
            "owner_id": "1",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                {
                    "id": str(GUILD_ID),
                    "name": "@everyone",
                    "permissions": str(self.everyone_permissions),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(HOST_ROLE),
                    "name": "Dream Host",
                    "permissions": "0",
                    "position": 2,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(BOT_ROLE),
                    "name": "Bedtime",
                    "permissions": str(self.bot_permissions),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": True,
                    "mentionable": False,
                    "flags": 0,
                },
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    # --- the gateway ---

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

    # --- acting as users ---

    async def _send(self, kind: int, user: User, data: dict[str, Any], **extra: Any) -> Sent:
        socket = self._sockets[-1] if self._sockets and self._live else None
        assert socket is not None or self.resumes or self.identifies, "the bot never connected"
        interaction_id = snowflake()
        # A component is used where its message is, unless a test forges it elsewhere.
        here = int(extra["message"]["channel_id"]) if "message" in extra else self.channels[0]
        channel = extra.pop("channel_id", None) or here
        sent = Sent(interaction_id, kind, user, time.perf_counter(), channel=channel)
        if "message" in extra:  # before the bot can answer, which may edit that message
            sent.message_id = int(extra["message"]["id"])
        self.interactions[interaction_id] = sent
        payload = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{interaction_id}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel),
            "channel": self._channel(channel),
            "member": user.member(),
            "data": data,
            "app_permissions": str(self.bot_permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": limits.MAX_FILE_BYTES,
        } | extra
        sent.payload = payload
        await self._dispatch(socket, "INTERACTION_CREATE", payload)
        return sent

    async def repeat(self, sent: Sent) -> None:
        """Deliver an interaction again, as Discord sometimes does: the same id and token.
        Answering it a second time is Discord's 40060, and a violation here."""
        await self._dispatch(self._sockets[-1], "INTERACTION_CREATE", sent.payload)
        await self.settle()

    async def _answered(self, sent: Sent, within: float = DEADLINE + 2) -> Sent:
        await asyncio.wait_for(sent.done.wait(), within)
        await self.settle()
        return sent

    async def settle(self, quiet: float = 0.05, within: float = 5) -> None:
        """Wait until the bot has sent nothing for `quiet` seconds: its follow-ups are in."""
        deadline = time.perf_counter() + within
        while time.perf_counter() < deadline:
            seen = len(self.requests)
            await asyncio.sleep(quiet)
            if len(self.requests) == seen:
                return

    async def uploaded(self, filename: str, count: int = 1, within: float = 5) -> bytes:
        """Wait for the bot's `count`th upload of a file by this name (a picture follows the
        answer it belongs to), and return it."""
        await self._until(lambda: [f for f, _ in self.uploads].count(filename) >= count, within)
        await self.settle()
        return next(data for name, data in reversed(self.uploads) if name == filename)

    def command(self, name: str, scope: str | None = None) -> dict[str, Any]:
        for registered in self.commands.get(scope or str(GUILD_ID), []) + self.commands.get(
            "global", []
        ):
            if registered["name"] == name:
                return registered
        raise KeyError(f"no command /{name} was synced")

    async def slash(self, user: User, command: str, /, *path: str, **options: Any) -> Sent:
        """`/dream join archetype=skeptic` is `slash(user, "dream", "join", archetype=...)`."""
        return await self._answered(await self.send_slash(user, command, *path, **options))

    async def send_slash(
        self, user: User, command: str, /, *path: str, channel_id: int | None = None, **options: Any
    ) -> Sent:
        """Send a slash command without waiting for the answer (`sent.done` tells)."""
        registered = self.command(command)
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for option, value in options.items():
            kind = _option_type(registered, list(path), option)
            if isinstance(value, User):
                resolved.setdefault("users", {})[str(value.id)] = value.payload()
                member = value.member()
                member.pop("user")
                resolved.setdefault("members", {})[str(value.id)] = member
                value = str(value.id)
            elif kind == 7:
                channel = self._channel(int(value)) | {"permissions": str(self.bot_permissions)}
                resolved.setdefault("channels", {})[str(value)] = channel
                value = str(value)
            elif kind == 11:  # an attachment made with fake.attachment()
                resolved.setdefault("attachments", {})[value["id"]] = value
                value = value["id"]
            leaf.append({"name": option, "type": kind, "value": value})
        leaf = _nest(path, leaf)
        data = {
            "id": registered["id"],
            "name": command,
            "type": 1,
            "options": leaf,
            "guild_id": str(GUILD_ID),
            "resolved": resolved,
        }
        where = {"channel_id": channel_id} if channel_id is not None else {}
        return await self._send(2, user, data, **where)

    async def autocomplete(
        self, user: User, command: str, *path: str, focused: str, value: str, **others: Any
    ) -> list[dict[str, Any]]:
        registered = self.command(command)
        leaf = [{"name": k, "type": 3, "value": v} for k, v in others.items()]
        leaf.append(
            {
                "name": focused,
                "type": _option_type(registered, list(path), focused),
                "value": value,
                "focused": True,
            }
        )
        leaf = _nest(path, leaf)
        data = {
            "id": registered["id"],
            "name": command,
            "type": 1,
            "options": leaf,
            "guild_id": str(GUILD_ID),
        }
        sent = await self._answered(await self._send(4, user, data))
        return (sent.response.get("data") or {}).get("choices") or []

    def latest(self, label: str) -> int:
        """The newest message that carries a component with this label or placeholder."""
        for message_id in sorted(self.messages, reverse=True):
            try:
                self.find(message_id, label)
            except KeyError:
                continue
            return message_id
        raise KeyError(f"no message has a component {label!r}")

    def everything_said(self, sent: Sent) -> str:
        """The first response and every follow-up to one interaction (after a defer, the
        answer is a follow-up)."""
        parts = [sent.text]
        for message in self.messages.values():
            meta = message.get("interaction_metadata") or {}
            if meta.get("id") == str(sent.id) and int(message["id"]) != sent.message_id:
                parts.append(describe(message))
        return "\n".join(p for p in parts if p)

    def find(self, message_id: int, label: str) -> dict[str, Any]:
        """A component on a message, by its label or placeholder."""
        for row in self.messages[message_id]["components"]:
            for child in row.get("components") or []:
                if label in (child.get("label"), child.get("placeholder"), child.get("custom_id")):
                    return child
        raise KeyError(f"no component {label!r} on message {message_id}")

    async def click(self, user: User, message_id: int, label: str) -> Sent:
        button = self.find(message_id, label)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component(user, message_id, data)

    async def choose(
        self, user: User, message_id: int, placeholder: str, values: list[str]
    ) -> Sent:
        select = self.find(message_id, placeholder)
        data = {
            "custom_id": select["custom_id"],
            "component_type": select["type"],
            "values": values,
        }
        return await self._component(user, message_id, data)

    async def _component(self, user: User, message_id: int, data: dict[str, Any]) -> Sent:
        return await self._answered(await self.send_component(user, message_id, data))

    async def send_component(
        self, user: User, message_id: int, data: dict[str, Any], channel_id: int | None = None
    ) -> Sent:
        """Use a component on a message without waiting for the answer."""
        message = self.messages[message_id]
        where = {"channel_id": channel_id} if channel_id is not None else {}
        return await self._send(3, user, data, message=message, **where)

    async def forge(
        self,
        user: User,
        message_id: int,
        custom_id: str,
        values: list[str] | None = None,
        channel_id: int | None = None,
    ) -> Sent:
        """Press a control with a hand-made custom_id, on a message as a modified client
        would claim it (carrying that control), perhaps in another channel."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        child: dict[str, Any] = {"type": 2, "style": 2, "label": "forged", "custom_id": custom_id}
        if values is not None:
            data |= {"component_type": 3, "values": values}
            child = {"type": 3, "custom_id": custom_id, "options": [{"label": "x", "value": "x"}]}
        message = self.messages[message_id] | {"components": [{"type": 1, "components": [child]}]}
        where = {"channel_id": channel_id} if channel_id is not None else {}
        return await self._answered(await self._send(3, user, data, message=message, **where))

    async def submit(
        self,
        user: User,
        modal: dict[str, Any],
        values: dict[str, Any],
        message_id: int | None = None,
    ) -> Sent:
        """Submit a modal the bot opened, with values by component custom_id."""
        rows = []
        for row in modal["components"]:
            if row.get("type") == 18:
                child = row["component"]
                value = values.get(child["custom_id"])
                if child.get("type") == 4:
                    rows.append(
                        {
                            "type": 18,
                            "component": {
                                "type": 4,
                                "custom_id": child["custom_id"],
                                "value": value or "",
                            },
                        }
                    )
                elif child.get("type") == 3:
                    rows.append(
                        {
                            "type": 18,
                            "component": {
                                "type": 3,
                                "custom_id": child["custom_id"],
                                "values": value or [],
                            },
                        }
                    )
            elif row.get("type") == 1:
                inner = []
                for child in row["components"]:
                    inner.append(
                        {
                            "type": 4,
                            "custom_id": child["custom_id"],
                            "value": values.get(child["custom_id"], ""),
                        }
                    )
                rows.append({"type": 1, "components": inner})
        data = {"custom_id": modal["custom_id"], "components": rows}
        extra: dict[str, Any] = {}
        if message_id is not None:
            extra["message"] = self.messages[message_id]
        sent = await self._send(5, user, data, **extra)
        sent.message_id = message_id
        return await self._answered(sent)


def _nest(path: tuple[str, ...] | list[str], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap options in their subcommand (type 1) and any subcommand group (type 2) around it."""
    for depth, name in reversed(list(enumerate(path))):
        leaf = [{"name": name, "type": 1 if depth == len(path) - 1 else 2, "options": leaf}]
    return leaf


def _option_type(command: dict[str, Any], path: list[str], name: str) -> int:
    options = command.get("options") or []
    for part in path:
        options = next((o.get("options") or [] for o in options if o["name"] == part), [])
    for option in options:
        if option["name"] == name:
            return int(option["type"])
    raise KeyError(f"/{command['name']} {' '.join(path)} has no option {name!r}")


def _application() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": "Bedtime",
        "icon": None,
        "description": "A fake application",
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None},
        "team": None,
        "summary": "",
    }


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly application/json: discord.py parses nothing else, and aiohttp would add a charset.
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _channel_post(method: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    return (
        method == "POST" and len(parts) == 3 and parts[0] == "channels" and parts[2] == "messages"
    )
