"""A player's boundaries and own data, and the housekeeping that keeps privacy promises:
confession text edited out of old reveals, and the data of servers the bot has left."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import ui
from discord.ext import commands

from bot.core.models import Boundaries
from cogs.controls import fade
from cogs.replies import bot_of, campaign_named, chosen, guarded, key

if TYPE_CHECKING:
    from bot.client import BedtimeBot
    from bot.content.models import Content

log = logging.getLogger(__name__)

CAMPAIGN = r"(?P<campaign>[0-9a-f]{16})"
KINDS = {
    "lines": ("🚫 Lines: never in my prompts", "lines"),
    "veils": ("🌫 Veils: only gentle prompts may touch", "veils"),
}
EXPLAIN = (
    "**Your boundaries in this campaign.** Nobody else sees them.\n"
    "• **Lines**: topics never dealt to you, and never in a prompt that names you.\n"
    "• **Veils**: topics only gentle prompts may touch.\n"
    "Pick any number in each menu; empty it to clear. Changes count from the next deal."
)


# --- boundaries --------------------------------------------------------------------------------


def boundaries_view(content: Content, campaign_id: str, mine: Boundaries) -> ui.View:
    view = ui.View(timeout=None)
    for kind in KINDS:
        chosen = mine.lines if kind == "lines" else mine.veils
        view.add_item(TopicSelect(campaign_id, kind, _options(content, chosen)))
    return view


def describe(content: Content, mine: Boundaries) -> str:
    labels = {t.key: t.label for t in content.topics}
    lines = ", ".join(labels[t] for t in sorted(mine.lines) if t in labels) or "none"
    veils = ", ".join(labels[t] for t in sorted(mine.veils) if t in labels) or "none"
    return f"{EXPLAIN}\n\nLines: **{lines}**\nVeils: **{veils}**"


def _options(content: Content, chosen: frozenset[str]) -> list[discord.SelectOption]:
    return [
        discord.SelectOption(
            label=t.label,
            value=t.key,
            description=t.description[:100] or None,
            default=t.key in chosen,
        )
        for t in content.topics[:25]
    ]


class TopicSelect(
    ui.DynamicItem[ui.Select[Any]], template=rf"bt:bounds:(?P<kind>lines|veils):{CAMPAIGN}"
):
    def __init__(
        self, campaign_id: str, kind: str, options: list[discord.SelectOption] | None = None
    ) -> None:
        options = options or [discord.SelectOption(label="…", value="none")]
        super().__init__(
            ui.Select(
                placeholder=KINDS[kind][0],
                options=options,
                min_values=0,
                max_values=len(options),
                custom_id=f"bt:bounds:{kind}:{campaign_id}",
            )
        )
        self.campaign_id, self.kind = campaign_id, kind

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> TopicSelect:
        return cls(match["campaign"], match["kind"])

    @guarded("boundaries")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_named(interaction, self.campaign_id)
        picked = chosen(interaction)
        mine = await bot.safety.set_boundaries(
            campaign,
            interaction.user.id,
            lines=picked if self.kind == "lines" else None,
            veils=picked if self.kind == "veils" else None,
            key=key(interaction),
        )
        await interaction.response.edit_message(
            content=describe(bot.content, mine) + "\n\n✅ Saved.",
            view=boundaries_view(bot.content, campaign.id, mine),
        )


# --- your data ---------------------------------------------------------------------------------


def data_file(everything: dict[str, Any]) -> discord.File:
    text = json.dumps(everything, ensure_ascii=False, indent=2, sort_keys=True)
    return discord.File(io.BytesIO(text.encode()), filename="bedtime-my-data.json")


class ForgetButton(ui.DynamicItem[ui.Button[Any]], template=r"bt:forget-me"):
    """Confirms /dream forget-me for whoever presses it: nothing in it names anyone."""

    def __init__(self) -> None:
        super().__init__(
            ui.Button(
                label="Yes, delete all my data",
                style=discord.ButtonStyle.danger,
                custom_id="bt:forget-me",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls()

    @guarded("forget-me")
    async def callback(self, interaction: discord.Interaction) -> None:
        forgotten = await bot_of(interaction).safety.forget(
            interaction.user.id, key=key(interaction)
        )
        text = (
            "Done. Everything Bedtime stored about you is deleted. Sleep well."
            if forgotten
            else "Bedtime has nothing stored about you."
        )
        await interaction.response.edit_message(content=text, view=None)


# --- housekeeping ------------------------------------------------------------------------------


async def tidy(bot: BedtimeBot) -> None:
    """Edit confession text out of finished sessions' reveals, and purge servers left long ago."""
    for session in await bot.safety.faded():
        campaign = await bot.service.campaign_by_id(session.campaign_id)
        if campaign is None:
            continue
        await fade(bot, (await bot.service.table(campaign)).circle, session)
    await bot.safety.scrub_pending()
    purged = await bot.safety.purge_departed()
    if purged:
        log.info("Purged the data of %d server(s) the bot left over 30 days ago", len(purged))


class Privacy(commands.Cog):
    """Knows when the bot leaves or rejoins a server, for the 30-day purge."""

    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.safety.left_guild(guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.safety.returned(guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Servers left while the bot was offline count from now; servers it is in are kept."""
        present = {g.id for g in self.bot.guilds}
        await self.bot.safety.reconcile(present)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(TopicSelect, ForgetButton)
    await bot.add_cog(Privacy(bot))  # type: ignore[arg-type]
