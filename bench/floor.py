"""The floor: the least a discord.py bot can do for an interaction, to measure the game against.

One slash command, /ping, that answers a static message. No game, no database. It runs as its
own process (`python -m bench.floor`) with the same settings the bot reads from the environment.
"""

from __future__ import annotations

import logging
import os

import discord
import yarl
from discord import app_commands


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
        await self.tree.sync(guild=self.guild)


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    Floor().run(os.environ["DISCORD_TOKEN"], log_level=logging.WARNING)


if __name__ == "__main__":
    main()
