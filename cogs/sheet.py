"""The owner's controls on a character sheet: rename and retire."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import ui

from bot.core.events import Renamed, first
from cogs.replies import bot_of, campaign_named, guarded, key, private

CAMPAIGN = r"(?P<campaign>[0-9a-f]{16})"


class RenameButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:rename:{CAMPAIGN}"):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(ui.Button(label="Rename", emoji="✏", custom_id=f"bt:rename:{campaign_id}"))
        self.campaign_id = campaign_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> RenameButton:
        return cls(match["campaign"])

    @guarded("Rename")
    async def callback(self, interaction: discord.Interaction) -> None:
        modal = ui.Modal(title="A new name", custom_id=f"bt:m:rename:{self.campaign_id}")
        modal.add_item(ui.TextInput(label="Name", min_length=1, max_length=32, custom_id="name"))
        await interaction.response.send_modal(modal)


class RetireButton(
    ui.DynamicItem[ui.Button[Any]], template=rf"bt:retire:{CAMPAIGN}(?P<sure>:yes)?"
):
    def __init__(self, campaign_id: str, sure: bool = False) -> None:
        label = "Yes, retire them" if sure else "Retire"
        style = discord.ButtonStyle.danger
        suffix = ":yes" if sure else ""
        super().__init__(
            ui.Button(label=label, style=style, custom_id=f"bt:retire:{campaign_id}{suffix}")
        )
        self.campaign_id, self.sure = campaign_id, sure

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> RetireButton:
        return cls(match["campaign"], bool(match["sure"]))

    @guarded("Retire")
    async def callback(self, interaction: discord.Interaction) -> None:
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
