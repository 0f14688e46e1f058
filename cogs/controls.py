"""Buttons, selects and modals on the bot's messages. They survive restarts.

Every control is a DynamicItem whose custom_id carries opaque ids (a session, a round, a
confession); the handler rebuilds everything else from the database. Modal submits are handled
from their custom_id in `on_interaction`, so one typed across a restart is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import ui
from discord.ext import commands

import cogs.posts as posts
from bot.core.errors import Stale, UnknownArchetype
from bot.core.events import Joined, Passed, Ready, Recovered, RoundResolved, Softened, first
from bot.core.models import Campaign, Circle, ConfessionStatus, Session
from bot.core.phases import Phase
from bot.render import embeds
from bot.render.text import plural, previously
from bot.services import MoveResult, Table
from cogs.chronicle import PageButton
from cogs.replies import (
    Post,
    bot_of,
    campaign_here,
    chosen,
    follow_all,
    guarded,
    handle,
    hosting,
    in_time,
    key,
    private,
    redraw,
    send_posts,
)
from cogs.sheet import RenameButton, RetireButton, on_rename

if TYPE_CHECKING:
    from bot.client import BedtimeBot

log = logging.getLogger(__name__)

SID = r"(?P<session>[0-9a-f]{16})"
CID = r"(?P<confession>[0-9a-f]{16})"
CARD = r"(?P<card>[0-9a-f]{16})"
ACTIONS = ("explore", "anchor", "dive", "signature")
SHARE_PLACEHOLDER = "🤝 Share with…"
PRIVATE = "Keep it private"
SHARE = "Share it with the circle"

# --- the lobby -----------------------------------------------------------------------------------


class JoinButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:join:{SID}"):
    def __init__(self, session_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Join",
                emoji="🌙",
                style=discord.ButtonStyle.primary,
                custom_id=f"bt:join:{session_id}",
            )
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(match["session"])

    @guarded("the Join button")
    async def callback(self, interaction: discord.Interaction) -> None:
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
        result = await _join(interaction, campaign, self.session_id)
        await announce_join(interaction, result, update=True)


class ArchetypeSelect(ui.DynamicItem[ui.Select[Any]], template=rf"bt:arch:{SID}:(?P<message>\d+)"):
    def __init__(self, session_id: str, message_id: int, bot: BedtimeBot | None = None) -> None:
        select: ui.Select[Any] = ui.Select(
            placeholder="Choose your archetype", custom_id=f"bt:arch:{session_id}:{message_id}"
        )
        if bot is not None:
            for archetype in bot.content.archetypes[:25]:
                select.add_option(
                    label=archetype.name, value=archetype.key, description=archetype.theme[:100]
                )
        super().__init__(select)
        self.session_id = session_id
        self.message_id = message_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> ArchetypeSelect:
        return cls(match["session"], int(match["message"]))

    @guarded("the archetype select")
    async def callback(self, interaction: discord.Interaction) -> None:
        picked = chosen(interaction)
        archetype = picked[0] if picked else ""
        if archetype not in bot_of(interaction).content.archetype_by_key:
            raise UnknownArchetype("That archetype doesn't exist. Choose one from the list.")
        # A modal must be the first response: no database before it.
        await interaction.response.send_modal(
            NameModal(self.session_id, archetype, self.message_id)
        )


class NameModal(ui.Modal):
    PREFIX = "bt:m:name"

    def __init__(self, session_id: str, archetype: str, message_id: int) -> None:
        super().__init__(
            title="Name your character",
            custom_id=f"{self.PREFIX}:{session_id}:{archetype}:{message_id}",
        )
        self.add_item(ui.TextInput(label="Name", min_length=1, max_length=32, custom_id="name"))


async def on_name(
    interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]
) -> None:
    campaign = await campaign_here(interaction)
    name = str(values.get("name", ""))
    result = await _join(interaction, campaign, match["session"], match["archetype"], name)
    await announce_join(interaction, result, update=False)


async def _join(
    interaction: discord.Interaction,
    campaign: Campaign,
    session_id: str,
    archetype: str | None = None,
    name: str | None = None,
) -> MoveResult:
    """The pressing player joins tonight's session (a new character needs both choices)."""
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
            await (await lobby_post(bot, result.circle, session)).update(interaction)
            if joined.returning:
                who = f"{cast.name(character)}, {cast.archetype(character)}"
                await interaction.followup.send(f"You bring back {who}.", ephemeral=True)
            return
        name = cast.name(joined.character)
        await private(interaction, f"Welcome, {name}. You are in tonight's circle.")
        redraw_lobby(bot, result.circle.campaign, session.id)
        return
    line = embeds.events_embed(cast, session.phase, "The circle grows", [joined])
    await send_posts(interaction, [Post([line] if line else [])])


# --- a round -------------------------------------------------------------------------------------


class ActionButton(
    ui.DynamicItem[ui.Button[Any]], template=rf"bt:act:{SID}:(?P<round>\d+):(?P<action>[a-z]+)"
):
    def __init__(
        self,
        session_id: str,
        round_number: int,
        action: str,
        label: str = "",
        emoji: str | None = None,
    ) -> None:
        super().__init__(
            ui.Button(
                label=label or action.capitalize(),
                emoji=emoji,
                style=discord.ButtonStyle.primary
                if action == "signature"
                else discord.ButtonStyle.secondary,
                custom_id=f"bt:act:{session_id}:{round_number}:{action}",
            )
        )
        self.session_id, self.round, self.action = session_id, round_number, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> ActionButton:
        return cls(match["session"], int(match["round"]), match["action"])

    @guarded("an action button")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        if self.action == "signature" and await _signature_needs_target(interaction, campaign):
            table = await bot.service.table(campaign)
            session = _current(table.session, self.session_id, self.round)
            message_id = interaction.message.id if interaction.message else 0
            view = ui.View(timeout=None)
            view.add_item(
                TargetSelect(self.session_id, self.round, message_id, session, table.circle)
            )
            await interaction.response.send_message("Toward whom?", view=view, ephemeral=True)
            return
        result = await _act(interaction, campaign, self.session_id, self.round, self.action)
        await round_moved(interaction, result, on_round_message=True)


class ShareSelect(ui.DynamicItem[ui.Select[Any]], template=rf"bt:share:{SID}:(?P<round>\d+)"):
    def __init__(
        self, session_id: str, round_number: int, options: list[discord.SelectOption] | None = None
    ) -> None:
        super().__init__(
            ui.Select(
                placeholder=SHARE_PLACEHOLDER,
                custom_id=f"bt:share:{session_id}:{round_number}",
                options=options or [discord.SelectOption(label="nobody", value="none")],
            )
        )
        self.session_id, self.round = session_id, round_number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> ShareSelect:
        return cls(match["session"], int(match["round"]))

    @guarded("the Share select")
    async def callback(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        target = chosen(interaction)[0]
        result = await _act(interaction, campaign, self.session_id, self.round, "share", target)
        await round_moved(interaction, result, on_round_message=True)


class TargetSelect(
    ui.DynamicItem[ui.Select[Any]], template=rf"bt:sig:{SID}:(?P<round>\d+):(?P<message>\d+)"
):
    """For a signature move aimed at someone: sent privately, then the round message is redrawn."""

    def __init__(
        self,
        session_id: str,
        round_number: int,
        message_id: int,
        session: Session | None = None,
        circle: Circle | None = None,
    ) -> None:
        options = []
        if session is not None and circle is not None:
            for dreamer in session.acting():
                character = circle.characters[dreamer.character_id]
                options.append(discord.SelectOption(label=character.name[:100], value=character.id))
        super().__init__(
            ui.Select(
                placeholder="Choose a dreamer",
                custom_id=f"bt:sig:{session_id}:{round_number}:{message_id}",
                options=options or [discord.SelectOption(label="nobody", value="none")],
            )
        )
        self.session_id, self.round, self.message_id = session_id, round_number, message_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> TargetSelect:
        return cls(match["session"], int(match["round"]), int(match["message"]))

    @guarded("the signature target")
    async def callback(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        target = chosen(interaction)[0]
        result = await _act(interaction, campaign, self.session_id, self.round, "signature", target)
        await round_moved(
            interaction, result, on_round_message=False, round_message=self.message_id
        )


async def _act(
    interaction: discord.Interaction,
    campaign: Campaign,
    session_id: str,
    round_number: int,
    action: str,
    target: str | None = None,
) -> MoveResult:
    """The pressing dreamer's action in this round, acknowledged in time."""
    move = bot_of(interaction).service.act(
        campaign,
        interaction.user.id,
        action,
        target,
        key(interaction),
        session_id=session_id,
        round_number=round_number,
    )
    return await in_time(interaction, move)


async def round_moved(
    interaction: discord.Interaction,
    result: MoveResult,
    *,
    on_round_message: bool,
    round_message: int = 0,
) -> None:
    """After an action: redraw the round, or, once it resolves, narrate it and show what's next."""
    bot = bot_of(interaction)
    if result.replayed:
        await private(interaction, "Already done.")
        return
    resolved = first(result.events, RoundResolved) is not None
    out = posts.posts_for(bot, result) if resolved else [posts.round_message(bot, result)]
    if on_round_message:
        await send_posts(interaction, out, update=True)
        return
    await redraw(interaction, content="✨ Done.", view=None)
    await _edit_message(interaction, round_message, out[0])
    await follow_all(interaction, out[1:])


async def _signature_needs_target(interaction: discord.Interaction, campaign: Any) -> bool:
    bot = bot_of(interaction)
    player = await bot.service.player(interaction.user.id)
    table = await bot.service.table(campaign)
    character = table.circle.character_of(player.id) if player else None
    if character is None:
        return False
    return bot.content.archetype_by_key[character.archetype].signature.effect.needs_target


# --- the glitch ----------------------------------------------------------------------------------


class FaceButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:face:{SID}:(?P<glitch>\d+)"):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Face your prompt",
                emoji="🕯",
                style=discord.ButtonStyle.danger,
                custom_id=f"bt:face:{session_id}:{glitch}",
            )
        )
        self.session_id, self.glitch = session_id, glitch

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> FaceButton:
        return cls(match["session"], int(match["glitch"]))

    @guarded("Face your prompt")
    async def callback(self, interaction: discord.Interaction) -> None:
        post = await prompt_post(interaction, self.session_id)
        await post.respond(interaction, ephemeral=True)


async def prompt_post(interaction: discord.Interaction, session_id: str, note: str = "") -> Post:
    """The dreamer's current prompt, privately: always the current deal."""
    bot = bot_of(interaction)
    campaign = await campaign_here(interaction)
    table = await bot.service.table(campaign)
    if table.session is None or table.session.id != session_id:
        raise Stale("That glitch is over.")
    confession, prompt = await bot.service.my_prompt(campaign, interaction.user.id)
    cast = embeds.cast_for(bot.content, table.circle)
    other = cast.name(confession.other) if confession.other else "someone"
    text = prompt.text.format(other=other)
    embed = discord.Embed(
        title=f"Your prompt · {prompt.category.value}",
        description=text,
        colour=embeds.COLOURS[Phase.CONFESSING],
    )
    if note:
        embed.set_footer(text=note)
    if confession.status is not ConfessionStatus.DEALT:
        embed.add_field(name="Done", value="You have already answered. Thank you.")
        return Post([embed], None)
    view = ui.View(timeout=None)
    view.add_item(AnswerButton(session_id, confession.id))
    view.add_item(PassButton(session_id, confession.id))
    view.add_item(SoftenButton(session_id, len(table.session.glitches)))
    return Post([embed], view)


class AnswerButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:answer:{SID}:{CID}"):
    def __init__(self, session_id: str, confession_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Answer",
                emoji="✍",
                style=discord.ButtonStyle.primary,
                custom_id=f"bt:answer:{session_id}:{confession_id}",
            )
        )
        self.session_id, self.confession_id = session_id, confession_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(match["session"], match["confession"])

    @guarded("Answer")
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(
            ConfessionModal(
                self.session_id,
                self.confession_id,
                bot_of(interaction).content.rules.confession_max_chars,
            )
        )


class ConfessionModal(ui.Modal):
    PREFIX = "bt:m:confess"

    def __init__(self, session_id: str, confession_id: str, max_chars: int) -> None:
        super().__init__(
            title="Your confession", custom_id=f"{self.PREFIX}:{session_id}:{confession_id}"
        )
        self.add_item(
            ui.TextInput(
                label="Your answer",
                style=discord.TextStyle.paragraph,
                min_length=1,
                max_length=max_chars,
                custom_id="text",
            )
        )
        choice: ui.Select[Any] = ui.Select(
            custom_id="share",
            options=[
                discord.SelectOption(
                    label=SHARE, value="share", description="Revealed without your name"
                ),
                discord.SelectOption(
                    label=PRIVATE, value="private", description="Nobody ever sees it", default=True
                ),
            ],
        )
        self.add_item(ui.Label(text="Who sees it?", component=choice))


async def on_confession(
    interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]
) -> None:
    bot = bot_of(interaction)
    campaign = await campaign_here(interaction)
    share = "share" in (values.get("share") or [])
    result = await in_time(
        interaction,
        bot.service.answer(
            campaign,
            interaction.user.id,
            str(values.get("text", "")),
            share=share,
            key=key(interaction),
            session_id=match["session"],
        ),
    )
    thanks = (
        "Shared with the circle, without your name."
        if share
        else "Kept private. Nobody will ever read it."
    )
    await glitch_moved(interaction, result, f"Thank you. {thanks}")


class PassButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:pass:{SID}:{CID}"):
    def __init__(self, session_id: str, confession_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Pass",
                style=discord.ButtonStyle.secondary,
                custom_id=f"bt:pass:{session_id}:{confession_id}",
            )
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> PassButton:
        return cls(match["session"], match["confession"])

    @guarded("Pass")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        result = await in_time(
            interaction,
            bot.service.pass_prompt(
                campaign, interaction.user.id, key(interaction), session_id=self.session_id
            ),
        )
        await glitch_moved(
            interaction,
            result,
            "You passed. To everyone else it looks exactly like a private answer.",
        )


class SoftenButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:x:{SID}:(?P<glitch>\d+)"):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="X",
                style=discord.ButtonStyle.secondary,
                custom_id=f"bt:x:{session_id}:{glitch}",
            )
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> SoftenButton:
        return cls(match["session"], int(match["glitch"]))

    @guarded("X")
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        result = await in_time(
            interaction,
            bot.service.soften(
                campaign, interaction.user.id, key(interaction), session_id=self.session_id
            ),
        )
        if first(result.events, Passed):
            await glitch_moved(
                interaction, result, "X has been used up for this glitch, so you passed quietly."
            )
            return
        if first(result.events, Softened):
            post = await prompt_post(
                interaction, self.session_id, "Everyone still to answer now has a gentler prompt."
            )
            await post.update(interaction)
            # Told through the channel, not this interaction, so nothing ties it to the presser.
            channel = interaction.channel
            if isinstance(channel, discord.abc.Messageable):
                cast = embeds.cast_for(bot.content, result.circle)
                embed = embeds.events_embed(
                    cast,
                    Phase.CONFESSING,
                    "✕ Softer ground",
                    [e for e in result.events if isinstance(e, Softened)],
                )
                if embed is not None:
                    await channel.send(embed=embed)
            return
        await private(interaction, "You have already answered; thank you.")


async def glitch_moved(interaction: discord.Interaction, result: MoveResult, thanks: str) -> None:
    """Thank the dreamer privately; if that settled the glitch, reveal to the circle."""
    bot = bot_of(interaction)
    done = discord.Embed(description=thanks, colour=embeds.COLOURS[Phase.CONFESSING])
    if interaction.message is not None and interaction.message.flags.ephemeral:
        await redraw(interaction, embeds=[done], view=None)
    else:
        await Post([done]).respond(interaction, ephemeral=True)
    await follow_all(interaction, posts.posts_for(bot, result))


# --- the reveal ----------------------------------------------------------------------------------


class HearButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:hear:{SID}:{CARD}"):
    def __init__(self, session_id: str, card: str, number: int = 0) -> None:
        super().__init__(
            ui.Button(
                label=f"I hear you · {number}" if number else "I hear you",
                emoji="💜",
                style=discord.ButtonStyle.secondary,
                custom_id=f"bt:hear:{session_id}:{card}",
            )
        )
        self.session_id, self.card = session_id, card

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> HearButton:
        return cls(match["session"], match["card"])

    @guarded("I hear you")
    async def callback(self, interaction: discord.Interaction) -> None:
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
        await reveal_post(bot, result.circle, result.session).update(interaction)


class ReadyButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:ready:{SID}:(?P<glitch>\d+)"):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Return to the dream",
                emoji="🌙",
                style=discord.ButtonStyle.primary,
                custom_id=f"bt:ready:{session_id}:{glitch}",
            )
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> ReadyButton:
        return cls(match["session"], int(match["glitch"]))

    @guarded("Return to the dream")
    async def callback(self, interaction: discord.Interaction) -> None:
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
        await send_posts(interaction, [closed, *posts.posts_for(bot, result)], update=True)
        if heard is not None:
            await interaction.followup.send(heard_note(heard), ephemeral=True)


def heard_note(heard: int) -> str:
    """What an author alone is told of their shared confession: how many heard it."""
    return f"💜 {plural(heard, 'dreamer')} heard you."


class HideButton(ui.DynamicItem[ui.Button[Any]], template=rf"bt:hide:{SID}:(?P<glitch>\d+)"):
    """For hosts only: hide an abusive confession. Nothing about it reveals the author."""

    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Hide a confession (host)",
                emoji="🛡",
                style=discord.ButtonStyle.secondary,
                custom_id=f"bt:hide:{session_id}:{glitch}",
            )
        )
        self.session_id, self.glitch = session_id, glitch

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> HideButton:
        return cls(match["session"], int(match["glitch"]))

    @guarded("hiding a confession")
    async def callback(self, interaction: discord.Interaction) -> None:
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


class HidePick(ui.DynamicItem[ui.Select[Any]], template=rf"bt:hidepick:{SID}:(?P<glitch>\d+)"):
    def __init__(
        self, session_id: str, glitch: int, options: list[discord.SelectOption] | None = None
    ) -> None:
        super().__init__(
            ui.Select(
                placeholder="Choose the confession to hide",
                options=options or [discord.SelectOption(label="…", value="none")],
                custom_id=f"bt:hidepick:{session_id}:{glitch}",
            )
        )
        self.session_id, self.glitch = session_id, glitch

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> HidePick:
        return cls(match["session"], int(match["glitch"]))

    @guarded("hiding a confession")
    async def callback(self, interaction: discord.Interaction) -> None:
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


# --- views ---------------------------------------------------------------------------------------


async def lobby_post(bot: BedtimeBot, circle: Circle, session: Session) -> Post:
    """The lobby message as it should look now, "Previously at Bedtime…" included."""
    cast = embeds.cast_for(bot.content, circle)
    last = await bot.service.chronicle(circle.campaign)
    lines = previously(last, cast) if last is not None and last.session_id != session.id else []
    post = Post([embeds.lobby_embed(cast, session, lines)], lobby_view(session))
    post.lobby = session.id
    return post


LOBBY_REDRAW_SECONDS = 1.0  # a busy lobby is edited at most this often: the channel's limit


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
            await post.edit(channel.get_partial_message(where[1]))


def redraw_lobby(bot: BedtimeBot, campaign: Campaign, session_id: str) -> None:
    # Duck-typed: discord.py loads an extension as a module of its own, so the cog's class
    # need not be this module's.
    lobbies = getattr(bot.get_cog("Controls"), "lobbies", None)
    if lobbies is not None:
        lobbies.request(campaign, session_id)


def lobby_view(session: Session) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(JoinButton(session.id))
    return view


def round_view(bot: BedtimeBot, session: Session, circle: Circle) -> ui.View:
    view = ui.View(timeout=None)
    for action in ACTIONS:
        if action == "signature":
            view.add_item(ActionButton(session.id, session.round, action, "Signature", "✨"))
            continue
        known = bot.content.action_by_key[action]
        view.add_item(
            ActionButton(session.id, session.round, action, known.label, known.emoji or None)
        )
    options = [
        discord.SelectOption(
            label=circle.characters[d.character_id].name[:100], value=d.character_id
        )
        for d in session.acting()
    ]
    view.add_item(ShareSelect(session.id, session.round, options))
    return view


def glitch_view(session: Session) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(FaceButton(session.id, len(session.glitches)))
    return view


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
    for number, channel_id, message_id in await bot.safety.reveal_messages(session.id):
        channel = bot.get_partial_messageable(channel_id)
        post = reveal_post(bot, circle, session, number)
        try:
            await post.edit(channel.get_partial_message(message_id))
        except discord.NotFound:
            continue  # deleted by someone: nothing left to edit
        except discord.HTTPException:
            log.warning("Could not edit a reveal message in channel %s", channel_id)
            done = False
    return done


# --- plumbing ------------------------------------------------------------------------------------


def _current(session: Session | None, session_id: str, round_number: int) -> Session:
    if session is None or session.id != session_id:
        raise Stale("That belongs to a session that is over.")
    if session.round != round_number or session.phase is not Phase.DREAMING:
        raise Stale(f"That was round {round_number}; the dream has moved on.")
    return session


async def _edit_message(interaction: discord.Interaction, message_id: int, post: Post) -> None:
    channel = interaction.channel
    if not message_id or not isinstance(channel, discord.TextChannel | discord.Thread):
        return
    try:
        await post.edit(channel.get_partial_message(message_id))
    except discord.HTTPException:
        log.info("Could not redraw message %s in channel %s", message_id, interaction.channel_id)


MODALS: list[
    tuple[
        re.Pattern[str],
        Callable[[discord.Interaction, re.Match[str], dict[str, Any]], Awaitable[None]],
    ]
] = [
    (
        re.compile(rf"^{NameModal.PREFIX}:{SID}:(?P<archetype>[a-z][a-z0-9_-]*):(?P<message>\d+)$"),
        on_name,
    ),
    (re.compile(rf"^{ConfessionModal.PREFIX}:{SID}:{CID}$"), on_confession),
    (re.compile(r"^bt:m:rename:(?P<campaign>[0-9a-f]{16})$"), on_rename),
]


def modal_values(data: dict[str, Any]) -> dict[str, Any]:
    """Values by custom_id from a modal submit, whether in action rows or labels."""
    values: dict[str, Any] = {}
    for row in data.get("components") or []:
        children = row.get("components") or ([row["component"]] if "component" in row else [])
        for child in children:
            if "values" in child:
                values[child["custom_id"]] = child["values"]
            elif "value" in child:
                values[child["custom_id"]] = child["value"]
    return values


class Controls(commands.Cog):
    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot
        self.lobbies = LobbyRedraws(bot)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every modal submit is handled here from its custom_id, with or without a restart."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        for pattern, handler in MODALS:
            match = pattern.match(custom_id)
            if match:
                where = f"modal {custom_id.split(':')[2]}"
                work = handler(interaction, match, modal_values(data))
                await handle(interaction, where, work, match.groupdict().get("campaign"))
                return


DYNAMIC = (
    PageButton,
    RenameButton,
    RetireButton,
    JoinButton,
    ArchetypeSelect,
    ActionButton,
    ShareSelect,
    TargetSelect,
    FaceButton,
    AnswerButton,
    PassButton,
    SoftenButton,
    HearButton,
    ReadyButton,
    HideButton,
    HidePick,
)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(*DYNAMIC)
    await bot.add_cog(Controls(bot))  # type: ignore[arg-type]
