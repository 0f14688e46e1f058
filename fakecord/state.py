"""What the fake keeps: the guild, its channels and roles, messages and their uploads."""

from __future__ import annotations

import time
from typing import Any

from fakecord.users import (
    APPLICATION_ID,
    BOT,
    BOT_ROLE,
    GUILD_ID,
    HOST_ROLE,
    Sent,
    snowflake,
)


class State:
    """The guild as Discord would describe it, and the messages in it."""

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
            "guild_id": str(self.guild_of(channel)),
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
                "authorizing_integration_owners": {"0": str(self.guild_of(channel))},
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
        self.edited.setdefault(message_id, []).append((time.perf_counter(), message["embeds"]))
        return message

    def _channel(self, channel_id: int) -> dict[str, Any]:
        guild_id = self.guild_of(channel_id)
        siblings = self.guild_channels.get(guild_id, [])
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": f"bedtime-{channel_id % 1000}",
            "position": siblings.index(channel_id) if channel_id in siblings else 0,
            "permission_overwrites": self.overwrites.get(channel_id, []),
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _guild(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        return {
            "id": str(guild_id),
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
                    "id": str(guild_id),
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
