"""Turning a move's result into the messages the circle sees."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import discord

import cogs.controls as controls
from bot.core.events import (
    Audience,
    Dawn,
    Event,
    GlitchBegan,
    Left,
    LobbyOpened,
    Postponed,
    Previously,
    Recovered,
    Renamed,
    Rescued,
    Reset,
    Retired,
    Revealed,
    RoundResolved,
    RoundResumed,
    RoundStarted,
    SessionStarted,
    first,
)
from bot.core.phases import Phase
from bot.render import embeds
from bot.render.text import previously, see_you
from bot.services import MoveResult
from cogs.chronicle import picture_of
from cogs.replies import Post

if TYPE_CHECKING:
    from bot.client import BedtimeBot

# Events that are told in a short announcement, merged when they come together.
ANNOUNCED: dict[type[Event], str] = {
    Rescued: "💫 A rescue",
    Recovered: "🌫 The Mesh recovers",
    RoundResumed: "🌙 The dream goes on",
    Reset: "🛑 Emergency protocol",
    Postponed: "⏸ Postponed",
    Left: "The circle changes",
    Renamed: "A new name",
    Retired: "A dreamer retires",
    SessionStarted: "✦ The dream begins",
}


def posts_for(bot: BedtimeBot, result: MoveResult) -> list[Post]:
    cast = embeds.cast_for(bot.content, result.circle)
    session = result.session
    events = [e for e in result.events if e.audience is not Audience.DREAMER]
    out: list[Post] = []
    announcing: list[Event] = []

    def flush() -> None:
        if announcing:
            phase = session.phase if session else Phase.ARCHIVED
            embed = embeds.events_embed(cast, phase, ANNOUNCED[type(announcing[0])], announcing)
            if embed is not None:
                out.append(Post([embed]))
            announcing.clear()

    for event in events:
        if type(event) in ANNOUNCED:
            announcing.append(event)
            continue
        flush()
        if session is None:
            continue
        if isinstance(event, LobbyOpened) and session.phase is Phase.LOBBY:
            last = first(events, Previously)
            lines = previously(last.entry, cast) if last else []
            lobby = Post([embeds.lobby_embed(cast, session, lines)], controls.lobby_view(session))
            lobby.lobby = session.id
            out.append(lobby)
        elif isinstance(event, RoundStarted) and session.phase is Phase.DREAMING:
            post = Post(
                [embeds.round_embed(cast, session)],
                controls.round_view(bot, session, result.circle),
            )
            _merge_or_add(out, post)
        elif isinstance(event, RoundResolved):
            title = f"Round {event.round}: what happened"
            embed = embeds.events_embed(cast, Phase.DREAMING, title, [event])
            if embed is not None:
                out.append(Post([embed]))
        elif isinstance(event, GlitchBegan) and session.phase is Phase.CONFESSING:
            out.append(
                Post([embeds.glitch_embed(cast, session, events)], controls.glitch_view(session))
            )
        elif isinstance(event, Revealed):
            out.append(controls.reveal_post(bot, result.circle, session))
        elif isinstance(event, Dawn):
            entry = event.entry
            closing = see_you(event, cast)
            embed = embeds.recap_embed(cast, entry, session.texts, closing)
            picture = picture_of(bot.content, entry, result.circle, embed)
            # Dawn's own flow takes the text out of the reveals; should the bot die first,
            # their unsettled rows tell the next tick to.
            fade = functools.partial(controls.fade, bot, result.circle, session)
            out.append(Post([embed], picture=picture, then=fade))
    flush()
    return out


def _merge_or_add(out: list[Post], post: Post) -> None:
    """A new round shares a message with the announcement just before it."""
    if out and out[-1].view is None and len(out[-1].embeds) + len(post.embeds) <= 3:
        out[-1].embeds += post.embeds
        out[-1].view = post.view
    else:
        out.append(post)


def round_message(bot: BedtimeBot, result: MoveResult) -> Post:
    """The current round's message, re-drawn after a dreamer acts."""
    assert result.session is not None
    cast = embeds.cast_for(bot.content, result.circle)
    return Post(
        [embeds.round_embed(cast, result.session)],
        controls.round_view(bot, result.session, result.circle),
    )


def note(text: str, colour: int = 0x8E7CC3) -> Post:
    return Post([discord.Embed(description=text, colour=colour)])
