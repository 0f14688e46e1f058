"""The owner's controls on a character sheet: rename and retire."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import ui
from discord.ext import commands

from bot.core.events import Renamed, first
from bot.discord.controls import CAMPAIGN, Control, Part, modal, modal_id
from bot.discord.lookup import bot_of, campaign_named, key
from bot.discord.posting import private


class RenameButton(Control[ui.Button[Any]], prefix="rename", parts=(CAMPAIGN,), where="Rename"):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(ui.Button(label="Rename", emoji="✏", custom_id=self.make_id(campaign_id)))
        self.campaign_id = campaign_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        longest = bot_of(interaction).content.rules.name_max_chars
        modal = ui.Modal(title="A new name", custom_id=modal_id("rename", self.campaign_id))
        modal.add_item(
            ui.TextInput(label="Name", min_length=1, max_length=longest, custom_id="name")
        )
        await interaction.response.send_modal(modal)


SURE = Part("sure", "yes", bool, optional=True)


class RetireButton(
    Control[ui.Button[Any]], prefix="retire", parts=(CAMPAIGN, SURE), where="Retire"
):
    def __init__(self, campaign_id: str, sure: bool = False) -> None:
        label = "Yes, retire them" if sure else "Retire"
        style = discord.ButtonStyle.danger
        custom_id = self.make_id(campaign_id, "yes" if sure else None)
        super().__init__(ui.Button(label=label, style=style, custom_id=custom_id))
        self.campaign_id, self.sure = campaign_id, sure

    async def pressed(self, interaction: discord.Interaction) -> None:
        if not self.sure:
            view = ui.View(timeout=None)
            view.add_item(RetireButton(self.campaign_id, sure=True))
            await interaction.response.send_message(
                "Retire your character? They leave the circle for good; the chronicle keeps them.",
                view=view,
                ephemeral=True,
            )
            return
        campaign = await campaign_named(interaction, self.campaign_id)
        await bot_of(interaction).service.retire(campaign, interaction.user.id, key(interaction))
        await interaction.response.edit_message(
            content="Your character has retired. Join again to make a new one.", view=None
        )


@modal("rename", CAMPAIGN)
async def on_rename(
    interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]
) -> None:
    campaign = await campaign_named(interaction, match["campaign"])
    result = await bot_of(interaction).service.rename(
        campaign, interaction.user.id, str(values.get("name", "")), key(interaction)
    )
    renamed = first(result.events, Renamed)
    name = result.circle.characters[renamed.character].name if renamed else ""
    await private(
        interaction, f"Your character is now called {discord.utils.escape_markdown(name)}."
    )


def sheet_view(campaign_id: str) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(RenameButton(campaign_id))
    view.add_item(RetireButton(campaign_id))
    return view


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(RenameButton, RetireButton)
