"""The campaign's own prompts, as admins see them: a paged list, and choices for autocomplete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.content.models import Prompt
from bot.core import house_rules, prompts
from bot.core.models import Campaign
from bot.render import embeds
from cogs.replies import Post, bot_of, campaign_named, guarded, hosting

if TYPE_CHECKING:
    from bot.client import BedtimeBot

PER_PAGE = 10
CAMPAIGN = r"(?P<campaign>[0-9a-f]{16})"


def page_post(
    campaign: Campaign, own: list[Prompt], builtin_on: bool, page: int, builtins: int
) -> Post:
    pages = max(1, -(-len(own) // PER_PAGE))
    page = min(max(page, 1), pages)
    shown = own[(page - 1) * PER_PAGE : page * PER_PAGE]
    lines = [
        f"`{p.id}` · **{p.category.value}** · {p.rating.value}"
        + (f" · {', '.join(p.topics)}" if p.topics else "")
        + f"\n{discord.utils.escape_markdown(p.text)}"
        for p in shown
    ] or ["No custom prompts yet. Add one with `/bedtime prompts add`, or import a pack."]
    builtin = (
        f"The {builtins} built-in prompts are dealt too."
        if builtin_on
        else "Built-in prompts are off (`/bedtime config builtin_prompts on` to deal them)."
    )
    embed = discord.Embed(
        title=f"The campaign's prompts ({len(own)} of {prompts.MAX_PROMPTS})",
        description=embeds.fit("\n\n".join(lines), embeds.DESCRIPTION),
        colour=0x5865F2,
    )
    embed.set_footer(text=f"Page {page} of {pages} · {builtin}")
    view = ui.View(timeout=None)
    view.add_item(PromptPage(campaign.id, page - 1, "◀ Earlier", disabled=page <= 1))
    view.add_item(PromptPage(campaign.id, page + 1, "Later ▶", disabled=page >= pages))
    return Post([embed], view)


async def listing(bot: BedtimeBot, campaign: Campaign, page: int) -> Post:
    own = await bot.safety.prompts(campaign)
    builtin_on = house_rules.current(bot.content, campaign.settings)["builtin_prompts"]
    return page_post(campaign, own, bool(builtin_on), page, len(bot.content.prompts))


def choices(own: list[Prompt], current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=f"{p.category.value}: {p.text}"[:100], value=p.id)
        for p in prompts.search(own, current)
    ]


class PromptPage(ui.DynamicItem[ui.Button[Any]], template=rf"bt:prompts:{CAMPAIGN}:(?P<page>\d+)"):
    def __init__(
        self, campaign_id: str, page: int, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            ui.Button(
                label=label or f"Page {page}",
                disabled=disabled,
                custom_id=f"bt:prompts:{campaign_id}:{max(page, 0)}",
            )
        )
        self.campaign_id, self.page = campaign_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> PromptPage:
        return cls(match["campaign"], int(match["page"]))

    @guarded("the prompt list")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await hosting(
            interaction, "manage prompts", await campaign_named(interaction, self.campaign_id)
        )
        await (await listing(bot, campaign, self.page)).update(interaction)
