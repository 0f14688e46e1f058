"""A move's result as the messages the circle sees. Each event the circle is told (`told`) is
either announced (a short embed, merged with the announcements beside it) or drawn by a
presenter that a feature's cog registers for its class: the lobby, a round, the glitch, the
reveal, dawn. A test loads every extension and fails if a told class has neither."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.events import (
    Audience,
    Event,
    Left,
    Postponed,
    Recovered,
    Renamed,
    Rescued,
    Reset,
    Retired,
    RoundResumed,
    SessionStarted,
)
from bot.core.models import Circle, Session
from bot.core.phases import Phase
from bot.discord.posting import Post
from bot.render import embeds
from bot.render.registry import Presenters
from bot.render.text import Cast
from bot.services import MoveResult

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

# Told in a short announcement, merged when they come together.
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


@dataclass(frozen=True, slots=True)
class Scene:
    """What a presenter of posts draws against: the move's result, seen by the circle."""

    bot: BedtimeBot
    result: MoveResult
    cast: Cast
    events: list[Event]  # everything in the result the circle may see
    session: Session

    @property
    def circle(self) -> Circle:
        return self.result.circle


presents: Presenters[Post | None] = Presenters("discord")


def posts_for(bot: BedtimeBot, result: MoveResult) -> list[Post]:
    cast = embeds.cast_for(bot.content, result.circle)
    session = result.session
    events = [e for e in result.events if e.audience is not Audience.DREAMER]
    out: list[Post] = []
    announcing: list[Event] = []

    def flush() -> None:
        if announcing:
            phase = session.phase if session else Phase.ARCHIVED
            title = ANNOUNCED[type(announcing[0])]
            embed = embeds.events_embed(cast, phase, title, announcing)
            if embed is not None:
                out.append(Post([embed]))
            announcing.clear()

    for event in events:
        if type(event) in ANNOUNCED:
            announcing.append(event)
            continue
        flush()
        if session is None or type(event) not in presents:
            continue
        post = presents.find(event)(event, Scene(bot, result, cast, events, session))
        if post is None:
            continue
        fits = out and len(out[-1].embeds) + len(post.embeds) <= 3
        if post.joins and fits and out[-1].view is None:
            out[-1].embeds += post.embeds  # a new round shares the announcement before it
            out[-1].view = post.view
        else:
            out.append(post)
    flush()
    return out
