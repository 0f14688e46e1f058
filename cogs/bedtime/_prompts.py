"""The campaign's own prompts, as admins see them: a paged list, and choices for autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.content.models import Prompt
from bot.core import house_rules, prompts
from bot.core.models import Campaign
from bot.discord.controls import CAMPAIGN, Control, number
from bot.discord.lookup import bot_of, campaign_named, hosting
from bot.discord.posting import Post
from bot.render import embeds

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

PER_PAGE = 10


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


def topic_choices(bot: BedtimeBot, current: str) -> list[app_commands.Choice[str]]:
    """Completes the last of comma-separated topic keys, keeping those before it."""
    *before, last = current.split(",")
    done = [t.strip() for t in before if t.strip()]
    head = ",".join(done)
    prefix = f"{head}," if head else ""
    return [
        app_commands.Choice(name=f"{prefix}{t.key}"[:100], value=f"{prefix}{t.key}"[:100])
        for t in bot.content.topics
        if last.strip().lower() in t.key and t.key not in done
    ][:25]


def choices(own: list[Prompt], current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=f"{p.category.value}: {p.text}"[:100], value=p.id)
        for p in prompts.search(own, current)
    ]


class PromptPage(
    Control[ui.Button[Any]],
    prefix="prompts",
    parts=(CAMPAIGN, number("page")),
    where="the prompt list",
):
    def __init__(
        self, campaign_id: str, page: int, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            ui.Button(
                label=label or f"Page {page}",
                disabled=disabled,
                custom_id=self.make_id(campaign_id, max(page, 0)),
            )
        )
        self.campaign_id, self.page = campaign_id, page

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await hosting(
            interaction, "manage prompts", await campaign_named(interaction, self.campaign_id)
        )
        await (await listing(bot, campaign, self.page)).update(interaction)
