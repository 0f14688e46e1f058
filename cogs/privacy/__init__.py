"""A player's boundaries and own data, and the housekeeping that keeps privacy promises:
confession text edited out of old reveals, and the data of servers the bot has left."""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import ui
from discord.ext import commands

from bot.core.models import Boundaries
from bot.discord.controls import CAMPAIGN, Control, Part
from bot.discord.lookup import bot_of, campaign_named, chosen, key
from cogs.session import fade

if TYPE_CHECKING:
    from bot.content.models import Content
    from bot.discord.client import BedtimeBot

log = logging.getLogger(__name__)
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
        view.add_item(TopicSelect(kind, campaign_id, _options(content, chosen)))
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
    Control[ui.Select[Any]],
    prefix="bounds",
    parts=(Part("kind", "|".join(KINDS)), CAMPAIGN),
    where="boundaries",
):
    def __init__(
        self, kind: str, campaign_id: str, options: list[discord.SelectOption] | None = None
    ) -> None:
        options = options or [discord.SelectOption(label="…", value="none")]
        super().__init__(
            ui.Select(
                placeholder=KINDS[kind][0],
                options=options,
                min_values=0,
                max_values=len(options),
                custom_id=self.make_id(kind, campaign_id),
            )
        )
        self.campaign_id, self.kind = campaign_id, kind

    async def pressed(self, interaction: discord.Interaction) -> None:
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


class ForgetButton(Control[ui.Button[Any]], prefix="forget-me", where="forget-me"):
    """Confirms /dream forget-me for whoever presses it: nothing in it names anyone."""

    def __init__(self) -> None:
        super().__init__(
            ui.Button(
                label="Yes, delete all my data",
                style=discord.ButtonStyle.danger,
                custom_id=self.make_id(),
            )
        )

    async def pressed(self, interaction: discord.Interaction) -> None:
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
        days = bot.content.rules.privacy.grace_days
        log.info("Purged the data of %d server(s) the bot left over %d days ago", len(purged), days)


class Privacy(commands.Cog):
    """Knows when the bot leaves or rejoins a server, for the purge after the grace period."""

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
