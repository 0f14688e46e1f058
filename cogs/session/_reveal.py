"""The reveal and its end: I hear you, Return to the dream, the host's Hide, and dawn, which
fades the reveals to what the circle keeps."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.core.errors import Stale
from bot.core.events import Dawn, Ready, Recovered, Revealed, first
from bot.core.models import Circle, Session
from bot.core.phases import Phase
from bot.discord.controls import CARD, SESSION, Control, number
from bot.discord.lookup import bot_of, campaign_here, chosen, hosting, key
from bot.discord.posting import Post, picture_of, private, send_posts
from bot.discord.presenting import Scene, posts_for, presents
from bot.discord.timing import in_time
from bot.render import embeds
from bot.render.text import plural, see_you
from bot.services import Table

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

log = logging.getLogger(__name__)


class HearButton(Control[ui.Button[Any]], prefix="hear", parts=(SESSION, CARD), where="I hear you"):
    def __init__(self, session_id: str, card: str, number: int = 0) -> None:
        super().__init__(
            ui.Button(
                label=f"I hear you · {number}" if number else "I hear you",
                emoji="💜",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(session_id, card),
            )
        )
        self.session_id, self.card = session_id, card

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        result = await in_time(
            interaction,
            bot.service.resonate(
                campaign,
                interaction.user.id,
                self.card,
                key(interaction),
                session_id=self.session_id,
            ),
        )
        assert result.session is not None
        post = reveal_post(bot, result.circle, result.session)
        await post.update(interaction, moves=result.session.moves)


class ReadyButton(
    Control[ui.Button[Any]],
    prefix="ready",
    parts=(SESSION, number("glitch")),
    where="Return to the dream",
):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Return to the dream",
                emoji="🌙",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(session_id, glitch),
            )
        )
        self.session_id = session_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        result = await in_time(
            interaction,
            bot.service.ready(
                campaign, interaction.user.id, key(interaction), session_id=self.session_id
            ),
        )
        assert result.session is not None
        seen = Table(result.circle, result.session)
        heard = await bot.service.heard(campaign, interaction.user.id, seen)
        note = f"\n{heard_note(heard)}" if heard is not None else ""
        if not first(result.events, Recovered):
            waiting = first(result.events, Ready)
            left = waiting.of - waiting.count if waiting else 0
            await private(
                interaction,
                f"You drift back toward the dream. Waiting for {left} more.{note}",
            )
            return
        closed = reveal_post(bot, result.circle, result.session)
        posts = [closed, *posts_for(bot, result)]
        await send_posts(interaction, posts, update=True, moves=result.session.moves)
        if heard is not None:
            await interaction.followup.send(heard_note(heard), ephemeral=True)


def heard_note(heard: int) -> str:
    """What an author alone is told of their shared confession: how many heard it."""
    return f"💜 {plural(heard, 'dreamer')} heard you."


class HideButton(
    Control[ui.Button[Any]],
    prefix="hide",
    parts=(SESSION, number("glitch")),
    where="hiding a confession",
):
    """For hosts only: hide an abusive confession. Nothing about it reveals the author."""

    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Hide a confession (host)",
                emoji="🛡",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(session_id, glitch),
            )
        )
        self.session_id, self.glitch = session_id, glitch

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await hosting(interaction, "hide a confession")
        session = await bot.service.session(campaign, self.session_id)
        if not 1 <= self.glitch <= len(session.glitches):
            raise Stale("That glitch is not part of this session.")
        glitch = session.glitches[self.glitch - 1]
        options = [
            discord.SelectOption(
                label=f"{n}. {c.category.value}",
                value=c.card or c.id,
                description=embeds.fit(session.texts[c.id], 100),
            )
            for n, c in enumerate(glitch.revealed(), start=1)
            if c.id in session.texts
        ]
        if not options:
            await private(interaction, "There is no confession text left to hide here.")
            return
        view = ui.View(timeout=None)
        view.add_item(HidePick(self.session_id, self.glitch, options))
        await interaction.response.send_message(
            "Which confession should disappear? Its text is deleted everywhere, and nobody is "
            "told who wrote it.",
            view=view,
            ephemeral=True,
        )


class HidePick(
    Control[ui.Select[Any]],
    prefix="hidepick",
    parts=(SESSION, number("glitch")),
    where="hiding a confession",
):
    def __init__(
        self, session_id: str, glitch: int, options: list[discord.SelectOption] | None = None
    ) -> None:
        super().__init__(
            ui.Select(
                placeholder="Choose the confession to hide",
                options=options or [discord.SelectOption(label="…", value="none")],
                custom_id=self.make_id(session_id, glitch),
            )
        )
        self.session_id, self.glitch = session_id, glitch

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await hosting(interaction, "hide a confession")
        picked = chosen(interaction)
        result = await bot.safety.hide(
            campaign, self.session_id, picked[0] if picked else "", key(interaction)
        )
        await interaction.response.edit_message(
            content="Hidden. The text is gone, and nobody was told who wrote it.", view=None
        )
        assert result.session is not None
        await redraw_reveals(bot, result.circle, result.session)


def reveal_view(session: Session) -> ui.View:
    view = ui.View(timeout=None)
    glitch = session.glitches[-1]
    for n, card in enumerate(glitch.reveal_order[:20], start=1):
        view.add_item(HearButton(session.id, card, n))
    view.add_item(ReadyButton(session.id, glitch.number))
    view.add_item(HideButton(session.id, glitch.number))
    return view


def reveal_post(
    bot: BedtimeBot, circle: Circle, session: Session, number: int | None = None
) -> Post:
    """A glitch's reveal message as it should look now: live with its buttons while the circle
    resonates; afterwards with only the host's Hide, while any text is left to hide."""
    glitch = session.glitches[-1] if number is None else session.glitches[number - 1]
    live = session.phase is Phase.RESONANCE and session.glitch is glitch
    view = reveal_view(session) if live else None
    if not live and any(c.id in session.texts for c in glitch.revealed()):
        view = ui.View(timeout=None)
        view.add_item(HideButton(session.id, glitch.number))
    embed = embeds.reveal_embed(embeds.cast_for(bot.content, circle), session, glitch.number)
    return Post([embed], view, reveals=(session.id, glitch.number))


async def fade(bot: BedtimeBot, circle: Circle, session: Session) -> None:
    """After a session ends: its reveals are edited to what is kept, and marked done."""
    if await redraw_reveals(bot, circle, session):
        await bot.safety.reveals_done(session)


async def redraw_reveals(bot: BedtimeBot, circle: Circle, session: Session) -> bool:
    """Edit every message that revealed this session's confessions to match what is kept.
    True when all of them are done (or gone from Discord)."""
    done = True
    for number_, channel_id, message_id in await bot.safety.reveal_messages(session.id):
        channel = bot.get_partial_messageable(channel_id)
        post = reveal_post(bot, circle, session, number_)
        try:
            await post.edit(channel.get_partial_message(message_id))
        except discord.NotFound:
            continue  # deleted by someone: nothing left to edit
        except discord.HTTPException:
            log.warning("Could not edit a reveal message in channel %s", channel_id)
            done = False
    return done


@presents(Revealed)
def _revealed(event: Revealed, scene: Scene) -> Post | None:
    return reveal_post(scene.bot, scene.circle, scene.session)


@presents(Dawn)
def _dawn(event: Dawn, scene: Scene) -> Post | None:
    embed = embeds.recap_embed(
        scene.cast, event.entry, scene.session.texts, see_you(event, scene.cast)
    )
    picture = picture_of(scene.bot.content, event.entry, scene.circle, embed)
    # Dawn's own flow takes the text out of the reveals; should the bot die first, their
    # unsettled rows tell the next tick to.
    then = functools.partial(fade, scene.bot, scene.circle, scene.session)
    return Post([embed], picture=picture, then=then)
