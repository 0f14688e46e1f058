"""The chronicle, one session a page, with buttons to page through a long history. The
command that opens it is /dream chronicle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import ui
from discord.ext import commands

from bot.core.models import Campaign
from bot.discord.controls import CAMPAIGN, Control, number
from bot.discord.lookup import bot_of, campaign_named
from bot.discord.posting import Post, picture_of
from bot.render import embeds

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot


async def chronicle_page(bot: BedtimeBot, campaign: Campaign, number: int | None) -> Post | None:
    entry = await bot.service.chronicle(campaign, number)
    if entry is None:
        return None
    latest = await bot.service.chronicle(campaign)
    last = latest.number if latest else entry.number
    table = await bot.service.table(campaign)
    cast = embeds.cast_for(bot.content, table.circle)
    texts = await bot.service.kept_texts(entry)
    embed = embeds.recap_embed(cast, entry, texts)
    embed.set_footer(text=f"Session {entry.number} of {last}")
    view = ui.View(timeout=None)
    view.add_item(
        PageButton(campaign.id, entry.number - 1, "◀ Earlier", disabled=entry.number <= 1)
    )
    view.add_item(
        PageButton(campaign.id, entry.number + 1, "Later ▶", disabled=entry.number >= last)
    )
    return Post([embed], view, picture=picture_of(bot.content, entry, table.circle, embed))


class PageButton(
    Control[ui.Button[Any]],
    prefix="page",
    parts=(CAMPAIGN, number("number")),
    where="the chronicle pages",
):
    def __init__(
        self, campaign_id: str, number: int, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            ui.Button(
                label=label or f"Session {number}",
                disabled=disabled,
                custom_id=self.make_id(campaign_id, max(number, 0)),
            )
        )
        self.campaign_id, self.number = campaign_id, number

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_named(interaction, self.campaign_id)
        post = await chronicle_page(bot, campaign, self.number)
        if post is None:
            await interaction.response.send_message(
                "That page of the chronicle is gone.", ephemeral=True
            )
            return
        await post.update(interaction)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(PageButton)
