"""The chronicle, one session a page, with buttons to page through a long history."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.content.models import Content
from bot.core.models import Campaign, ChronicleEntry, Circle
from bot.render import constellation, embeds
from cogs.replies import Picture, Post, bot_of, campaign_named, guarded

if TYPE_CHECKING:
    from bot.client import BedtimeBot

CAMPAIGN = r"(?P<campaign>[0-9a-f]{16})"


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


def picture_of(
    content: Content, entry: ChronicleEntry, circle: Circle, embed: discord.Embed
) -> Picture:
    """The circle's constellation for a recap, shown as the embed's image."""
    scape = content.dreamscape_by_key.get(entry.dreamscape)
    name = scape.name if scape else entry.dreamscape
    keys = [a.key for a in content.archetypes]
    picture = Picture(
        f"constellation-{entry.number}.png",
        lambda: constellation.render(entry, circle, name, keys),
    )
    embed.set_image(url=picture.url)
    return picture


class PageButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:page:{CAMPAIGN}:(?P<number>\d+)"):
    def __init__(
        self, campaign_id: str, number: int, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            ui.Button(
                label=label or f"Session {number}",
                disabled=disabled,
                custom_id=f"bt:page:{campaign_id}:{max(number, 0)}",
            )
        )
        self.campaign_id, self.number = campaign_id, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["campaign"], int(match["number"]))

    @guarded("the chronicle pages")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_named(interaction, self.campaign_id)
        post = await chronicle_page(bot, campaign, self.number)
        if post is None:
            await interaction.response.send_message(
                "That page of the chronicle is gone.", ephemeral=True
            )
            return
        await post.update(interaction)
