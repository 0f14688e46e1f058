"""The floors: the least a discord.py bot can do for an interaction, to measure the game against.

- `/ping`, a slash command that answers a static message;
- `floor_button`, a persistent button (a DynamicItem, as the game's are) whose press redraws
  its message as an embed with five controls, as a round's press does.

No game, no database. It runs as its own process (`python -m bench.floor`) with the same
settings the bot reads from the environment.
"""

from __future__ import annotations

import logging
import os
import re

import discord
import yarl
from discord import app_commands


class FloorButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"fb:(?P<n>\d+)"
):
    """A press redraws the message: an embed and five controls, as a round's press does."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Press", custom_id=f"fb:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> FloorButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(title=f"Round {self.n}", description="Four dreamers wait.")
        embed.add_field(name="Stability", value="60 / 100")
        view = discord.ui.View(timeout=None)
        for n in range(4):
            view.add_item(discord.ui.Button(label=f"Action {n}", custom_id=f"fb:{self.n}:{n}"))
        view.add_item(FloorButton(self.n + 1))
        await interaction.response.edit_message(embed=embed, view=view)


class Floor(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none()
        )
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(int(os.environ["DEV_GUILD_ID"]))

        @self.tree.command(name="ping", description="A static answer", guild=self.guild)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FloorButton)
        await self.tree.sync(guild=self.guild)


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    Floor().run(os.environ["DISCORD_TOKEN"], log_level=logging.WARNING)


if __name__ == "__main__":
    main()
