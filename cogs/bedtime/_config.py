"""The house rules as admins see them, and the checks on what they set."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.core import house_rules
from bot.core.models import Campaign
from bot.core.phases import Phase
from bot.discord.posting import Post
from bot.render import embeds
from bot.services import MoveResult

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

ZONES = sorted(available_timezones())


def announcement(bot: BedtimeBot, result: MoveResult, title: str) -> Post:
    cast = embeds.cast_for(bot.content, result.circle)
    embed = embeds.events_embed(cast, Phase.LOBBY, title, result.events)
    return Post([embed] if embed else [])


def host_role_problem(interaction: discord.Interaction, role_id: int | None) -> str | None:
    """A host role must be a real role that people are given: never @everyone, which would
    make every member an admin, nor a role a bot or integration manages."""
    if role_id is None:
        return None
    if role_id == interaction.guild_id:
        return "@everyone can't be the host role: every member would become an admin."
    role = interaction.guild.get_role(role_id) if interaction.guild else None
    if role is None:
        return "I can't find that role in this server."
    if role.managed:
        return f"{role.mention} is managed by a bot or integration: it can't be the host role."
    return None


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    needle = current.lower().replace(" ", "_")
    return [app_commands.Choice(name=z, value=z) for z in ZONES if needle in z.lower()][:25]


def config_embed(bot: BedtimeBot, campaign: Campaign, changed: str | None) -> discord.Embed:
    values = house_rules.current(bot.content, campaign.settings)
    lines = []
    for rule in house_rules.rules(bot.content).values():
        value = values.get(rule.key)
        if rule.key == "host_role" and value:
            shown = f"<@&{value}>"
        elif isinstance(value, bool):
            shown = "on" if value else "off"
        elif rule.key == "reminder_role" and value:
            shown = f"<@&{value}>"
        elif rule.key == "reminders":
            shown = ", ".join(_duration(int(m)) for m in value or []) or "none"
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value) or "none"
        else:
            shown = "—" if value is None else str(value)
        mark = " ✏" if rule.key == changed else ""
        lines.append(f"**{rule.key}**{mark}: {shown} — {rule.description}")
    title = "House rules" + (" — changed; it applies from the next session" if changed else "")
    return discord.Embed(
        title=title, description=embeds.fit("\n".join(lines), embeds.DESCRIPTION), colour=0x5865F2
    )


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
