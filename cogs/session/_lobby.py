"""The lobby: Join, the archetype and name of a new character, and the lobby message, redrawn
as the circle fills."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.core.errors import Stale, UnknownArchetype
from bot.core.events import Joined, LobbyOpened, Previously, first
from bot.core.models import Campaign, Circle, Session
from bot.core.phases import Phase
from bot.discord.controls import SESSION, Control, modal, modal_id, number, word
from bot.discord.lookup import bot_of, campaign_here, chosen, key
from bot.discord.posting import Post, private, send_posts
from bot.discord.presenting import Scene, presents
from bot.discord.timing import in_time
from bot.render import embeds
from bot.render.text import previously
from bot.services import MoveResult

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

log = logging.getLogger(__name__)

LOBBY_REDRAW_SECONDS = 1.0  # a busy lobby is edited at most this often: the channel's limit


class JoinButton(Control[ui.Button[Any]], prefix="join", parts=(SESSION,), where="the Join button"):
    def __init__(self, session_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Join",
                emoji="🌙",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(session_id),
            )
        )
        self.session_id = session_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        player = await bot.service.player(interaction.user.id)
        table = await bot.service.table(campaign)
        if table.session is None or table.session.id != self.session_id:
            raise Stale("This lobby is from a session that is over.")
        character = table.circle.character_of(player.id) if player else None
        if character is None:
            message_id = interaction.message.id if interaction.message else 0
            view = ui.View(timeout=None)
            view.add_item(ArchetypeSelect(self.session_id, message_id, bot))
            await interaction.response.send_message(
                "Welcome to the circle. Who will you be in the dream?", view=view, ephemeral=True
            )
            return
        result = await join(interaction, campaign, self.session_id)
        await announce_join(interaction, result, update=True)


class ArchetypeSelect(
    Control[ui.Select[Any]],
    prefix="arch",
    parts=(SESSION, number("message")),
    where="the archetype select",
):
    def __init__(self, session_id: str, message_id: int, bot: BedtimeBot | None = None) -> None:
        select: ui.Select[Any] = ui.Select(
            placeholder="Choose your archetype", custom_id=self.make_id(session_id, message_id)
        )
        if bot is not None:
            for archetype in bot.content.archetypes[:25]:
                select.add_option(
                    label=archetype.name, value=archetype.key, description=archetype.theme[:100]
                )
        super().__init__(select)
        self.session_id = session_id
        self.message_id = message_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        picked = chosen(interaction)
        archetype = picked[0] if picked else ""
        if archetype not in bot_of(interaction).content.archetype_by_key:
            raise UnknownArchetype("That archetype doesn't exist. Choose one from the list.")
        # A modal must be the first response: no database before it.
        await interaction.response.send_modal(
            NameModal(self.session_id, archetype, self.message_id, bot_of(interaction))
        )


class NameModal(ui.Modal):
    def __init__(self, session_id: str, archetype: str, message_id: int, bot: BedtimeBot) -> None:
        super().__init__(
            title="Name your character",
            custom_id=modal_id("name", session_id, archetype, message_id),
        )
        longest = bot.content.rules.name_max_chars
        self.add_item(
            ui.TextInput(label="Name", min_length=1, max_length=longest, custom_id="name")
        )


@modal("name", SESSION, word("archetype"), number("message"))
async def on_name(
    interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]
) -> None:
    campaign = await campaign_here(interaction)
    name = str(values.get("name", ""))
    result = await join(interaction, campaign, match["session"], match["archetype"], name)
    await announce_join(interaction, result, update=False)


async def join(
    interaction: discord.Interaction,
    campaign: Campaign,
    session_id: str | None,
    archetype: str | None = None,
    name: str | None = None,
) -> MoveResult:
    """The player joins tonight's session (a new character needs both choices)."""
    move = bot_of(interaction).service.join(
        campaign,
        interaction.user.id,
        display_name=interaction.user.display_name,
        archetype=archetype,
        name=name,
        key=key(interaction),
        session_id=session_id,
    )
    return await in_time(interaction, move)


async def announce_join(
    interaction: discord.Interaction, result: MoveResult, *, update: bool
) -> None:
    """Redraw the lobby for a join in the lobby; announce a late join to the circle."""
    bot = bot_of(interaction)
    session = result.session
    assert session is not None
    cast = embeds.cast_for(bot.content, result.circle)
    joined = first(result.events, Joined)
    if result.replayed or joined is None:
        await private(interaction, "You are in.")
        return
    character = joined.character
    if session.phase is Phase.LOBBY:
        if update:  # pressed on the lobby message: its answer redraws it
            post = await lobby_post(bot, result.circle, session)
            await post.update(interaction, moves=session.moves)
            if joined.returning:
                who = f"{cast.name(character)}, {cast.archetype(character)}"
                await interaction.followup.send(f"You bring back {who}.", ephemeral=True)
            return
        await private(interaction, f"Welcome, {cast.name(character)}. You are in tonight's circle.")
        redraw_lobby(bot, result.circle.campaign, session.id)
        return
    line = embeds.events_embed(cast, session.phase, "The circle grows", [joined])
    await send_posts(interaction, [Post([line] if line else [])])


def lobby_view(session: Session) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(JoinButton(session.id))
    return view


async def lobby_post(bot: BedtimeBot, circle: Circle, session: Session) -> Post:
    """The lobby message as it should look now, "Previously at Bedtime…" included."""
    cast = embeds.cast_for(bot.content, circle)
    last = await bot.service.chronicle(circle.campaign)
    lines = previously(last, cast) if last is not None and last.session_id != session.id else []
    return Post([embeds.lobby_embed(cast, session, lines)], lobby_view(session), lobby=session.id)


@presents(LobbyOpened)
def _opened(event: LobbyOpened, scene: Scene) -> Post | None:
    if scene.session.phase is not Phase.LOBBY:
        return None
    last = first(scene.events, Previously)
    lines = previously(last.entry, scene.cast) if last else []
    embed = embeds.lobby_embed(scene.cast, scene.session, lines)
    return Post([embed], lobby_view(scene.session), lobby=scene.session.id)


class LobbyRedraws:
    """Redraws of lobby messages after joins and leaves that did not come from the lobby
    message itself. The first is at once; those that come meanwhile make one more, a moment
    later, so that a rush of joins stays within the channel's rate limit."""

    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot
        self.interval = LOBBY_REDRAW_SECONDS
        self.running: dict[str, asyncio.Task[None]] = {}
        self.again: set[str] = set()

    def request(self, campaign: Campaign, session_id: str) -> None:
        if session_id in self.running:
            self.again.add(session_id)
            return
        self.running[session_id] = asyncio.create_task(self._redraw(campaign, session_id))

    async def _redraw(self, campaign: Campaign, session_id: str) -> None:
        try:
            while True:
                self.again.discard(session_id)
                try:
                    await self._once(campaign, session_id)
                except Exception:
                    log.warning("Could not redraw the lobby of session %s", session_id)
                await asyncio.sleep(self.interval)
                if session_id not in self.again:
                    return
        finally:
            self.running.pop(session_id, None)

    async def _once(self, campaign: Campaign, session_id: str) -> None:
        where = await self.bot.service.lobby_message(session_id)
        table = await self.bot.service.table(campaign)
        session = table.session
        if where is None or session is None or session.id != session_id:
            return
        if session.phase is not Phase.LOBBY:
            return
        channel = self.bot.get_partial_messageable(where[0])
        post = await lobby_post(self.bot, table.circle, session)
        with contextlib.suppress(discord.NotFound):  # deleted by someone: nothing to redraw
            await self.bot.redraws.edit(channel.get_partial_message(where[1]), post, session.moves)


def redraw_lobby(bot: BedtimeBot, campaign: Campaign, session_id: str) -> None:
    # Duck-typed: discord.py loads an extension as a module of its own, so the cog's class
    # need not be this module's.
    lobbies = getattr(bot.get_cog("Session"), "lobbies", None)
    if lobbies is not None:
        lobbies.request(campaign, session_id)
