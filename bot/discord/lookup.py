"""Who is asking, and about which campaign: the lookups every command and control starts with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import GameError
from bot.core.models import Campaign

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot


class NoCampaign(GameError):
    """The channel (or server) has no Bedtime campaign."""


class NotHost(discord.app_commands.CheckFailure):
    """Only admins (Manage Server) or the campaign's host role."""


def bot_of(interaction: discord.Interaction) -> BedtimeBot:
    return interaction.client  # type: ignore[return-value]


def key(interaction: discord.Interaction) -> str:
    """The interaction id is every move's idempotency key."""
    return f"i:{interaction.id}"


def chosen(interaction: discord.Interaction) -> list[str]:
    """The values picked in a select menu."""
    data: Any = interaction.data or {}
    return [str(v) for v in data.get("values") or []]


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server: power over every campaign in the server, and over the server's data."""
    # The interaction carries the member's resolved permissions; no member cache needed.
    return isinstance(interaction.user, discord.Member) and interaction.permissions.manage_guild


def hosts(interaction: discord.Interaction, campaign: Campaign) -> bool:
    """Whether the member holds this campaign's host role: power over that campaign only."""
    member = interaction.user
    role = campaign.settings.host_role or 0
    return isinstance(member, discord.Member) and any(r.id == role for r in member.roles)


async def is_host(interaction: discord.Interaction, campaign: Campaign | None) -> bool:
    return is_admin(interaction) or (campaign is not None and hosts(interaction, campaign))


async def campaign_here(interaction: discord.Interaction) -> Campaign:
    """The campaign of the channel the interaction happened in."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise NoCampaign("Bedtime works inside a server.")
    campaign = await bot_of(interaction).service.campaign(
        interaction.guild_id, interaction.channel_id
    )
    if campaign is None:
        raise NoCampaign(
            "This channel has no Bedtime campaign. An admin can start one with /bedtime setup."
        )
    return campaign


async def campaign_named(interaction: discord.Interaction, campaign_id: str) -> Campaign:
    """The campaign a control names. It acts only on that campaign, only in its own server,
    and, used in another channel, only for a member who can view the campaign's channel:
    a control forged into another channel reaches nothing its presser could not see."""
    cached = interaction.extras.get("campaign")
    if isinstance(cached, Campaign) and cached.id == campaign_id:
        return cached
    campaign = await bot_of(interaction).service.campaign_by_id(campaign_id)
    if campaign is None or campaign.guild_id != interaction.guild_id:
        raise NoCampaign("That campaign is gone.")
    if campaign.channel_id != interaction.channel_id:
        member = interaction.user
        guild = interaction.guild
        channel = guild.get_channel_or_thread(campaign.channel_id) if guild else None
        if (
            channel is None
            or not isinstance(member, discord.Member)
            or not channel.permissions_for(member).view_channel
        ):
            raise NoCampaign("That belongs to a campaign in a channel you can't see.")
    interaction.extras["campaign"] = campaign
    return campaign


async def hosting(
    interaction: discord.Interaction, what: str, campaign: Campaign | None = None
) -> Campaign:
    """The channel's campaign (or the one given), for an admin or the host role only."""
    campaign = campaign or await campaign_here(interaction)
    if not await is_host(interaction, campaign):
        raise NotHost(f"Only admins or the host role can {what}.")
    return campaign


async def campaign_for_player(interaction: discord.Interaction) -> Campaign:
    """The channel's campaign, or the server's only one; with several, say where to go."""
    try:
        return await campaign_here(interaction)
    except NoCampaign:
        if interaction.guild_id is None:
            raise
    campaigns = await bot_of(interaction).service.campaigns_in(interaction.guild_id)
    if len(campaigns) == 1:
        return campaigns[0]
    if not campaigns:
        raise NoCampaign("This server has no Bedtime campaign yet.")
    channels = ", ".join(f"<#{c.channel_id}>" for c in campaigns[:10])
    raise NoCampaign(f"This server has several campaigns. Use the command in one of: {channels}.")
