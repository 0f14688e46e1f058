"""The floors: the least a discord.py bot can do for an interaction, to measure the game against.

- `/ping`, a slash command that answers a static message;
- `floor_button`, a persistent button (a DynamicItem, as the game's are) whose press redraws
  its message as an embed with five controls, as a round's press does.

- `floor_durable`, the same button, whose press first does the least a move must do before it
  is answered: one transaction of two statements (a session's state, the interaction's key),
  synced to disk, WAL with `synchronous=FULL`, by plain `sqlite3` on a thread of its own, as
  the bot's writer does. No game.

It runs as its own process (`python -m bench.floor`) with the same settings the bot reads from
the environment; floor_durable writes the SQLite file the bot would (DATABASE_PATH).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import discord
import yarl
from discord import app_commands


class FloorButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"fb:(?P<n>\d+)"
):
    """A press redraws the message: an embed and five controls, as a round's press does."""

    prefix = "fb"

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Press", custom_id=f"{self.prefix}:{n}"))
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
        await self.redraw(interaction)

    async def redraw(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(title=f"Round {self.n}", description="Four dreamers wait.")
        embed.add_field(name="Stability", value="60 / 100")
        view = discord.ui.View(timeout=None)
        for n in range(4):
            label, custom_id = f"Action {n}", f"{self.prefix}:{self.n}:{n}"
            view.add_item(discord.ui.Button(label=label, custom_id=custom_id))
        view.add_item(type(self)(self.n + 1))
        await interaction.response.edit_message(embed=embed, view=view)


class DurableButton(FloorButton, template=r"fd:(?P<n>\d+)"):
    """floor_button, with its move committed to disk before the answer."""

    prefix = "fd"

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, Floor)
        await client.disk.commit(str(interaction.id))
        await self.redraw(interaction)


class Disk:
    """The least a move writes before its answer, on a thread of its own."""

    STATE = "x" * 2_300  # about a session's JSON in its first rounds

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode = WAL", "synchronous = FULL"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.execute("CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY, json)")
        self.connection.execute("CREATE TABLE IF NOT EXISTS moves (key TEXT PRIMARY KEY)")
        self.connection.execute("INSERT OR IGNORE INTO state VALUES (1, '')")
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="floor-writer")

    async def commit(self, key: str) -> None:
        await asyncio.get_running_loop().run_in_executor(self.thread, self._commit, key)

    def _commit(self, key: str) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("UPDATE state SET json = ? WHERE id = 1", (self.STATE,))
        self.connection.execute("INSERT INTO moves VALUES (?)", (key,))
        self.connection.execute("COMMIT")


class Floor(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none()
        )
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(int(os.environ["DEV_GUILD_ID"]))
        self.disk = Disk(Path(os.environ["DATABASE_PATH"]))

        @self.tree.command(name="ping", description="A static answer", guild=self.guild)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FloorButton, DurableButton)
        await self.tree.sync(guild=self.guild)


def main() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE_URL"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    Floor().run(os.environ["DISCORD_TOKEN"], log_level=logging.WARNING)


if __name__ == "__main__":
    main()
