"""Who acts on the fake: its ids and constants, the users who click things, and what each
interaction was answered."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import fakecord.limits as limits

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
    delivered: bool = False  # a gateway session took it (perhaps to replay on a RESUME)
    lost: bool = False  # its session was replaced before it could be replayed
    refused: list[dict[str, Any]] = field(default_factory=list)  # answers after it was forgotten

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.sent_at

    @property
    def forgotten(self) -> bool:
        """Its first answer came too late: Discord forgot it, and refuses anything more."""
        return self.latency is not None and self.latency > DEADLINE

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


class Users:
    """Acting as users: slash commands, autocomplete, clicks, selects and modal submits."""

    async def _send(self, kind: int, user: User, data: dict[str, Any], **extra: Any) -> Sent:
        assert self.identifies, "the bot never connected"
        interaction_id = snowflake()
        # A component is used where its message is, unless a test forges it elsewhere.
        here = int(extra["message"]["channel_id"]) if "message" in extra else self.channels[0]
        channel = extra.pop("channel_id", None) or here
        guild = self.guild_of(channel)
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
            "guild_id": str(guild),
            "channel_id": str(channel),
            "channel": self._channel(channel),
            "member": user.member(),
            "data": data,
            "app_permissions": str(self.bot_permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild)},
            "context": 0,
            "attachment_size_limit": limits.MAX_FILE_BYTES,
        } | extra
        sent.payload = payload
        sent.delivered = await self._deliver(guild, "INTERACTION_CREATE", payload, sent)
        return sent

    async def repeat(self, sent: Sent) -> None:
        """Deliver an interaction again, as Discord sometimes does: the same id and token.
        Answering it a second time is Discord's 40060, and a violation here."""
        await self._deliver(int(sent.payload["guild_id"]), "INTERACTION_CREATE", sent.payload)
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
        data = _invocation(registered, command, path, leaf) | {"resolved": resolved}
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
        data = _invocation(registered, command, path, leaf)
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


def _invocation(
    registered: dict[str, Any], command: str, path: tuple[str, ...], leaf: list[dict[str, Any]]
) -> dict[str, Any]:
    """A slash command's interaction data: its options nested in their subcommand path."""
    return {
        "id": registered["id"],
        "name": command,
        "type": 1,
        "options": _nest(path, leaf),
        "guild_id": str(GUILD_ID),
    }


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
