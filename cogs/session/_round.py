"""A round: the action buttons, Share with…, a signature's target, and the round message,
redrawn as dreamers choose and narrated when the round resolves."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.core.errors import Stale
from bot.core.events import RoundResolved, RoundStarted, first
from bot.core.models import Campaign, Circle, Session
from bot.core.phases import Phase
from bot.discord.controls import SESSION, Control, number, word
from bot.discord.lookup import bot_of, campaign_here, chosen, key
from bot.discord.posting import Post, acknowledge, follow_all, private, redraw, send_posts
from bot.discord.presenting import Scene, posts_for, presents
from bot.discord.timing import in_time
from bot.render import embeds
from bot.services import MoveResult

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

log = logging.getLogger(__name__)

SIGNATURE = "signature"


class ActionButton(
    Control[ui.Button[Any]],
    prefix="act",
    parts=(SESSION, number("round"), word("action")),
    where="an action button",
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
                if action == SIGNATURE
                else discord.ButtonStyle.secondary,
                custom_id=self.make_id(session_id, round_number, action),
            )
        )
        self.session_id, self.round, self.action = session_id, round_number, action

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        campaign = await campaign_here(interaction)
        if self.action == SIGNATURE and await _signature_needs_target(interaction, campaign):
            table = await bot.service.table(campaign)
            session = _current(table.session, self.session_id, self.round)
            message_id = interaction.message.id if interaction.message else 0
            if interaction.message is not None:
                bot.redraws.keep_above(interaction.message)
            view = ui.View(timeout=None)
            view.add_item(
                TargetSelect(self.session_id, self.round, message_id, session, table.circle)
            )
            await interaction.response.send_message("Toward whom?", view=view, ephemeral=True)
            return
        result = await _act(interaction, campaign, self.session_id, self.round, self.action)
        await round_moved(interaction, result)


class _Aimed:
    """What an action aimed at a dreamer does when its menu is used."""

    session_id: str
    round: int
    action: str

    async def pressed(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        target = chosen(interaction)[0]
        result = await _act(interaction, campaign, self.session_id, self.round, self.action, target)
        await round_moved(interaction, result)


def _dreamers_menu(
    custom_id: str, options: list[discord.SelectOption] | None, placeholder: str
) -> ui.Select[Any]:
    return ui.Select(
        placeholder=placeholder or "…",
        custom_id=custom_id,
        options=options or [discord.SelectOption(label="nobody", value="none")],
    )


class ShareSelect(
    _Aimed,
    Control[ui.Select[Any]],
    prefix="share",
    parts=(SESSION, number("round")),
    where="the Share select",
):
    """Share, the aimed action every circle has (its custom id predates the others')."""

    def __init__(
        self,
        session_id: str,
        round_number: int,
        options: list[discord.SelectOption] | None = None,
        placeholder: str = "",
    ) -> None:
        custom_id = self.make_id(session_id, round_number)
        super().__init__(_dreamers_menu(custom_id, options, placeholder))
        self.session_id, self.round, self.action = session_id, round_number, "share"


class AimSelect(
    _Aimed,
    Control[ui.Select[Any]],
    prefix="aim",
    parts=(SESSION, number("round"), word("action")),
    where="an action aimed at a dreamer",
):
    """Any other action aimed at a dreamer, as the content defines it."""

    def __init__(
        self,
        session_id: str,
        round_number: int,
        action: str,
        options: list[discord.SelectOption] | None = None,
        placeholder: str = "",
    ) -> None:
        custom_id = self.make_id(session_id, round_number, action)
        super().__init__(_dreamers_menu(custom_id, options, placeholder))
        self.session_id, self.round, self.action = session_id, round_number, action


class TargetSelect(
    Control[ui.Select[Any]],
    prefix="sig",
    parts=(SESSION, number("round"), number("message")),
    where="the signature target",
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
        custom_id = self.make_id(session_id, round_number, message_id)
        super().__init__(_dreamers_menu(custom_id, options, "Choose a dreamer"))
        self.session_id, self.round, self.message_id = session_id, round_number, message_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        target = chosen(interaction)[0]
        result = await _act(
            interaction, campaign, self.session_id, self.round, SIGNATURE, target, self.message_id
        )
        await round_moved(interaction, result, round_message=self.message_id)


async def _act(
    interaction: discord.Interaction,
    campaign: Campaign,
    session_id: str,
    round_number: int,
    action: str,
    target: str | None = None,
    round_message: int | None = None,
) -> MoveResult:
    """The pressing dreamer's action in this round, acknowledged in time. Once it is made, the
    round message's drawing of it is on its way: an older drawing still waiting to be sent
    (under load, answers wait for moves) is skipped, as this one will answer for it. The round
    message is the one pressed, unless given (a private menu's)."""
    bot = bot_of(interaction)
    if round_message is None and interaction.message is not None:
        round_message = interaction.message.id

    async def move() -> MoveResult:
        result = await bot.service.act(
            campaign,
            interaction.user.id,
            action,
            target,
            key(interaction),
            session_id=session_id,
            round_number=round_number,
        )
        if round_message and result.session is not None:
            bot.redraws.coming(round_message, result.session.moves)
        return result

    return await in_time(interaction, move())


async def round_moved(
    interaction: discord.Interaction,
    result: MoveResult,
    *,
    round_message: int | None = None,
) -> None:
    """After an action: redraw the round, or, once it resolves, narrate it and show what's next.
    The round message is the one pressed, unless given (the action was chosen in a private
    menu). A redraw keeps what the message shows above the round (the last round's story)."""
    bot = bot_of(interaction)
    if result.replayed:
        await private(interaction, "Already done.")
        return
    assert result.session is not None
    moves = result.session.moves
    resolved = first(result.events, RoundResolved) is not None
    if round_message is None:
        message = interaction.message
        if not resolved and message and bot.redraws.superseded(message.id, moves):
            await acknowledge(interaction)  # a newer drawing of the round answers for this one
            return
        above = message.embeds[:-1] if message else []
        out = posts_for(bot, result) if resolved else [round_message_post(bot, result, above)]
        await send_posts(interaction, out, update=True, moves=moves)
        return
    above = bot.redraws.above(round_message)
    out = posts_for(bot, result) if resolved else [round_message_post(bot, result, above)]
    await redraw(interaction, content="✨ Done.", view=None)
    await _edit_message(interaction, round_message, out[0], moves)
    await follow_all(interaction, out[1:])


async def _signature_needs_target(interaction: discord.Interaction, campaign: Campaign) -> bool:
    bot = bot_of(interaction)
    player = await bot.service.player(interaction.user.id)
    table = await bot.service.table(campaign)
    character = table.circle.character_of(player.id) if player else None
    if character is None:
        return False
    return bot.content.archetype_by_key[character.archetype].signature.effect.needs_target


def round_view(bot: BedtimeBot, session: Session, circle: Circle) -> ui.View:
    """A button for each action, the signature, and a menu of dreamers for each aimed action."""
    view = ui.View(timeout=None)
    actions = bot.content.actions
    for action in actions:
        if not action.effect.needs_target:
            emoji = action.emoji or None
            view.add_item(ActionButton(session.id, session.round, action.key, action.label, emoji))
    view.add_item(ActionButton(session.id, session.round, SIGNATURE, "Signature", "✨"))
    options = [
        discord.SelectOption(
            label=circle.characters[d.character_id].name[:100], value=d.character_id
        )
        for d in session.acting()
    ]
    for action in actions:
        if action.effect.needs_target:
            placeholder = f"{action.emoji} {action.label} with…".strip()
            if action.key == "share":
                view.add_item(ShareSelect(session.id, session.round, options, placeholder))
            else:
                aim = AimSelect(session.id, session.round, action.key, options, placeholder)
                view.add_item(aim)
    return view


def round_message_post(
    bot: BedtimeBot, result: MoveResult, above: list[discord.Embed] | None = None
) -> Post:
    """The current round's message, re-drawn after a dreamer acts, under what it showed above
    the round."""
    assert result.session is not None
    cast = embeds.cast_for(bot.content, result.circle)
    return Post(
        [*(above or []), embeds.round_embed(cast, result.session)],
        round_view(bot, result.session, result.circle),
    )


@presents(RoundStarted)
def _started(event: RoundStarted, scene: Scene) -> Post | None:
    if scene.session.phase is not Phase.DREAMING:
        return None
    embed = embeds.round_embed(scene.cast, scene.session)
    return Post([embed], round_view(scene.bot, scene.session, scene.circle), joins=True)


@presents(RoundResolved)
def _resolved(event: RoundResolved, scene: Scene) -> Post | None:
    title = f"Round {event.round}: what happened"
    embed = embeds.events_embed(scene.cast, Phase.DREAMING, title, [event])
    return Post([embed]) if embed is not None else None


def _current(session: Session | None, session_id: str, round_number: int) -> Session:
    if session is None or session.id != session_id:
        raise Stale("That belongs to a session that is over.")
    if session.round != round_number or session.phase is not Phase.DREAMING:
        raise Stale(f"That was round {round_number}; the dream has moved on.")
    return session


async def _edit_message(
    interaction: discord.Interaction, message_id: int, post: Post, moves: int
) -> None:
    channel = interaction.channel
    if not message_id or not isinstance(channel, discord.TextChannel | discord.Thread):
        return
    try:
        await bot_of(interaction).redraws.edit(channel.get_partial_message(message_id), post, moves)
    except discord.HTTPException:
        log.warning("Could not redraw message %s in channel %s", message_id, interaction.channel_id)
