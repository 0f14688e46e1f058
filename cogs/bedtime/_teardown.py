"""Deleting a campaign, after a confirmation that only a host can press."""

from __future__ import annotations

from typing import Any

import discord
from discord import ui

from bot.discord.controls import CAMPAIGN, Control
from bot.discord.lookup import NotHost, bot_of, campaign_named, is_host, key


class TeardownButton(
    Control[ui.Button[Any]],
    prefix="teardown",
    parts=(CAMPAIGN,),
    where="the teardown confirmation",
):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Yes, delete everything",
                style=discord.ButtonStyle.danger,
                custom_id=self.make_id(campaign_id),
            )
        )
        self.campaign_id = campaign_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_named(interaction, self.campaign_id)
        if not await is_host(interaction, campaign):
            raise NotHost("Only admins or the host role can delete the campaign.")
        await bot_of(interaction).service.teardown(campaign, key(interaction))
        await interaction.response.edit_message(
            content="The campaign is gone. Sleep well.", view=None
        )
