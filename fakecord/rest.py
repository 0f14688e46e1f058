"""Discord's REST API on loopback: routes, interaction callbacks, webhooks, scheduled events,
rate limits and injected faults, each body checked against the limits and the schema."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

import fakecord.limits as limits
from fakecord.state import _application
from fakecord.users import (
    APPLICATION_ID,
    BOT,
    BOT_ID,
    VIA,
    snowflake,
)


@dataclass
class Fault:
    """Answer the next `times` requests that match with an error, before doing anything; or,
    with `status` 200, serve them as usual after `delay`: a slow request."""

    method: str
    contains: str
    status: int
    times: int = 1
    retry_after: float = 0.25
    skip: int = 0  # let this many matching requests through first
    delay: float = 0.0  # seconds before the error: a request that hangs
    code: int = 0  # Discord's error code in the body, e.g. 10062 for a forgotten interaction

    def response(self) -> web.Response:
        if self.status == 429:
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            headers = {
                "Retry-After": str(self.retry_after),
                "X-RateLimit-Scope": "user",
                "Via": VIA,
            }
            return _json(body | {"global": False}, 429, headers)
        return _json({"message": "500: Internal Server Error", "code": self.code}, self.status)


class Rest:
    """The REST half of the fake."""

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
                if fault.delay:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._closing.wait(), fault.delay)
                if fault.status == 200:
                    break
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
            limit = {
                "total": 1000,
                "remaining": self.session_starts_left,
                "reset_after": 86_400_000,
                "max_concurrency": self.max_concurrency,
            }
            return _json(
                {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}
            )
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
                if nonce is not None:
                    self.nonce_posts[str(nonce)] += 1
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
            return _json(self._guild(int(parts[1])))
        return _json({"code": 0, "message": f"the fake has no route for {method} {path}"}, 404)

    def _callback(
        self, interaction_id: int, body: dict[str, Any], with_response: bool
    ) -> web.Response:
        sent = self.interactions.get(interaction_id)
        if sent is None or sent.forgotten:
            if sent is not None:
                sent.refused.append(body)
            return _json({"code": 10062, "message": "Unknown interaction"}, 404)
        sent.responses.append(body)
        if len(sent.responses) > 1:
            self.violations.append(f"interaction {interaction_id} answered twice")
            return _json(
                {"code": 40060, "message": "Interaction has already been acknowledged."}, 400
            )
        sent.answered_at = time.perf_counter()
        if sent.forgotten:
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
            # Discord returns the message only for a message sent (4) or updated (7) now.
            shown = {"message": message} if kind in (4, 7) else {}
            result["resource"] = {"type": kind, **shown}
        return _json(result if with_response else {}, 200)

    def _event(self, method: str, parts: list[str], body: Any) -> web.Response:
        if self.events_forbidden and method in ("POST", "PATCH"):
            return _json({"code": 50013, "message": "Missing Permissions"}, 403)
        if len(parts) == 3:
            if method == "POST":
                event_id = snowflake()
                self.events[event_id] = {
                    "id": str(event_id),
                    "guild_id": parts[1],
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
        if sent.forgotten:  # never answered in time: its token was never good for anything
            return _json({"code": 10015, "message": "Unknown Webhook"}, 404)
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
